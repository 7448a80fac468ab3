"""The hidden half-written files of a process that was killed, and their removal.

Project creates and copies write ``.<name>.<pid>.tmp`` (SQLite may add ``-journal``,
``-wal``, ``-shm`` beside it) and exports write ``.<name>.<pid>.part``, then rename into
place. A SIGKILL in between leaves them behind, up to corpus-sized; the next open, create
or export in that folder removes those whose process is gone, never a live one's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_LEFTOVER = re.compile(r"^\..+\.(\d+)\.(?:tmp(?:-journal|-wal|-shm)?|part)$")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (True when it cannot be told: leave its files)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours, or we cannot tell: leave its files alone
    return True


def remove_dead_leftovers(folder: str | Path) -> list[Path]:
    """Delete, in ``folder``, the temporary files of killed processes (see the module);
    the paths removed. Never raises: cleanup must not stop the work that called it."""
    try:
        candidates = list(Path(folder).glob(".*.*"))
    except OSError:
        return []
    removed = []
    for leftover in candidates:
        match = _LEFTOVER.match(leftover.name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and not pid_alive(pid):
            try:
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
            except OSError:
                pass  # not ours to delete (permissions): leave it
    return removed


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), where the system says
    (Linux's /proc); None elsewhere or when it cannot be read. Tells a process that took
    a dead one's pid (pids are reused) from the one that left a mark."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
        with open("/proc/stat", encoding="ascii", errors="replace") as fh:
            boot = next(float(line.split()[1]) for line in fh if line.startswith("btime "))
        # The name (field 2) may hold spaces and parentheses: count from its last ")".
        ticks = float(stat.rpartition(")")[2].split()[19])
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return None


_TEMPORARY = re.compile(r"^llmstudio-[a-z0-9]+-(\d+)-")


def temporary_file(what: str, suffix: str) -> Path:
    """A new empty file in the system's temporary folder, named for this process
    (``llmstudio-<what>-<pid>-...``); the caller removes it. The files that killed
    processes left there before are removed first, never a live process's."""
    import tempfile

    folder = Path(tempfile.gettempdir())
    try:
        for leftover in folder.glob("llmstudio-*-*"):
            match = _TEMPORARY.match(leftover.name)
            if match and int(match.group(1)) != os.getpid() and not pid_alive(int(match.group(1))):
                leftover.unlink(missing_ok=True)
    except OSError:
        pass  # cleanup must not stop the work that called it
    fd, name = tempfile.mkstemp(
        prefix=f"llmstudio-{what}-{os.getpid()}-", suffix=suffix, dir=folder
    )
    os.close(fd)
    return Path(name)
