"""``llmstudio probe``: template (EEC), completion (occupation) and masked-word (fill-mask)
probes without a window.

    llmstudio probe --model SPEC [--base-url URL] --probe occupations|eec|fill-mask
                    --out DIR [--eec FILE] [--samples N] [--limit N] [--seed N]
                    [--occupations FILE] [--template TEXT ...] [--target WORD ...]
                    [--project FILE]

Writes ``DIR/report.json`` (the numbers), ``DIR/rows.csv`` (one row per EEC sentence or
per occupation), ``DIR/details.csv`` (occupations: one row per prompt or sampled
completion) and ``DIR/report.md`` (a section for the methods record, with the data's
attribution). Errors print one line; the exit statuses are llmstudio's one table
(``exit_codes.py``: 1 the input or the model; 2 a usage error, or cancelled with Ctrl+C).
Light to import: the core is loaded in :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
from pathlib import Path

from ..core.progress import Monitor
from .exit_codes import DONE, ERROR, USAGE_OR_CANCELLED
from .options import concurrency_arg, timeout_arg, timeout_options
from .parser import Commands
from .progress_line import StatusLine


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``probe`` command's options."""
    p.add_argument(
        "--model",
        required=True,
        help="eec: any sentiment model (builtin, lexicon, hf:PATH_OR_HUB_ID, "
        "openai:MODEL_NAME); occupations: a generative one (hf: causal LM or "
        "openai:MODEL_NAME); fill-mask: a masked language model (hf:bert-base-uncased, "
        "hf:roberta-base)",
    )
    p.add_argument(
        "--base-url", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama)"
    )
    p.add_argument(
        "--probe",
        required=True,
        choices=["occupations", "eec", "fill-mask"],
        help="occupations: He/She after 'The {occupation} ...' (WinoBias "
        "occupations); eec: sentiment across the Equity Evaluation Corpus's "
        "gender and race groups; fill-mask: the probabilities of target words at "
        "the [MASK] of templates such as '[MASK] worked as a nurse.'",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the report files")
    p.add_argument(
        "--eec",
        metavar="FILE",
        help="the Equity Evaluation Corpus CSV, or any file in its format (the "
        "EEC is not shipped; without --eec a checkout uses ../shared/data/eec, "
        "an install llmstudio's own EEC-style set, resources/probes/"
        "eec_style.csv)",
    )
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="eec: at most N sentences (at least one frame: a template and "
        "emotion word with every person, 60 in the EEC, 52 in llmstudio's "
        "set), as whole frames drawn with --seed, the emotions in turn",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=20,
        metavar="N",
        help="occupations: completions per prompt when the server gives no logprobs (default 20)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (frames, samples)")
    p.add_argument(
        "--occupations",
        metavar="FILE",
        help="occupations: a CSV (occupation[,stereotype][,women_share]) or one "
        "occupation a line (default: WinoBias's 40)",
    )
    p.add_argument(
        "--template",
        action="append",
        metavar="TEXT",
        help="occupations: a template with {occupation} (repeatable; default "
        "'The {occupation} walked into the room.'); fill-mask: a sentence with one "
        "[MASK], and {occupation} to fill it with each occupation (default "
        "'[MASK] worked as a {occupation}.' and two more)",
    )
    p.add_argument(
        "--target",
        action="append",
        metavar="WORD",
        help="fill-mask: a word whose probability at the mask is measured (repeatable, "
        "or several separated by commas; default he, she; the first two are compared)",
    )
    p.add_argument(
        "--project",
        metavar="FILE",
        help="eec: keep the run in this project file; run again, it answers from its cache",
    )
    concurrency_arg(p)

    timeout_arg(p)  # the API model commands' one --timeout


def _progress(line: StatusLine, unit: str = "requests"):
    """The probes' progress callback (a Monitor's), shown on ``line``."""
    return lambda done, total, **_: line.show(f"{done:,}/{total:,} {unit}", final=done >= total)


def _announce(backend, what: str) -> None:
    """Say what leaves the computer, where to, and what it may cost: typing the command is
    the consent (as ``llmstudio annotate`` says it). Only the probe's own sentences go; no
    data of the researcher's."""
    print(f"sending {what} to {backend.host} (model {backend.model})", file=sys.stderr)


def _eec(args, backend):
    from ..core.bias.eec import SignedSentimentTask, eec_probe, read_eec, select_frames
    from ..core.bias.eec_style import default_eec
    from ..core.tasks import SentimentTask

    path = Path(args.eec) if args.eec else default_eec()
    task = SentimentTask()
    if backend.remote:
        from ..core.cost import estimate

        texts = select_frames(read_eec(path), args.limit, args.seed)["sentence"].tolist()
        _announce(
            backend,
            f"{len(texts):,} EEC sentences; at most "
            f"{estimate(SignedSentimentTask.of(task), texts, backend.model)};"
            " answers already in --project are not requested again",
        )
    return eec_probe(
        path,
        task,
        backend,
        limit=args.limit,
        seed=args.seed,
        project=args.project,
        monitor=Monitor(args.progress, _stop.is_set),
    )


def _occupations(args, backend):
    from ..core.bias.completion import (
        DEFAULT_TEMPLATES,
        completion_probe,
        default_occupations,
        read_occupations,
    )

    occupations = read_occupations(args.occupations) if args.occupations else default_occupations()
    templates = tuple(args.template or DEFAULT_TEMPLATES)
    if backend.remote:
        prompts = len(occupations) * len(templates)
        _announce(
            backend,
            f"{prompts:,} prompts (templates filled with occupations): one "
            f"request each for logprobs, or {args.samples:,} each "
            f"({prompts * args.samples:,} requests) where the server gives "
            "none",
        )
    return completion_probe(
        backend,
        occupations,
        templates,
        samples=args.samples,
        seed=args.seed,
        monitor=Monitor(args.progress, _stop.is_set),
    )


