"""The run form without a window: what stops a run (the run dialog's messages) and the
task it makes (the same ``make_task`` as ``llmstudio annotate``)."""

import pandas as pd
import pytest

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.run_form import RunForm, first_row, request_preview

BOOK = Codebook((Code("Housing"), Code("Transport")), name="Local issues")


def test_labels_are_read_as_the_labels_option_reads_them():
    assert RunForm(labels='a, "b, c"').parsed_labels() == ("a", "b, c")
    wrong = RunForm(labels="a, a")
    assert wrong.parsed_labels() == ()  # lenient: the problem says why
    assert "Labels" in wrong.problem()
    with pytest.raises(LlmstudioError, match="--labels"):
        RunForm(labels="a, A", labels_option="--labels").task()
    assert RunForm(labels="x").problem() == "Give at least two labels, separated by commas."


def test_each_task_says_what_it_needs():
    assert (
        RunForm(task_name="code", has_project=False)
        .problem()
        .startswith("Coding needs a codebook: save the corpus as a project first")
    )
    assert RunForm(task_name="code", codebook_error="bad yaml").problem() == "bad yaml"
    assert RunForm(task_name="code", codebook=BOOK).problem() == ""
    assert (
        "examples file cannot be used: row 3"
        in RunForm(labels="a, b", examples_error="row 3").problem()
    )
    assert RunForm(task_name="prompt", prompt=" ").problem().startswith("Write the prompt")
    form = RunForm(task_name="prompt", prompt="{text} {wave} {nope}", model="openai:m")
    form.columns = ("text", "wave")
    assert form.problem() == "{nope} is not a column of this corpus (the columns: text, wave)."


def test_the_model_must_be_able_to_do_the_task():
    assert RunForm(labels="a, b", model="hf:").problem().startswith("Choose a model folder")
    assert RunForm(labels="a, b", model="openai:").problem() == "Type the API's model name."
    assert (
        "base URL" in RunForm(labels="a, b", model="openai:m", base_url="http://h:port").problem()
    )
    assert "cannot answer a custom prompt" in RunForm(task_name="prompt", prompt="{text}").problem()
    assert "cannot explain" in RunForm(labels="a, b", explain=True, model="lexicon").problem()
    assert RunForm(labels="positive, negative, neutral", model="lexicon").problem() == ""
    assert RunForm(labels="a, b", model="openai:gpt-x").problem() == ""


def test_an_option_for_another_task_is_refused_as_annotate_refuses_it():
    with pytest.raises(LlmstudioError):
        RunForm(task_name="code", codebook=BOOK, baseline=True).task()


def test_the_input_is_checked_naming_the_file():
    frame = pd.DataFrame({"text": ["a"], "wave": ["1"]})
    form = RunForm(task_name="prompt", prompt="{text} {nope}")
    task = RunForm(task_name="prompt", prompt="{text}").task()
    with pytest.raises(LlmstudioError, match="in.csv: no column 'body'; the columns are 'text'"):
        form.check_input(task, frame, "body", "in.csv")
    with pytest.raises(LlmstudioError, match="nope"):
        form.check_input(form.task(), frame, "text", "in.csv")
    form.check_input(task, frame, "text", "in.csv")  # nothing wrong: no error


def test_the_request_for_row_one():
    frame = pd.DataFrame({"text": ["Rent is too high"], "wave": [1]})
    assert first_row(frame, "text") == (
        "Rent is too high",
        {"text": "Rent is too high", "wave": "1"},
    )
    assert first_row(None, "text") == ("(the row's text)", {})
    form = RunForm(
        task_name="prompt", prompt="Wave {wave}: {text}", model="openai:m", text_column="text"
    )
    shown = request_preview(form, form.task(), frame, "api.example.org")
    assert shown.startswith("Sent to api.example.org, model m, for row 1:")
    assert "Wave 1: Rent is too high" in shown
    offline = RunForm(labels="positive, negative, neutral", model="lexicon", text_column="text")
    assert "reads no prompt" in request_preview(offline, offline.task(), frame, "")
