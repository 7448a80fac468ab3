"""Replicate runs (core/replicate.py) and their comparison (core/stability.py): against
the fake OpenAI-compatible server on 127.0.0.1, and offline with the lexicon."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import ReplicateError, StatsError
from llmstudio.core.methods import build_record
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.replicate import (
    NOTHING_MEASURED,
    Changes,
    plan_replicate,
    run_replicate,
    stored_changes,
)
from llmstudio.core.run_keys import Replicate, cache_key, run_spec
from llmstudio.core.runner import run_job
from llmstudio.core.stability import compare_runs
from llmstudio.core.stats import cohen_kappa, krippendorff_alpha
from llmstudio.core.stats.intervals import wilson
from llmstudio.core.tasks import SentimentTask

TEXTS = [f"{w} remark {i}" for i, w in enumerate(["I love it", "I hate it", "The bus"] * 4)]


@pytest.fixture
def project(tmp_path):
    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    p = Project.create(tmp_path / "p.llmstudio", Corpus(frame=frame, text_column="text"))
    yield p
    p.close()


def _api_run(project, fake, **options):
    backend = make_backend("openai:fake", base_url=fake.url, **options)
    try:
        return run_job(project, SentimentTask(), backend)
    finally:
        backend.close()


def test_a_replicate_at_temperature_07_asks_again_and_is_a_run_of_its_own(project, fake_openai):
    first = _api_run(project, fake_openai)
    assert fake_openai.total == len(TEXTS)
    plan = plan_replicate(
        project, first.run_id, Changes(temperature=0.7), base_urls=[fake_openai.url]
    )
    result = run_replicate(project, plan)
    assert result.status == "done" and result.computed == len(TEXTS) and result.cached == 0
    assert fake_openai.total == 2 * len(TEXTS)  # every row asked again
    last = fake_openai.chat_requests()[-len(TEXTS) :]
    assert {r.body["temperature"] for r in last} == {0.7}
    assert {r.body["seed"] for r in last} == {0}  # the run's seed, sent
    run = project.db.execute(
        "SELECT replicate_of, params, fingerprint FROM runs WHERE id = ?", (result.run_id,)
    ).fetchone()
    assert result.run_id != first.run_id and run[0] == first.run_id
    assert json.loads(run[1])["replicate"] == 1 and json.loads(run[2])["temperature"] == 0.7
    assert stored_changes(project, first.run_id, result.run_id) == "temperature 0.0 → 0.7"


def test_nothing_changed_at_temperature_0_still_asks_again(project, fake_openai):
    first = _api_run(project, fake_openai)
    plan = plan_replicate(project, first.run_id, base_urls=[fake_openai.url])
    assert NOTHING_MEASURED not in plan.notes  # a server may answer differently
    one = run_replicate(project, plan)
    two = run_replicate(project, plan_replicate(project, first.run_id, base_urls=[fake_openai.url]))
    assert fake_openai.total == 3 * len(TEXTS)
    assert len({first.run_id, one.run_id, two.run_id}) == 3
    # An ordinary run of the same task still finds its own answers: zero requests.
    _api_run(project, fake_openai)
    assert fake_openai.total == 3 * len(TEXTS)


def test_the_replicate_index_joins_spec_and_cache_key(fake_openai):
    backend = make_backend("openai:fake", base_url=fake_openai.url)
    task = SentimentTask()
    plain = cache_key(task, backend, "a text")
    keys = {
        plain,
        cache_key(task, backend, "a text", replicate=Replicate(1, 1)),
        cache_key(task, backend, "a text", replicate=Replicate(1, 2)),
    }
    assert len(keys) == 3
    assert run_spec(task, backend, "text") != run_spec(
        task, backend, "text", replicate=Replicate(1, 1)
    )
    backend.close()


def test_the_seed_and_a_new_wording_go_to_the_server(project, fake_openai):
    first = _api_run(project, fake_openai)
    plan = plan_replicate(
        project,
        first.run_id,
        Changes(seed=7, prompt="You rate how people feel in short texts."),
        base_urls=[fake_openai.url],
    )
    run_replicate(project, plan)
    last = fake_openai.chat_requests()[-len(TEXTS) :]
    assert {r.body["seed"] for r in last} == {7}
    system = last[0].body["messages"][0]["content"]
    assert system.startswith("You rate how people feel in short texts.")
    assert "Answer with JSON only" in system  # the answer format stays


def test_an_unfinished_replicate_is_resumed_not_paid_twice(project, fake_openai):
    first = _api_run(project, fake_openai)
    plan = plan_replicate(
        project, first.run_id, Changes(temperature=0.5), base_urls=[fake_openai.url]
    )
    fake_openai.latency = 0.1  # answers come one by one: Cancel lands mid-run
    stop = []
    partial = run_replicate(
        project,
        plan,
        concurrency=1,
        monitor=Monitor(cancelled=lambda: bool(stop)),
        on_rows=lambda rows: stop.append(1),
    )
    fake_openai.latency = 0.0
    assert partial.status == "cancelled" and 0 < partial.done < len(TEXTS)
    asked = fake_openai.total
    again = plan_replicate(
        project, first.run_id, Changes(temperature=0.5), base_urls=[fake_openai.url]
    )
    assert again.resume == partial.run_id
    done = run_replicate(project, again)
    assert done.run_id == partial.run_id and done.status == "done"
    assert fake_openai.total - asked == len(TEXTS) - partial.done


def test_the_server_url_is_asked_for_when_the_project_has_only_its_host(project, fake_openai):
    first = _api_run(project, fake_openai)
    with pytest.raises(ReplicateError, match=r"127\.0\.0\.1:\d+.*--base-url"):
        plan_replicate(project, first.run_id)
    assert fake_openai.total == len(TEXTS)


def test_a_deterministic_model_is_said_to_measure_nothing(project):
    first = run_job(project, SentimentTask(), make_backend("lexicon"))
    plan = plan_replicate(project, first.run_id)
    assert plan.notes == (NOTHING_MEASURED,)
    result = run_replicate(project, plan)
    assert result.computed == len(TEXTS)  # asked again all the same, not from the cache
    (same,) = compare_runs(project, first.run_id, result.run_id, n_resamples=50)
    assert same.changed == 0 and same.n == len(TEXTS)


@pytest.mark.parametrize(
    "changes, message",
    [
        (Changes(temperature=0.7), "lexicon has no temperature"),
        (Changes(seed=3), "a seed changes nothing for lexicon"),
        (Changes(prompt="Rate it."), "never reads a prompt"),
        # Seen in the window: "changing model lexicon" for the run's own model, a change
        # that the methods record would report and that is none.
        (Changes(model="lexicon"), "lexicon is the model of run"),
    ],
)
def test_changes_a_local_model_cannot_make_are_refused(project, changes, message):
    first = run_job(project, SentimentTask(), make_backend("lexicon"))
    with pytest.raises(ReplicateError, match=message):
        plan_replicate(project, first.run_id, changes)


def test_unknown_or_unfinished_runs_and_other_prompt_versions_are_refused(project):
    with pytest.raises(ReplicateError, match=r"no run 4 \(the runs are: none yet\)"):
        plan_replicate(project, 4)
    first = run_job(project, SentimentTask(), make_backend("lexicon"))
    params = json.loads(project.db.execute("SELECT params FROM runs").fetchone()[0])
    project.db.execute("UPDATE runs SET params = ?", (json.dumps({**params, "prompt_version": 0}),))
    with pytest.raises(ReplicateError, match="another version"):
        plan_replicate(project, first.run_id)
    project.db.execute("UPDATE runs SET status = 'cancelled'")
    with pytest.raises(ReplicateError, match="resume it first"):
        plan_replicate(project, first.run_id)
    # A killed run is stored as running with a process gone: said as `runs` says it.
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    project.db.execute("UPDATE runs SET status = 'running', pid = ?", (gone.pid,))
    with pytest.raises(
        ReplicateError,
        match=r"run 1: sentiment with \w+, interrupted, .*: not "
        r"finished; resume it first \(llmstudio runs "
        r"resume PROJECT --run 1\)",
    ):
        plan_replicate(project, first.run_id)


def _stored(project, task: str, params: dict, labels: dict[int, str]) -> int:
    """A finished run whose answers are ``labels`` (row -> label)."""
    cur = project.db.execute(
        "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, columns, "
        "status, rows_total, created) VALUES (?, ?, ?, 'lexicon', '{}', 'text', ?, 'done', ?, "
        "'2026-01-01')",
        (
            f"k{len(labels)}{id(labels)}",
            task,
            json.dumps(params),
            json.dumps([f"{task}_label", f"{task}_score"]),
            len(labels),
        ),
    )
    project.db.executemany(
        "INSERT INTO annotations VALUES (?, ?, ?, NULL, 0, 0)",
        [(cur.lastrowid, r, json.dumps({f"{task}_label": v})) for r, v in labels.items()],
    )
    return cur.lastrowid


def test_stability_counts_changed_rows_and_measures_them_like_coders(project):
    params = {"task": "sentiment", "labels": ["positive", "negative", "neutral"]}
    a = [
        "positive",
        "negative",
        "neutral",
        "positive",
        "negative",
        "neutral",
        "positive",
        "negative",
        "neutral",
        "positive",
    ]
    b = list(a)
    b[0], b[4], b[8] = "negative", "neutral", "positive"
    one = _stored(project, "sentiment", params, dict(enumerate(a)))
    # run two answered one row more (row 10) and lacks row 9 (it failed)
    two = _stored(project, "sentiment", params, {**dict(enumerate(b[:9])), 10: "neutral"})
    (s,) = compare_runs(project, one, two, n_resamples=200)
    assert s.n == 9 and s.left_out == 2 and s.changed == 3
    assert s.changed_share == pytest.approx(3 / 9)
    assert s.changed_ci == wilson(3, 9)
    assert s.kappa.value == pytest.approx(cohen_kappa(a[:9], b[:9]))
    assert s.alpha.value == pytest.approx(krippendorff_alpha([a[:9], b[:9]]))
    assert s.kappa.ci_low < s.kappa.value < s.kappa.ci_high
    # what the CLI, the Validate view and the methods record print beside the numbers
    assert s.share_text() == f"{3 / 9:.3f} [{s.changed_ci[0]:.3f}, {s.changed_ci[1]:.3f}]"
    assert s.full_note() == "2 row(s) answered by one run only, left out"
    assert s.kappa.text().startswith(f"{s.kappa.value:.3f} [")


def test_only_one_code_says_why_kappa_is_undefined(project):
    params = {"task": "sentiment", "labels": ["positive", "negative"]}
    one = _stored(project, "sentiment", params, {0: "positive", 1: "positive"})
    two = _stored(project, "sentiment", params, {0: "positive", 1: "positive"})
    (s,) = compare_runs(project, one, two, n_resamples=20)
    assert "only one code occurs ('positive')" in s.note
    assert s.kappa.text() == "undefined" and s.full_note() == s.note  # nothing left out


def test_runs_of_other_questions_are_not_compared(project):
    one = _stored(project, "sentiment", {"task": "sentiment", "labels": ["a", "b"]}, {0: "a"})
    two = _stored(project, "sentiment", {"task": "sentiment", "labels": ["a", "c"]}, {0: "a"})
    with pytest.raises(StatsError, match="do not answer the same question"):
        compare_runs(project, one, two)
    with pytest.raises(StatsError, match="with itself"):
        compare_runs(project, one, one)


def test_the_methods_record_reports_each_replicate(project, fake_openai):
    first = _api_run(project, fake_openai)
    run_replicate(
        project,
        plan_replicate(
            project, first.run_id, Changes(temperature=0.7), base_urls=[fake_openai.url]
        ),
    )
    text = build_record(project, n_resamples=50).markdown()
    section = text.split("## Run stability (replicates)")[1].split("\n## ")[0]
    assert "| run 2 of run 1 | temperature 0.0 → 0.7 | sentiment label | 12 |" in section
    # the fake server answers by the text: nothing changed, and the record says so
    assert "0.000 \\[0.000, " in section


def _stored_builtin(project, params: dict) -> int:
    """A finished builtin run, as the builtin backend's fingerprint records it."""
    fp = {
        "kind": "builtin",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "classifier": {"seed": 0},
    }
    cur = project.db.execute(
        "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, columns, "
        "status, rows_total, created) VALUES ('b', 'sentiment', ?, 'builtin', ?, 'text', '[]', "
        "'done', 0, '2026-01-01')",
        (json.dumps(params), json.dumps(fp)),
    )
    return cur.lastrowid


