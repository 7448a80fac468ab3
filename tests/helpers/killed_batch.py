"""``annotate --batch`` killed while it sends, at a moment the fake Batch API holds: the
n-th upload stored, or the n-th batch created, at the server, and the answer not yet sent
to the process, which is SIGKILLed right there (as a crash or a closed laptop kills it).
Shared by the CLI and window tests of what the next process recovers."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from helpers.batches import batch_texts


def batch_corpus(folder: Path, n: int) -> tuple[Path, list[str]]:
    """``folder``/survey.csv with ``n`` texts (id, text); (its path, the texts)."""
    source = folder / "survey.csv"
    texts = batch_texts(n)
    pd.DataFrame({"id": range(1, n + 1), "text": texts}).to_csv(source, index=False)
    return source, texts


def annotate_batch_args(source: Path, project: Path, fake, per_file: int) -> list[str]:
    """``annotate``'s arguments that send ``source``'s sentiment as batches of at most
    ``per_file`` requests to ``fake``, kept in ``project``."""
    return [
        str(source),
        "--model",
        "openai:fake-model",
        "--base-url",
        fake.url,
        "--project",
        str(project),
        "--batch",
        "--batch-requests",
        str(per_file),
    ]


def kill_while_sending(args: list[str], fake, step: str, nth: int, env, cwd: Path) -> str:
    """Run ``llmstudio annotate ARGS``, SIGKILL it once the fake server holds its
    ``nth`` ``step`` ("upload" or "create"), and return what it wrote to stderr. Fails
    if it ended before."""
    fake.hold(step, nth)
    child = subprocess.Popen(
        [sys.executable, "-m", "llmstudio", "annotate", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reached = fake.holding.wait(timeout=60)
        ended = child.poll()
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=30)  # reaped: its pid is gone, not a zombie
    finally:
        fake.let_go()
        if child.poll() is None:
            child.kill()
            child.wait()
    assert reached and ended is None, f"it ended before the {step} {nth}: {err}"
    assert child.returncode == -signal.SIGKILL
    return err
