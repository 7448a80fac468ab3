"""What an attribution explains: one row's answer in one run, asked again the way the run
asked it (its task, its model, the row's input as the runner makes it), and the score of
that answer in a model's output."""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.base import RowError
from ..errors import ExplainError
from ..project import Project
from ..results import run_frame
from ..runner import empty_rows, row_inputs
from ..runs import ResumeSpec, run_info, run_settings
from ..tasks.base import PROBABILITIES, Task
from ..tasks.build import make_task

# How the score of an answer was read from an output: a label's probability; or, from a
# model that gives no probability per label (a chat model), the score of its answer (its
# stated confidence, or its label token's probability), 0 when it chose another label; a
# multi-label run's code score.
PROBABILITY, CONFIDENCE, CODE_SCORE = "probability", "score", "code score"
# The score of an API model whose server gives no logprobs: the confidence it writes in its
# answer, which moves in steps (often one number per label), not a probability.
STATED = "stated confidence"
STATED_NOTE = (
    "the server gives no token probabilities (logprobs), so the score is the confidence the "
    "model writes in its answer when it gives this label, and 0 when it gives another: a "
    "word weighs only where leaving it out changes the label or that number, and words "
    "that merely weaken the answer weigh 0"
)


@dataclass(frozen=True)
class Question:
    """One row's answer in one run, and how to ask for it again."""

    run_id: int
    run_title: str
    row: int  # the row id (0-based: the table's row number less one)
    text: str  # the row's input as the run sent it
    task: Task
    settings: ResumeSpec  # the run's model SPEC, endpoint, sampling settings, text column
    label: str  # the label (or, multi-label, the code) whose score is explained
    labels: tuple[str, ...]  # the labels one could ask about instead


def question(project: Project, run_id: int, row: int, label: str | None = None) -> Question:
    """Row ``row`` (0-based) of run ``run_id``, to be explained; ``label``: the label whose
    score is weighed (default the run's answer; for a multi-label run the code it applied
    with the highest score). ExplainError when the run gives no label to explain, the row
    has no text or no answer, or ``label`` is not one of the run's."""
    info = run_info(project, run_id)
    frame = project.corpus().frame
    if not 0 <= row < len(frame):
        raise ExplainError(f"row {row + 1} is not in the corpus (rows 1 to {len(frame):,})")
    settings = run_settings(project, run_id)
    task = make_task(settings.options)
    if not task.labels:
        raise ExplainError(
            f"{info.title} answers free prompts, not labels: an attribution weighs the "
            "words for one label's score, so it needs a sentiment or coding run"
        )
    if empty_rows(task, frame, settings.text_column, [row]):
        raise ExplainError(f"row {row + 1} has no text in column {settings.text_column!r}")
    answers = run_frame(project, run_id, [])
    if row not in answers.index:
        raise ExplainError(f"{info.title} has no answer for row {row + 1} (it never reached it)")
    output = {k: v for k, v in answers.loc[row].items() if v is not None}
    answered = answered_label(task, output)
    if answered is None:
        error = output.get(f"{task.name}_error")
        why = f": {error}" if error else ""
        raise ExplainError(f"{info.title} gave row {row + 1} no answer to explain{why}")
    if label is not None and label not in task.labels:
        raise ExplainError(
            f"{label!r} is not a label of {info.title}; its labels are "
            + ", ".join(map(repr, task.labels))
        )
    return Question(
        run_id=run_id,
        run_title=f"{info.title} ({info.what})",
        row=row,
        text=row_inputs(task, frame, settings.text_column, [row])[0],
        task=task,
        settings=settings,
        label=label or answered,
        labels=tuple(task.labels),
    )


def answered_label(task: Task, output: dict) -> str | None:
    """The label an output gives: its label column; multi-label, the applied code with the
    highest score (or, none applied, the code with the highest score). None: no answer."""
    if task.multi_label:
        scored = [
            (float(output.get(score) or 0.0), bool(output.get(applies)), code)
            for code, applies, score in task.code_columns()
            if output.get(score) is not None
        ]
        if not scored:
            return None
        return max(scored, key=lambda s: (s[1], s[0]))[2]
    value = output.get(f"{task.name}_label")
    return value if isinstance(value, str) and value else None


def answer_score(task: Task, output: dict | RowError, label: str) -> float | None:
    """The score ``output`` gives ``label``: its probability where the model gives one,
    else its stated confidence (a missing one counts 1) when the model chose ``label``
    and 0 when it chose another. None: the model gave no answer (an error)."""
    if isinstance(output, RowError):
        return None
    if task.multi_label:
        column = {code: score for code, _, score in task.code_columns()}[label]
        value = output.get(column)
        return None if value is None else float(value)
    probabilities = output.get(PROBABILITIES)
    if probabilities:
        return float(probabilities.get(label, 0.0))
    chosen = output.get(f"{task.name}_label")
    if chosen is None:
        return None
    if chosen != label:
        return 0.0
    score = output.get(f"{task.name}_score")
    return 1.0 if score is None else float(score)


def score_kind(task: Task, output: dict | RowError, stated: bool = False) -> str:
    """How :func:`answer_score` read ``output``: :data:`PROBABILITY`, :data:`CODE_SCORE`,
    or :data:`CONFIDENCE` (:data:`STATED` when ``stated``: the backend's scores are the
    model's stated confidence, ``Backend.states_scores``)."""
    if isinstance(output, dict) and output.get(PROBABILITIES):
        return PROBABILITY
    if task.multi_label:
        return CODE_SCORE
    return STATED if stated else CONFIDENCE
