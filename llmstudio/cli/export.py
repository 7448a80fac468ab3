"""``llmstudio export PROJECT``: the annotated table (``--out``), the methods record
(``--methods``) and the coding log (``--coding-log``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import LlmstudioError, UsageError
from ..core.export import export_format
from ..core.project import SUFFIX, open_project_file
from .exit_codes import DONE
from .options import bootstrap_args
from .parser import Commands


def run(args: argparse.Namespace) -> int:
    """``export``: the project's table, methods record and/or coding log; the exit status."""
    from ..core.annotated import annotated_format, export_annotated
    from ..core.methods import write_methods

    if not args.out and not args.methods and not args.coding_log:
        raise UsageError(
            "give --out FILE (.csv .xlsx .parquet .dta; .qdpx for QDA programs), --methods OUT.md "
            "(or .html) and/or --coding-log FILE (.csv .xlsx .parquet)"
        )
    if (args.bias_report or args.chart) and not args.methods:
        raise UsageError("--bias-report and --chart go into the methods record: give --methods")
    if args.coding_log:
        try:
            export_format(args.coding_log)  # a wrong suffix fails before any work
        except LlmstudioError as exc:
            raise UsageError(str(exc)) from None
    suffix = Path(args.out).suffix.lower() if args.out else ""
    qdpx, qdc = suffix == ".qdpx", suffix == ".qdc"
    if qdc != bool(args.codebook):
        raise UsageError("a codebook alone: --out FILE.qdc with --codebook NAME")
    if args.out and not (qdpx or qdc):
        try:
            annotated_format(args.out)  # a wrong suffix fails before any work
        except LlmstudioError as exc:
            raise UsageError(str(exc)) from None
    if args.level == "document" and (not args.out or qdpx or qdc):
        raise UsageError("--level document is for the table: --out FILE (.csv .xlsx .parquet .dta)")
    if args.methods and Path(args.methods).suffix.lower() not in (
        ".md",
        ".markdown",
        ".html",
        ".htm",
    ):
        raise UsageError(f"{args.methods}: a methods record is .md or .html")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    from ..core.methods import check_charts, read_bias_report

    for report in args.bias_report or ():
        read_bias_report(report)  # unreadable: said before any work
    check_charts(args.chart or ())
    project = open_project_file(
        args.project,
        "export reads a project's runs and codes (llmstudio convert exports a data file)",
    )
    try:
        if qdc:
            from ..core.refi_qda import write_qdc

            out = write_qdc(project.codebook(args.codebook), args.out)
            print(f"wrote {out}", file=sys.stderr)
        elif qdpx:
            from ..core.refi_qda import write_qdpx

            notes: list[str] = []
            out = write_qdpx(project, args.out, notes)
            for note in notes:
                print(f"note: {note}", file=sys.stderr)
            print(f"wrote {out}", file=sys.stderr)
        elif args.out and args.level == "document":
            _export_documents(project, args)
        elif args.out:
            out = export_annotated(project, args.out, bom=args.bom, guard=not args.no_formula_guard)
            print(f"wrote {out}", file=sys.stderr)
        if args.coding_log:
            from ..core.human_codes import export_coding_log

            out = export_coding_log(
                project, args.coding_log, bom=args.bom, guard=not args.no_formula_guard
            )
            print(f"wrote {out}", file=sys.stderr)
        if args.methods:
            out = write_methods(
                project,
                args.methods,
                bias_reports=args.bias_report or (),
                charts=args.chart or (),
                n_resamples=args.bootstrap,
                seed=args.seed,
            )
            print(f"wrote {out}", file=sys.stderr)
    finally:
        project.close()
    return DONE


def _export_documents(project, args: argparse.Namespace) -> None:
    """``--level document``: the results rolled up to documents, with its notes."""
    from ..core.rollup_export import check_level, export_documents

    try:
        check_level("document", project)
    except LlmstudioError as exc:
        raise UsageError(str(exc)) from None
    out, rollup = export_documents(project, args.out, bom=args.bom, guard=not args.no_formula_guard)
    for note in rollup.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"wrote {out}: {len(rollup.frame):,} documents from "
        f"{int(rollup.frame['units'].sum()):,} units",
        file=sys.stderr,
    )


def register(commands: Commands) -> None:
    """The ``export`` command's parser."""
    p = commands.add(
        "export",
        run,
        description="Export a project: the annotated table (the corpus's columns, then "
        "every run's output columns, then the human codes and memos; XLSX "
        "gets a sheet 'columns' describing each; Stata gets value labels), "
        "the coding log (--coding-log) and/or a methods "
        "record (models, prompts, parameters, coders, agreement with 95% "
        "CIs, bias reports, a suggested methods paragraph).",
    )
    p.add_argument("project", help=f"a project ({SUFFIX})")
    p.add_argument(
        "--out",
        help="the annotated table: .csv .xlsx .parquet or .dta (Stata); or .qdpx: the "
        "project for MAXQDA, ATLAS.ti, NVivo, QualCoder (REFI-QDA); or .qdc with --codebook",
    )
    p.add_argument(
        "--level",
        choices=("unit", "document"),
        default="unit",
        help="with --out: one row per unit (row of the corpus, the default) or per document: "
        "the results rolled up (units, share of units with each code, mean signed "
        "sentiment, the documents' metadata); needs a 'document' column",
    )
    p.add_argument(
        "--codebook",
        metavar="NAME",
        help="with --out FILE.qdc: that codebook alone, as a REFI-QDA codebook",
    )
    p.add_argument("--methods", metavar="OUT.md", help="the methods record: .md or .html")
    p.add_argument(
        "--coding-log",
        metavar="FILE",
        help="every click of the coding by hand, oldest first (time, codebook, "
        "coder, row, codes, memo, blind): .csv .xlsx or .parquet",
    )
    p.add_argument(
        "--bias-report",
        action="append",
        metavar="DIR/report.json",
        help="a report.json of llmstudio bias/probe to include (repeatable)",
    )
    p.add_argument(
        "--chart",
        action="append",
        metavar="FILE.png",
        help="a chart image (.png .svg) to show in the methods record "
        "(repeatable; embedded in HTML, linked from Markdown)",
    )
    bootstrap_args(p, 1000)
    p.add_argument("--bom", action="store_true", help="CSV: write a UTF-8 BOM (for Excel)")
    p.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="do not prefix cells starting with = + - @ with an apostrophe",
    )
