"""What leaves the computer when a model behind an API codes a corpus: the one home of
the send plan and the consent to it.

Before any text goes to a server, the researcher is told which columns of how many rows
go to which host, and what it may cost (the window's consent dialog, ``llmstudio
annotate``/``bias``'s message on the terminal); the answer is recorded in the project per
endpoint and set of columns (``Project.has_consent``/``grant_consent``), and a resumed run
goes on only under the consent it was started with. All of them compute the plan here,
so what is announced is what the runner sends. A server on this computer (a loopback
base URL: :func:`leaves_computer`) is asked nothing of the kind: no text leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from .backends.spec import kind_of
from .cost import Estimate, estimate
from .errors import RunError
from .loopback import is_loopback_endpoint, is_loopback_url
from .runner import empty_rows, row_inputs
from .runs import ResumeSpec
from .secrets import effective_base_url
from .tasks.base import Task


def leaves_computer(model: str, base_url: str | None) -> bool:
    """Whether a run of the model SPEC ``model`` sends texts off this computer: an API
    model, unless its server (``base_url``, else ``OPENAI_BASE_URL``'s, as the client
    sends) is on this computer (:func:`~.loopback.is_loopback_url`). Only then is the
    consent asked."""
    kind = kind_of(model)
    if kind is None or not kind.sends_texts:
        return False
    return not is_loopback_url(effective_base_url(base_url))


def sent_columns(task: Task, text_columns: Sequence[str]) -> list[str]:
    """The columns a job sends: the text column(s), then any other column the task's
    prompt names (its ``{placeholders}``); the set a consent is recorded for."""
    sent = list(text_columns)
    return sent + [c for c in task.inputs() if c not in sent]


@dataclass(frozen=True)
class SendPlan:
    """Which columns of how many rows go to which endpoint, and what it may cost."""

    endpoint: str  # the host the texts go to ("api.openai.com", "localhost:11434")
    model: str  # the model name at that endpoint
    columns: list[str]  # the text column(s) first, then the prompt's other columns
    rows: int  # rows whose texts are sent (rows with no text are never sent)
    empty: int  # rows left out for having no text (of the first text column)
    inputs: int  # requests before identical inputs are merged: rows x text columns
    estimate: Estimate  # what is sent: identical inputs once, a long text per chunk
    # What is sent, in words, for work that is not a run over rows (an attribution sends
    # one row's text many times); "" for a run: the consent then counts rows.
    texts: str = ""

    def consented(self, project) -> bool:
        """Whether the project already holds the consent to this endpoint and columns."""
        return project.has_consent(self.endpoint, self.columns)

    def grant(self, project) -> None:
        """Record the consent in the project (asked once per endpoint and columns)."""
        if not self.consented(project):
            project.grant_consent(self.endpoint, self.columns)


def send_plan(
    task: Task,
    frame: pd.DataFrame,
    text_columns: Sequence[str],
    endpoint: str,
    model: str,
    rows: Sequence[int] | None = None,
    *,
    pieces: Callable[[list[str]], list[str]] | None = None,
    batch: bool = False,
) -> SendPlan:
    """The plan of a job that sends ``rows`` (default all) of ``text_columns`` through
    ``task`` to ``model`` at ``endpoint``. ``pieces``: what a loaded backend makes of the
    distinct inputs (a long text's chunks, ``LongTexts.pieces``); without it each input
    counts as one request. ``batch``: sent as a batch (the estimate at the batch price)."""
    rows = range(len(frame)) if rows is None else rows
    texts = [t for column in text_columns for t in row_inputs(task, frame, column, rows)]
    empty = len(empty_rows(task, frame, text_columns[0], rows))
    return SendPlan(
        endpoint=endpoint,
        model=model,
        columns=sent_columns(task, text_columns),
        rows=len(rows) - empty,
        empty=empty,
        inputs=len(texts),
        estimate=estimate(task, texts, model, pieces=pieces, batch=batch),
    )


def check_consent(project, spec: ResumeSpec, task: Task) -> None:
    """RunError unless the texts may go to the API run's endpoint (the consent the run
    was started with, stored in the project)."""
    if not spec.endpoint or is_loopback_endpoint(spec.endpoint):
        return  # not an API run, or its server is on this computer: nothing leaves it
    columns = sent_columns(task, [spec.text_column])
    if not project.has_consent(spec.endpoint, columns):
        raise RunError(
            f"cannot resume run {spec.run_id}: the project holds no consent to send "
            f"{', '.join(map(repr, columns))} to {spec.endpoint}; run the task "
            "from the window or llmstudio annotate, which ask for it"
        )
