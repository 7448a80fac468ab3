"""The window's launcher imports the model libraries in the background, ahead of a job."""

from __future__ import annotations

import os
import subprocess
import sys


def test_preloading_imports_the_model_libraries_in_the_background():
    code = ("import sys, llmstudio.gui.app as a\n"
            "assert 'torch' not in sys.modules\n"
            "t = a.preload_model_libraries(); t.join(120)\n"
            "print(sorted(m for m in a.PRELOAD_MODULES if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=180, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stderr
    from llmstudio.gui.app import PRELOAD_MODULES

    assert out.stdout.strip() == str(sorted(PRELOAD_MODULES))
