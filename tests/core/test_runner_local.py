"""The job runner with local backends: batches, progress, cache, resume, limit, cancel."""

from __future__ import annotations

import json
import sqlite3

import pytest

from llmstudio.core.backends import BackendError, make_backend
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.cost import estimate, price_table, save_price_table
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask

from helpers.progress import on_record

TEXTS = [
    "I love this, it is wonderful!",
    "This is terrible and I hate it.",
    "The bus comes at nine.",
    "",
    "Great service, very happy.",
    "Awful, awful, awful.",
]


@pytest.fixture
def project(tmp_path, write_file):
    # Distinct texts: identical ones would share one cached answer.
    rows = "\n".join(f'{i},"{t} (#{i})"' for i, t in enumerate(TEXTS * 10))
    corpus = read_table(write_file("c.csv", "id,text\n" + rows + "\n"))
    with Project.create(tmp_path / "p.llmstudio", corpus) as proj:
        yield proj


def annotations(project, run_id):
    return project.db.execute(
        "SELECT COUNT(*) FROM annotations WHERE run_id = ?", (run_id,)
    ).fetchone()[0]


def test_lexicon_run_labels_every_row_and_reports_progress(project):
    seen = []
    result = run_job(
        project, SentimentTask(), LexiconBackend(), monitor=Monitor(on_record(seen.append))
    )
    assert result.status == "done" and result.done == result.total == 60
    frame = run_results(project, result.run_id)
    assert list(frame.index) == list(range(60))
    assert set(frame["sentiment_label"]) <= {"positive", "negative", "neutral"}
    assert frame.loc[0, "sentiment_label"] == "positive"
    assert frame.loc[1, "sentiment_label"] == "negative"
    assert frame.loc[2, "sentiment_label"] == "neutral"
    assert seen and seen[-1].done == 60 and seen[-1].eta_s in (None, 0.0)
    assert [p.done for p in seen] == sorted(p.done for p in seen)


def test_identical_texts_share_one_cache_entry(tmp_path, write_file):
    corpus = read_table(write_file("d.csv", "text\n" + "same words and a good day\n" * 30))
    with Project.create(tmp_path / "d.llmstudio", corpus) as proj:
        result = run_job(proj, SentimentTask(), LexiconBackend())
        assert result.done == 30
        assert proj.db.execute("SELECT COUNT(*) FROM response_cache").fetchone()[0] == 1


def test_second_identical_run_computes_nothing(project):
    first = run_job(project, SentimentTask(), LexiconBackend())
    second = run_job(project, SentimentTask(), LexiconBackend())
    assert second.run_id == first.run_id  # the same run, resumed
    assert second.computed == 0 and second.done == 60


def test_limit_then_full_run_resumes(project):
    first = run_job(project, SentimentTask(), LexiconBackend(), limit=25)
    assert first.done == 25 and annotations(project, first.run_id) == 25
    rest = run_job(project, SentimentTask(), LexiconBackend())
    assert rest.run_id == first.run_id and rest.computed == 35 and rest.done == 60


def test_cache_serves_a_new_run_with_the_same_answers(project):
    first = run_job(project, SentimentTask(), LexiconBackend())
    with project.db:
        project.db.execute("DELETE FROM annotations")
        project.db.execute("DELETE FROM runs")
    again = run_job(project, SentimentTask(), LexiconBackend())
    assert again.computed == 0 and again.cached == 60
    assert first.computed == 60
    labels = run_results(project, again.run_id)["sentiment_label"]
    assert labels.loc[0] == "positive" and labels.loc[1] == "negative"


def test_other_labels_are_another_run(project):
    a = run_job(project, SentimentTask(), LexiconBackend())
    b = run_job(
        project, SentimentTask(("positive", "negative", "neutral", "mixed")), LexiconBackend()
    )
    assert a.run_id != b.run_id and b.computed == 60


def test_cancel_before_start_records_nothing(project):
    result = run_job(
        project, SentimentTask(), LexiconBackend(), monitor=Monitor(cancelled=lambda: True)
    )
    assert result.status == "cancelled"
    assert annotations(project, result.run_id) == 0
    status = project.db.execute("SELECT status FROM runs WHERE id = ?", (result.run_id,)).fetchone()
    assert status[0] == "cancelled"


