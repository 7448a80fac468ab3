"""A crash while coding passages loses none: the real window, driven by key presses in a
child process that says after each passage that the key returned, is killed with SIGKILL;
the reopened project holds every passage it reported, and SQLite finds the file sound."""

from __future__ import annotations

import os
import signal
import textwrap

import pandas as pd
import pytest

from llmstudio.core import passages
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers import window_child
from helpers.gui import make_project
from helpers.window_child import CODE_AS_ANA, OPEN_WINDOW

BOOK = Codebook(
    codes=(Code("Housing"), Code("Rent", parent="Housing"), Code("Transport")), name="Issues"
)
CHILD = (
    OPEN_WINDOW
    + CODE_AS_ANA
    + textwrap.dedent("""
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3]
    for i in range(10**6):
        row, start = i // 30, (i % 30) * 2
        if panel.row_id != row:
            panel.goto(row)
        cursor = panel.text.textCursor()  # the caret where a click would put it
        cursor.setPosition(start)
        panel.text.setTextCursor(cursor)
        for _ in range(3):  # Shift+right three times: three characters
            QTest.keyClick(panel, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClick(panel, keys[i % 3])  # marks them: stored before it returns
        print(row, start, start + 3, i % 3, flush=True)
""")
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_the_window_while_coding_passages_loses_none(tmp_path):
    texts = ["".join(chr(ord("a") + (r + k) % 26) for k in range(80)) for r in range(20)]
    path = make_project(tmp_path / "kill.llmstudio", pd.DataFrame({"text": texts}))
    with Project.open(path) as project:
        project.save_codebook(BOOK)
    child = window_child.start(CHILD, path, tmp_path)
    reported = []
    for line in child.stdout:
        row, start, end, code = map(int, line.split())
        reported.append((row, start, end, BOOK.names[code]))
        if len(reported) >= 45:  # past the first row: a move to the next one too
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert len(reported) >= 45, child.stderr.read()
    with Project.open(path) as project:
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {
            (x.row_id, x.start, x.end, x.code): passages.text_of(project, x)
            for x in passages.find(project, "Issues", coder="ana")
        }
    # every reported passage is stored with its characters (one more may be there too)
    for row, start, end, code in reported:
        assert stored[(row, start, end, code)] == texts[row][start:end]
    assert len(stored) in (len(reported), len(reported) + 1)
