"""A crash while coding passages loses none: the real window, driven by key presses in a
child process that says after each passage that the key returned, is killed with SIGKILL;
the reopened project holds every passage it reported, and SQLite finds the file sound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from llmstudio.core import passages
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers.gui import make_project

BOOK = Codebook(
    codes=(Code("Housing"), Code("Rent", parent="Housing"), Code("Transport")), name="Issues"
)
CHILD = textwrap.dedent("""
    import sys
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextCursor
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from llmstudio.gui.main_window import MainWindow
    w = MainWindow()
    w.show()
    w.open_path(sys.argv[1])
    while w.corpus is None:
        app.processEvents()
    w.activateWindow()
    w.coding.act_open.trigger()
    panel = w.coding
    panel.codebook_box.setCurrentText("Issues")
    panel.set_filter("all")
    panel.coder_edit.setFocus()
    QTest.keyClicks(panel.coder_edit, "ana")
    QTest.keyClick(panel.coder_edit, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is panel, QApplication.focusWidget()
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


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_the_window_while_coding_passages_loses_none(tmp_path):
    texts = ["".join(chr(ord("a") + (r + k) % 26) for k in range(80)) for r in range(20)]
    path = make_project(tmp_path / "kill.llmstudio", pd.DataFrame({"text": texts}))
    with Project.open(path) as project:
        project.save_codebook(BOOK)
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", LLMSTUDIO_CONFIG_DIR=str(tmp_path / "config")
    )
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
