"""The Learn panel's features: the builtin model's frozen embeddings of a project's texts,
read from the project where an earlier run, panel or process kept them, the others
embedded and kept there (``core/embedding/stored.py``)."""

from __future__ import annotations

from pathlib import Path

from .embedding.classifier import EmbeddingClassifier
from .embedding.minilm import builtin_key
from .embedding.stored import ProjectEmbeddings
from .progress import Monitor
from .project import Project


def builtin_embeddings(path: str | Path, texts: list[str], monitor: Monitor | None = None):
    """Unit-length embeddings of ``texts`` by the builtin MiniLM (numpy float32, one row
    per text; every vector float16 on its way), with progress and Cancel.

    It opens the project at ``path`` on its own connection (it runs off the window's
    thread, while the window reads the project on its own), and loads the model only
    when a text has no stored vector: a corpus read once opens in a second."""
    with Project.open(path) as project:
        store = ProjectEmbeddings(project.db).store(builtin_key())
        return EmbeddingClassifier(monitor=monitor, store=store).embed_corpus(texts)
