"""``llmstudio agree``: agreement between coder or model columns (``--columns``), or the
stability of two runs of a project (``--run N --run M``)."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.errors import LlmstudioError, UsageError
from ..core.project import Project, is_project, load_any, open_project_file
from . import agree_passages
from .exit_codes import DONE
from .options import bootstrap_args
from .parser import Commands
from .reading import import_args, import_options, load_with_codes


def _agree_text(file: str, report) -> str:
    """The agreement report as a table for people: values with their 95% intervals."""
    # Pairs are named in full: columns cut to a few letters (sentiment_la / sentiment_la)
    # could not be told apart, so the name column widens to the longest pair instead.
    pairs = {
        f"Cohen's kappa {a} / {b}": e
        for (a, b), e in (report.pairwise_cohen_kappa.items() if report.cohen_kappa is None else ())
    }
    width = max([32, *map(len, pairs)])

    def row(name: str, e) -> str:
        value = "undefined" if e.value != e.value else f"{e.value:.3f}"
        ci = f"[{e.ci_low:.3f}, {e.ci_high:.3f}]" if e.ci_low is not None else "-"
        return f"  {name:<{width}} {value:>9}  {ci:<17} {e.n:>7,}"

    cols = ", ".join(map(repr, report.columns))
    lines = [
        f"file:      {file} ({report.rows:,} rows)",
        f"columns:   {cols}",
        f"n:         {report.n:,} rows with codes from at least two columns; "
        f"{report.skipped:,} skipped (fewer than two codes)",
        f"codes:     {', '.join(report.labels)}",
        f"intervals: 95% percentile bootstrap, {report.n_resamples:,} resamples of rows, "
        f"seed {report.seed}",
        "",
        f"  {'statistic':<{width}} {'value':>9}  {'95% CI':<17} {'n':>7}",
        # with two columns percent agreement is accuracy: one number, one row
        row(
            "percent agreement" + (" (= accuracy)" if report.cohen_kappa is not None else ""),
            report.percent_agreement,
        ),
        row("Krippendorff's alpha (nominal)", report.krippendorff_alpha),
    ]
    if report.cohen_kappa is not None:
        lines += [
            row("Cohen's kappa", report.cohen_kappa),
            "",
            f"  against {report.columns[0]!r} as the reference:",
            row("macro-F1", report.macro_f1),
        ]
        for code, stats in report.per_code.items():
            lines += [
                row(f"{code[:20]}: {what}", stats[what]) for what in ("precision", "recall", "f1")
            ]
        width = max(len(label) for label in report.labels) + 2
        lines += [
            "",
            f"  confusion matrix (rows: {report.columns[0]!r}, columns: {report.columns[1]!r})",
            "  " + " " * width + "".join(f"{label:>{width}}" for label in report.labels),
        ]
        lines += [
            "  " + f"{label:<{width}}" + "".join(f"{c:>{width},}" for c in counts)
            for label, counts in zip(report.labels, report.confusion)
        ]
    else:
        lines.append(row("Fleiss' kappa (rows all coded)", report.fleiss_kappa))
        lines += [row(name, e) for name, e in pairs.items()]
    return "\n".join(lines + _agree_notes(report))


def _agree_notes(report) -> list[str]:
    """Why a value is undefined or an interval says little (the Validate view's notes)."""
    from ..core.validation_report import build_report

    names = report.columns + report.columns[:1] * (len(report.columns) < 2)
    rep = build_report(report, "", repr(names[0]), repr(names[1]))
    notes = [f"  {s.name}: {s.note}" for s in rep.stats if s.note]
    notes += [
        f"  {label} {x.name}: {x.note}"
        for label, *values, _ in rep.per_code
        for x in values
        if x.note
    ]
    if rep.precision:
        notes.append(f"  {rep.precision}")
    return ["", "notes:", *notes] if notes else []


def run(args: argparse.Namespace) -> int:
    """``agree``: two or more columns compared (or two runs: ``--run``); the exit status."""
    from ..core.stats import agreement

    if args.passages:
        return agree_passages.run(args)
    if args.run:
        return _agree_runs(args)
    if not args.columns:
        raise UsageError(
            "give --columns A B (coders or model columns), or --run N --run M "
            "(two runs of a project)"
        )
    if len(args.columns) < 2:
        raise UsageError("--columns needs at least two columns (coders or models)")
    if len(set(args.columns)) < len(args.columns):
        raise UsageError(f"a column is named twice in --columns {args.columns}")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    frame = load_with_codes(args.file, import_options(args))
    if missing := [c for c in args.columns if c not in frame.columns]:
        raise LlmstudioError(
            f"{args.file}: no column {', '.join(map(repr, missing))}; "
            f"the columns are {', '.join(map(repr, frame.columns))}"
        )
    report = agreement(
        [frame[c].tolist() for c in args.columns],
        args.columns,
        n_resamples=args.bootstrap,
        seed=args.seed,
    )
    counts, warning = _agree_blind(args.file, frame, args.columns)
    for note in _run_notes(args.file, args.columns):
        print(f"llmstudio: note: {note}", file=sys.stderr)
    if args.json:
        out = report.to_dict()
        if counts is not None:
            out["human_codes"] = {"blind": [c.to_dict() for c in counts], "warning": warning}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(_agree_text(args.file, report))
        if counts:
            print("\nhuman codes compared (blind / not blind / mode not recorded):")
            for c in counts:
                print(f"  {c.describe()}")
    if warning:  # with the report; beside the JSON, where scripts do not parse it
        print(f"\n{warning}", file=sys.stderr if args.json else sys.stdout)
    return DONE


def _run_notes(file: str, columns: list[str]) -> list[str]:
    """For a project: which run each named model column is, said when that run is not
    complete ("interrupted, 69 of 300 rows"), so that a partial run is never taken for
    the whole one."""
    from ..core.results import run_columns
    from ..core.runs import COMPLETE

    if not is_project(file):  # a renamed project is one too
        return []
    with Project.open(file) as project:
        made = run_columns(project, project.columns)
    return [
        f"{c!r} is {made[c].describe()}" for c in columns if c in made and made[c].state != COMPLETE
    ]


def _agree_blind(file: str, frame, columns: list[str]):
    """For a project: the blind counts of its coder columns among ``columns`` and the
    warning for a model compared with codes made in sight of its answers; (None, None)
    for a data file (it does not say how its codes were made)."""
    from ..core.blind import blind_of_columns

    if not is_project(file):  # a renamed project is one too
        return None, None
    corpus, project = load_any(file)
    try:
        return blind_of_columns(project, frame, columns, corpus.frame.columns)
    finally:
        project.close()


def stability_text(project: Project, a: int, b: int, found) -> str:
    """Two runs compared, row by row, as a table for people (``agree --run``, ``replicate``)."""
    from ..core.replicate import stored_changes
    from ..core.results import describe_run
    from ..core.runs import run_info

    def est(e) -> str:
        return "-" if e is None else e.text()

    of = run_info(project, b).replicate_of
    lines = [
        f"project:   {project.path}",
        f"run {a}:    {describe_run(project, a)}",
        f"run {b}:    {describe_run(project, b)}",
    ]
    if of == a:
        lines.append(f"run {b} replicates run {a}; changed: {stored_changes(project, a, b)}")
    lines += [
        "intervals: kappa and alpha 95% percentile bootstrap; share changed Wilson 95%",
        "",
        f"  {'compared':<28} {'n':>6}  {'share changed [95% CI]':<24} "
        f"{'Cohen kappa [95% CI]':<26} {'Krippendorff alpha [95% CI]':<26}",
    ]
    for r in found:
        share = r.share_text()
        lines.append(
            f"  {r.what[:28]:<28} {r.n:>6,}  {share:<24} {est(r.kappa):<26} {est(r.alpha)}"
        )
        if r.full_note():
            lines.append(f"  {'':<28} {r.full_note()}")
    return "\n".join(lines)


def _agree_runs(args: argparse.Namespace) -> int:
    """``agree PROJECT --run N --run M``: two runs compared like two coders."""
    from ..core.stability import compare_runs

    if len(args.run) != 2:
        raise UsageError(f"--run compares two runs: give it twice (got {len(args.run)})")
    if args.columns:
        raise UsageError("give --columns or --run, not both")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    a, b = args.run
    if a == b:  # as --columns naming a column twice: the command line's error
        raise UsageError(f"--run {a} given twice: give two different runs")
    with open_project_file(args.file) as project:
        found = compare_runs(project, a, b, n_resamples=args.bootstrap, seed=args.seed)
        if args.json:
            print(json.dumps([r.to_dict() for r in found], ensure_ascii=False, indent=2))
        else:
            print(stability_text(project, a, b, found))
    return DONE


def register(commands: Commands) -> None:
    """The ``agree`` command's parser."""
    p = commands.add(
        "agree",
        run,
        description="Agreement between coders or models: columns of nominal codes in one "
        "table, one row per text. Empty cells are missing codes; rows with "
        "codes from fewer than two columns are skipped. With two columns the "
        "first is the reference for accuracy, F1 and the confusion matrix.",
    )
    p.add_argument("file", help="a data file, or a project")
    p.add_argument(
        "--columns",
        nargs="+",
        metavar="COL",
        help="two or more columns holding codes (coders or model runs)",
    )
    p.add_argument(
        "--run",
        type=int,
        action="append",
        metavar="N",
        help="a project's run, given twice: the two runs compared like two "
        "coders (run-to-run stability of a replicate)",
    )
    agree_passages.add_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    bootstrap_args(p, 1000)
    import_args(p)