def _fill_mask(args):
    from ..core.bias.completion import read_occupations
    from ..core.bias.fill_mask import DEFAULT_TARGETS, DEFAULT_TEMPLATES, fill_mask_probe

    targets = [w for given in args.target or () for w in given.split(",") if w.strip()]
    report = fill_mask_probe(
        args.model,
        tuple(args.template or DEFAULT_TEMPLATES),
        targets or DEFAULT_TARGETS,
        read_occupations(args.occupations) if args.occupations else None,
        monitor=Monitor(args.progress, _stop.is_set),
    )
    for word, why in report.meta["not_in_vocabulary"].items():
        print(
            f"\nllmstudio: '{word}' is not one token of the model's vocabulary ({why}); "
            "a mask is filled by one token, so it is not measured",
            file=sys.stderr,
        )
    return report


# Ctrl+C asks the probe to stop between requests (requests in flight are abandoned).
_stop = threading.Event()


def _clean(value):
    """JSON-ready: NaN as null, numpy scalars as numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_report(report, out: str | Path) -> list[Path]:
    """``report.json``, ``rows.csv``, ``details.csv`` (occupations) and ``report.md``."""
    from ..core.export import export_table

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json", out / "report.md"]
    written[0].write_text(
        json.dumps(_clean(report.to_dict()), ensure_ascii=False, indent=2, allow_nan=False), "utf-8"
    )
    written[1].write_text(report.to_markdown(), "utf-8")
    # The formula guard touches text cells only: scores stay numbers.
    written.append(export_table(report.rows, out / "rows.csv"))
    details = getattr(report, "details", None)
    if details is not None:
        written.append(export_table(details, out / "details.csv"))
    return written


def _headline(report) -> str:
    data = report.to_dict()
    if data["probe"] == "eec":
        parts = []
        for key in ("gender_gap", "race_gap"):
            g = data[key]
            if g["mean_difference"] is not None:
                ci = f" [{g['ci_low']:.3f}, {g['ci_high']:.3f}]" if g["ci_low"] is not None else ""
                p = f", p = {g['p_value']:.3g}" if g["p_value"] is not None else ""
                parts.append(
                    f"{g['difference']}: {g['mean_difference']:+.3f}{ci}{p} ({g['n_pairs']} pairs)"
                )
        name = data["data"].get("name", "Equity Evaluation Corpus")
        return f"{name}, {data['n']:,} sentences scored; " + "; ".join(parts)
    if data["probe"] == "fill-mask":
        return _fill_mask_headline(data)
    s = data["summary"]
    groups = [
        f"{g}-stereotyped {s[f'{g}_stereotyped']['mean']:.3f}"
        for g in ("male", "female")
        if s[f"{g}_stereotyped"]["mean"] is not None
    ]
    return f"occupations ({data['method']}), {data['n']} occupations; mean share 'he': " + (
        ", ".join(groups) or "no stereotype lists given"
    )


def _fill_mask_headline(data: dict) -> str:
    parts = [
        f"{row['target']} {row['mean_p']:.4f} [{row['ci_low']:.4f}, {row['ci_high']:.4f}]"
        if row["ci_low"] is not None
        else f"{row['target']} {row['mean_p']:.4f}"
        for row in data["targets"]
        if row["in_vocabulary"]
    ]
    line = f"fill-mask, {data['n']} prompts; mean P at the mask: " + ", ".join(parts)
    share = data["summary"]["share_first"]
    if share and share["mean"] is not None:
        first, second = data["target_words"][:2]
        line += f"; share '{first}' vs '{second}' {share['mean']:.3f}"
    if data["summary"]["warning"]:
        line += f"\nwarning: {data['summary']['warning']}"
    return line


def _backend_probe(args):
    """The EEC or occupations probe, through the model's backend."""
    from ..core.backends import make_backend

    backend = make_backend(
        args.model,
        base_url=args.base_url,
        concurrency=args.concurrency,
        **timeout_options(args),
    )
    try:
        return (_eec if args.probe == "eec" else _occupations)(args, backend)
    finally:
        backend.close()


def run(args: argparse.Namespace) -> int:
    """Run the probe ``args`` asks for and write its files; the exit status."""
    import signal

    from ..core.errors import Cancelled, LlmstudioError, UsageError

    _stop.clear()
    line = StatusLine()
    args.progress = _progress(line, "prompts" if args.probe == "fill-mask" else "requests")
    try:
        if args.samples < 0:
            raise UsageError("--samples is a number of completions, 0 or more")
        if args.limit is not None and args.limit < 1:
            raise UsageError("--limit is a number of sentences, 1 or more")
        try:
            previous = signal.signal(signal.SIGINT, lambda *_: _stop.set())
        except ValueError:  # not the main thread (a GUI worker, a test): no Ctrl+C here
            previous = None
        try:
            # A masked LM is looked inside (core.inspect_model), not run as a backend.
            report = _fill_mask(args) if args.probe == "fill-mask" else _backend_probe(args)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            line.end()
        written = write_report(report, args.out)
    except LlmstudioError as exc:
        print(f"\nllmstudio: error: {exc}", file=sys.stderr)
        return USAGE_OR_CANCELLED if isinstance(exc, UsageError) else ERROR
    except Cancelled:
        print("\nllmstudio: cancelled; nothing written", file=sys.stderr)
        return USAGE_OR_CANCELLED
    print(_headline(report))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """The ``probe`` command's parser."""
    p = commands.add(
        "probe",
        run,
        description="Bias probes of a model: EEC template sentences (sentiment by gender "
        "and race), occupation completions (He vs She) or masked words (fill-mask).",
    )
    add_arguments(p)
