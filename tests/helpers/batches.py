"""Batch runs in tests: a project of short texts and a backend on the fake Batch API."""

from __future__ import annotations

from pathlib import Path

from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project

STARTS = (
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "What a wonderful day",
    "Awful service again",
)


def batch_texts(n: int, repeat_every: int = 0) -> list[str]:
    """``n`` texts; with ``repeat_every``, every such row repeats the first text."""
    return [
        STARTS[0] + ", remark 0"
        if repeat_every and i and i % repeat_every == 0
        else f"{STARTS[i % len(STARTS)]}, remark {i}"
        for i in range(n)
    ]


def batch_project(path: Path, texts: list[str]) -> Project:
    """A new project at ``path`` whose corpus is ``texts`` (column ``text``)."""
    source = path.with_suffix(".csv")
    source.write_text(
        "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts)), encoding="utf-8"
    )
    return Project.create(path, read_table(source))


def batch_backend(fake, **options) -> OpenAIBackend:
    """The openai: backend on ``fake`` (model ``fake-model``)."""
    return OpenAIBackend("fake-model", fake.url, **options)
