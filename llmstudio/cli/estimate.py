"""``llmstudio estimate FILE_OR_PROJECT``: shares of each label (or a mean score), overall
and by a column's groups, corrected for the model's errors with a person's codes on a
random sample (prediction-powered inference, ``core/estimates.py``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.errors import UsageError
from .exit_codes import DONE
from .parser import Commands

JSON_FIELDS = (
    "group", "label", "n", "n_gold", "naive", "corrected", "ci_low", "ci_high",
    "human_only", "human_ci_low", "human_ci_high", "ppi_plus", "ppi_plus_ci_low",
    "ppi_plus_ci_high", "ppi_plus_lambda", "effective_n", "note",
)  # fmt: skip


def _columns(args: argparse.Namespace):
    """(frame, model column, gold column, sample origin) from the table or the project."""
    from ..core import estimate_sources as src
    from ..core.project import is_project, open_project_file

    if is_project(Path(args.file)):
        if args.run is None or args.coder is None:
            raise UsageError(
                "on a project, name the model run and the coder: --run N --coder NAME "
                "(llmstudio runs PROJECT lists the runs)"
            )
        if args.model_column or args.gold_column or args.sample_is_random:
            raise UsageError(
                "on a project, --run and --coder name the columns and the stored sample "
                "says how it was drawn: leave out --model-column, --gold-column and "
                "--sample-is-random"
            )
        with open_project_file(args.file, "it reads a run and a coder's codes") as project:
            frame, origin, _ = src.project_columns(project, args.run, args.coder)
        if args.by is not None and args.by not in frame.columns:
            raise UsageError(f"no column {args.by!r} to group by (--by) in {args.file}")
        return frame, src.MODEL, src.GOLD, origin
    if args.run is not None or args.coder is not None:
        raise UsageError("--run and --coder are for a project; in a table name the columns")
    if not args.model_column or not args.gold_column:
        raise UsageError("name the columns: --model-column COL --gold-column COL")
    from .reading import import_options, load

    frame = load(args.file, import_options(args)).frame
    return (
        frame,
        args.model_column,
        args.gold_column,
        src.table_origin(args.sample_is_random, args.gold_column),
    )


def _fmt(x, kind: str) -> str:
    if x is None:
        return "–"
    return f"{100 * x:5.1f}%" if kind == "share" else f"{x:.3f}"


def _with_ci(x, low, high, kind: str) -> str:
    return f"{_fmt(x, kind)} [{_fmt(low, kind)}, {_fmt(high, kind)}]"


def _print_table(report) -> None:
    kind = report.kind
    print(
        f"{report.rows:,} rows, {report.gold_rows:,} coded by a person "
        f"({report.sample.description}); 95% intervals"
    )
    print(
        f"{'group':<16} {'label':<14} {'n':>8} {'coded':>6}  {'naive':>7}  "
        f"{'person only':<24} {'corrected (PPI++)':<24} eff. n"
    )
    for e in report.estimates:
        human = _with_ci(e.human_only, e.human_ci_low, e.human_ci_high, kind)
        plus = _with_ci(e.ppi_plus, e.ppi_plus_ci_low, e.ppi_plus_ci_high, kind)
        eff = f"{e.effective_n:,.0f}" if e.effective_n is not None else "–"
        label = e.label if e.label is not None else "(mean)"
        print(
            f"{e.group[:16]:<16} {label[:14]:<14} {e.n:>8,} {e.n_gold:>6,}  "
            f"{_fmt(e.naive, kind):>7}  {human:<24} {plus:<24} {eff}"
        )
        if e.note:
            print(f"{'':<16} note: {e.note}")


def run(args: argparse.Namespace) -> int:
    """``estimate``: the estimates as a table (or JSON); the exit status."""
    from ..core.estimates import corrected_estimates
    from ..core.methods_estimates import methods_markdown, not_narrower

    if args.methods and Path(args.methods).suffix.lower() != ".md":
        raise UsageError(f"--methods writes Markdown: give a .md file, not {args.methods!r}")
    if args.target_width is not None and args.target_width <= 0:
        raise UsageError(f"--target-width must be above 0, not {args.target_width:g}")
    frame, model, gold, origin = _columns(args)
    kind = "mean" if args.mean else "share"
    report = corrected_estimates(frame, model, gold, origin, by=args.by, kind=kind)
    half_width = None
    if args.target_width is not None:  # points for a share, the score's units for a mean
        half_width = args.target_width / 100 if kind == "share" else args.target_width
    if args.json:
        out = {
            "model_column": report.model_column,
            "gold_column": report.gold_column,
            "by": report.by,
            "kind": report.kind,
            "rows": report.rows,
            "gold_rows": report.gold_rows,
            "rows_without_model_label": report.left_out,
            "sample": report.sample.description,
            "estimates": [{k: e.to_dict()[k] for k in JSON_FIELDS} for e in report.estimates],
        }
        print(json.dumps(out, indent=1, ensure_ascii=False))
    else:
        _print_table(report)
    if report.left_out:
        print(f"{report.left_out:,} rows without a model label left out", file=sys.stderr)
    for e in not_narrower(report):
        print(
            f"warning: {e.group}, {e.label or 'mean'}: the corrected interval is not narrower "
            f"than the person's {e.n_gold:,} coded rows alone",
            file=sys.stderr,
        )
    if half_width is not None:
        from ..core.estimate_planning import plan_sample

        print(plan_sample(report, half_width).sentence(), file=sys.stderr)
    if args.methods:
        Path(args.methods).write_text(methods_markdown(report, half_width), encoding="utf-8")
        print(f"wrote {args.methods}", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """Add ``estimate``'s parser."""
    from .reading import import_args

    p = commands.add(
        "estimate",
        run,
        description="Shares of each label (or a mean score), overall and by a column's "
        "groups, corrected for the model's errors with a person's codes on a random sample "
        "(prediction-powered inference, PPI and PPI++), beside the naive estimate (model "
        "labels only) and the person's sample alone.",
    )
    p.add_argument("file", help="a table (.csv .xlsx ...) or a project (.llmstudio)")
    p.add_argument("--model-column", metavar="COL", help="the model's label on every row")
    p.add_argument(
        "--gold-column",
        metavar="COL",
        help="a person's code, empty except on the validation sample",
    )
    p.add_argument(
        "--sample-is-random",
        action="store_true",
        help="the rows with a gold code were drawn at random from all rows (a table cannot "
        "show it; without this the estimate is refused)",
    )
    p.add_argument("--run", type=int, metavar="N", help="in a project: the model run")
    p.add_argument("--coder", metavar="NAME", help="in a project: the coder of the sample")
    p.add_argument("--by", metavar="COL", help="estimate within each group of this column")
    p.add_argument(
        "--mean", action="store_true", help="the columns are numbers: estimate their mean"
    )
    p.add_argument("--json", action="store_true", help="print JSON, per group and label")
    p.add_argument(
        "--target-width",
        type=float,
        metavar="W",
        help="the 95%% intervals' half-width you want (points for shares: 3 for ±3 points; "
        "the score's units for --mean): how many more rows to code for it, also in --methods",
    )
    p.add_argument("--methods", metavar="OUT.md", help="write the methods record")
    import_args(p)
