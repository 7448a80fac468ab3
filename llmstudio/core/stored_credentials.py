"""Credentials that an older llmstudio stored in a project, taken off when it is opened.

Before credentials in a base URL were kept apart (``core/secrets.py``), an endpoint was
named by the URL's whole network location, so ``http://user:pass@host/v1`` put
``user:pass@host`` into the run's model details (``runs.fingerprint``), the consents
table, the history (the run's and the consent's lines) and, through error messages, into
rows' errors. Opening such a project writes the host alone in their place; nothing else
changes: a run keeps its answers and can still be resumed (its identity, ``spec_key``, is
made again from the cleaned details when it was made from them).
"""

from __future__ import annotations

import json
import sqlite3

from .backends.base import digest
from .secrets import without_userinfo


def _clean_host(endpoint: str) -> str:
    return endpoint.rpartition("@")[2]


def _scrub_text(text: str, dirty: dict[str, str]) -> str:
    for old, new in sorted(dirty.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    return without_userinfo(text)


def _scrubbed(rows, dirty: dict[str, str]) -> list[tuple[str, object]]:
    """(new text, key) for the ``(key, text)`` rows whose text changes."""
    out = []
    for key, text in rows:
        clean = _scrub_text(text, dirty)
        if clean != text:
            out.append((clean, key))
    return out


def _rekeyed(spec_key: str, params: dict, old_fp: dict, new_fp: dict, column: str) -> str:
    """The run's spec_key with the cleaned details, when ``spec_key`` is the one the runner
    made from the old details (``runner.run_spec``); else the stored key unchanged."""
    task = {k: v for k, v in params.items() if k != "replicate"}

    def key(fp: dict) -> str:
        spec = {"task": task, "model": fp, "text_column": column}
        if "replicate" in params:
            spec["replicate"] = params["replicate"]
        return digest(spec)

    return key(new_fp) if key(old_fp) == spec_key else spec_key


def scrub_stored_credentials(db: sqlite3.Connection) -> list[str]:
    """Take the credentials an older version stored off the project's runs, consents,
    history and row errors (see the module); the hosts cleaned ([] when none was found).
    A project that cannot be written now (read-only) is left as it is."""
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"runs", "consents", "history", "annotations"} <= tables:
        return []  # a schema from before runs and consents: nothing of theirs stored
    runs = db.execute(
        "SELECT id, fingerprint, spec_key, params, text_column FROM runs "
        "WHERE fingerprint LIKE '%@%'"
    ).fetchall()
    consents = db.execute("SELECT endpoint FROM consents WHERE endpoint LIKE '%@%'").fetchall()
    if not runs and not consents:
        return []
    dirty: dict[str, str] = {}
    run_updates = []
    for run_id, fingerprint, spec_key, params, column in runs:
        try:
            fp, params = json.loads(fingerprint), json.loads(params or "{}")
        except ValueError:
            continue  # damaged: said where it is read (runs.stored_json)
        endpoint = fp.get("endpoint") if isinstance(fp, dict) else None
        if not isinstance(endpoint, str) or "@" not in endpoint:
            continue
        dirty[endpoint] = _clean_host(endpoint)
        new_fp = {**fp, "endpoint": dirty[endpoint]}
        key = (
            _rekeyed(spec_key, params, fp, new_fp, column) if isinstance(params, dict) else spec_key
        )
        run_updates.append((json.dumps(new_fp), key, run_id))
    for (endpoint,) in consents:
        dirty[endpoint] = _clean_host(endpoint)
    if not dirty:
        return []
    # Zeroed where the old text was, not left in the file's free space.
    secure = db.execute("PRAGMA secure_delete").fetchone()[0]
    db.execute("PRAGMA secure_delete = ON")
    try:
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "UPDATE runs SET fingerprint = ?, spec_key = ? WHERE id = ?", run_updates
            )
            for (endpoint,) in consents:
                # The clean host's consent may be there already: one row, the earlier grant.
                db.execute(
                    "INSERT OR IGNORE INTO consents SELECT ?, columns, granted FROM "
                    "consents WHERE endpoint = ?",
                    (dirty[endpoint], endpoint),
                )
                db.execute("DELETE FROM consents WHERE endpoint = ?", (endpoint,))
            history = db.execute("SELECT id, detail FROM history WHERE detail LIKE '%@%'")
            db.executemany(
                "UPDATE history SET detail = ? WHERE id = ?", _scrubbed(history.fetchall(), dirty)
            )
            # Row errors: only the runs sent to such a server can have one (a full scan of
            # a large project's answers is not paid on every open).
            for _, _, run_id in run_updates:
                errors = db.execute(
                    "SELECT row_id, error FROM annotations WHERE run_id = ? AND error LIKE '%@%'",
                    (run_id,),
                ).fetchall()
                db.executemany(
                    "UPDATE annotations SET error = ? WHERE run_id = ? AND row_id = ?",
                    [(clean, run_id, row) for clean, row in _scrubbed(errors, dirty)],
                )
            hosts = sorted(set(dirty.values()))
            db.execute(
                "INSERT INTO history (action, detail) VALUES ('credentials', ?)",
                (
                    f"removed the user names and passwords an older llmstudio stored "
                    f"with {', '.join(hosts)} (runs' model details, consents, history, "
                    "row errors); the hosts kept",
                ),
            )
    except sqlite3.OperationalError:
        return []  # read-only or busy: left for the next open that can write
    finally:
        db.execute(f"PRAGMA secure_delete = {int(secure)}")
    return hosts
