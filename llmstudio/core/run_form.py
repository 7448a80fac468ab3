"""A run as it is asked for, before it starts: the task, its options, the model, the text
column; and what stops it ("problems"), without a window.

The run dialog (``gui/runs/run_dialog``) fills a :class:`RunForm` from its widgets and shows
:meth:`RunForm.problem`; ``llmstudio annotate`` fills one from its flags and builds its
task with the same :meth:`RunForm.task` and checks its input with
:meth:`RunForm.check_input`. What the model is comes from its SPEC through the registry
(``core.backends``: :attr:`RunForm.kind` is its :class:`Kind`), never from matching it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .backends import Kind, ModelSpec, ModelSpecError, offline_refusal, writes_text
from .backends.spec import BUILTIN, HF, LEXICON, OPENAI, kind_of
from .cells import as_text
from .codebook import Codebook
from .errors import LlmstudioError, TemplateError
from .nested import shown_column, text_column_problem
from .runner import row_inputs
from .secrets import url_problem
from .tasks import CodeTask
from .tasks.base import Task
from .tasks.build import TaskOptions, make_task, parse_labels
from .tasks.prompt import placeholders
from .tasks.sentiment import SentimentTask

MODEL_WORDS = {BUILTIN: "The builtin MiniLM model", LEXICON: "The lexicon (VADER)"}


@dataclass
class RunForm:
    """The run as filled in: what the run dialog shows and ``annotate``'s flags say.

    ``labels`` is the labels as typed (None: not given); ``codebook`` a Codebook or a
    file; ``codebook_error`` why the chosen codebook cannot be read; ``examples`` pairs
    or a file, ``examples_error`` why they cannot be used; ``explain`` the option of the
    task chosen. ``columns`` are the corpus's (prompt placeholders are checked against
    them); ``has_project``: codebooks are kept in a project.
    """

    task_name: str = "sentiment"
    labels: str | None = None
    labels_option: str = "Labels"  # how a wrong label names the field it came from
    scale: str | None = None
    codebook: Codebook | str | Path | None = None
    codebook_error: str = ""
    multi_label: bool = False
    none_option: bool = False
    examples: tuple[tuple[str, str], ...] | str | Path | None = None
    examples_error: str = ""
    prompt: str | None = None
    system: str = ""
    explain: bool = False
    baseline: bool = False
    long_texts: str = "split"
    model: str = BUILTIN  # a SPEC: builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL
    base_url: str | None = None
    text_column: str | None = None
    columns: tuple[str, ...] = ()
    has_project: bool = True

    # -- the model ------------------------------------------------------------------------

    @property
    def kind(self) -> Kind | None:
        """What kind of model the SPEC names (None: none llmstudio knows)."""
        return kind_of(self.model)

    @property
    def model_name(self) -> str:
        """The model the SPEC names: a Hugging Face folder or hub id, an API model ("" for
        the builtin and lexicon models, or while none is typed)."""
        spec = ModelSpec.partial(self.model)
        return spec.name if spec is not None else ""

    def generative(self) -> bool | None:
        """Whether the chosen model writes text (None: not known before it loads)."""
        try:
            return writes_text(self.model)
        except ModelSpecError:  # no model typed yet
            return None

    def model_words(self) -> str:
        """The model, named for a sentence that says what it cannot do."""
        kind = self.kind
        if kind is not None and not kind.named:
            return MODEL_WORDS[kind.name]
        return "This Hugging Face model (a classifier)"

    # -- the task -------------------------------------------------------------------------

    def parsed_labels(self, strict: bool = False) -> tuple[str, ...]:
        """The labels typed, read as ``--labels`` reads them (CSV-style quotes); when not
        ``strict``, () for labels that cannot be read (:meth:`problem` says why)."""
        try:
            return parse_labels(self.labels, option=self.labels_option)
        except LlmstudioError:
            if strict:
                raise
            return ()

    def options(self, strict: bool = False) -> TaskOptions:
        """The task as the CLI's options say it (each field as given: the run dialog
        gives only the chosen task's, so that ``make_task`` can refuse an option given
        for another task, as ``annotate`` does)."""
        return TaskOptions(
            task=self.task_name,
            labels=self.parsed_labels(strict),
            scale=self.scale,
            codebook=self.codebook,
            multi_label=self.multi_label,
            none_option=self.none_option,
            examples=self.examples or None,
            prompt=self.prompt,
            system=self.system,
            explain=self.explain,
            baseline=self.baseline,
            long_texts=self.long_texts,
        )

    def task(self) -> Task:
        """The task to run (``make_task``); raises LlmstudioError for what cannot be one."""
        return make_task(self.options(strict=True))

    def examples_task(self) -> CodeTask | SentimentTask | None:
        """The task whose labels the examples must use, as Run would build it (its
        ``label_of`` maps a file's labels onto them); None: no labels or codebook yet, or
        the prompt task."""
        if self.task_name == "code":
            return CodeTask(codebook=self.codebook) if isinstance(self.codebook, Codebook) else None
        if self.task_name == "sentiment":
            labels = self.parsed_labels()
            return SentimentTask(labels=labels) if len(labels) >= 2 else None
        return None

    # -- what stops the run -----------------------------------------------------------------

    def template_problem(self) -> str:
        """What is wrong with the prompt template ("" when nothing)."""
        template = self.prompt or ""
        if not template.strip():
            return (
                "Write the prompt: what the model should do with each text, with {text} "
                "where the text goes."
            )
        try:
            names = placeholders(template)
        except TemplateError as exc:
            return str(exc).removeprefix("prompt template: ").capitalize()
        if not names:
            return "The prompt has no placeholder: put {text} where each row's text goes."
        unknown = [n for n in names if n != "text" and n not in self.columns]
        if unknown:
            listed = ", ".join("{" + n + "}" for n in unknown)
            verb = "is not a column" if len(unknown) == 1 else "are not columns"
            return f"{listed} {verb} of this corpus (the columns: {', '.join(self.columns)})."
        return ""

    def problem(self) -> str:
        """Why the run cannot start as filled in ("" when it can)."""
        task = self.task_name
        if task == "sentiment":
            try:  # the same rules as --labels: a repeated label or an open quote is named
                labels = self.parsed_labels(strict=True)
            except LlmstudioError as exc:
                return str(exc)
            if len(labels) < 2:
                return "Give at least two labels, separated by commas."
        if task == "code" and self.codebook is None:
            return self.codebook_error or (
                "Coding needs a codebook: save the corpus as a project first."
                if not self.has_project
                else "Choose a codebook, or click “Edit codebooks…” to write one."
            )
        if task in ("sentiment", "code") and self.examples_error:
            return f"The examples file cannot be used: {self.examples_error}"
        if task == "prompt":
            problem = self.template_problem()
            if problem:
                return problem
        problem = self.model_problem()
        if problem:
            return problem
        try:
            self.task()
        except LlmstudioError as exc:
            return str(exc)
        return ""

    def model_problem(self) -> str:
        """Why the model as filled in cannot run the task ("" when it can, as far as can
        be known before it loads)."""
        kind, task = self.kind, self.task_name
        if kind is None:  # the run dialog lists only known kinds; annotate checks first
            try:
                ModelSpec.parse(self.model)
            except ModelSpecError as exc:
                return str(exc)
        if kind.name == HF and not self.model_name:
            return "Choose a model folder, or type a Hugging Face hub id."
        if kind.name == OPENAI and not self.model_name:
            return "Type the API's model name."
        if kind.name == OPENAI and (self.base_url or "").strip():
            problem = url_problem(self.base_url.strip())
            if problem:
                return f"The base URL is {problem}."
        if self.generative() is not False:
            return ""
        model = self.model_words()
        if task == "prompt":
            return (
                f"{model} cannot answer a custom prompt: it only gives labels. Choose "
                "a model that writes text (an API model or a Hugging Face chat model)."
            )
        if task in ("sentiment", "code") and self.explain:
            return (
                f"{model} cannot explain its answers: it only gives labels. Untick "
                "“Explain each answer”, or choose a model that writes text."
            )
        if kind.named:  # known only once loaded
            return ""
        try:
            why = offline_refusal(self.model, self.task())
        except LlmstudioError as exc:
            return str(exc)
        if why and task == "sentiment" and self.examples:
            return (
                f"{model} cannot run this: {why}. Choose the builtin model or "
                "a model that writes text, or click “No examples”."
            )
        if why:
            return (
                f"{model} cannot run this: {why}. Choose an API model or a "
                "Hugging Face model (a chat model, or a zero-shot classifier)."
            )
        return ""

    def check_input(self, task: Task, frame: pd.DataFrame, column: str, where: str) -> None:
        """Raise LlmstudioError, naming ``where`` (the file), when the corpus cannot be
        sent: no such text column, a column of lists or maps, prompt placeholders that
        name no column."""
        if column not in frame.columns:
            raise LlmstudioError(
                f"{where}: no column {column!r}; the columns are "
                f"{', '.join(map(repr, map(str, frame.columns)))}"
            )
        problem = text_column_problem(frame, column)
        if problem:  # a list or map column: nothing to send
            raise LlmstudioError(f"{where}: {problem}")
        row_inputs(task, frame.head(1), column)


# -- the request for row 1 -------------------------------------------------------------


def first_row(frame: pd.DataFrame | None, text_column: str) -> tuple[str, dict[str, str]]:
    """Row 1's text and its other columns, as the runner reads them."""
    if frame is None or not len(frame):
        return "(the row's text)", {}
    row = {str(c): as_text(shown_column(frame[c].iloc[:1]).iat[0]) for c in frame.columns}
    return row.get(text_column, ""), row


def request_preview(
    form: RunForm, task: Task, frame: pd.DataFrame | None, endpoint: str, problem: str = ""
) -> str:
    """The exact request row 1 makes, as readable text (the run dialog's "Show request");
    ``endpoint``: the host an API model's requests go to."""
    text, row = first_row(frame, form.text_column or "")
    messages = task.messages(task.render(text, row))
    parts = []
    if problem:
        parts.append(f"Not ready to run: {problem}\n")
    remote = form.kind is not None and form.kind.sends_texts
    if remote:
        parts.append(f"Sent to {endpoint}, model {form.model_name}, for row 1:")
    elif form.generative() is False:
        parts.append(
            f"{form.model_words()} reads no prompt: it scores each text "
            "itself. A model that writes text would get, for row 1:"
        )
    else:
        parts.append("The model on this computer gets, for row 1:")
    for message in messages:
        parts.append(f"\n── {message['role']} ──\n{message['content']}")
    if remote:
        schema = task.json_schema()
        if schema:
            parts.append(
                "\n── answer format (JSON schema, structured output) ──\n"
                + json.dumps(schema, indent=2, ensure_ascii=False)
            )
        else:
            parts.append("\n── answer format ──\nfree text (no JSON schema)")
    return "\n".join(parts)
