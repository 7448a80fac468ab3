"""A crash in the middle of coding loses no click: the real window, driven by key presses
in a child process that says after each one that it returned, is killed with SIGKILL;
the project then holds every click it reported (and the row order it was coding in)."""

from __future__ import annotations

import os
import signal
import textwrap

import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers import window_child
from helpers.gui import make_project, sample_frame
from helpers.window_child import CODE_AS_ANA, OPEN_WINDOW

BOOK = Codebook(codes=(Code("Housing"), Code("Transport"), Code("Health")), name="Issues")
CHILD = (
    OPEN_WINDOW
    + CODE_AS_ANA
    + textwrap.dedent("""
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3]
    for i in range(10**6):
        row = panel.row_id
        QTest.keyClick(QApplication.focusWidget(), keys[i % 3])  # codes the row, moves on
        print(row, i % 3, flush=True)
""")
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_the_window_while_coding_loses_no_click(tmp_path):
    path = make_project(tmp_path / "kill.llmstudio", sample_frame().head(200).copy())
    with Project.open(path) as project:
        project.save_codebook(BOOK)
    child = window_child.start(CHILD, path, tmp_path)
    reported = []
    for line in child.stdout:
        row, code = map(int, line.split())
        reported.append((row, BOOK.names[code]))
        if len(reported) >= 60:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert len(reported) >= 60, child.stderr.read()
    with Project.open(path) as project:
        now = {c.row_id: c.codes[0] for c in hc.current(project, "Issues", "ana")}
    # every reported click is stored (a click after the last report may be there too)
    assert {row: code for row, code in reported}.items() <= now.items()
    assert len(now) in (len(reported), len(reported) + 1)
