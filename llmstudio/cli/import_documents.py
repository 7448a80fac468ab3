"""``llmstudio import DIR_OR_FILE --project P.llmstudio [--metadata meta.csv]``: documents
(a file, or a folder of them read recursively) as a new project, one row per document; and
the folder reading that ``inspect`` and ``convert`` share."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from ..core.corpus import Corpus
from ..core.errors import Cancelled, UsageError
from ..core.progress import Monitor
from ..core.project import SUFFIX
from .exit_codes import DONE
from .progress_line import StatusLine
from .unit_split import parsed_unit, save_units

# Two processes read a large folder at once where the computer has the cores for it
# (benchmarks/document_import.py: the extractors are pure Python, one core each).
WORKERS = max(1, min(2, os.cpu_count() or 1))


def read_with_progress(path: str | Path, metadata: str | Path | None = None) -> Corpus:
    """The documents at ``path`` as a corpus, with ``12/40 files read`` on stderr; Ctrl+C
    cancels (as a ``KeyboardInterrupt``: ``llmstudio: cancelled``, exit status 2)."""
    from ..core.documents import read_documents

    line = StatusLine()
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())

    def show(done, total, **_) -> None:
        line.show(f"{done:,}/{total:,} files read", final=done >= total)

    try:
        return read_documents(
            path, metadata=metadata, monitor=Monitor(show, stop.is_set), workers=WORKERS
        )
    except Cancelled:
        raise KeyboardInterrupt from None  # cli.main: "llmstudio: cancelled", status 2
    finally:
        line.end()
        signal.signal(signal.SIGINT, previous)


def read_reported(path: str | Path, metadata: str | Path | None = None) -> Corpus:
    """:func:`read_with_progress`, then each file skipped and the summary on stderr
    (``12 documents, 340 PDF pages, ...; 2 files skipped``): ``import`` and ``annotate``
    of documents say the same."""
    from ..core.documents import document_summary

    corpus = read_with_progress(path, metadata)
    for problem in corpus.problems:
        print(f"note: {problem}", file=sys.stderr)
    print(document_summary(corpus), file=sys.stderr)
    return corpus


def run_documents(args: argparse.Namespace) -> int:
    """``import`` of documents: the new project, the problems and the summary."""
    from ..core.project import Project

    spec = parsed_unit(args)  # a bad --unit is said before any file is read
    project = Path(args.project)
    if project.suffix.lower() != SUFFIX:
        raise UsageError(f"{args.project}: the new project's name ends in {SUFFIX}")
    if project.exists():
        raise UsageError(f"{args.project}: a file of that name exists; choose a new name")
    corpus = read_reported(args.file, args.metadata)
    if spec:
        save_units(project, corpus, spec, args.file).close()
    else:
        Project.create(project, corpus, replace=False).close()
    print(f"wrote {project}", file=sys.stderr)
    return DONE
