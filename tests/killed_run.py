"""A command killed mid-run, as a crash or a closed laptop kills it: start it, wait until
the project holds some of its answers, SIGKILL it. Shared by the CLI and runner tests
that check what a rerun does with what the killed one left."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path


def annotations_in(path: Path) -> int:
    """Rows annotated so far, read the way another process would (read-only)."""
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
        try:
            return db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # created but not yet migrated, or renamed into place just now
        return 0


def kill_after(
    command: list[str],
    project: Path,
    rows: int,
    env: dict[str, str],
    cwd: Path | None = None,
    timeout: float = 60,
) -> int:
    """Run ``command`` until ``project`` holds ``rows`` annotations, then SIGKILL it;
    returns the annotations it left. Fails if the command ended (or stalled) before."""
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout
        while (
            annotations_in(project) < rows and child.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert child.poll() is None, child.stderr.read().decode()
        assert annotations_in(project) >= rows, f"{rows} annotations not stored in {timeout} s"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return annotations_in(project)
