"""The methods record's section on agreement over coded passages: per codebook with
passages of two or more coders, per code and pair of coders, the statistics over
characters with their intervals, and the method named (``passage_agreement.METHOD``)."""

from __future__ import annotations

from .errors import LlmstudioError
from .methods_document import Document
from .methods_facts import estimate_text
from .passage_agreement import METHOD, agreement_on_passages, left_out_text
from .passages import coders, counts_by_row
from .project import Project


def passage_books(project: Project) -> list[str]:
    """The codebooks with passages in force (coded in passages only, they are still coded)."""
    return [name for name in project.codebooks() if coders(project, name)]


def passage_counts(project: Project, codebook: str) -> dict[str, int]:
    """How many passages in force each coder marked in ``codebook``."""
    return {
        coder: sum(n for _, _, n in counts_by_row(project, codebook, coder))
        for coder in coders(project, codebook)
    }


def coded_text(texts: int, passages: int) -> str:
    """ "2 texts, 1 passage": what a coder coded (whole texts, passages), for a sentence."""
    said = [
        f"{n:,} {what}{'s' if n != 1 else ''}"
        for n, what in ((texts, "text"), (passages, "passage"))
        if n
    ]
    return ", ".join(said)


def passage_section(doc: Document, project: Project, n_resamples: int, seed: int) -> list[str]:
    """Add "Agreement on passages" to ``doc``; nothing when no codebook has passages of two
    coders. Returns the suggested paragraph's sentences on it (:func:`sentences`)."""
    found = []
    for name in project.codebooks():
        if len(coders(project, name)) < 2:
            continue
        try:
            book = project.codebook(name)
            found.append(
                (name, agreement_on_passages(project, book, n_resamples=n_resamples, seed=seed))
            )
        except LlmstudioError as exc:
            found.append((name, str(exc)))
    if not found:
        return []
    doc.h(2, "Agreement on passages")
    doc.p(
        f"Passages compared over characters: {METHOD}; {n_resamples:,} resamples, "
        f"seed {seed}. A character nobody coded agrees on absence, which dominates long "
        "texts: positive agreement (2 x coded by both / (coded by the first + coded by the "
        "second), Dice) counts coded characters only."
    )
    rows = []
    for name, results in found:
        if isinstance(results, str):
            rows.append((name, "-", "-", "-", "-", results, "-", "-", "-"))
            continue
        for item in results:
            if item.result is None:
                rows.append((name, item.code, "-", "-", "-", item.problem, "-", "-", "-"))
                continue
            for pair in item.result.pairs:
                rows.append(
                    (
                        name,
                        item.code,
                        " / ".join(pair.coders),
                        pair.rows,
                        pair.characters,
                        estimate_text(pair.percent_agreement),
                        estimate_text(pair.cohen_kappa),
                        estimate_text(pair.krippendorff_alpha),
                        estimate_text(pair.positive_agreement),
                    )
                )
    doc.table(
        [
            "codebook",
            "code",
            "coders",
            "N rows",
            "N characters",
            "percent agreement",
            "Cohen's kappa",
            "Krippendorff's alpha",
            "positive agreement",
        ],
        rows,
    )
    for name, results in found:
        if not isinstance(results, str) and (left_out := left_out_text(results)):
            doc.p(f"{name}: {left_out}.")
    if any(not isinstance(r, str) and any(not c.used for c in r) for _, r in found):
        doc.p("A code none of the coders marked is listed as not used, without statistics.")
    return sentences(found)


def sentences(found) -> list[str]:
    """For the suggested methods paragraph: per code and pair with a defined kappa, its
    kappa and positive agreement with their intervals, over how many rows and characters."""
    out = []
    for name, results in found:
        if isinstance(results, str):
            continue
        for item in results:
            for pair in item.result.pairs if item.result else ():
                k, pos = pair.cohen_kappa, pair.positive_agreement
                if k.value != k.value:
                    continue
                ci = f" (95% CI {k.ci_low:.2f} to {k.ci_high:.2f})" if k.ci_low is not None else ""
                out.append(
                    f"Passages coded {item.code!r} ({name!r}) by {pair.coders[0]} and "
                    f"{pair.coders[1]} were compared over the {pair.characters:,} characters "
                    f"of {pair.rows:,} texts both coded: Cohen's kappa = {k.value:.2f}{ci}, "
                    f"positive agreement on coded characters = {pos.text()}."
                )
    return out
