"""A model downloaded from the (fake) hub, then run as ``hf:ID``: the run's fingerprint
and the methods record carry the exact commit of the snapshot it loaded."""

from __future__ import annotations

from llmstudio.core.backends.registry import make_backend
from llmstudio.core.corpus import read_table
from llmstudio.core.methods import build_record
from llmstudio.core.methods_facts import run_records
from llmstudio.core.model_download import download_model
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask

from helpers.hub import TINY_ID


def test_a_run_records_the_downloaded_revision(fake_hub, tmp_path, monkeypatch):
    got = download_model(TINY_ID)
    commit = fake_hub.repos[TINY_ID].commit
    assert got.revision == commit

    # The run loads from the cache alone: the hub is gone.
    fake_hub.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "c.csv").write_text("text\ngood movie\nawful film\n", "utf-8")
    with Project.create(tmp_path / "p.llmstudio", read_table(tmp_path / "c.csv")) as project:
        backend = make_backend(f"hf:{TINY_ID}")
        assert run_job(project, SentimentTask(), backend).status == "done"
        [stored] = run_records(project)
        record = build_record(project).markdown()
    assert (stored.model, stored.revision) == (TINY_ID, commit)
    assert f"revision {commit}" in record
