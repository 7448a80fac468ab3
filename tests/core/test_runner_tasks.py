"""The job runner with coding, prompt and sentiment tasks: against the fake
OpenAI-compatible server (real HTTP, what it received is checked) and with the lexicon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmstudio.core.backends.base import BackendError
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import TemplateError
from llmstudio.core.lexicon import vader_label
from llmstudio.core.project import Project
from llmstudio.core.run_keys import cache_key
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SCALES, CodeTask, PromptTask, SentimentTask

from fakes.openai_server import label_for

ROWS = [
    ("I love the new park", "Greens"),
    ("I hate the traffic", "Labour"),
    ("The bus comes at nine", "Greens"),
    ("Rents doubled this year", "Tories"),
    ("What a wonderful day", "Labour"),
    ("Awful service again", "Tories"),
    ("Police patrols are back downtown", "Greens"),
    ("Meeting minutes attached", "Labour"),
]
TEXTS = [t for t, _ in ROWS]
CODES = (
    Code("Housing", description="Rents and homes."),
    Code("Transport", "Buses, roads."),
    Code("Crime", include="Policing."),
    Code("Environment"),
)
BOOK = Codebook(codes=CODES, name="Local issues", none_option=True)


def make_project(path: Path) -> Project:
    lines = "\n".join(f'{i},"{t}",{g}' for i, (t, g) in enumerate(ROWS))
    source = path.with_suffix(".csv")
    source.write_text("id,text,group\n" + lines + "\n", encoding="utf-8")
    return Project.create(path, read_table(source))


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path / "p.llmstudio") as proj:
        yield proj


def backend(fake, **options) -> OpenAIBackend:
    options.setdefault("key", "sk-fake-key-0000")
    return OpenAIBackend("fake-model", fake.url, **options)


def stored(project: Project) -> tuple[int, int, int]:
    """(runs, annotations, cache entries) in the project file."""
    return tuple(
        project.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("runs", "annotations", "response_cache")
    )


def bodies(fake) -> list[dict]:
    return [r.body for r in fake.chat_requests() if r.status == 200]


def test_a_code_task_gives_every_row_a_label_of_the_codebook(fake_openai, project):
    task = CodeTask(codebook=BOOK)
    result = run_job(project, task, backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.done == result.computed == len(ROWS)
    assert result.failed == 0 and fake_openai.total == len(ROWS)
    frame = run_results(project, result.run_id)
    assert list(frame.columns) == ["code_label", "code_score", "code_chunks", "code_error"]
    assert frame["code_label"].isin(BOOK.labels()).all()
    assert frame["code_error"].isna().all()
    assert frame["code_label"].nunique() >= 2  # answered per text, not one constant
    # What the server saw: the codebook in the system prompt, each text once.
    for body in bodies(fake_openai):
        system = body["messages"][0]
        assert system["role"] == "system" and BOOK.prompt_text() in system["content"]
    assert sorted(fake_openai.counts) == sorted(TEXTS)
    # And a second run asks nothing.
    again = run_job(project, task, backend(fake_openai))
    assert again.run_id == result.run_id and again.computed == 0
    assert fake_openai.total == len(ROWS)


def test_a_multi_label_run_gives_zero_one_columns(fake_openai, project):
    book = Codebook(codes=CODES, name="Local issues", multi_label=True)
    task = CodeTask(codebook=book)
    result = run_job(project, task, backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.failed == 0 and result.done == len(ROWS)
    frame = run_results(project, result.run_id)
    applies = ["code_housing", "code_transport", "code_crime", "code_environment"]
    assert list(frame.columns) == [c for a in applies for c in (a, f"{a}_score")] + [
        "code_chunks",
        "code_error",
    ]
    for column in applies:
        assert set(frame[column]) <= {0, 1}
        assert frame[f"{column}_score"].isin([0.9, 0.1]).all()
        assert ((frame[f"{column}_score"] >= 0.5) == (frame[column] == 1)).all()
    # The fake is sure of one code per text: exactly one applies per row.
    assert (frame[applies].sum(axis=1) == 1).all()
    assert frame[applies].sum().gt(0).sum() >= 2  # and not the same code for every row
    schema = bodies(fake_openai)[0].get("response_format")
    sent = json.dumps(schema)
    assert all(c.name in sent for c in CODES)


def test_a_prompt_with_a_column_placeholder_sends_the_filled_prompt(fake_openai, project):
    task = PromptTask("Party {group}. Summarise in five words: {text}")
    result = run_job(project, task, backend(fake_openai, concurrency=3))
    assert result.status == "done" and result.failed == 0 and result.computed == len(ROWS)
    filled = [f"Party {g}. Summarise in five words: {t}" for t, g in ROWS]
    sent = sorted(b["messages"][-1]["content"] for b in bodies(fake_openai))
    assert sent == sorted(filled)
    assert all(
        b["messages"][-1]["role"] == "user" and len(b["messages"]) == 1 for b in bodies(fake_openai)
    )
    assert all("response_format" not in b for b in bodies(fake_openai))  # free text
    frame = run_results(project, result.run_id)
    assert list(frame["prompt_output"]) == [f"Answer about: {f[:60]}" for f in filled]

    again = run_job(project, task, backend(fake_openai))
    assert again.computed == 0 and again.done == len(ROWS)
    assert fake_openai.total == len(ROWS)  # zero requests the second time


def test_a_changed_template_is_asked_again(fake_openai, project):
    first = run_job(
        project, PromptTask("Summarise: {text} ({group})"), backend(fake_openai), limit=4
    )
    assert first.computed == 4 and fake_openai.total == 4
    fake_openai.reset()
    other = PromptTask("Summarise briefly: {text} ({group})")
    second = run_job(project, other, backend(fake_openai), limit=4)
    assert second.run_id != first.run_id and second.computed == 4 and second.cached == 0
    assert fake_openai.total == 4
    assert all(
        b["messages"][-1]["content"].startswith("Summarise briefly: ") for b in bodies(fake_openai)
    )
    # The key is the rendered prompt: the same text with another column value differs.
    task, b = PromptTask("{group}: {text}"), backend(fake_openai)
    assert cache_key(task, b, task.render("x", {"group": "Greens"})) != cache_key(
        task, b, task.render("x", {"group": "Labour"})
    )


def test_a_prompt_task_on_the_lexicon_is_refused_before_anything_is_stored(project):
    before = stored(project)
    with pytest.raises(BackendError) as err:
        run_job(project, PromptTask("Summarise: {text}"), LexiconBackend())
    message = str(err.value)
    assert "cannot run prompt" in message and "needs a model that writes text" in message
    assert stored(project) == before == (0, 0, 0)


def test_a_code_task_on_the_lexicon_is_refused(project):
    with pytest.raises(BackendError, match="cannot run coding with 'Local issues'"):
        run_job(project, CodeTask(codebook=BOOK), LexiconBackend())
    assert stored(project) == (0, 0, 0)


def test_an_unknown_placeholder_names_the_columns(fake_openai, project):
    with pytest.raises(TemplateError) as err:
        run_job(project, PromptTask("{party}: {text}"), backend(fake_openai))
    assert str(err.value) == (
        "prompt template: {party} is not a column; the columns are id, text, group"
    )
    assert stored(project) == (0, 0, 0) and fake_openai.total == 0


@pytest.mark.parametrize("scale", ["3", "5"])
def test_the_sentiment_baseline_is_filled_for_every_row_with_the_lexicon(project, scale):
    task = SentimentTask(labels=SCALES[scale], baseline=True)
    result = run_job(project, task, LexiconBackend())
    assert result.status == "done" and result.failed == 0
    frame = run_results(project, result.run_id)
    assert frame["sentiment_lexicon"].notna().all()
    assert list(frame["sentiment_lexicon"]) == [vader_label(t, task) for t in TEXTS]
    # The lexicon as the model and as the baseline: the same label.
    assert list(frame["sentiment_label"]) == list(frame["sentiment_lexicon"])


def test_the_baseline_beside_an_api_model_survives_the_cache(fake_openai, project):
    task = SentimentTask(baseline=True)
    first = run_job(project, task, backend(fake_openai))
    expected = [vader_label(t, task) for t in TEXTS]
    frame = run_results(project, first.run_id)
    assert list(frame["sentiment_label"]) == [label_for(t) for t in TEXTS]
    assert list(frame["sentiment_lexicon"]) == expected
    with project.db:
        project.db.execute("DELETE FROM annotations")
    again = run_job(project, task, backend(fake_openai))
    assert again.cached == len(ROWS) and fake_openai.total == len(ROWS)
    assert list(run_results(project, again.run_id)["sentiment_lexicon"]) == expected


def test_few_shot_examples_are_turns_in_the_request(fake_openai, project):
    examples = (
        ("The landlord doubled my rent", "Housing"),
        ("Trains cancelled again", "Transport"),
    )
    task = CodeTask(codebook=BOOK, examples=examples)
    result = run_job(project, task, backend(fake_openai), limit=3)
    assert result.done == 3 and result.failed == 0
    for body in bodies(fake_openai):
        messages = body["messages"]
        assert [m["role"] for m in messages] == [
            "system",
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
        ]
        assert messages[1]["content"] == "Text:\nThe landlord doubled my rent"
        assert json.loads(messages[2]["content"])["label"] == "Housing"
        assert messages[3]["content"] == "Text:\nTrains cancelled again"
        assert json.loads(messages[4]["content"])["label"] == "Transport"
        assert messages[5]["content"].removeprefix("Text:\n") in TEXTS[:3]
    # The fake answered about the row's text, not an example's.
    assert sorted(fake_openai.counts) == sorted(TEXTS[:3])
    # Other examples, another question: asked again.
    fewer = CodeTask(codebook=BOOK, examples=examples[:1])
    assert run_job(project, fewer, backend(fake_openai), limit=3).computed == 3


def test_sentiment_with_examples_on_the_lexicon_is_refused(project):
    task = SentimentTask(examples=(("I love it", "positive"),))
    with pytest.raises(BackendError, match="cannot run"):
        run_job(project, task, LexiconBackend())
    assert stored(project) == (0, 0, 0)
