"""The send plan (core/send_plan.py): what the consent dialog shows and ``llmstudio
annotate`` prints is what the runner sends, and the consent is recorded for exactly
those columns."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.corpus import read_table
from llmstudio.core.errors import RunError
from llmstudio.core.project import Project
from llmstudio.core.runner import row_inputs
from llmstudio.core.runs import ResumeSpec
from llmstudio.core.send_plan import check_consent, send_plan, sent_columns
from llmstudio.core.tasks import PromptTask, SentimentTask

FRAME = pd.DataFrame(
    {
        "text": ["good day", "", "good day", "a bad one", None],
        "party": ["A", "B", "C", "D", "E"],
    }
)


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "c.csv"
    FRAME.to_csv(src, index=False)
    p = Project.create(tmp_path / "p.llmstudio", read_table(src))
    yield p
    p.close()


def test_the_plan_counts_what_the_runner_sends():
    task = SentimentTask()
    plan = send_plan(task, FRAME, ["text"], "127.0.0.1:9", "m")
    assert plan.columns == ["text"] and plan.endpoint == "127.0.0.1:9" and plan.model == "m"
    assert (plan.rows, plan.empty) == (3, 2)  # the blank and the missing text never go
    assert plan.inputs == len(row_inputs(task, FRAME, "text")) == 3
    # "good day" twice: one request, the other row shares its answer.
    assert (plan.estimate.requests, plan.estimate.same_text) == (2, 1)
    first_two = send_plan(task, FRAME, ["text"], "h", "m", range(2))
    assert (first_two.rows, first_two.empty, first_two.estimate.requests) == (1, 1, 1)


def test_a_prompt_sends_the_columns_it_names_and_long_texts_count_per_piece():
    task = PromptTask("Is {text} from party {party}? Answer yes or no.")
    assert sent_columns(task, ["text"]) == ["text", "party"]
    plan = send_plan(task, FRAME, ["text"], "h", "m", pieces=lambda xs: xs + xs)
    assert plan.columns == ["text", "party"]
    # Every row names a party, so none is empty and all five filled prompts differ.
    assert (plan.rows, plan.empty, plan.inputs) == (5, 0, 5)
    assert plan.estimate.requests == 2 * 5  # every input in two pieces


def test_consent_is_recorded_for_the_plan_and_a_resume_needs_it(project):
    task = SentimentTask()
    plan = send_plan(task, FRAME, ["text"], "llm.example.test:9", "m")
    spec = ResumeSpec(1, None, "openai:m", "llm.example.test:9", {}, "text", {})
    assert not plan.consented(project)
    with pytest.raises(RunError, match="no consent to send 'text' to llm.example.test:9"):
        check_consent(project, spec, task)
    plan.grant(project)
    assert plan.consented(project) and project.has_consent("llm.example.test:9", ["text"])
    check_consent(project, spec, task)  # now it may go on
    assert not send_plan(task, FRAME, ["text"], "elsewhere:1", "m").consented(project)


def test_a_resume_needs_no_consent_for_a_server_on_this_computer(project):
    task = SentimentTask()
    for endpoint in ("127.0.0.1:9", "[::1]:9", "localhost:9"):
        check_consent(project, ResumeSpec(1, None, "openai:m", endpoint, {}, "text", {}), task)
    for endpoint in ("192.168.1.20:9", "vm:9"):
        with pytest.raises(RunError, match="no consent"):
            check_consent(project, ResumeSpec(1, None, "openai:m", endpoint, {}, "text", {}), task)
