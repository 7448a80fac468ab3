"""A task from what the CLI's flags and the run dialog's fields say."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..codebook import Codebook, load
from ..errors import LlmstudioError, UsageError
from ..examples import read_examples
from .base import LONG_TEXT_MODES, SPLIT, TRUNCATE, Task
from .coding import CodeTask
from .prompt import PromptTask
from .sentiment import SCALES, SentimentTask

TASKS = ("sentiment", "code", "prompt")

# Options that mean something for some tasks only: given to another, they would be
# silently ignored, and the researcher would not get what they asked for.
_ONLY_FOR = (
    ("prompt", "--prompt", ("prompt",)),
    ("system", "--system", ("prompt",)),
    ("codebook", "--codebook", ("code",)),
    ("multi_label", "--multi-label", ("code",)),
    ("none_option", "--none-option", ("code",)),
    ("scale", "--scale", ("sentiment",)),
    ("baseline", "--baseline (the lexicon's sentiment)", ("sentiment",)),
    ("labels", "--labels", ("sentiment", "code")),
    ("examples", "--examples", ("sentiment", "code")),
    ("explain", "--explain", ("sentiment", "code")),
    ("wording", "an instruction's wording", ("sentiment", "code")),
)


@dataclass
class TaskOptions:
    task: str = "sentiment"
    labels: tuple[str, ...] = ()
    scale: str | None = None  # sentiment: "3" or "5"
    codebook: Codebook | str | Path | None = None  # a Codebook, or a YAML/JSON file
    multi_label: bool = False
    none_option: bool = False
    examples: tuple[tuple[str, str], ...] | str | Path | None = None  # pairs, or a file
    prompt: str | None = None
    system: str = ""
    explain: bool = False
    baseline: bool = False
    wording: str = ""  # sentiment/code: the instruction's first line, reworded
    long_texts: str = SPLIT  # texts longer than the model reads: "split" or "truncate"


def parse_labels(text: str | None, option: str = "--labels") -> tuple[str, ...]:
    """``'a, b,"c, d"'`` -> ``("a", "b", "c, d")``: comma-separated, CSV-style quotes
    for a label with a comma in it; blanks dropped. ``None`` (not given) is ``()``.

    Raises UsageError for a value given but empty (it would fall back to the
    default labels), an unclosed quote, and duplicates (also differing only in case
    or spaces: one label would then be two columns or two answers)."""
    if text is None:
        return ()
    # A quote opened at a label's start and never closed would run to the end and
    # swallow the commas after it (non-strict csv says nothing); a quote inside a
    # label (5" screen) is a plain character, as in CSV.
    if text.count('"') % 2 and re.search(r'(^|,)\s*"', text):
        raise UsageError(
            f"{option} {text!r}: a quote is opened and not closed (quote a "
            "label with a comma in it: '\"Law, order\",Housing')"
        )
    labels = tuple(
        x.strip() for row in csv.reader([text], skipinitialspace=True) for x in row if x.strip()
    )
    if not labels:
        raise UsageError(
            f"{option} is empty: give labels (a,b,c) or leave the option out for the default"
        )
    seen: dict[str, str] = {}
    for label in labels:
        key = " ".join(label.split()).casefold()
        if key in seen:
            same = (
                "" if seen[key] == label else f" (the same as {seen[key]!r} but for case or spaces)"
            )
            raise UsageError(f"{option}: {label!r} is given twice{same}")
        seen[key] = label
    return labels


def make_task(o: TaskOptions) -> Task:
    """The task ``o`` describes; raises LlmstudioError saying which option is wrong."""
    if o.task not in TASKS:
        raise UsageError(f"unknown task {o.task!r}; one of {', '.join(TASKS)}")
    if o.long_texts not in LONG_TEXT_MODES:
        raise UsageError(f"long texts: {o.long_texts!r} is not one of {', '.join(LONG_TEXT_MODES)}")
    for option, flag, tasks in _ONLY_FOR:
        value = getattr(o, option)
        if value not in (None, False, "", ()) and o.task not in tasks:
            raise UsageError(f"{flag} is for {' or '.join('--task ' + t for t in tasks)}")
    if o.task == "prompt":
        if not o.prompt:
            raise UsageError(
                "the prompt task needs a template (--prompt), e.g. "
                '"Rewrite this text to be more positive: {text}"'
            )
        return PromptTask(template=o.prompt, system=o.system, long_texts=o.long_texts)
    if o.task == "sentiment":
        if o.labels and o.scale:
            raise UsageError("give --labels or --scale, not both")
        labels = o.labels or SCALES.get(o.scale or "3")
        if labels is None:
            raise UsageError(f"unknown scale {o.scale!r}; one of {', '.join(SCALES)}")
        _at_least_two(labels)
        task = SentimentTask(
            labels=tuple(labels),
            explain=o.explain,
            baseline=o.baseline,
            wording=o.wording,
            long_texts=o.long_texts,
        )
        return _with_examples(task, o.examples, multi=False)
    book = o.codebook
    if book is not None and o.labels:
        raise UsageError("give --codebook or --labels, not both")
    if book is None:
        if not o.labels:
            raise UsageError("the coding task needs codes: --codebook FILE or --labels a,b,c")
        if not o.multi_label and not o.none_option:
            # One code with "none of these" is a choice of two, as in a codebook.
            _at_least_two(o.labels)
        book = Codebook.from_labels(o.labels, multi_label=o.multi_label)
    elif not isinstance(book, Codebook):
        book = load(book)
    if o.multi_label and not book.multi_label:
        book = Codebook(codes=book.codes, name=book.name, multi_label=True)
    if o.none_option and book.multi_label:
        raise UsageError(
            "--none-option is for single-label coding: with --multi-label "
            "a text may get no code at all"
        )
    if o.none_option and not book.none_option:
        book = Codebook(codes=book.codes, name=book.name, none_option=True)
    if not book.multi_label and len(book.labels()) < 2:
        raise LlmstudioError(
            f"codebook {book.name!r} has one code: single-label coding needs "
            "at least two, or 'none of these' (--none-option)"
        )
    task = CodeTask(codebook=book, explain=o.explain, wording=o.wording, long_texts=o.long_texts)
    return _with_examples(task, o.examples, multi=book.multi_label)


def _at_least_two(labels) -> None:
    if len(labels) < 2:
        raise UsageError(f"a label set needs at least two labels, got {list(labels)}")


def _with_examples(task, examples, multi: bool):
    from dataclasses import replace

    if examples is None or examples == ():
        return task
    if isinstance(examples, (str, Path)):
        examples = read_examples(examples, task.labels, multi_label=multi, label_of=task.label_of)
    else:  # pairs from the window: the same checks as a file's
        examples = tuple(_checked_pair(task, pair, multi, i) for i, pair in enumerate(examples, 1))
    return replace(task, examples=examples)


def _checked_pair(task, pair, multi: bool, i: int) -> tuple[str, str]:
    try:
        text, label = pair
    except (TypeError, ValueError):
        raise LlmstudioError(f"example {i}: expected (text, label), got {pair!r}") from None
    words = [w for w in str(label).split(";") if w.strip()] if multi else [str(label)]
    mapped = [task.label_of(w) for w in words]
    if not str(text).strip() or any(m is None for m in mapped):
        raise LlmstudioError(
            f"example {i}: label {label!r} is not one of {', '.join(task.labels)}"
            if str(text).strip()
            else f"example {i}: the example has no text"
        )
    return str(text), ";".join(mapped)


def options_from_params(params: dict) -> TaskOptions:
    """The options that make again the task whose ``Task.params()`` a run stored (its
    ``runs.params``); LlmstudioError for a task that cannot be made from them. A
    ``replicate`` index stored beside the parameters is not the task's and is ignored."""
    kind = params.get("task")
    examples = tuple(tuple(e) for e in params.get("examples") or ()) or None
    # A run made before long texts were handled read only their start: made again, it
    # truncates too (now marked), so that one change is all a replicate changes.
    long_texts = params.get("long_texts", TRUNCATE)
    common = dict(
        explain=bool(params.get("explain")),
        examples=examples,
        wording=str(params.get("wording") or ""),
        long_texts=long_texts,
    )
    if kind == "prompt":
        return TaskOptions(
            task="prompt",
            prompt=params.get("template"),
            system=params.get("system") or "",
            long_texts=long_texts,
        )
    if kind == "sentiment":
        return TaskOptions(
            task="sentiment",
            labels=tuple(params.get("labels") or ()),
            baseline=bool(params.get("baseline")),
            **common,
        )
    if kind == "code" and isinstance(params.get("codebook"), dict):
        return TaskOptions(task="code", codebook=Codebook.from_dict(params["codebook"]), **common)
    raise LlmstudioError(f"a run of task {kind!r} cannot be made again from what it stored")
