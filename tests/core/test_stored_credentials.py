"""A project made before credentials in a base URL were kept apart holds ``user:pass@host``
in its runs' model details, consents, history and row errors. Opening it takes them off,
keeps the host and everything else, and the run can still be resumed without asking its
finished rows again."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.base import digest
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.resume import resume_run
from llmstudio.core.runner import run_job
from llmstudio.core.runs import run_info, run_settings
from llmstudio.core.tasks import SentimentTask

SECRET = "S3cretPw"
TEXTS = [f"text {i} is {'good' if i % 2 else 'bad'}" for i in range(8)]


def make_old_project(tmp_path, fake) -> tuple:
    """A project as an older llmstudio wrote it: made by a run, then its rows written the
    old way with sqlite3 (the endpoint named with its user name and password)."""
    pd.DataFrame({"text": TEXTS}).to_csv(tmp_path / "t.csv", index=False)
    path = tmp_path / "old.llmstudio"
    url = fake.url.replace("http://", f"http://ana:{SECRET}@")
    host = fake.url.split("/")[2]
    with Project.create(path, read_table(tmp_path / "t.csv")) as project:
        project.grant_consent(host, ["text"])
        backend = make_backend("openai:m", base_url=url)
        run_job(project, SentimentTask(), backend)
        backend.close()
    db = sqlite3.connect(path)
    fp_text, params, column = db.execute(
        "SELECT fingerprint, params, text_column FROM runs WHERE id = 1"
    ).fetchone()
    fp = {**json.loads(fp_text), "endpoint": f"ana:{SECRET}@{host}"}
    old_key = digest({"task": json.loads(params), "model": fp, "text_column": column})
    db.execute(
        "UPDATE runs SET fingerprint = ?, spec_key = ?, status = 'cancelled' WHERE id = 1",
        (json.dumps(fp), old_key),
    )
    db.execute("UPDATE consents SET endpoint = ?", (f"ana:{SECRET}@{host}",))
    db.execute("UPDATE history SET detail = replace(detail, ?, ?)", (host, f"ana:{SECRET}@{host}"))
    # Three rows not answered yet, one with an error naming the URL as it was given.
    db.execute("DELETE FROM annotations WHERE row_id IN (5, 6, 7)")
    db.execute("DELETE FROM response_cache")  # its keys were made from the old details
    db.execute(
        "UPDATE annotations SET output = NULL, retryable = 1, error = ? WHERE row_id = 4",
        (f"cannot reach {url}chat/completions",),
    )
    db.execute("INSERT INTO history (action, detail) VALUES ('note', 'ana@uni.example wrote')")
    db.commit()
    db.close()
    assert SECRET.encode() in path.read_bytes()
    return path, url, host


def test_opening_an_old_project_takes_the_credentials_off_and_keeps_the_rest(tmp_path, fake_openai):
    path, url, host = make_old_project(tmp_path, fake_openai)
    with Project.open(path) as project:
        info = run_info(project, 1)
        assert info.state == "interrupted" and info.answered == 4
        assert run_settings(project, 1).endpoint == host
        assert project.has_consent(host, ["text"])
        details = [d for _, _, d in project.history()]
        assert any(d.startswith(f"run 1: sentiment with openai:m at {host}") for d in details)
        assert "ana@uni.example wrote" in details  # not a URL's credentials: left alone
        assert details[-1] == (
            f"removed the user names and passwords an older llmstudio "
            f"stored with {host} (runs' model details, consents, history, "
            "row errors); the hosts kept"
        )
        error = project.db.execute("SELECT error FROM annotations WHERE row_id = 4").fetchone()
        assert error == (f"cannot reach {fake_openai.url}chat/completions",)
    assert SECRET.encode() not in path.read_bytes()
    # Opened again: nothing more to do, no second note.
    with Project.open(path) as project:
        assert sum(a == "credentials" for _, a, _ in project.history()) == 1
    # The run resumes (its identity made again from the cleaned details): only the four
    # rows it lacks are asked.
    fake_openai.reset()
    with Project.open(path) as project:
        result = resume_run(project, 1, base_url=url)
        assert result.status == "done" and result.done == len(TEXTS)
    assert fake_openai.total == 4
    assert sorted(r.text for r in fake_openai.chat_requests()) == sorted(TEXTS[4:])
    assert SECRET.encode() not in path.read_bytes()


@pytest.mark.slow  # waits out SQLite's 5 s busy timeout
def test_an_old_project_another_process_is_writing_still_opens(tmp_path, fake_openai):
    """Nothing can be written now (another connection holds the write lock; read-only
    media alike): the project opens as it is, and is cleaned at a later open."""
    path, _, _ = make_old_project(tmp_path, fake_openai)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(path) as project:
            assert run_info(project, 1).answered == 4
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Project.open(path) as project:
        assert run_settings(project, 1).endpoint == f"127.0.0.1:{fake_openai.port}"
    assert SECRET.encode() not in path.read_bytes()


def test_endpoints_json_of_an_older_version_loses_the_credentials_keeps_what_was_learned(
    config_dir,
):
    from llmstudio.core.backends import dialect as dialects

    (config_dir / "endpoints.json").write_text(
        json.dumps(
            {
                f"ana:{SECRET}@10.0.0.5:8000|m": {"temperature": False, "confirmed": True},
                "other.example|m": {"confirmed": True},
            }
        ),
        encoding="utf-8",
    )
    learned = dialects.load("10.0.0.5:8000", "m")
    assert learned.confirmed and learned.temperature is False
    text = (config_dir / "endpoints.json").read_text(encoding="utf-8")
    assert SECRET not in text and "ana" not in text
    assert set(json.loads(text)) == {"10.0.0.5:8000|m", "other.example|m"}
