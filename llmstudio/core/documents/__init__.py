"""Documents (PDF, DOCX, ODT, TXT, Markdown, HTML, RTF), a file or a folder of them, as a
corpus of one row per document: :func:`read_documents` (one module per format; the walk
and the rows in ``folder``; the metadata CSV in ``metadata``)."""

from .extracted import DocumentProblem
from .folder import COLUMNS, document_summary, find_documents, read_documents
from .formats import FORMATS, format_of

__all__ = [
    "COLUMNS",
    "FORMATS",
    "DocumentProblem",
    "document_summary",
    "find_documents",
    "format_of",
    "is_documents",
    "read_documents",
]


def is_documents(path) -> bool:
    """Whether ``path`` is read as documents rather than as a table: a folder, or a file
    in a document format that is not also a table format (``.txt`` stays a table)."""
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        return True
    fmt = format_of(path)
    return fmt is not None and fmt != "txt"
