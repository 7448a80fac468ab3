"""Running ``llmstudio annotate`` as users do: ``python -m llmstudio`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def annotate_cli(tmp_path):
    """``annotate(*args, key=None)`` -> (CompletedProcess, seconds)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({
        "LLMSTUDIO_CONFIG_DIR": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })

    def run(*args, key: str | None = None, key_for: str | None = None, timeout: float = 60):
        """``key`` in OPENAI_API_KEY; ``key_for``, a base URL, in OPENAI_BASE_URL."""
        started = time.monotonic()
        run_env = dict(env, OPENAI_API_KEY=key) if key else dict(env)
        if key_for:
            run_env["OPENAI_BASE_URL"] = key_for
        done = subprocess.run([sys.executable, "-m", "llmstudio", "annotate", *map(str, args)],
                              cwd=tmp_path, env=run_env, capture_output=True, text=True,
                              encoding="utf-8", timeout=timeout)
        return done, time.monotonic() - started

    return run
