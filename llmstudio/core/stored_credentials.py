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
from .store import annotations as stored_annotations
from .store import connection, consents, history, transaction
from .store import runs as stored_runs


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
    made from the old details (``run_keys.run_spec``); else the stored key unchanged."""
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
    if not {"runs", "consents", "history", "annotations"} <= connection.all_tables(db):
        return []  # a schema from before runs and consents: nothing of theirs stored
    runs = stored_runs.with_userinfo(db)
    endpoints = consents.endpoints_with_userinfo(db)
    if not runs and not endpoints:
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
    for endpoint in endpoints:
        dirty[endpoint] = _clean_host(endpoint)
    if not dirty:
        return []
    # Zeroed where the old text was, not left in the file's free space.
    with connection.secure_delete(db):
        try:
            with transaction(db):
                stored_runs.set_fingerprints(db, run_updates)
                for endpoint in endpoints:
                    # The clean host's consent may be there already: one row, the earlier
                    # grant.
                    consents.move(db, endpoint, dirty[endpoint])
                history.set_details(db, _scrubbed(history.with_at_sign(db), dirty))
                # Row errors: only the runs sent to such a server can have one (a full
                # scan of a large project's answers is not paid on every open).
                for _, _, run_id in run_updates:
                    errors = stored_annotations.errors_with_at_sign(db, run_id)
                    stored_annotations.set_errors(db, run_id, _scrubbed(errors, dirty))
                hosts = sorted(set(dirty.values()))
                history.add(
                    db,
                    "credentials",
                    f"removed the user names and passwords an older llmstudio stored "
                    f"with {', '.join(hosts)} (runs' model details, consents, history, "
                    "row errors); the hosts kept",
                )
        except sqlite3.OperationalError:
            return []  # read-only or busy: left for the next open that can write
    return hosts
