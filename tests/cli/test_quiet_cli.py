"""No third-party noise: a command's terminal holds llmstudio's own lines only, even in a
shell whose settings ask the model libraries for progress bars, info lines and every
warning (llmstudio.log.quiet_libraries is the one home that quiets them)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from cli_process import cli_env

# What annotate itself prints on stderr: the progress line, the run's end, the file written.
# llmstudio's own lines: progress, the run's end, the file written, and its "note:" (the
# builtin model's measured sentiment accuracy, said by llmstudio when it runs sentiment).
OWN_LINE = re.compile(
    r"^(\d+/\d+ rows \(.*\), [\d.]+ rows/s|run \d+: .*|wrote \d+ rows to .*"
    r"|note: The builtin MiniLM model reads sentiment weakly: .*)$"
)
# A shell set up for other work: each of these would let a library speak on the terminal.
NOISY_SHELL = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "0",
    "TRANSFORMERS_VERBOSITY": "info",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "0",
    "TOKENIZERS_PARALLELISM": "true",
    "PYTHONWARNINGS": "always",
}


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llmstudio", *args],
        cwd=tmp_path,
        env={**cli_env(tmp_path), **NOISY_SHELL},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
    )


def foreign_lines(stderr: str) -> list[str]:
    # A progress bar redraws with carriage returns: each redraw is a line of its own.
    lines = [part.strip() for part in re.split(r"[\r\n]+", stderr)]
    return [line for line in lines if line and not OWN_LINE.match(line)]


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    """A classifier and a causal LM (tests/models.py): the two ways an hf: model loads."""
    import models

    root = tmp_path_factory.mktemp("quiet")
    return {
        "classifier": models.build_classifier(root / "clf", ["negative", "positive"], seed=1),
        "generator": models.build_causal_lm(root / "lm", seed=1),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, task",
    [
        ("builtin", ["--task", "sentiment"]),
        ("classifier", ["--task", "sentiment"]),
        ("generator", ["--task", "prompt", "--prompt", "Summarise: {text}"]),
    ],
)
def test_annotate_prints_only_its_own_lines(tmp_path, tiny_models, model, task):
    spec = "builtin" if model == "builtin" else f"hf:{tiny_models[model]}"
    data = tmp_path / "in.csv"
    data.write_text(
        "text\nThe service was great.\nThe food was awful.\nIt was fine.\n", encoding="utf-8"
    )
    done = run(tmp_path, "annotate", str(data), *task, "--model", spec, "--out", "out.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").stat().st_size > 0
    assert "run 1: done; 3/3 rows" in done.stderr  # the pattern below does see our lines
    assert foreign_lines(done.stderr) == []


def test_python_warnings_go_to_the_log_not_the_terminal(tmp_path):
    code = (
        "import warnings\n"
        "from llmstudio.log import setup_logging\n"
        "setup_logging()\n"
        "warnings.warn('a library is unhappy about something', FutureWarning)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**cli_env(tmp_path), **NOISY_SHELL},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    log = (tmp_path / "config" / "logs" / "llmstudio.log").read_text(encoding="utf-8")
    assert "FutureWarning: a library is unhappy about something" in log


@pytest.mark.slow
def test_a_library_loaded_before_the_log_is_quieted_too(tmp_path):
    # The window preloads transformers in a thread; should anything import it before
    # setup_logging, its already-read switches are turned off as well.
    code = (
        "import transformers\n"
        "from transformers.utils import logging as tl\n"
        "from llmstudio.log import setup_logging\n"
        "assert tl.is_progress_bar_enabled()\n"
        "setup_logging()\n"
        "tl.get_logger('transformers.modeling_utils').warning('weights not used')\n"
        "print(tl.is_progress_bar_enabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**cli_env(tmp_path), **NOISY_SHELL},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
    assert done.stderr == ""
    log = (tmp_path / "config" / "logs" / "llmstudio.log").read_text(encoding="utf-8")
    assert "weights not used" in log
