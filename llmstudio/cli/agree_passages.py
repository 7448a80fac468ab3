"""``llmstudio agree PROJECT --passages``: agreement on coded passages, per code, over
characters (``core.passage_agreement``)."""

from __future__ import annotations

import argparse
import json

from ..core import passages
from ..core.errors import UsageError
from ..core.passage_agreement import METHOD, agreement_on_passages, left_out_text
from ..core.project import open_project_file
from .exit_codes import DONE


def add_args(p: argparse.ArgumentParser) -> None:
    """The options of ``agree --passages``."""
    p.add_argument(
        "--passages",
        action="store_true",
        help="a project's coded passages: per code, agreement between coders over the "
        "characters of the rows both looked at (percent, Cohen's kappa, Krippendorff's "
        "alpha, positive specific agreement; intervals resample rows)",
    )
    p.add_argument("--codebook", metavar="NAME", help="with --passages: the codebook")
    p.add_argument(
        "--coders", nargs="+", metavar="CODER", help="with --passages: two or more coders"
    )
    p.add_argument(
        "--code", action="append", metavar="CODE", help="with --passages: this code (repeatable)"
    )
    p.add_argument(
        "--children",
        action="store_true",
        help="with --passages: a code's passages include those of the codes under it",
    )


def _book(project, name: str | None):
    if name is not None:
        return project.codebook(name)
    with_passages = [n for n in project.codebooks() if passages.coders(project, n)]
    if len(with_passages) == 1:
        return project.codebook(with_passages[0])
    if not with_passages:
        raise UsageError(f"{project.path}: no coded passages to compare")
    raise UsageError(
        f"{project.path}: passages in several codebooks; give --codebook "
        f"({', '.join(map(repr, with_passages))})"
    )


def text(path: str, book: str, found) -> str:
    """The report for people: per code, each pair's statistics with their intervals."""
    lines = [
        f"project:   {path}",
        f"codebook:  {book}",
        f"method:    {METHOD}",
        "",
        f"  {'code':<20} {'coders':<22} {'rows':>5} {'chars':>8}  "
        f"{'percent':<21} {'Cohen kappa':<21} {'Kripp. alpha':<21} positive agr.",
    ]
    for item in found:
        if item.result is None:
            lines.append(f"  {item.code[:20]:<20} {item.problem}")
            continue
        for pair in item.result.pairs:
            coders = " / ".join(pair.coders)
            lines.append(
                f"  {item.code[:20]:<20} {coders[:22]:<22} {pair.rows:>5,} {pair.characters:>8,}  "
                + " ".join(
                    f"{e.text():<21}"
                    for e in (
                        pair.percent_agreement,
                        pair.cohen_kappa,
                        pair.krippendorff_alpha,
                        pair.positive_agreement,
                    )
                ).rstrip()
            )
        if len(item.result.coders) > 2:
            lines.append(
                f"  {item.code[:20]:<20} {'all coders':<22} {item.result.rows:>5,} "
                f"{item.result.characters:>8,}  {'':<21} {'':<21} "
                f"{item.result.krippendorff_alpha.text()}"
            )
    if left_out := left_out_text(found):
        lines += ["", left_out]
    lines += [
        "",
        "notes: percent, kappa and alpha count agreement on absence (characters nobody "
        "coded), which dominates in long texts; positive agreement counts coded characters "
        "only (2 x both / (first + second)). 'undefined': nobody (or everybody) coded every "
        "character compared. 'not used by these coders': none of them marked the code, so "
        "there is nothing to compare.",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """``agree PROJECT --passages``: the exit status."""
    if args.columns or args.run:
        raise UsageError("--passages compares coders (--coders), not --columns or --run")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    with open_project_file(args.file, "--passages reads a project's coded passages") as project:
        book = _book(project, args.codebook)
        found = agreement_on_passages(
            project,
            book,
            args.coders,
            args.code,
            children=args.children,
            n_resamples=args.bootstrap,
            seed=args.seed,
        )
        if args.json:
            out = {"codebook": book.name, "method": METHOD, "codes": [c.to_dict() for c in found]}
            print(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            print(text(str(args.file), book.name, found))
    return DONE
