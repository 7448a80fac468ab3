"""``llmstudio import FILE.qdpx --project P.llmstudio``: a REFI-QDA project (from ATLAS.ti,
MAXQDA, NVivo, QualCoder or llmstudio) as a new llmstudio project; any other file or a
folder: documents (``import_documents``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import UsageError
from ..core.project import SUFFIX
from .exit_codes import DONE
from .import_documents import run_documents
from .parser import Commands
from .unit_split import unit_arg


def run(args: argparse.Namespace) -> int:
    """``import``: write the new project and say what went where; the exit status."""
    from ..core.refi_qda import read_qdpx

    if Path(args.file).suffix.lower() not in (".qdpx", ".qde"):
        return run_documents(args)
    if args.unit:
        raise UsageError("--unit splits documents; a .qdpx is imported as it was coded")
    if args.metadata:
        raise UsageError("--metadata joins a table to documents; a .qdpx holds its own")
    if Path(args.project).suffix.lower() != SUFFIX:
        raise UsageError(f"{args.project}: the new project's name ends in {SUFFIX}")
    result = read_qdpx(args.file, args.project)
    for line in result.log:
        print(line, file=sys.stderr)
    print(f"wrote {result.path}", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """The ``import`` command's parser."""
    p = commands.add(
        "import",
        run,
        description="Import documents or a REFI-QDA project. Documents: a file or a "
        "folder (read with its subfolders) of PDF, DOCX, ODT, TXT, Markdown, HTML and RTF "
        "files as a new project of one row per document (its path, title, text, author, "
        "dates, pages); skipped files and scanned pages are listed. A REFI-QDA project "
        "(.qdpx, as ATLAS.ti, MAXQDA, NVivo and "
        "QualCoder export it) as a new project: each text source a row, its case's "
        "variables its metadata; each top-level folder of the code tree a codebook, "
        "its tree and colours kept; users as coders; selections of a whole text as row "
        "codes, selections over part of a text as passages; notes as memos.",
    )
    p.add_argument("file", help="a folder or file of documents, or a REFI-QDA project (.qdpx)")
    p.add_argument("--project", required=True, help=f"the new project ({SUFFIX}); must not exist")
    p.add_argument(
        "--metadata",
        metavar="TABLE",
        help="documents: a CSV (or XLSX, ...) of metadata keyed by file name (its column "
        "'document', 'file', 'filename' or 'path', else its first), joined in",
    )
    unit_arg(p, "the project then holds one row per unit (see README: Units)")
