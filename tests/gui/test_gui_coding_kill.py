"""A crash in the middle of coding loses no click: the real window, driven by key presses
in a child process that says after each one that it returned, is killed with SIGKILL;
the project then holds every click it reported (and the row order it was coding in)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers.gui import make_project, sample_frame

BOOK = Codebook(codes=(Code("Housing"), Code("Transport"), Code("Health")), name="Issues")
CHILD = textwrap.dedent("""
    import sys
    from PySide6.QtCore import Qt
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
    QTest.keyClicks(panel.coder_edit, "ana")     # the coder's name, then Enter:
    QTest.keyClick(panel.coder_edit, Qt.Key.Key_Return)  # the focus goes to the codes
    assert QApplication.focusWidget() is panel, QApplication.focusWidget()
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3]
    for i in range(10**6):
        row = panel.row_id
        QTest.keyClick(QApplication.focusWidget(), keys[i % 3])  # codes the row, moves on
        print(row, i % 3, flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_the_window_while_coding_loses_no_click(tmp_path):
    path = make_project(tmp_path / "kill.llmstudio", sample_frame().head(200).copy())
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
