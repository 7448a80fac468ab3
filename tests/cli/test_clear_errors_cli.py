"""Bad input that used to end in "internal error" (a crash log) gets one clear line that
says what is wrong and where: a chosen encoding the file cannot have, a base URL that is
not a URL, a damaged project (a table missing, run parameters that are not JSON, corpus
chunks gone); Ctrl+C while the program is still starting is a cancel, not a traceback."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest

from llmstudio.cli.exit_codes import ERROR, USAGE_OR_CANCELLED

from cli_process import cli_env


def no_crash(done: subprocess.CompletedProcess) -> str:
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def test_utf16_chosen_for_a_file_without_a_byte_order_mark(tmp_path, cli):
    (tmp_path / "u8.csv").write_bytes("id,text\n1,café good\n".encode())
    done = cli("inspect")("u8.csv", "--encoding", "utf-16")
    assert done.returncode == ERROR
    assert "u8.csv: cannot be read as utf-16" in no_crash(done)
    assert "utf-16-le or utf-16-be" in done.stderr
    # With the mark, utf-16 reads as before.
    (tmp_path / "u16.csv").write_bytes("id,text\n1,café good\n".encode("utf-16"))
    done = cli("inspect")("u16.csv", "--encoding", "utf-16")
    assert done.returncode == 0 and "utf-16" in done.stdout, done.stderr


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://me:SECRET@[::1/v1", "Invalid IPv6 URL"),
        ("http://localhost:abc/v1", "Port could not be cast"),
    ],
)
def test_a_base_url_that_is_not_a_url_is_a_usage_error(tmp_path, annotate_cli, url, why):
    (tmp_path / "t.csv").write_text("text\ngood\n")
    done, _ = annotate_cli("t.csv", "--model", "openai:m", "--base-url", url, "--out", "o.csv")
    assert done.returncode == USAGE_OR_CANCELLED
    assert (
        "--base-url" in no_crash(done) and "not a valid URL" in done.stderr and why in done.stderr
    )
    assert "SECRET" not in done.stderr + done.stdout
    assert not (tmp_path / "o.csv").exists()


@pytest.fixture(scope="module")
def project_file(tmp_path_factory):
    """A project with one lexicon run of 5 rows, made as users make it."""
    folder = tmp_path_factory.mktemp("made")
    (folder / "t.csv").write_text("text\ngood\nbad\nfine\nawful\nok\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "llmstudio",
            "annotate",
            "t.csv",
            "--model",
            "lexicon",
            "--project",
            "p.llmstudio",
        ],
        cwd=folder,
        env=cli_env(folder),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return folder / "p.llmstudio"


DAMAGE = {
    "runs table missing": ("DROP TABLE runs", "its table(s) runs are missing"),
    "parameters not JSON": (
        "UPDATE runs SET params = '{not json'",
        "run 1: its parameters are not readable JSON",
    ),
    "parameters JSON of another shape": (
        "UPDATE runs SET params = '[\"sentiment\"]'",
        "run 1: its parameters are not a JSON object",
    ),
    "corpus chunks gone": ("DELETE FROM corpus_chunks", "its corpus holds 0 of its 5 rows"),
    "corpus chunk overwritten": (
        "UPDATE corpus_chunks SET data = x'00112233'",
        "its corpus chunks cannot be read",
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_project_is_named_with_what_is_wrong(tmp_path, cli, project_file, damage):
    sql, said = DAMAGE[damage]
    path = tmp_path / "p.llmstudio"
    shutil.copy(project_file, path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute(sql)
    db.commit()
    db.close()
    done = cli("export")(path, "--out", "o.csv")
    assert done.returncode == ERROR
    assert f"{path}: the project file is damaged ({said})" in no_crash(done)
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs POSIX signals")
def test_ctrl_c_while_the_modules_load_is_a_cancel_without_a_traceback(tmp_path):
    (tmp_path / "t.csv").write_text("text\ngood\n")
    # -X importtime reports each module as it is loaded: Ctrl+C once the first of
    # llmstudio's own modules is in lands inside ``from .cli import main`` in __main__
    # (the slow imports, before main's handler exists).
    child = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "llmstudio", "inspect", "t.csv"],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a terminal starts it: a test run started in the background of a script
        # inherits SIGINT ignored, and the child would never see the Ctrl+C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = []
    for line in child.stderr:
        seen.append(line)
        if " llmstudio." in line:
            child.send_signal(signal.SIGINT)
            break
    out, err = child.communicate(timeout=60)
    assert seen and " llmstudio." in seen[-1], "".join(seen[-5:])
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert child.returncode == USAGE_OR_CANCELLED and "llmstudio: cancelled" in err, err
