"""A batch run whose process stops between storing a batch and storing its id: the
pending record is settled with the server by :func:`batch_recovery.reconcile` (adopted
when the batch was created, dropped when not), so no billed batch goes unfetched and no
row is sent twice. The process's death is a BaseException raised inside the openai
client's call (after or before the server did its part), which the product code cannot
catch; a real SIGKILL is in tests/cli/test_batch_kill_cli.py."""

from __future__ import annotations

import sqlite3

import openai
import pytest

from llmstudio.core import batch_results
from llmstudio.core.batch_recovery import reconcile, unconfirmed
from llmstudio.core.batch_runs import KEY_FIELD, submit_batches
from llmstudio.core.errors import RunBusy, RunError
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.runs import hold_run, release_run
from llmstudio.core.store import batches as stored_batches
from llmstudio.core.store.migrations import MIGRATIONS, migrate
from llmstudio.core.tasks import SentimentTask

from fakes.batch_server import FakeBatchAPI
from fakes.openai_server import label_for
from helpers.batches import batch_backend, batch_project, batch_texts

TASK = SentimentTask()


class Killed(BaseException):
    """The process dies here (nothing after it runs, no ``except Exception`` sees it)."""


@pytest.fixture
def fake():
    with FakeBatchAPI() as server:
        yield server


def dies(backend, call: str, nth: int, *, after: bool = True, raises=None):
    """Make ``backend``'s ``call`` ("files.create" or "batches.create") die on its
    ``nth`` use: after the server did it (``after``) or before; ``raises`` instead of
    dying: an exception made from the real call's result."""
    group, name = call.split(".")
    target = getattr(backend.client, group)
    real = getattr(target, name)
    seen = []

    def wrapped(*args, **kwargs):
        seen.append(1)
        if len(seen) != nth:
            return real(*args, **kwargs)
        if not after:
            raise Killed
        made = real(*args, **kwargs)
        raise raises(made) if raises else Killed

    setattr(target, name, wrapped)
    return backend


def killed_submit(path, backend, n_requests: int = 4) -> None:
    with Project.open(path) as project, pytest.raises(Killed):
        submit_batches(project, TASK, backend, max_requests=n_requests)


def answered_once(path, fake, texts) -> None:
    """Every row answered with its label, each text asked of the server exactly once."""
    with Project.open(path) as project:
        labels = run_results(project, 1)["sentiment_label"].tolist()
    assert labels == [label_for(t) for t in texts]
    assert sorted(fake.batched.values()) == [1] * len(texts) and fake.total == 0


def test_a_batch_created_before_the_process_died_is_adopted_and_fetched(tmp_path, fake):
    texts = batch_texts(10)
    path = tmp_path / "a.llmstudio"
    batch_project(path, texts).close()
    killed_submit(path, dies(batch_backend(fake), "batches.create", 2))  # 2nd of 3 files
    assert len(fake.batches) == 2
    made = list(fake.batches)[1]
    assert fake.batches[made]["metadata"][KEY_FIELD]  # the key went with it
    with Project.open(path) as project:
        assert [b.batch_id for b in batch_results.batches(project)] == [list(fake.batches)[0]]
        assert unconfirmed(project) == 1
        with pytest.raises(RunBusy, match="waits for .* at the server"):
            run_job(project, TASK, batch_backend(fake))  # its rows may be at the server
        found = reconcile(project)
        assert [(f.run_id, f.requests, f.batch_id) for f in found] == [(1, 4, made)]
        assert "was created at the server before llmstudio stopped" in found[0].message
        assert found[0].message in [d for _, _, d in project.history()]
        assert unconfirmed(project) == 0 and reconcile(project) == []  # settled once
        assert [b.batch_id for b in batch_results.batches(project)] == list(fake.batches)
        fake.finish()
        got = batch_results.fetch(project)
        assert got.answered == 8 and not got.failed and got.runs == {1: "interrupted"}
        # the rows of the file never sent go in a new batch; the adopted ones do not
        again = submit_batches(project, TASK, batch_backend(fake), max_requests=4)
        assert again.rows == 2 and len(fake.batches) == 3
        fake.finish()
        got = batch_results.fetch(project)
        assert got.answered == 2 and got.runs == {1: "complete"}
        ok = project.db.execute("PRAGMA integrity_check").fetchone()[0]
        assert ok == "ok"
    answered_once(path, fake, texts)


