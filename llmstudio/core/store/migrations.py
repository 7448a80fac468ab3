"""Versioned schema of the project file.

``MIGRATIONS[i]`` upgrades a project from schema ``i`` to ``i + 1``. Later features
(codebooks, human codes, runs, annotations, response cache) add their tables by appending
a migration; a project written by an older llmstudio is upgraded in one transaction when
it is opened, and a project from a newer one is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from .connection import tables

Migration = Callable[[sqlite3.Connection], None]


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Run ``script`` statement by statement, inside the migration's transaction.

    Migrations must use this (or ``db.execute``), never ``executescript``: that one
    COMMITs first and runs every statement on its own, so a migration failing halfway
    left its first tables behind under the old version, and every later open failed.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def _v1_corpus(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- Original columns in their original order; position is the column index.
        CREATE TABLE columns (
            position INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            dtype TEXT NOT NULL
        );
        -- The corpus as Parquet chunks of consecutive rows. A row's id is its position
        -- in the imported file (0-based) and never changes: the corpus is immutable and
        -- everything later (codes, annotations) refers to rows by this id.
        CREATE TABLE corpus_chunks (
            chunk INTEGER PRIMARY KEY,
            first_row INTEGER NOT NULL,
            n_rows INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        -- Every change the user makes, with its time: the audit trail a methods
        -- section can cite, and a check that nothing was lost.
        CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        """,
    )


def _v2_runs(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- One model run over the corpus: what was asked of which model, exactly.
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            spec_key TEXT NOT NULL,          -- hash of task, parameters, model, text column
            task TEXT NOT NULL,
            params TEXT NOT NULL,            -- JSON
            backend TEXT NOT NULL,
            fingerprint TEXT NOT NULL,       -- JSON: model, revision, endpoint host (no keys)
            text_column TEXT NOT NULL,
            columns TEXT NOT NULL,           -- JSON list of output columns
            status TEXT NOT NULL,            -- running, done, cancelled, failed
            rows_total INTEGER NOT NULL,
            created TEXT NOT NULL,
            finished TEXT,
            software TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX runs_by_spec ON runs (spec_key);
        -- A row's result in a run: the output (JSON) or the error that row ended with.
        CREATE TABLE annotations (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            row_id INTEGER NOT NULL,
            output TEXT,
            error TEXT,
            cached INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, row_id)
        ) WITHOUT ROWID;
        -- Answers by (model fingerprint, parameters, prompt, text): the same question is
        -- never paid for twice, across runs.
        CREATE TABLE response_cache (
            key TEXT PRIMARY KEY,
            output TEXT NOT NULL,
            created TEXT NOT NULL
        ) WITHOUT ROWID;
        -- Which columns the researcher agreed to send to which endpoint.
        CREATE TABLE consents (
            endpoint TEXT NOT NULL,
            columns TEXT NOT NULL,
            granted TEXT NOT NULL,
            PRIMARY KEY (endpoint, columns)
        );
        """,
    )


def _v3_retryable_errors(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- 1: the row failed for a reason of the moment (connection, HTTP 5xx/429): a
        -- resumed run asks again. 0: finished, with an answer or a final error.
        ALTER TABLE annotations ADD COLUMN retryable INTEGER NOT NULL DEFAULT 0;
        """,
    )


def _v4_codebooks(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- The project's codebooks, by name; body is the codebook as JSON (codebook.py).
        CREATE TABLE codebooks (
            name TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            modified TEXT NOT NULL
        );
        -- The exact messages a generative model gets, with {text} where each row's text
        -- goes (JSON): the methods record quotes it.
        ALTER TABLE runs ADD COLUMN prompt TEXT;
        """,
    )


def _v5_human_codes(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- Human coding, one row per click, appended and never changed (human_codes.py):
        -- the row's state after the click. codes: JSON array of code names ([] =
        -- uncoded again); memo: the coder's note on the row; time: UTC, milliseconds.
        CREATE TABLE human_codes (
            id INTEGER PRIMARY KEY,
            codebook TEXT NOT NULL,
            coder TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            codes TEXT NOT NULL,
            memo TEXT NOT NULL DEFAULT '',
            time TEXT NOT NULL
        );
        -- a coder's latest click per row, found without a scan
        CREATE INDEX human_codes_latest ON human_codes (codebook, coder, row_id, id);
        """,
    )


