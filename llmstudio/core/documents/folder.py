"""A file or a folder of documents as a corpus: :func:`read_documents`.

One row per document, in the order of their paths: ``document`` (the path relative to the
folder imported, with ``/``), ``title``, ``text``, ``format``, ``author``, ``created``,
``modified``, ``pages`` (PDF), then the columns of a metadata CSV when one is given.
Skipped files, scanned pages and other irregularities come back as the corpus's problems
(:class:`~.extracted.DocumentProblem`), never as empty rows.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

from ..corpus import Corpus
from ..errors import CorpusError
from ..progress import Monitor
from ..read_problems import STRING_DTYPE, Problem
from .extracted import Extracted, Skip, document_problem, first_line
from .formats import FORMATS, REFUSED, extract, format_of
from .metadata import join_metadata

TEXT_COLUMN = "text"
COLUMNS = ["document", "title", "text", "format", "author", "created", "modified", "pages"]
# A folder of this many documents or more is read by several processes (when asked).
PARALLEL_FROM = 16


def _hidden(name: str) -> bool:
    # Dot files, and the lock files Word and LibreOffice leave beside an open document.
    return name.startswith((".", "~$", ".~lock"))


def find_documents(folder: Path) -> tuple[list[Path], Counter]:
    """The document files under ``folder`` (recursively, sorted by path, hidden ones left
    out) and how many other files were passed over, by suffix."""
    found: list[Path] = []
    others: Counter = Counter()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for name in sorted(files):
            if _hidden(name):
                continue
            path = Path(root, name)
            suffix = path.suffix.lower()
            if suffix in FORMATS or suffix in REFUSED:
                found.append(path)
            else:
                others[suffix or "(no suffix)"] += 1
    found.sort(key=lambda p: p.relative_to(folder).as_posix().lower())
    return found, others


def _worker_start() -> None:
    """A worker leaves Ctrl+C (which a terminal sends to every process of the command) to
    the process that started it, which cancels between files; in a worker it would cut
    the file being read and come back as that file's result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _results(paths: list[Path], workers: int, monitor: Monitor):
    """Each path's :func:`extract` result, in order; cancel checked between files."""
    done = 0
    if workers > 1 and len(paths) >= PARALLEL_FROM and not getattr(sys, "frozen", False):
        # (A frozen app's worker process would start the app again: one process there.)
        monitor.check()
        # Spawned, not forked: the window calls this from a worker thread, and a fork
        # copies locks other threads hold (logging's, the import lock) into a child that
        # then waits on them for ever.
        context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_worker_start
            ) as pool:
                try:
                    for result in pool.map(extract, paths, chunksize=4):
                        monitor.check()
                        yield result
                        done += 1
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
            return
        except (BrokenProcessPool, OSError):
            # No worker processes here (a calling script without a main guard, no
            # semaphores in a container): the rest in this process, nothing lost.
            pass
    for path in paths[done:]:
        monitor.check()
        yield extract(path)


def _row(name: str, fmt: str, found: Extracted) -> dict:
    return {
        "document": name,
        "title": found.title or first_line(found.text) or Path(name).name,
        "text": found.text,
        "format": fmt,
        "author": found.author,
        "created": found.created,
        "modified": found.modified,
        "pages": found.pages,
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for name in COLUMNS:
        if name != "pages":
            frame[name] = frame[name].astype(STRING_DTYPE)
    frame["pages"] = frame["pages"].astype("Int64")
    return frame


def read_documents(
    path: str | Path,
    *,
    metadata: str | Path | None = None,
    monitor: Monitor | None = None,
    workers: int = 1,
) -> Corpus:
    """Read a document file or a folder of them (recursively) into a :class:`Corpus` of
    one row per document (columns: see the module's docstring).

    ``metadata``: a CSV (or any table) keyed by file name, joined in
    (:func:`~.metadata.join_metadata`). ``workers`` > 1 reads a large folder in that many
    processes. Reports ``monitor.report(files done, files, message=file)`` per file and
    raises :class:`~llmstudio.core.errors.Cancelled` when cancelled. Raises
    :class:`CorpusError` when nothing could be imported (every file skipped, an empty
    folder), naming why.
    """
    monitor = Monitor.of(monitor)
    path = Path(path)
    if not path.exists():
        raise CorpusError(path, "no such file or folder")
    problems: list[Problem] = []
    if path.is_dir():
        files, others = find_documents(path)
        base = path
        if others:
            kinds = ", ".join(f"{suffix}: {n}" for suffix, n in others.most_common())
            n = sum(others.values())
            what = (
                "file is not a document and was" if n == 1 else "files are not documents and were"
            )
            problems.append(Problem(f"{n:,} other {what} left out ({kinds})"))
        if not files:
            raise CorpusError(
                path,
                "the folder holds no documents (PDF, DOCX, ODT, TXT, Markdown, HTML, RTF)",
            )
    else:
        files, base = [path], path.parent
    rows: list[dict] = []
    total = len(files)
    monitor.report(0, total)
    for done, (file, found) in enumerate(
        zip(files, _results(files, workers, monitor), strict=False), start=1
    ):
        name = file.relative_to(base).as_posix()
        if isinstance(found, Skip):
            problems.append(document_problem(name, f"skipped: {found}"))
        else:
            problems.extend(document_problem(name, what, pages) for pages, what in found.notes)
            rows.append(_row(name, format_of(file), found))
        monitor.report(done, total, message=name)
    if not rows:
        reasons = "; ".join(str(p) for p in problems[-3:])
        raise CorpusError(path, f"no document could be imported ({reasons})")
    frame = _frame(rows)
    if metadata is not None:
        frame, notes = join_metadata(frame, Path(metadata))
        problems.extend(notes)
    return Corpus(
        frame=frame,
        text_column=TEXT_COLUMN,
        source=str(path),
        format="documents",
        encoding=None,
        delimiter=None,
        problems=problems,
    )


def document_summary(corpus: Corpus) -> str:
    """``12 documents, 340 pages, 1,234,567 characters; 2 files skipped``."""
    frame = corpus.frame
    pages = int(frame["pages"].sum()) if "pages" in frame.columns else 0
    chars = int(frame[TEXT_COLUMN].str.len().sum())
    skipped = sum(1 for p in corpus.problems if getattr(p, "what", "").startswith("skipped"))
    text = f"{len(frame):,} document{'s' if len(frame) != 1 else ''}"
    if pages:
        text += f", {pages:,} PDF page{'s' if pages != 1 else ''}"
    text += f", {chars:,} characters"
    if skipped:
        text += f"; {skipped:,} file{'s' if skipped != 1 else ''} skipped"
    return text
