"""``llmstudio bias FILE --swap LIST --out DIR``: counterfactual swaps, does the label change?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import LlmstudioError, UsageError
from ..core.progress import Monitor
from ..core.project import SUFFIX
from .checks import check_counts, check_has_rows, check_model
from .exit_codes import DONE, USAGE_OR_CANCELLED
from .options import (
    api_args,
    bootstrap_args,
    label_args,
    model_args,
    sends_requests,
    timeout_options,
)
from .parser import Commands
from .progress_line import StatusLine, progress_printer
from .reading import import_args, import_options, load
from .sending import announce_api_run


def run(args: argparse.Namespace) -> int:
    """``bias``: each text and its swapped copy through the model, compared; the exit status."""
    import signal
    import threading

    from ..core.backends import make_backend
    from ..core.bias.counterfactual import (
        counterfactual_project,
        rows_with_swaps,
        run_counterfactual,
        swapped_column,
        write_report,
    )
    from ..core.bias.swaps import load_swaps, swap_all
    from ..core.cells import cell_text
    from ..core.tasks.build import TaskOptions, make_task, parse_labels

    # Everything the user can get wrong is checked before a model is loaded.
    check_counts(args)
    check_model(args)
    timeout = timeout_options(args)
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    if not args.out and not args.show_swaps:
        raise UsageError(
            "--out DIR is needed (the folder for report.json, rows.csv, "
            "report.md), or --show-swaps to only see the swaps"
        )
    swaps = load_swaps(args.swap)
    task = make_task(
        TaskOptions(
            task=args.task,
            labels=parse_labels(args.labels),
            scale=args.scale,
            codebook=args.codebook,
        )
    )
    corpus = load(args.file, import_options(args))
    check_has_rows(corpus, args.file)
    column = args.text_column or corpus.text_column
    if column not in corpus.frame.columns:
        raise LlmstudioError(
            f"{args.file}: no column {column!r}; the columns are "
            f"{', '.join(map(repr, corpus.columns))}"
        )
    if args.show_swaps:
        rows = range(min(len(corpus.frame), args.limit or len(corpus.frame)))
        texts = [cell_text(corpus.frame[column], i) for i in rows]
        shown = 0
        for row_id, (text, s) in enumerate(zip(texts, swap_all(texts, swaps))):
            if s.n:
                shown += 1
                print(f"row {row_id + 1} ({s.describe()}):\n  - {text}\n  + {s.text}")
        print(
            f"{shown:,} of {len(texts):,} rows of column {column!r} have a swap "
            f"(swap list {swaps.name!r}, {len(swaps.pairs)} pairs); nothing was run"
        )
        return DONE
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The runs live in the output folder: the same command again resumes or reuses them.
    project, swapped = counterfactual_project(out / f"bias{SUFFIX}", corpus, column, swaps)
    line = StatusLine()
    try:
        options = {}
        if sends_requests(args.model):
            options = {"requests_per_minute": args.rpm, "tokens_per_minute": args.tpm, **timeout}
        backend = make_backend(
            args.model, base_url=args.base_url, concurrency=args.concurrency, **options
        )
        rows = rows_with_swaps(swapped, args.limit)
        if backend.remote and rows:
            announce_api_run(
                project, task, backend, args, [column, swapped_column(column, swaps)], rows
            )
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
        result = run_counterfactual(
            project,
            task,
            backend,
            swaps,
            swapped,
            text_column=column,
            limit=args.limit,
            score=args.score,
            n_resamples=args.bootstrap,
            seed=args.seed,
            monitor=Monitor(progress_printer(line), stop.is_set),
        )
        backend.close()
    finally:
        project.close()
    line.end()
    if not rows:
        print(
            f"llmstudio: no row of column {column!r} has a word of the swap list "
            f"{swaps.name!r}: nothing to compare",
            file=sys.stderr,
        )
    paths = write_report(result, out)
    d = result.to_dict()
    print(_bias_text(d))
    for path in paths + [project.path]:
        print(f"wrote {path}", file=sys.stderr)
    if result.status != "done":
        print(
            f"llmstudio: the runs were {result.status}; the report covers the rows finished "
            "so far (run the same command again to resume)",
            file=sys.stderr,
        )
        return USAGE_OR_CANCELLED
    return DONE


def _bias_text(d: dict) -> str:
    def num(value, digits=3):
        return "undefined" if value is None else f"{value:.{digits}f}"

    lines = [
        f"swap list:  {d['swap_list']['name']} ({d['swap_list']['pairs']} pairs)",
        f"rows:       {d['rows_total']:,}: {d['rows_with_swaps']:,} with a swap, "
        f"{d['rows_without_swaps']:,} without (not compared), {d['rows_failed']:,} failed",
        f"n:          {d['n']:,} rows compared",
        f"changed:    {d['changed']:,} labels, share {num(d['changed_share'])} "
        f"[{num(d['changed_share_ci_low'])}, {num(d['changed_share_ci_high'])}]",
    ]
    if d["mean_difference"] is not None:
        lines += [
            f"difference: mean {num(d['mean_difference'])} "
            f"[{num(d['ci_low'])}, {num(d['ci_high'])}] (swapped - original, "
            f"{d['score']} score)",
            f"test:       {d['test']}, p = {num(d['p_value'], 4)}",
        ]
    return "\n".join(lines)


def register(commands: Commands) -> None:
    """The ``bias`` command's parser."""
    p = commands.add(
        "bias",
        run,
        description="Counterfactual swaps: run a task on each text and on the same text "
        "with gendered words or names swapped (he<->she, John<->Mary, ...), "
        "and report how often the label changes, the mean score difference "
        "with a paired bootstrap 95% CI and a paired test. Writes "
        "report.json, rows.csv and report.md to --out, and keeps the runs "
        f"in --out's bias{SUFFIX} (run again: resumed, served from the cache).",
    )
    p.add_argument("file", help="a data file, or a project")
    p.add_argument(
        "--swap",
        required=True,
        metavar="LIST",
        help="gender, names, names-race, or a CSV/TXT file of word pairs (one pair a line: he,she)",
    )
    p.add_argument(
        "--task",
        choices=["sentiment", "code"],
        default="sentiment",
        help="sentiment (default; scored on a signed axis) or code "
        "(single-label: the share of changed codes only)",
    )
    model_args(p)
    label_args(p)
    p.add_argument("--out", help="folder for report.json, rows.csv and report.md")
    p.add_argument(
        "--show-swaps",
        action="store_true",
        help="print each swapped text and exit without running a model",
    )
    p.add_argument(
        "--score",
        choices=["signed", "label"],
        default="signed",
        help="signed (default): P(positive) - P(negative) where the model "
        "gives probabilities (VADER: its compound score); label: the "
        "label's direction only (-1/0/+1)",
    )
    bootstrap_args(p, 2000)
    api_args(p)
    p.add_argument("--limit", type=int, help="only the first N rows")
    import_args(p)
