"""How the commands read their input: the options of reading a data file ("reading the
file" in each command's help) and the table a data file or a project gives."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.corpus import Corpus, ImportOptions
from ..core.project import load_any
from ..core.sniff import QUOTINGS

_DELIMITER_WORDS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "pipe": "|",
    "none": "",
    "\\t": "\t",
}


def _delimiter(value: str) -> str:
    value = _DELIMITER_WORDS.get(value.lower(), value)
    if len(value) > 1:
        raise argparse.ArgumentTypeError(
            f"a delimiter is one character or one of {', '.join(_DELIMITER_WORDS)}; got {value!r}"
        )
    return value


def import_args(p: argparse.ArgumentParser) -> None:
    """Add the options of reading a data file (``--encoding``, ``--delimiter``, ...)."""
    g = p.add_argument_group("reading the file (detected when not given)")
    g.add_argument("--encoding", help="e.g. utf-8, utf-8-sig, utf-16-le, cp1252, latin-1")
    g.add_argument(
        "--delimiter",
        type=_delimiter,
        help="one character, or comma / semicolon / tab / pipe / none",
    )
    g.add_argument("--no-header", action="store_true", help="the first row is data")
    g.add_argument("--skip-rows", type=int, metavar="N", help="records before the header")
    g.add_argument("--text-column", metavar="COL", help="the column holding the texts")
    g.add_argument("--sheet", help="Excel sheet name (default: the first)")
    g.add_argument(
        "--quoting",
        choices=QUOTINGS,
        help="auto (default): quoted fields, but a quote that never closes or "
        "takes in lines that look like rows is a plain character (and a "
        "problem names its line); csv: every quote opens a quoted field; "
        "none: quotes are plain characters",
    )


def import_options(args: argparse.Namespace) -> ImportOptions:
    """How to read the file, from the reading options in ``args`` (those not given: detected)."""
    return ImportOptions(
        encoding=args.encoding,
        delimiter=args.delimiter,
        has_header=False if args.no_header else None,
        header_row=args.skip_rows,
        text_column=args.text_column,
        sheet=args.sheet,
        quoting=args.quoting,
    )


def load(path: str | Path, options: ImportOptions | None = None) -> Corpus:
    """A data file's table, documents (a folder, a PDF, ...: one row per document), or a
    project's corpus (the project is closed again)."""
    from ..core.documents import is_documents

    if is_documents(path):
        from .import_documents import read_with_progress

        return read_with_progress(path)
    corpus, project = load_any(path, options)
    if project is not None:
        project.close()
    return corpus


def load_with_codes(path: str | Path, options: ImportOptions | None = None):
    """A data file's table, or a project's corpus with its latest model results and every
    coder's codes (``human_<codebook>_<coder>``) as columns: what an export writes."""
    from ..core.results import with_results

    corpus, project = load_any(path, options)
    if project is None:
        return corpus.frame
    try:
        return with_results(project, corpus.frame)
    finally:
        project.close()
