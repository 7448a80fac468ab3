"""``llmstudio passages PROJECT --codebook NAME ... --out FILE``: every coded passage (and
whole-text code) of a code, a coder, rows passing a filter, written as a table; and
``llmstudio crosstab PROJECT --codebook NAME --by COL --out FILE``: codes by a column."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import UsageError
from ..core.project import open_project_file
from .checks import check_out, check_out_folder
from .exit_codes import DONE
from .parser import Commands

_READS = "it reads the coded passages of a project"


def _codebook(project, name: str):
    from ..core.errors import ProjectError

    if name not in project.codebooks():
        raise ProjectError(
            f"{project.path}: no codebook {name!r} (its codebooks: "
            f"{', '.join(project.codebooks()) or 'none'})"
        )
    return project.codebook(name)


def run_passages(args: argparse.Namespace) -> int:
    """``passages``: the retrieved items as a table; the exit status."""
    from ..core import retrieval as rt

    check_out(args.out)
    check_out_folder(args.out)
    kinds = {"both": (rt.PASSAGE, rt.WHOLE_TEXT), "passages": (rt.PASSAGE,)}
    kinds["whole"] = (rt.WHOLE_TEXT,)
    with open_project_file(args.project, _READS) as project:
        book = _codebook(project, args.codebook)
        columns = [str(c) for c in project.corpus().frame.columns]
        where = rt.parse_where(args.where, columns) if args.where else None
        query = rt.Query(book.name, args.code, args.children, args.coder, where, kinds[args.kinds])
        items = rt.retrieve(project, book, query)
        heading = rt.describe(query, book)
        out = rt.write_items(project, items, args.out, heading)
    print(f"{heading}: {rt.count_text(items)}", file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)
    return DONE


def run_crosstab(args: argparse.Namespace) -> int:
    """``crosstab``: codes by a column as a table; the exit status."""
    from ..core import crosstab as ct

    check_out(args.out)
    check_out_folder(args.out)
    if args.coder and args.run is not None:
        raise UsageError("--coder and --run name two sources of codes: give one")
    with open_project_file(args.project, _READS) as project:
        book = _codebook(project, args.codebook)
        source = ct.CodeSource()
        if args.coder:
            source = ct.CodeSource(coder=args.coder, name=args.coder)
        elif args.run is not None:
            runs = {s.run_id: s for s in ct.sources(project, book) if s.run_id is not None}
            if args.run not in runs:
                from ..core.errors import ProjectError

                raise ProjectError(
                    f"run {args.run} did not code with codebook {book.name!r} (runs that did: "
                    f"{', '.join(str(r) for r in runs) or 'none'})"
                )
            source = runs[args.run]
        table = ct.crosstab(project, book, args.by, source, args.count)
        out = ct.write_crosstab(table, args.out, args.share)
    print(table.heading(args.share), file=sys.stderr)
    for note in table.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """The ``passages`` and ``crosstab`` commands' parsers."""
    p = commands.add(
        "passages",
        run_passages,
        description="Write every coded passage of a code (and the texts coded with it as a "
        "whole) with its context, coder and memo, and the row's columns, to a table.",
    )
    p.add_argument("project", help="a project (.llmstudio)")
    p.add_argument("--codebook", required=True, metavar="NAME")
    p.add_argument("--code", metavar="C", help="one code (default: every code)")
    p.add_argument(
        "--children", action="store_true", help="the codes under --code too (default: it alone)"
    )
    p.add_argument("--coder", metavar="C", help="one coder (default: all)")
    p.add_argument(
        "--where",
        metavar="COL=VALUE",
        help="only rows where COL equals VALUE; COL=A|B: one of; COL~TEXT: contains",
    )
    p.add_argument(
        "--kinds",
        choices=("both", "passages", "whole"),
        default="both",
        help="passages, whole-text (row) codes or both (default)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help=".csv .xlsx .parquet")
    c = commands.add(
        "crosstab",
        run_crosstab,
        description="Count each code of a codebook by the groups of a column (parents as "
        "subtotals) and write the table.",
    )
    c.add_argument("project", help="a project (.llmstudio)")
    c.add_argument("--codebook", required=True, metavar="NAME")
    c.add_argument("--by", required=True, metavar="COL", help="a column of groups")
    c.add_argument("--share", choices=("row", "column"), help="percentages instead of counts")
    c.add_argument(
        "--count",
        choices=("rows", "passages"),
        default="rows",
        help="coded texts (default) or passages",
    )
    c.add_argument("--coder", metavar="C", help="one coder's codes (default: all coders)")
    c.add_argument("--run", type=int, metavar="ID", help="a model run's codes instead")
    c.add_argument("--out", required=True, metavar="FILE", help=".csv .xlsx .parquet")
