"""One exit-status table for every command (``llmstudio/cli/exit_codes.py``): a missing file
is an error (1), a bad option is usage (2), and Ctrl+C on a command that runs work is
cancelled (2) with the rows finished kept. Run as users run them: ``python -m llmstudio``
in subprocesses, started together (start-up dominates)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.cli.exit_codes import DONE, ERROR, TABLE, USAGE_OR_CANCELLED, job_status
from llmstudio.core.project import Project
from llmstudio.core.run_progress import JobResult

from cli_process import cli_env

GONE = "gone.csv"
# Each command with a file that is not there (its other arguments right).
MISSING = {
    "inspect": [GONE],
    "convert": [GONE, "--out", "o.csv"],
    "annotate": [GONE, "--model", "lexicon"],
    "agree": [GONE, "--columns", "a", "b"],
    "bias": [GONE, "--swap", "gender", "--model", "lexicon", "--out", "b"],
    "export": ["gone.llmstudio", "--out", "o.csv"],
    "replicate": ["gone.llmstudio", "--run", "1"],
    "probe": ["--model", "lexicon", "--probe", "eec", "--eec", GONE, "--out", "p"],
    "runs": ["gone.llmstudio"],
}
COMMANDS = [
    "inspect",
    "convert",
    "demo",
    "annotate",
    "agree",
    "bias",
    "probe",
    "export",
    "replicate",
    "runs",
]


def _start(folder: Path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "llmstudio", *map(str, args)],
        cwd=folder,
        env=cli_env(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def statuses(tmp_path_factory) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    started = {}
    for command in COMMANDS:
        cases = {"bad option": [command, *MISSING.get(command, []), "--no-such-option"]}
        if command in MISSING:
            cases["missing file"] = [command, *MISSING[command]]
        for case, args in cases.items():
            started[command, case] = _start(tmp_path_factory.mktemp("exit"), *args)
    done = {}
    for key, process in started.items():
        out, err = process.communicate(timeout=180)
        done[key] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_option_is_usage_and_a_missing_file_an_error(statuses, command):
    bad = statuses[command, "bad option"]
    assert bad.returncode == USAGE_OR_CANCELLED == 2, bad.stderr
    assert "unrecognized arguments: --no-such-option" in bad.stderr
    if command in MISSING:
        missing = statuses[command, "missing file"]
        assert missing.returncode == ERROR == 1, missing.stderr
        lines = missing.stderr.strip().splitlines()
        assert "gone" in lines[-1] and "no such file" in lines[-1]
        assert "Traceback" not in missing.stderr and "internal error" not in missing.stderr


def test_the_table_is_in_the_help(cli, tmp_path):
    done = cli("annotate")("--help")
    assert done.returncode == DONE
    assert TABLE.splitlines()[1] in done.stdout and "cancelled (Ctrl+C" in done.stdout
    main = subprocess.run(
        [sys.executable, "-m", "llmstudio", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        timeout=60,
    )
    assert "exit statuses (every command):" in main.stdout
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    assert "## Exit statuses" in docs


def test_a_job_ends_with_one_status_whichever_command_ran_it(capsys):
    """annotate, replicate and runs resume end through job_status."""
    assert job_status(JobResult(1, "done", 4, 4, 1, 0, 4, 1.0)) == DONE
    assert capsys.readouterr().err == ""
    assert job_status(JobResult(1, "cancelled", 4, 2, 0, 0, 2, 1.0)) == USAGE_OR_CANCELLED
    assert "cancelled; the rows finished are kept" in capsys.readouterr().err
    failed = JobResult(1, "done", 2, 2, 2, 0, 2, 1.0, errors=[(0, "no answer"), (1, "x")])
    assert job_status(failed) == ERROR
    assert "every row failed; the first error: no answer" in capsys.readouterr().err
    # rows served from the cache are not failures of this run
    assert job_status(JobResult(1, "done", 4, 4, 0, 4, 0, 1.0)) == DONE


def _texts(folder: Path) -> Path:
    path = folder / "texts.csv"
    rows = [f"{['He', 'She'][i % 2]} loves the park (remark {i})" for i in range(40)]
    path.write_text("text\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def _cancel(fake, folder: Path, *args) -> subprocess.CompletedProcess:
    """Start a command, press Ctrl+C once the server has answered a request or two."""
    process = _start(folder, *args)
    deadline = time.monotonic() + 60
    while fake.total < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.slow
def test_ctrl_c_is_cancelled_and_keeps_the_rows(tmp_path, fake_openai):
    fake_openai.latency = 0.3
    api = ["--model", "openai:fake-model", "--base-url", fake_openai.url, "--concurrency", "1"]
    project = tmp_path / "p.llmstudio"
    done = _cancel(fake_openai, tmp_path, "annotate", _texts(tmp_path), *api, "--project", project)
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr
    assert "llmstudio: cancelled; the " in done.stderr
    assert f"kept in {project} (the same command asks only the rest)" in done.stderr
    with sqlite3.connect(project) as db:
        kept = db.execute("SELECT COUNT(*) FROM annotations WHERE output IS NOT NULL").fetchone()
        status = db.execute("SELECT status FROM runs").fetchone()
    assert kept[0] >= 1 and status == ("cancelled",)

    # With --out alone the answered rows are written to OUT and kept in a project beside
    # it, where the same command finds them: it asks only the rest.
    fake_openai.reset()
    out = tmp_path / "out.csv"
    done = _cancel(fake_openai, tmp_path, "annotate", _texts(tmp_path), *api, "--out", out)
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    kept = tmp_path / "out.llmstudio"
    assert (
        f" answered {'is' if ' 1 row ' in last else 'are'} kept in {kept} and written to "
        f"{out}" in last
    ), last
    assert last.endswith("(the same command asks only the rest)")
    with sqlite3.connect(kept) as db:
        answered = {
            r for (r,) in db.execute("SELECT row_id FROM annotations WHERE output IS NOT NULL")
        }
    assert answered
    fake_openai.reset()
    fake_openai.latency = 0.0
    assert _start(tmp_path, "annotate", _texts(tmp_path), *api, "--out", out).wait(120) == DONE
    with Project.open(kept) as held:  # the texts as the job reads them
        corpus = held.corpus()
        texts = corpus.frame[corpus.text_column].tolist()
    asked = [r.text for r in fake_openai.chat_requests()]
    # None paid twice: no text answered before is asked again (equal texts are answered
    # from the cache); every other row is asked once.
    before = {texts[i] for i in answered}
    assert not set(asked) & before
    rest = [t for i, t in enumerate(texts) if i not in answered and t not in before]
    assert len(rest) > 1 and sorted(asked) == sorted(set(rest))  # each text asked once
    assert pd.read_csv(out)["sentiment_label"].notna().all()
    fake_openai.reset()

    # Finish it, then replicate it and cancel the replicate.
    fake_openai.latency = 0.0
    assert _start(tmp_path, "annotate", project, *api).wait(120) == DONE
    fake_openai.reset()
    fake_openai.latency = 0.3
    done = _cancel(
        fake_openai,
        tmp_path,
        "replicate",
        project,
        "--run",
        "1",
        "--temperature",
        "0.7",
        "--base-url",
        fake_openai.url,
        "--concurrency",
        "1",
    )
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr
    assert "cancelled" in done.stderr

    fake_openai.reset()
    done = _cancel(
        fake_openai,
        tmp_path,
        "bias",
        _texts(tmp_path),
        "--swap",
        "gender",
        *api,
        "--out",
        tmp_path / "bias",
    )
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr

    fake_openai.reset()
    done = _cancel(
        fake_openai,
        tmp_path,
        "probe",
        "--probe",
        "eec",
        "--out",
        tmp_path / "probe",
        *api[:4],
        "--concurrency",
        "1",
    )
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr
    assert "cancelled" in done.stderr


@pytest.mark.parametrize("command", ["annotate", "bias"])
def test_an_unknown_model_is_refused_before_any_file_is_written(cli, tmp_path, command):
    folder = tmp_path / "data"
    folder.mkdir()
    corpus = folder / "texts.csv"
    corpus.write_text("text\nHe loves the park\n", "utf-8")
    swaps = ["--swap", "he=she"] if command == "bias" else []
    done = cli(command)(corpus, "--model", "bogus:x", *swaps)
    assert done.returncode == USAGE_OR_CANCELLED, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "llmstudio: error: --model: unknown model 'bogus:x'; use one of: builtin, lexicon, "
        "hf:PATH_OR_HUB_ID, openai:MODEL_NAME"
    )
    assert [p.name for p in folder.iterdir()] == ["texts.csv"]  # no project beside it