def _v6_managed_runs_blind_codes(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- The researcher's name for a run (NULL: the default "run N"), shown beside its
        -- columns; renaming never changes what the run holds.
        ALTER TABLE runs ADD COLUMN name TEXT;
        -- A replicate run: the run it repeats (with one thing changed, or nothing).
        ALTER TABLE runs ADD COLUMN replicate_of INTEGER REFERENCES runs (id);
        -- The process filling a run marked running (its pid), so a run whose process is
        -- gone reads as interrupted rather than as still running.
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        -- Whether the coder saw no model answer, other coder or result column while
        -- making this click: 1 blind, 0 not blind, NULL not recorded (clicks made before
        -- llmstudio recorded it).
        ALTER TABLE human_codes ADD COLUMN blind INTEGER;
        """,
    )


def _v7_passages_and_code_tree(db: sqlite3.Connection) -> None:
    # Codes gain a parent and a colour too, but codes live inside the codebook's JSON
    # body (codebooks.body, codebook.py): that needs no column, only this version bump,
    # so that an older llmstudio (which would reject the new keys) refuses the file.
    run_script(
        db,
        """
        -- A coded passage (passages.py): characters start to "end" (Python str indices,
        -- end excluded: code points, not bytes or UTF-16 units) of the text of row
        -- row_id in column text_column, exactly as stored in corpus_chunks (immutable,
        -- so offsets stay valid; the column is kept because the project's text column
        -- can be changed). Never deleted: removing sets removed (UTC), so undo restores
        -- it and nothing is lost; changing the code or memo removes the passage and adds
        -- its successor, which names it in replaces.
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            codebook TEXT NOT NULL,
            coder TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            text_column TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            code TEXT NOT NULL,
            memo TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            blind INTEGER,                   -- as human_codes.blind
            removed TEXT,                    -- NULL: in force
            replaces INTEGER REFERENCES passages (id),
            CHECK (0 <= start AND start < "end")
        );
        -- every passage of a code (retrieval), of a row (the coding panel), of a coder
        CREATE INDEX passages_by_code ON passages (codebook, code);
        CREATE INDEX passages_by_row ON passages (codebook, row_id);
        CREATE INDEX passages_by_coder ON passages (codebook, coder);
        """,
    )


def _v8_memos(db: sqlite3.Connection) -> None:
    # Row memos stay on their clicks (human_codes.memo) and passage memos on their
    # passages (passages.memo): each is part of what was coded there. Memos on a code or
    # on the project have no such home, so they get this table (core/memos.py reads all
    # four kinds as one list).
    run_script(
        db,
        """
        -- A memo on a code (codebook, code; one per author and code) or on the project
        -- (a title; as many as wanted). text and title are the latest save; deleted is
        -- set, never the row removed, so nothing typed is lost.
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('project', 'code')),
            codebook TEXT NOT NULL DEFAULT '',
            code TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            deleted TEXT
        );
        CREATE INDEX memos_by_code ON memos (codebook, code);
        -- Every save of a memo (saved as the user types, after a short pause): its
        -- earlier versions, oldest first.
        CREATE TABLE memo_versions (
            id INTEGER PRIMARY KEY,
            memo_id INTEGER NOT NULL REFERENCES memos (id),
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            saved TEXT NOT NULL
        );
        CREATE INDEX memo_versions_by_memo ON memo_versions (memo_id);
        """,
    )


def _v9_batches(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- A run sent through an OpenAI-compatible Batch API: one row per batch (a large run
        -- is split into several). requests maps each request's custom_id to the rows it
        -- answers (JSON), so the answers find their rows whatever happens meanwhile;
        -- base_url (never with credentials) and the run say how to reconnect.
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            batch_id TEXT NOT NULL UNIQUE,
            input_file_id TEXT NOT NULL,
            base_url TEXT,
            requests TEXT NOT NULL,
            request_count INTEGER NOT NULL,
            status TEXT NOT NULL,
            created TEXT NOT NULL,
            checked TEXT,
            fetched TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX batches_by_run ON batches (run_id);
        """,
    )


