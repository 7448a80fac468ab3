"""Which reader reads which file: one function per format, chosen by the file's suffix;
:func:`extract` is what the folder walk (and a worker process) calls for one file."""

from __future__ import annotations

from pathlib import Path

from .docx_text import read_docx
from .extracted import Extracted, Skip
from .html_text import read_html
from .odt_text import read_odt
from .pdf_text import read_pdf
from .plain_text import read_plain
from .rtf_text import read_rtf

FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
    ".txt": "txt",
    ".text": "txt",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rtf": "rtf",
}
# Formats people will have beside their documents, said by name when skipped.
REFUSED = {
    ".doc": "old Word .doc files cannot be read; save it as .docx",
    ".odm": "OpenDocument master documents cannot be read; export it as .odt",
    ".pages": "Apple Pages files cannot be read; export it as .docx or PDF",
    ".wpd": "WordPerfect files cannot be read; save it as .docx",
}

_READERS = {
    "pdf": read_pdf,
    "docx": read_docx,
    "odt": read_odt,
    "txt": read_plain,
    "markdown": lambda path: read_plain(path, markdown=True),
    "html": read_html,
    "rtf": read_rtf,
}


def format_of(path: Path) -> str | None:
    """The document format of ``path`` by its suffix (None: not a document llmstudio reads)."""
    return FORMATS.get(path.suffix.lower())


def extract(path: Path) -> Extracted | Skip:
    """One file's text and metadata, or the :class:`Skip` that says why it has none
    (returned, not raised, so a worker process hands it back like a result)."""
    fmt = format_of(path)
    if fmt is None:
        what = path.suffix or "a file without a suffix"
        return Skip(REFUSED.get(path.suffix.lower(), f"{what} is not a document format"))
    try:
        result = _READERS[fmt](path)
    except Skip as skip:
        return skip
    except PermissionError:
        return Skip("cannot be read (permission denied)")
    except OSError as exc:
        return Skip(f"cannot be read ({exc.strerror or exc})")
    except RecursionError:
        return Skip("too deeply nested to read")
    except Exception as exc:  # an extractor's own error on a damaged file: that file only
        return Skip(f"could not be read ({type(exc).__name__}: {exc})")
    if not result.text.strip():
        return Skip("no text in it")
    return result
