"""The project file (``.llmstudio``): one SQLite database holding the corpus and all work.

Safety: every change is one SQLite transaction (WAL journal, ``synchronous=FULL``), so a
killed process leaves the project as it was after the last completed change, never half
written. A new project is written to a temporary file and renamed into place, so a crash
while creating it leaves no project at all rather than a broken one.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .corpus import Corpus
from .errors import ProjectError, ProjectExists
from .leftovers import remove_dead_leftovers
from .nested import arrow_types, text_column_problem, to_arrow
from .read_problems import Problem
from .store import codebooks as stored_codebooks
from .store import connection, consents, history, human_codes, meta, passages, transaction
from .store import memos as stored_memos
from .store.migrations import MIGRATIONS, Migration, migrate, required_tables, schema_version
from .stored_credentials import scrub_stored_credentials

SUFFIX = ".llmstudio"
CHUNK_ROWS = 100_000


def _fold_stale_wal(path: Path) -> None:
    """Fold a write-ahead log left beside ``path`` (by a killed session) into it, then drop it.

    A new file renamed onto ``path`` would otherwise inherit that log: SQLite replays it
    onto whatever file has the name, which mixed the old project's last changes into the
    new one. Folding first (not just deleting) keeps the old file complete until the rename.
    """
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not wal.exists():
        return
    try:
        connection.fold_wal(path)
    except sqlite3.Error:
        pass  # not a database any more: the log belongs to nothing worth keeping
    wal.unlink(missing_ok=True)
    shm.unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _chunks(frame: pd.DataFrame):
    table = to_arrow(frame)
    for k, start in enumerate(range(0, max(len(frame), 1), CHUNK_ROWS)):
        part = table.slice(start, CHUNK_ROWS)
        buf = io.BytesIO()
        pq.write_table(part, buf, compression="zstd")
        yield k, start, part.num_rows, buf.getvalue()


def _put_in_place(tmp: Path, path: Path, replace: bool) -> None:
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic, and fails if the path is taken: never replaces
    except FileExistsError:
        raise ProjectExists(f"{path}: a project was made there meanwhile") from None
    except OSError:
        # A file system without hard links: the next best, checked just before.
        if path.exists():
            raise ProjectExists(f"{path}: a project was made there meanwhile") from None
        os.replace(tmp, path)


class Project:
    """An open project file. Use :meth:`create` or :meth:`open`; close with :meth:`close`."""

    def __init__(self, path: Path, db: sqlite3.Connection):
        self.path = path
        self._db = db
        self._corpus: Corpus | None = None

    # -- creating and opening ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        corpus: Corpus,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        replace: bool = True,
        extra_meta: Sequence[tuple[str, str]] = (),
        extra_history: Sequence[tuple[str, str]] = (),
    ) -> Project:
        """Write a new project holding ``corpus``; an existing file at ``path`` is replaced,
        or with ``replace=False`` kept: ProjectExists when one appeared meanwhile (another
        process made it first; replacing it under that process would lose what it writes).
        ``extra_meta``, ``extra_history``: (key, value) and (action, detail) pairs written
        in the same transaction (a units project's link to its source)."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        remove_dead_leftovers(path.parent)
        if not replace and not path.exists():
            # A log whose project is gone: it must not be replayed onto ours.
            for orphan in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                orphan.unlink(missing_ok=True)
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        db = None
        try:
            db = connection.connect(tmp)
            connection.mark_ours(db)
            migrate(db, migrations)
            with transaction(db):
                details = {
                    "created": _now(),
                    "source": corpus.source or "",
                    "format": corpus.format,
                    "encoding": corpus.encoding or "",
                    "delimiter": corpus.delimiter if corpus.delimiter is not None else "",
                    "has_header": json.dumps(corpus.has_header),
                    "header_row": str(corpus.header_row),
                    "text_column": corpus.text_column,
                    "rows": str(corpus.rows),
                    "problems": json.dumps([[p.message, p.line] for p in corpus.problems]),
                }
                meta.add_all(db, details.items())
                meta.add_columns(
                    db,
                    [
                        (i, str(c), str(corpus.frame[c].dtype))
                        for i, c in enumerate(corpus.frame.columns)
                    ],
                )
                meta.add_chunks(db, _chunks(corpus.frame))
                history.add(db, "import", corpus.source or "")
                meta.add_all(db, extra_meta)
                for action, detail in extra_history:
                    history.add(db, action, detail)
            connection.checkpoint(db)
            db.close()
            if replace:
                _fold_stale_wal(path)
            # else never: a project there now is another process's, open with its live
            # log (deleting that log lost its writes, and its locks: both paid every row).
            _put_in_place(tmp, path, replace)
        except ProjectExists:
            raise
        except (sqlite3.Error, pa.ArrowException) as exc:
            raise ProjectError(f"{path}: cannot write the project ({exc})") from None
        except OSError as exc:
            raise ProjectError(f"{path}: cannot write the project ({exc.strerror})") from None
        finally:
            if db is not None:
                db.close()  # also after a failure, which used to leave it open
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)
        return cls.open(path, migrations=migrations)

    @classmethod
    def open(cls, path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> Project:
        """Open a project, upgrading an older schema; refuses files that are not projects."""
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file")
        remove_dead_leftovers(path.parent)
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise ProjectError(f"{path}: not an llmstudio project (not an SQLite database)")
        db = None
        try:
            db = connection.connect(path)
            if not connection.is_ours(db):
                raise ProjectError(f"{path}: an SQLite database, but not an llmstudio project")
            version = schema_version(db)
            if version > len(migrations):
                raise ProjectError(
                    f"{path}: written by a newer llmstudio (schema {version}; "
                    f"this version reads up to {len(migrations)}); update llmstudio"
                )
            migrate(db, migrations)
            if not connection.intact(db):
                raise ProjectError(f"{path}: the project file is damaged (integrity check failed)")
            missing = sorted(required_tables(migrations) - connection.tables(db))
            if missing:
                raise ProjectError(
                    f"{path}: the project file is damaged (its table(s) "
                    f"{', '.join(missing)} are missing)"
                )
            scrub_stored_credentials(db)  # an older version's user:pass@host, see there
        except BaseException as exc:
            # Close on every failure (a failed migration too): a leaked connection keeps
            # the file (and its -wal/-shm) open, and locked on Windows, until collected.
            if db is not None:
                db.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise ProjectError(f"{path}: cannot open the project ({exc})") from None
            raise
        return cls(path, db)

    def close(self) -> None:
        """Fold the WAL back into the file, so the project is one self-contained file again."""
        if self._db is None:
            return
        try:
            connection.checkpoint(self._db)
        finally:
            self._db.close()
            self._db = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise ProjectError(f"{self.path}: the project is closed")
        return self._db

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)

    def meta(self, key: str, default: str | None = None) -> str | None:
        value = meta.get(self.db, key)
        return default if value is None else value

    @property
    def columns(self) -> list[str]:
        return meta.column_names(self.db)

    @property
    def text_column(self) -> str:
        return self.meta("text_column") or ""

    def history(self) -> list[tuple[str, str, str]]:
        return history.lines(self.db)

    def corpus(self) -> Corpus:
        """The stored corpus (loaded once, then shared)."""
        if self._corpus is None:
            try:
                parts = [pq.read_table(pa.BufferReader(blob)) for blob in meta.chunk_blobs(self.db)]
            except (pa.ArrowException, ValueError, TypeError):
                raise ProjectError(
                    f"{self.path}: the project file is damaged (its corpus chunks cannot be read)"
                ) from None
            table = pa.concat_tables(parts) if parts else pa.table({})
            rows = int(self.meta("rows", "0") or 0)
            if table.num_rows != rows or (rows and table.num_columns != len(self.columns)):
                # Chunks deleted or cut by hand or by a tool: the texts cannot be right.
                raise ProjectError(
                    f"{self.path}: the project file is damaged (its corpus "
                    f"holds {table.num_rows} of its {rows} rows)"
                )
            frame = table.to_pandas(types_mapper=arrow_types)
            frame.columns = self.columns
            problems = [Problem(m, line) for m, line in json.loads(self.meta("problems", "[]"))]
            delimiter = self.meta("delimiter", "")
            self._corpus = Corpus(
                frame=frame,
                text_column=self.text_column,
                source=self.meta("source") or None,
                format=self.meta("format", "csv"),
                encoding=self.meta("encoding") or None,
                delimiter=delimiter if self.meta("format") in {"csv", "tsv", "txt"} else None,
                has_header=json.loads(self.meta("has_header", "true")),
                header_row=int(self.meta("header_row", "0")),
                problems=problems,
            )
        return self._corpus

    # -- changing ---------------------------------------------------------------------

    def set_text_column(self, name: str) -> None:
        """Choose the column that holds the texts; saved at once."""
        if name not in self.columns:
            raise ProjectError(f"{self.path}: no column named {name!r}")
        problem = text_column_problem(self.corpus().frame, name)
        if problem:
            raise ProjectError(f"{self.path}: {problem}")
        with transaction(self.db):
            meta.set_value(self.db, "text_column", name)
            history.add(self.db, "text_column", name)
        if self._corpus is not None:
            self._corpus.text_column = name

    def has_consent(self, endpoint: str, columns: list[str]) -> bool:
        """Whether the researcher agreed to send these columns to this endpoint."""
        return consents.has(self.db, endpoint, json.dumps(sorted(columns)))

    def grant_consent(self, endpoint: str, columns: list[str]) -> None:
        """Record (once per project and endpoint) that these columns may go there."""
        with transaction(self.db):
            consents.put(self.db, endpoint, json.dumps(sorted(columns)), _now())
            history.add(self.db, "consent", f"send {', '.join(columns)} to {endpoint}")

    # -- codebooks ----------------------------------------------------------------------

    def codebooks(self) -> list[str]:
        """The names of the project's codebooks, in alphabetical order."""
        return stored_codebooks.names(self.db)

    def codebook(self, name: str):
        """The codebook called ``name``; ProjectError if there is none."""
        from .codebook import loads
        from .errors import CodebookError

        body = stored_codebooks.body(self.db, name)
        if body is None:
            raise ProjectError(f"{self.path}: no codebook named {name!r}")
        try:
            return loads(body, f"{self.path}: codebook {name!r}", json_format=True)
        except CodebookError as exc:
            raise ProjectError(str(exc)) from None

    def save_codebook(self, book, replaces: str | None = None) -> None:
        """Store ``book`` under its name (replacing ``replaces`` when it was renamed)."""
        with transaction(self.db):
            if replaces is not None and replaces != book.name:
                stored_codebooks.delete(self.db, replaces)
                # the human codes and passages follow their codebook to its new name
                human_codes.rename_codebook(self.db, replaces, book.name)
                passages.rename_codebook(self.db, replaces, book.name)
                stored_memos.rename_codebook(self.db, replaces, book.name)
            stored_codebooks.put(self.db, book.name, book.to_json(), _now())
            history.add(self.db, "codebook", f"saved {book.name!r} ({len(book.codes)} codes)")

    def delete_codebook(self, name: str) -> None:
        """Remove the codebook. Human codes made with it stay in the project (they come
        back with a codebook of the same name): a researcher's coding is never deleted."""
        with transaction(self.db):
            stored_codebooks.delete(self.db, name)
            history.add(self.db, "codebook", f"deleted {name!r}")

    def save_as(self, path: str | Path) -> Project:
        """Copy the project (consistently, even mid-use) to ``path`` and return it opened.

        This project stays open; the caller decides which one to keep working in.
        """
        path = Path(path)
        if path.resolve() == self.path.resolve():
            return self
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            connection.copy_to(self.db, tmp)
            _fold_stale_wal(path)
            os.replace(tmp, path)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise ProjectError(f"{path}: cannot save the project there ({exc})") from None
        return Project.open(path)


def is_project(path: str | Path) -> bool:
    """A project by its extension or, renamed, by its first bytes (an SQLite database)."""
    path = Path(path)
    if path.suffix.lower() == SUFFIX:
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def open_project_file(
    path: str | Path, reads: str = "this command reads a project's runs"
) -> Project:
    """A project given where only a project will do: ProjectError when the file is missing
    or not a project (``reads``: what needs the project, said in the message)."""
    path = Path(path)
    if not path.exists():
        raise ProjectError(f"{path}: no such file")
    if not is_project(path):
        raise ProjectError(f"{path}: not a project ({SUFFIX}); {reads}")
    return Project.open(path)


def load_any(path: str | Path, options=None) -> tuple[Corpus, Project | None]:
    """Open a data file or a project. A project is returned open; the caller closes it."""
    from .corpus import read_table

    path = Path(path)
    if is_project(path):  # a renamed project is one too
        project = Project.open(path)
        try:
            return project.corpus(), project
        except Exception:
            project.close()
            raise
    return read_table(path, options), None