def _v10_embeddings(db: sqlite3.Connection) -> None:
    # A sentence-embedding model's frozen embeddings of the corpus, kept so that a second
    # codebook, a few-shot run, the Learn panel or a new process reads them instead of
    # running the model over every text again (core/embedding/stored.py).
    run_script(
        db,
        """
        -- One row per model as it embeds: name, revision (or file hash) and whatever
        -- else changes its vectors (max_seq_length, runtime), as canonical JSON.
        CREATE TABLE embedding_models (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL UNIQUE,
            dimensions INTEGER NOT NULL,
            created TEXT NOT NULL
        );
        -- A text's unit-length embedding as little-endian float16, keyed by the SHA-256
        -- of the text's UTF-8 bytes: a changed text has another key, so it is embedded
        -- again and never served the old text's vector; equal texts share one row.
        CREATE TABLE embeddings (
            model_id INTEGER NOT NULL REFERENCES embedding_models (id),
            text_hash BLOB NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model_id, text_hash)
        ) WITHOUT ROWID;
        -- How each run (or the Learn panel: run_id NULL) came by its corpus embeddings,
        -- for the methods record: how many read from the project, how many computed.
        CREATE TABLE embedding_uses (
            id INTEGER PRIMARY KEY,
            model_id INTEGER NOT NULL REFERENCES embedding_models (id),
            run_id INTEGER,
            reused INTEGER NOT NULL,
            computed INTEGER NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX embedding_uses_by_run ON embedding_uses (run_id);
        """,
    )


def _v11_batch_keys(db: sqlite3.Connection) -> None:
    # A batch is stored before its file is uploaded (batch_id and input_file_id still
    # NULL) with a random key that goes to the server in the batch's metadata: a process
    # killed between creating the batch and storing its id leaves a record that the next
    # batch command reconciles with the server's list (core/batch_recovery.py) instead of
    # a billed batch that nobody fetches. SQLite cannot relax NOT NULL in place: the
    # table is rebuilt, its rows copied.
    run_script(
        db,
        """
        CREATE TABLE batches_v11 (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            batch_id TEXT UNIQUE,
            input_file_id TEXT,
            base_url TEXT,
            requests TEXT NOT NULL,
            request_count INTEGER NOT NULL,
            status TEXT NOT NULL,
            created TEXT NOT NULL,
            checked TEXT,
            fetched TEXT,
            note TEXT NOT NULL DEFAULT '',
            key TEXT UNIQUE
        );
        INSERT INTO batches_v11 (id, run_id, batch_id, input_file_id, base_url, requests,
            request_count, status, created, checked, fetched, note)
        SELECT id, run_id, batch_id, input_file_id, base_url, requests, request_count,
            status, created, checked, fetched, note FROM batches;
        DROP TABLE batches;
        ALTER TABLE batches_v11 RENAME TO batches;
        CREATE INDEX batches_by_run ON batches (run_id);
        """,
    )


MIGRATIONS: tuple[Migration, ...] = (
    _v1_corpus,
    _v2_runs,
    _v3_retryable_errors,
    _v4_codebooks,
    _v5_human_codes,
    _v6_managed_runs_blind_codes,
    _v7_passages_and_code_tree,
    _v8_memos,
    _v9_batches,
    _v10_embeddings,
    _v11_batch_keys,
)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring ``db`` up to ``len(migrations)``, each step in its own transaction."""
    version = schema_version(db)
    for target in range(version + 1, len(migrations) + 1):
        with db:  # commit on success, roll back on error: never half a migration
            db.execute("BEGIN IMMEDIATE")
            migrations[target - 1](db)
            if not db.in_transaction:  # it committed on its own: it was not atomic
                raise RuntimeError(f"migration {target} ended the transaction (executescript?)")
            db.execute(f"PRAGMA user_version = {target}")
    return schema_version(db)


def required_tables(migrations: Sequence[Migration] = MIGRATIONS) -> set[str]:
    """The tables ``migrations`` make in an empty database: those every project must
    have, without a second list of them to keep in step."""
    db = sqlite3.connect(":memory:")
    try:
        migrate(db, migrations)
        return tables(db)
    finally:
        db.close()