def test_a_batch_never_created_is_dropped_and_its_file_deleted(tmp_path, fake):
    texts = batch_texts(6)
    path = tmp_path / "b.llmstudio"
    batch_project(path, texts).close()
    # the upload reached the server, its answer did not reach the process
    killed_submit(path, dies(batch_backend(fake), "files.create", 1))
    (file_id,) = [i for i, f in fake.files.items() if f["purpose"] == "batch"]
    assert not fake.batches
    with Project.open(path) as project:
        (found,) = reconcile(project)
        assert found.batch_id is None and found.file_id == file_id and found.file_deleted
        assert "was never created at the server" in found.message
        assert f"its uploaded file {file_id} was deleted at the server" in found.message
        assert found.message in [d for _, _, d in project.history()]
        assert file_id not in fake.files and unconfirmed(project) == 0
        assert dict(run_infos_of(project)) == {1: "interrupted"}
        sent = submit_batches(project, TASK, batch_backend(fake))  # its rows are free
        assert sent.rows == 6
        fake.finish()
        assert batch_results.fetch(project).answered == 6
    answered_once(path, fake, texts)


def run_infos_of(project):
    from llmstudio.core.runs import run_infos

    return [(i.run_id, i.state) for i in run_infos(project)]


def test_dying_before_the_upload_drops_the_record_at_the_next_submit(tmp_path, fake):
    texts = batch_texts(5)
    path = tmp_path / "c.llmstudio"
    batch_project(path, texts).close()
    killed_submit(path, dies(batch_backend(fake), "files.create", 1, after=False))
    assert not fake.files
    with Project.open(path) as project:
        with pytest.raises(RunBusy, match="waits for a batch being sent at the server"):
            submit_batches(project, TASK, batch_backend(fake))  # not settled yet
        (found,) = reconcile(project)
        assert found.batch_id is None and found.file_id is None
        assert found.message.endswith("(or sending it as a batch again) sends them")
        sent = submit_batches(project, TASK, batch_backend(fake))
        assert sent.rows == 5 and len(fake.batches) == 1
        fake.finish()
        batch_results.fetch(project)
    answered_once(path, fake, texts)


def test_a_create_without_an_answer_keeps_the_record_and_says_so(tmp_path, fake):
    texts = batch_texts(4)
    path = tmp_path / "d.llmstudio"
    batch_project(path, texts).close()
    lost = lambda _: openai.APIConnectionError(request=None)  # noqa: E731
    backend = dies(batch_backend(fake), "batches.create", 1, raises=lost)
    with Project.open(path) as project:
        with pytest.raises(RunError, match="whether the server created the batch is not known"):
            submit_batches(project, TASK, backend)
        assert unconfirmed(project) == 1
        (found,) = reconcile(project)
        assert found.batch_id == list(fake.batches)[0]


def test_a_create_refused_drops_the_record_and_deletes_the_file(tmp_path, fake):
    path = tmp_path / "e.llmstudio"
    batch_project(path, batch_texts(3)).close()
    backend = batch_backend(fake)
    real = backend.client.batches.create
    backend.client.batches.create = lambda **kw: real(**{**kw, "input_file_id": "file-nope"})
    with Project.open(path) as project:
        with pytest.raises(RunError, match="HTTP 404"):
            submit_batches(project, TASK, backend)
        assert unconfirmed(project) == 0 and not fake.batches
        assert not [f for f in fake.files.values() if f["purpose"] == "batch"]  # deleted


def test_a_record_of_a_run_a_live_job_holds_is_left_to_it(tmp_path, fake):
    path = tmp_path / "f.llmstudio"
    batch_project(path, batch_texts(3)).close()
    killed_submit(path, dies(batch_backend(fake), "batches.create", 1))
    with Project.open(path) as project:
        held = project.path.resolve()
        project.db.execute("UPDATE runs SET status = 'running'")  # as a job claims it
        project.db.commit()
        hold_run(held, 1)
        try:
            assert reconcile(project) == [] and unconfirmed(project) == 1
        finally:
            release_run(held, 1)
        assert [f.batch_id for f in reconcile(project)] == list(fake.batches)


