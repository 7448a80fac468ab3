"""The SHA-256 of a local model's weight files, remembered across processes.

A local model's revision is a hash of its weights (a model folder; the builtin MiniLM),
and hashing reads every byte: 0.03-0.07 s for MiniLM's 90 MB and about a second a
gigabyte, at the start of every run and wherever the window asks. So a digest is kept
in the cache folder (:data:`MEMO_FILE`) under its files' stat signature: device, inode,
size, and modification and change times in nanoseconds. Writing to a file, or putting
another file in its place (cp, mv, an editor's save, a download), changes its change time
or its inode, and a program cannot set a file's change time back, so a changed file is
always hashed again; only the signature is trusted, never the name alone. File times
tick coarsely (a few milliseconds on Linux), so a file changed within the same tick as
its last write could keep its signature: a digest is remembered only once its files'
last change is :data:`SETTLED_SECONDS` old (as git treats "racily clean" files).

The memo is a cache: unreadable, damaged or not writable, it is ignored and the files
are hashed as if it were not there.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from .atomic import read_json_object, write_text
from .paths import cache_dir

MEMO_FILE = "digests.json"
# Digests kept (the newest): a signature and a digest, about 200 bytes each.
MEMO_ENTRIES = 256
# How long after a file's last change its digest may be remembered.
SETTLED_SECONDS = 2.0

_memo: dict[str, str] = {}  # this process's, over the file's


def sha256_of(files: Sequence[Path], *, names: bool = False) -> str:
    """The hex SHA-256 of ``files``' bytes in turn (with ``names``, each file's name
    before its bytes), from the memo when every file's signature is unchanged."""
    signed = _signature(files, names)
    if signed is None:  # a file is gone: hashing it raises the error that says so
        return _hash(files, names)
    key, changed = signed
    if key in _memo:
        return _memo[key]
    stored = _read()
    if key in stored:
        _memo[key] = stored[key]
        return stored[key]
    digest = _hash(files, names)
    if time.time() - changed < SETTLED_SECONDS:  # changed just now: not remembered
        return digest
    _memo[key] = digest
    stored[key] = digest  # the newest last: the oldest go first when the memo is full
    _write(dict(list(stored.items())[-MEMO_ENTRIES:]))
    return digest


def _hash(files: Sequence[Path], names: bool) -> str:
    h = hashlib.sha256()
    for f in files:
        if names:
            h.update(Path(f).name.encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _signature(files: Sequence[Path], names: bool) -> tuple[str, float] | None:
    """What the memo files a digest under, and the files' last change (epoch seconds);
    None when a file cannot be read."""
    parts, changed = [], 0.0
    try:
        for f in files:
            s = os.stat(f)
            where = str(Path(f).resolve())
            parts.append([where, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns])
            changed = max(changed, s.st_ctime)
    except OSError:
        return None
    return json.dumps([names, parts], separators=(",", ":")), changed


def _memo_path() -> Path:
    return cache_dir() / MEMO_FILE


def _read() -> dict[str, str]:
    data = read_json_object(_memo_path())
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write(stored: dict[str, str]) -> None:
    """The memo replaced whole (two processes writing: the last one's stays)."""
    try:
        write_text(_memo_path(), json.dumps(stored))
    except OSError:
        return  # a cache: the digests are made again next time