def test_the_builtin_seed_counts_only_where_it_learns_from_examples(project):
    plain = _stored_builtin(project, SentimentTask().params())
    with pytest.raises(ReplicateError, match="only when it learns from coded examples"):
        plan_replicate(project, plain, Changes(seed=3))
    assert plan_replicate(project, plain).notes == (NOTHING_MEASURED,)
    task = SentimentTask(examples=(("great", "positive"), ("awful", "negative")))
    few_shot = _stored_builtin(project, task.params())
    plan = plan_replicate(project, few_shot, Changes(seed=3))
    # the run's fingerprint names no runtime: it ran with PyTorch, and so does its replicate
    assert dict(plan.backend_options) == {"seed": 3, "runtime": "torch"} and plan.notes == ()
    assert plan.task().params() == task.params()


def test_another_model_needs_no_url_of_the_run_s_server(project, fake_openai):
    first = _api_run(project, fake_openai)
    plan = plan_replicate(project, first.run_id, Changes(model="lexicon"))
    assert plan.model == "lexicon" and plan.base_url is None and plan.backend_options == ()
    result = run_replicate(project, plan)
    assert result.computed == len(TEXTS) and fake_openai.total == len(TEXTS)
    assert stored_changes(project, first.run_id, result.run_id) == "model fake → vader"


def test_the_same_plan_started_again_after_cancel_goes_on_with_its_run(project, fake_openai):
    first = _api_run(project, fake_openai)
    plan = plan_replicate(
        project, first.run_id, Changes(temperature=0.3), base_urls=[fake_openai.url]
    )
    fake_openai.latency = 0.1
    stop = []
    partial = run_replicate(
        project,
        plan,
        concurrency=1,
        monitor=Monitor(cancelled=lambda: bool(stop)),
        on_rows=lambda rows: stop.append(1),
    )
    fake_openai.latency = 0.0
    assert partial.status == "cancelled"
    again = run_replicate(project, plan)  # the window's Start again: the same plan object
    assert again.run_id == partial.run_id and again.status == "done"
    assert project.db.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)