def test_the_servers_list_is_read_page_by_page(tmp_path, fake):
    path = tmp_path / "g.llmstudio"
    batch_project(path, batch_texts(3)).close()
    killed_submit(path, dies(batch_backend(fake), "batches.create", 1))
    made = list(fake.batches)[0]
    client = batch_backend(fake).client
    other = client.files.create(file=("other.jsonl", b""), purpose="batch")
    for _ in range(120):  # other batches of the account, made later: listed first
        client.batches.create(
            input_file_id=other.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    with Project.open(path) as project:
        assert [f.batch_id for f in reconcile(project)] == [made]
    assert fake.list_pages == 2  # 100 a page: the batch is on the second


@pytest.mark.slow  # the client's retries: about 15 s
def test_an_unreachable_server_keeps_the_record(tmp_path):
    path = tmp_path / "h.llmstudio"
    batch_project(path, batch_texts(3)).close()
    with FakeBatchAPI() as fake:
        killed_submit(path, dies(batch_backend(fake), "batches.create", 1))
    with Project.open(path) as project:  # the server is gone
        with pytest.raises(RunError, match="cannot look up at .* for run 1 .* APIConnectionError"):
            reconcile(project)
        assert unconfirmed(project) == 1


def test_schema_10_batches_are_kept_by_the_migration(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    migrate(db, MIGRATIONS[:10])
    db.execute(
        "INSERT INTO runs (id, spec_key, task, params, backend, fingerprint, text_column, "
        "columns, status, rows_total, created) VALUES (1, 'k', 'sentiment', '{}', 'openai', "
        "'{}', 'text', '[]', 'cancelled', 2, 'then')"
    )
    stored_batches.add(
        db,
        run_id=1,
        batch_id="batch_old",
        input_file_id="file-old",
        base_url="http://x/v1",
        requests='{"r0": [0]}',
        request_count=1,
        status="in_progress",
        created="then",
    )
    assert migrate(db) == 11
    assert [r[2] for r in stored_batches.all_batches(db)] == ["batch_old"]
    assert stored_batches.pending(db) == [] and stored_batches.runs_waiting(db) == {1}
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("step", ["batches.create", "files.create"])
def test_two_processes_settling_at_once_say_it_once(tmp_path, fake, monkeypatch, step):
    from llmstudio.core import batch_recovery

    path = tmp_path / "r.llmstudio"
    batch_project(path, batch_texts(3)).close()
    killed_submit(path, dies(batch_backend(fake), step, 1))
    real = batch_recovery._batches_with_keys
    other: list = []

    def meanwhile(client, records):  # the other process settles it while this one lists
        monkeypatch.setattr(batch_recovery, "_batches_with_keys", real)  # it lists as usual
        with Project.open(path) as second:
            other.extend(reconcile(second))
        return real(client, records)

    monkeypatch.setattr(batch_recovery, "_batches_with_keys", meanwhile)
    with Project.open(path) as project:
        assert reconcile(project) == [] and len(other) == 1
        said = [d for _, _, d in project.history() if d == other[0].message]
        assert len(said) == 1 and unconfirmed(project) == 0


def test_a_run_is_deleted_with_its_batches_once_none_waits(tmp_path, fake):
    from llmstudio.core.runs import delete_run

    path = tmp_path / "del.llmstudio"
    batch_project(path, batch_texts(3)).close()
    killed_submit(path, dies(batch_backend(fake), "batches.create", 1))
    with Project.open(path) as project:
        reconcile(project)  # (the process that "died" is this one: settled first)
        with pytest.raises(RunError, match=f"waits for batch {list(fake.batches)[0]}"):
            delete_run(project, 1)
        fake.finish()
        batch_results.fetch(project)
        delete_run(project, 1)  # its fetched batch goes with it
        assert batch_results.batches(project) == [] and run_infos_of(project) == []
