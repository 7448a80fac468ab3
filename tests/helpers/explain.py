"""Projects with one model run to explain (a tiny local classifier, or an API model on
the fake server): shared by the core, CLI and window tests of attributions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks.build import TaskOptions, make_task

TEXTS = [
    "I love this good movie, the acting was wonderful.",
    "The service was bad and the food was awful.",
    "",
    "They vote for the party of peace.",
]
SENTIMENT = ("positive", "negative", "neutral")


def corpus_project(path: Path, texts=TEXTS) -> Path:
    """A project over ``texts`` (row 3 empty) with no runs yet."""
    source = path.with_suffix(".csv")
    pd.DataFrame({"text": list(texts), "party": ["a", "b", "a", "b"][: len(texts)]}).to_csv(
        source, index=False
    )
    Project.create(path, read_table(source)).close()
    return path


def classifier_run(path: Path, folder: Path) -> Path:
    """``path``'s project with a sentiment run of the classifier in ``folder`` (run 1)."""
    corpus_project(path)
    with Project.open(path) as project:
        backend = make_backend(f"hf:{folder}")
        try:
            run_job(project, make_task(TaskOptions(task="sentiment")), backend, text_column="text")
        finally:
            backend.close()
    return path


def api_run(path: Path, url: str) -> Path:
    """``path``'s project with a sentiment run of ``openai:fake`` at ``url`` (run 1)."""
    corpus_project(path)
    with Project.open(path) as project:
        backend = OpenAIBackend("fake", url, key="sk-fake-key-test")
        try:
            run_job(project, make_task(TaskOptions(task="sentiment")), backend, text_column="text")
        finally:
            backend.close()
    return path


def builtin_coding_run(path: Path, book) -> Path:
    """``path``'s project with a coding run of ``book`` by the builtin model (run 1: it
    learns from the corpus, so its answers come from a fit on every text)."""
    corpus_project(path)
    with Project.open(path) as project:
        project.save_codebook(book)
        backend = make_backend("builtin")
        try:
            task = make_task(TaskOptions(task="code", codebook=book))
            run_job(project, task, backend, text_column="text")
        finally:
            backend.close()
    return path
