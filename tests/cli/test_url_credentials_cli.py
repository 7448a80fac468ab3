"""A user name, password or token in ``--base-url`` is sent with the requests and written
nowhere: not the project, the methods record, the config folder, an export, stdout or
stderr (issue 14, item 6); a refused key says what was sent where (item 15)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cli_process import cli_env

MARK = "SECRETMARKER"
TOKEN = "TOKENMARKER987"


def _texts(tmp_path: Path) -> Path:
    path = tmp_path / "texts.csv"
    path.write_text(
        "id,text\n" + "\n".join(f"{i},I love the park {i}" for i in range(6)) + "\n",
        encoding="utf-8",
    )
    return path


def _run(tmp_path: Path, *args, **env_extra) -> subprocess.CompletedProcess:
    # A keyring that fails: the machine's own keyring is never read or written by a test.
    env = dict(
        cli_env(tmp_path), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **env_extra
    )
    return subprocess.run(
        [sys.executable, "-m", "llmstudio", *map(str, args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _leaks(tmp_path: Path, secret: str, *done: subprocess.CompletedProcess) -> list[str]:
    """Every file under ``tmp_path`` (project, exports, record, config and state folders)
    and every output that holds ``secret``."""
    found = [
        str(p) for p in tmp_path.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()
    ]
    found += [f"output of {d.args[3]}" for d in done if secret in d.stdout + d.stderr]
    return found


@pytest.mark.parametrize("where", ["userinfo", "query"])
def test_credentials_in_the_base_url_are_sent_and_never_written(tmp_path, fake_openai, where):
    host = urlsplit(fake_openai.url).netloc
    if where == "userinfo":
        fake_openai.basic_auth = ("user", MARK)
        url = f"http://user:{MARK}@{host}/v1"
        secret = MARK
    else:
        fake_openai.query_key = ("api_key", TOKEN)
        url = f"{fake_openai.url}?api_key={TOKEN}"
        secret = TOKEN
    project, out = tmp_path / "p.llmstudio", tmp_path / "out.csv"
    done = _run(
        tmp_path,
        "annotate",
        _texts(tmp_path),
        "--model",
        "openai:fake-model",
        "--base-url",
        url,
        "--project",
        project,
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    chats = fake_openai.chat_requests()
    assert len(chats) == 6 and all(r.status == 200 for r in chats)  # the server let them in
    exported = _run(
        tmp_path,
        "export",
        project,
        "--methods",
        tmp_path / "methods.html",
        "--out",
        tmp_path / "all.xlsx",
    )
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "methods.html").exists() and (tmp_path / "all.xlsx").exists()
    # The record still names the server, by its host only.
    assert host in (tmp_path / "methods.html").read_text(encoding="utf-8")
    assert _leaks(tmp_path, secret, done, exported) == []


def test_a_refused_password_is_said_without_showing_it(tmp_path, fake_openai):
    host = urlsplit(fake_openai.url).netloc
    fake_openai.basic_auth = ("user", "the-right-one")
    done = _run(
        tmp_path,
        "annotate",
        _texts(tmp_path),
        "--model",
        "openai:fake-model",
        "--base-url",
        f"http://user:{MARK}@{host}/v1",
        "--limit",
        "2",
    )
    assert done.returncode == 1
    error = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error) == 1, done.stderr
    assert f"{host} refused" in error[0] and "password in the base URL" in error[0]
    assert _leaks(tmp_path, MARK, done) == []


def test_a_refused_key_names_the_host_it_went_to_and_where_it_came_from(tmp_path, fake_openai):
    host = urlsplit(fake_openai.url).netloc
    fake_openai.api_key = "sk-the-right-one-123"
    # No --base-url: OPENAI_BASE_URL is where the client sends, with OPENAI_API_KEY.
    done = _run(
        tmp_path,
        "annotate",
        _texts(tmp_path),
        "--model",
        "openai:fake-model",
        "--limit",
        "2",
        OPENAI_BASE_URL=fake_openai.url,
        OPENAI_API_KEY="sk-wrong-KEY4567",
    )
    assert done.returncode == 1
    error = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error) == 1, done.stderr
    assert f"{host} refused the API key" in error[0] and "sent: OPENAI_API_KEY" in error[0]
    assert "api.openai.com" not in error[0] and "KEY4567" not in done.stderr
    assert [r.headers["authorization"] for r in fake_openai.chat_requests()] == [
        "Bearer sk-wrong-KEY4567"
    ]

    # --base-url names this server, OPENAI_BASE_URL another: the key is not sent, and the
    # message says so and where it would go.
    fake_openai.reset()
    done = _run(
        tmp_path,
        "annotate",
        _texts(tmp_path),
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--limit",
        "2",
        OPENAI_BASE_URL="http://elsewhere.example:9/v1",
        OPENAI_API_KEY="sk-wrong-KEY4567",
    )
    assert done.returncode == 1
    error = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error) == 1, done.stderr
    assert "sent: no API key" in error[0] and "elsewhere.example:9" in error[0]
    assert [r.headers["authorization"] for r in fake_openai.chat_requests()] == [
        "Bearer not-needed"
    ]


def test_an_unreadable_url_with_a_password_shows_it_nowhere(tmp_path):
    # Whatever the command makes of it (a message, an internal error and its crash log),
    # the password is in no output and no file.
    done = _run(
        tmp_path,
        "annotate",
        _texts(tmp_path),
        "--model",
        "openai:m",
        "--base-url",
        f"http://u:{MARK}@[::1",
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert _leaks(tmp_path, MARK, done) == []
