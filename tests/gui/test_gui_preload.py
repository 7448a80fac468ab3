"""The window's launcher imports the model libraries in the background, ahead of a job."""

from __future__ import annotations

import os
import subprocess
import sys


def run_python(code: str) -> str:
    """``code`` run in a fresh interpreter (offscreen Qt); its standard output."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_preloading_imports_the_model_libraries_in_the_background():
    code = (
        "import sys, llmstudio.gui.app as a\n"
        "assert 'torch' not in sys.modules\n"
        "t = a.preload_model_libraries(); t.join(120)\n"
        "print(sorted(m for m in a.PRELOAD_MODULES if m in sys.modules))"
    )
    out = run_python(code)
    from llmstudio.gui.app import PRELOAD_MODULES

    assert out.strip() == str(sorted(PRELOAD_MODULES))


def test_the_window_starts_without_the_heavy_libraries():
    """Building and showing the window imports no model library and no chart library
    (pyqtgraph: ~0.5 s; the charts, learning and bias windows import it when opened)."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from llmstudio.gui.main_window import MainWindow\n"
        "w = MainWindow(); w.show(); app.processEvents()\n"
        "heavy = ('pyqtgraph', 'torch', 'transformers', 'sklearn', 'scipy', 'openai')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    assert run_python(code).strip().splitlines()[-1] == "[]"
