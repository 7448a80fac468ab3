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
from .delimited import Problem
from .errors import ProjectError, ProjectExists
from .leftovers import remove_dead_leftovers
from .migrations import MIGRATIONS, Migration, migrate, schema_version
from .nested import arrow_types, text_column_problem, to_arrow
from .stored_credentials import scrub_stored_credentials

SUFFIX = ".llmstudio"
APPLICATION_ID = 0x4C4C4D53  # "LLMS": tells our files from other SQLite databases
CHUNK_ROWS = 100_000


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


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
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
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


def _tables(db: sqlite3.Connection) -> set[str]:
    return {
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def _required_tables(migrations: Sequence[Migration]) -> set[str]:
    """The tables ``migrations`` make in an empty database: those every project must
    have, without a second list of them to keep in step."""
    db = sqlite3.connect(":memory:")
    try:
        migrate(db, migrations)
        return _tables(db)
    finally:
        db.close()


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
    ) -> Project:
        """Write a new project holding ``corpus``; an existing file at ``path`` is replaced,
        or with ``replace=False`` kept: ProjectExists when one appeared meanwhile (another
        process made it first; replacing it under that process would lose what it writes)."""
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
            db = _connect(tmp)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrate(db, migrations)
            with db:
                db.execute("BEGIN IMMEDIATE")
                meta = {
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
                db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
                db.executemany(
                    "INSERT INTO columns VALUES (?, ?, ?)",
                    [
                        (i, str(c), str(corpus.frame[c].dtype))
                        for i, c in enumerate(corpus.frame.columns)
                    ],
                )
                db.executemany(
                    "INSERT INTO corpus_chunks VALUES (?, ?, ?, ?)", _chunks(corpus.frame)
                )
                db.execute(
                    "INSERT INTO history (action, detail) VALUES ('import', ?)",
                    (corpus.source or "",),
                )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
            db = _connect(path)
            if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise ProjectError(f"{path}: an SQLite database, but not an llmstudio project")
            version = schema_version(db)
            if version > len(migrations):
                raise ProjectError(
                    f"{path}: written by a newer llmstudio (schema {version}; "
                    f"this version reads up to {len(migrations)}); update llmstudio"
                )
            migrate(db, migrations)
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise ProjectError(f"{path}: the project file is damaged (integrity check failed)")
            missing = sorted(_required_tables(migrations) - _tables(db))
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
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @property
    def columns(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM columns ORDER BY position")]

    @property
    def text_column(self) -> str:
        return self.meta("text_column") or ""

    def history(self) -> list[tuple[str, str, str]]:
        return list(self.db.execute("SELECT at, action, detail FROM history ORDER BY id"))

    def corpus(self) -> Corpus:
        """The stored corpus (loaded once, then shared)."""
        if self._corpus is None:
            try:
                parts = [
                    pq.read_table(pa.BufferReader(blob))
                    for (blob,) in self.db.execute("SELECT data FROM corpus_chunks ORDER BY chunk")
                ]
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
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'text_column'", (name,))
            self.db.execute(
                "INSERT INTO history (action, detail) VALUES ('text_column', ?)", (name,)
            )
        if self._corpus is not None:
            self._corpus.text_column = name

    def has_consent(self, endpoint: str, columns: list[str]) -> bool:
        """Whether the researcher agreed to send these columns to this endpoint."""
        row = self.db.execute(
            "SELECT 1 FROM consents WHERE endpoint = ? AND columns = ?",
            (endpoint, json.dumps(sorted(columns))),
        ).fetchone()
        return row is not None

    def grant_consent(self, endpoint: str, columns: list[str]) -> None:
        """Record (once per project and endpoint) that these columns may go there."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO consents VALUES (?, ?, ?)",
                (endpoint, json.dumps(sorted(columns)), _now()),
            )
            self.db.execute(
                "INSERT INTO history (action, detail) VALUES ('consent', ?)",
                (f"send {', '.join(columns)} to {endpoint}",),
            )

    # -- codebooks ----------------------------------------------------------------------

    def codebooks(self) -> list[str]:
        """The names of the project's codebooks, in alphabetical order."""
        return [n for (n,) in self.db.execute("SELECT name FROM codebooks ORDER BY name")]

    def codebook(self, name: str):
        """The codebook called ``name``; ProjectError if there is none."""
        from .codebook import loads
        from .errors import CodebookError

        row = self.db.execute("SELECT body FROM codebooks WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ProjectError(f"{self.path}: no codebook named {name!r}")
        try:
            return loads(row[0], f"{self.path}: codebook {name!r}", json_format=True)
        except CodebookError as exc:
            raise ProjectError(str(exc)) from None

    def save_codebook(self, book, replaces: str | None = None) -> None:
        """Store ``book`` under its name (replacing ``replaces`` when it was renamed)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if replaces is not None and replaces != book.name:
                self.db.execute("DELETE FROM codebooks WHERE name = ?", (replaces,))
                # the human codes follow their codebook to its new name
                self.db.execute(
                    "UPDATE human_codes SET codebook = ? WHERE codebook = ?", (book.name, replaces)
                )
            self.db.execute(
                "INSERT OR REPLACE INTO codebooks VALUES (?, ?, ?)",
                (book.name, book.to_json(), _now()),
            )
            self.db.execute(
                "INSERT INTO history (action, detail) VALUES ('codebook', ?)",
                (f"saved {book.name!r} ({len(book.codes)} codes)",),
            )

    def delete_codebook(self, name: str) -> None:
        """Remove the codebook. Human codes made with it stay in the project (they come
        back with a codebook of the same name): a researcher's coding is never deleted."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM codebooks WHERE name = ?", (name,))
            self.db.execute(
                "INSERT INTO history (action, detail) VALUES ('codebook', ?)",
                (f"deleted {name!r}",),
            )

    def save_as(self, path: str | Path) -> Project:
        """Copy the project (consistently, even mid-use) to ``path`` and return it opened.

        This project stays open; the caller decides which one to keep working in.
        """
        path = Path(path)
        if path.resolve() == self.path.resolve():
            return self
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            target = sqlite3.connect(tmp)
            with target:
                self.db.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            target.close()
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
