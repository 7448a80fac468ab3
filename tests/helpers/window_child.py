"""A window in a child process, for the kill tests: the child opens a project, does what
its script says and prints each step it saw stored; the test SIGKILLs it and checks the
reopened project. The scripts share their start (the window on the project) and, for
coding, the coding panel opened on the "Issues" codebook as coder "ana"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# The window shown on the project given as argv[1], its table loaded.
OPEN_WINDOW = textwrap.dedent("""
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
""")

# Then Code by Hand on "Issues", every row, as "ana" typed and Enter: the panel has the focus.
CODE_AS_ANA = textwrap.dedent("""
    w.activateWindow()
    w.coding.act_open.trigger()
    panel = w.coding
    panel.codebook_box.setCurrentText("Issues")
    panel.set_filter("all")
    panel.coder_edit.setFocus()
    QTest.keyClicks(panel.coder_edit, "ana")     # the coder's name, then Enter:
    QTest.keyClick(panel.coder_edit, Qt.Key.Key_Return)  # the focus goes to the codes
    assert QApplication.focusWidget() is panel, QApplication.focusWidget()
""")


def start(script: str, project: Path, tmp_path: Path) -> subprocess.Popen:
    """Run ``script`` on ``project`` in a child Python, offscreen, with its own settings
    folder; its stdout and stderr as text pipes."""
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", LLMSTUDIO_CONFIG_DIR=str(tmp_path / "config")
    )
    return subprocess.Popen(
        [sys.executable, "-c", script, str(project)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