def test_cancel_between_batches(project, monkeypatch):
    backend = LexiconBackend()
    backend.batch_size = 10
    calls = []
    result = run_job(
        project,
        SentimentTask(),
        backend,
        monitor=Monitor(
            lambda done, total, **_: calls.append(done),
            cancelled=lambda: bool(calls) and calls[-1] >= 20,
        ),
    )
    assert result.status == "cancelled" and 20 <= result.done < 60
    finished = run_job(project, SentimentTask(), LexiconBackend())
    assert finished.done == 60 and finished.computed == 60 - result.done


def test_a_backend_can_plan_its_own_batches(project):
    """A backend with ``plan_batches`` (the hf classifier: by token budget) gets exactly its
    batches, and each answer lands on its own row."""

    class Planner(LexiconBackend):
        def __init__(self):
            super().__init__()
            self.calls = []

        def plan_batches(self, texts):
            # Longest first, in batches of 1, 2, 3, ... rows.
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            batches, size = [], 1
            while order:
                batches.append(order[:size])
                order, size = order[size:], size + 1
            return batches

        def annotate(self, task, texts):
            self.calls.append(list(texts))
            return super().annotate(task, texts)

    backend = Planner()
    result = run_job(project, SentimentTask(), backend)
    assert result.done == 60
    assert [len(c) for c in backend.calls] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5]
    lengths = [len(t) for call in backend.calls for t in call]
    assert lengths == sorted(lengths, reverse=True)
    texts = project.corpus().frame[project.text_column].tolist()
    expected = [
        LexiconBackend().annotate(SentimentTask(), [t])[0]["sentiment_label"] for t in texts
    ]
    assert list(run_results(project, result.run_id)["sentiment_label"]) == expected


def test_run_record_has_model_and_parameters(project):
    result = run_job(project, SentimentTask(), LexiconBackend())
    row = project.db.execute(
        "SELECT task, params, backend, fingerprint, text_column, columns, "
        "status FROM runs WHERE id = ?",
        (result.run_id,),
    ).fetchone()
    assert row[0] == "sentiment" and row[2] == "lexicon" and row[4] == "text" and row[6] == "done"
    assert json.loads(row[1])["labels"] == ["positive", "negative", "neutral"]
    assert json.loads(row[3])["model"] == "vader"
    assert json.loads(row[5]) == [
        "sentiment_label",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_chunks",
    ]


def test_results_survive_reopening(project, tmp_path):
    result = run_job(project, SentimentTask(), LexiconBackend())
    path = project.path
    project.close()
    with Project.open(path) as again:
        assert len(run_results(again, result.run_id)) == 60
        assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_builtin_model_is_real_and_offline(project):
    result = run_job(project, SentimentTask(), make_backend("builtin"), limit=6)
    labels = run_results(project, result.run_id)["sentiment_label"]
    assert labels.loc[0] == "positive" and labels.loc[1] == "negative"
    scores = run_results(project, result.run_id)["sentiment_score"]
    assert all(0 < s <= 1 for s in scores)


def test_unknown_model_spec():
    with pytest.raises(BackendError, match="unknown model"):
        make_backend("gpt:whatever")


def test_cost_estimate_and_user_prices(config_dir):
    task = SentimentTask()
    # Ten distinct texts of 400 characters (identical ones would be sent once).
    est = estimate(task, [f"{i}" + "x" * 399 for i in range(10)], "gpt-4o-mini")
    assert est.requests == 10 and est.input_tokens > 1000 and est.cost_usd > 0
    assert estimate(task, ["x"], "my-local-llama").cost_usd is None
    save_price_table({"my-local-llama": (1.0, 2.0)})
    assert price_table()["my-local-llama"] == (1.0, 2.0)
    assert estimate(task, ["x" * 400], "my-local-llama").cost_usd == pytest.approx(
        (est.input_tokens / 10 * 1.0 + 20 * 2.0) / 1e6
    )


def test_consent_is_recorded_once_per_endpoint(project):
    assert not project.has_consent("api.openai.com", ["text"])
    project.grant_consent("api.openai.com", ["text"])
    assert project.has_consent("api.openai.com", ["text"])
    assert not project.has_consent("localhost:11434", ["text"])
    assert not project.has_consent("api.openai.com", ["text", "group"])


def test_a_schema_1_project_is_upgraded_for_runs(tmp_path, write_file):
    from llmstudio.core.store.migrations import MIGRATIONS

    corpus = read_table(write_file("e.csv", "text\nhello there\n"))
    Project.create(tmp_path / "old.llmstudio", corpus, migrations=MIGRATIONS[:1]).close()
    with Project.open(tmp_path / "old.llmstudio") as proj:
        assert proj.schema_version == len(MIGRATIONS) >= 2
        assert run_job(proj, SentimentTask(), LexiconBackend()).done == 1
