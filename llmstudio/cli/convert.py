"""``llmstudio convert FILE --out OUT``: import a file, then export it (.csv .xlsx .parquet)."""

from __future__ import annotations

import argparse
import sys

from ..core.export import export_table, integer_notes
from .exit_codes import DONE
from .parser import Commands
from .reading import import_args, import_options, load


def run(args: argparse.Namespace) -> int:
    """``convert``: FILE read, then written to ``--out``; the exit status."""
    corpus = load(args.file, import_options(args))
    out = export_table(corpus.frame, args.out, bom=args.bom, guard=not args.no_formula_guard)
    print(f"wrote {corpus.rows:,} rows x {len(corpus.columns)} columns to {out}", file=sys.stderr)
    for p in [*corpus.problems, *integer_notes(corpus.frame, out)]:
        print(f"note: {p}", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """The ``convert`` command's parser."""
    p = commands.add(
        "convert",
        run,
        description="Import a file, then export it as CSV, XLSX or Parquet.",
    )
    p.add_argument("file")
    p.add_argument("--out", required=True, help="output file: .csv, .xlsx or .parquet")
    p.add_argument("--bom", action="store_true", help="CSV: write a UTF-8 BOM (for Excel)")
    p.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="do not prefix cells starting with = + - @ with an apostrophe",
    )
    import_args(p)
