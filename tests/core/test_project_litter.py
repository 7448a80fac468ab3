"""A create killed with SIGKILL leaves a hidden corpus-sized temporary file (and SQLite's
-journal/-wal/-shm beside it), a killed export its ``.part``; the next open, create or
export in that folder removes them (core/leftovers.py), never a running process's."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmstudio.core.export import export_table
from llmstudio.core.project import Project

from helpers.corpora import string_corpus

needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

# Creates a project from a big corpus, again and again, so a kill lands inside a create.
CREATOR = """
import sys
import pandas as pd
from llmstudio.core.corpus import Corpus
from llmstudio.core.export import export_table
from llmstudio.core.project import Project
frame = pd.DataFrame({"text": pd.array([f"answer {i} " * 40 for i in range(200_000)], dtype="str")})
corpus = Corpus(frame=frame, text_column="text")
while True:
    Project.create(sys.argv[1], corpus).close()
"""


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def kill_inside_a_create(folder: Path, name: str, tries: int = 5) -> list[str]:
    """SIGKILL a child while its temporary file exists; the hidden files it left. A kill
    can still land between two creates (one finished in the moment after it was seen),
    leaving no temporary file: then a new child is killed, up to ``tries`` times."""
    for _ in range(tries):
        left = _kill_once(folder, name)
        if any(n.endswith(".tmp") for n in left):
            break
    return left


def _kill_once(folder: Path, name: str) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CREATOR, str(folder / name)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    try:
        while not any(n.endswith(".tmp") for n in hidden(folder)):
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline, "the child never started a create"
            time.sleep(0.01)
        time.sleep(0.2)  # well inside writing the corpus
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    return hidden(folder)


@needs_sigkill
@pytest.mark.slow
@pytest.mark.parametrize("then", ["open", "create", "export"])
def test_the_leftovers_of_killed_processes_are_removed_by_the_next_open_create_or_export(
    tmp_path, then
):
    with Project.create(tmp_path / "other.llmstudio", string_corpus()):
        pass
    left = kill_inside_a_create(tmp_path, "big.llmstudio")
    assert any(n.endswith(".tmp") for n in left), left  # the litter is real
    # A create still running in the same folder (a live process): its files stay.
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        kept = [tmp_path / f".third.llmstudio.{live.pid}.tmp{s}" for s in ("", "-journal", "-wal")]
        kept.append(tmp_path / f".other.csv.{live.pid}.part")  # an export still writing
        for path in kept:
            path.write_bytes(b"in progress")
        # A killed create's SQLite companions alone (the .tmp already gone) go too.
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        orphans = [tmp_path / f".fourth.llmstudio.{dead.pid}.tmp{s}" for s in ("-journal", "-shm")]
        orphans.append(tmp_path / f".table.csv.{dead.pid}.part")  # a killed export's
        for path in orphans:
            path.write_bytes(b"x")
        unrelated = tmp_path / ".notes.tmp"  # not a project's temporary file: not ours
        unrelated.write_text("keep")
        if then == "open":
            Project.open(tmp_path / "other.llmstudio").close()
        elif then == "create":
            Project.create(tmp_path / "new.llmstudio", string_corpus()).close()
        else:
            export_table(string_corpus().frame, tmp_path / "out.csv")
        assert hidden(tmp_path) == sorted([".notes.tmp"] + [p.name for p in kept])
    finally:
        live.kill()
        live.wait()
