"""Running ``llmstudio annotate`` as users do: ``python -m llmstudio`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from cli_process import cli_env


def cli_runner(tmp_path, command: str, timeout: float = 120):
    """``run(*args)`` -> CompletedProcess of ``python -m llmstudio COMMAND ARGS`` in
    ``tmp_path``, as a user runs it."""
    env = cli_env(tmp_path)

    def run(*args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "llmstudio", command, *map(str, args)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    return run


@pytest.fixture
def cli(tmp_path):
    """``cli(COMMAND)`` -> a runner of ``python -m llmstudio COMMAND`` (see cli_runner)."""
    return lambda command: cli_runner(tmp_path, command)


@pytest.fixture
def annotate_cli(tmp_path):
    """``annotate(*args, key=None)`` -> (CompletedProcess, seconds)."""
    env = cli_env(tmp_path)

    def run(*args, key: str | None = None, key_for: str | None = None, timeout: float = 60):
        """``key`` in OPENAI_API_KEY; ``key_for``, a base URL, in OPENAI_BASE_URL."""
        started = time.monotonic()
        run_env = dict(env, OPENAI_API_KEY=key) if key else dict(env)
        if key_for:
            run_env["OPENAI_BASE_URL"] = key_for
        done = subprocess.run(
            [sys.executable, "-m", "llmstudio", "annotate", *map(str, args)],
            cwd=tmp_path,
            env=run_env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
        return done, time.monotonic() - started

    return run
