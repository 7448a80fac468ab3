"""A local encoder's later ONNX runs, from the cache alone: which pipeline the model is
(read from its config.json without transformers), and that pipeline's cached backend
(:mod:`.classify_onnx` for a text classifier, :mod:`.embeddings` for an embedding model).
None of it imports torch; a model not yet exported, or of another pipeline, is None here
and loads with torch."""

from __future__ import annotations

from ..onnx_runtime import is_onnx
from .base import HFBackend
from .classify_onnx import cached_classifier, classifier_files
from .embeddings import cached_embeddings, embedding_files
from .loading import (
    EMBEDDINGS,
    PIPELINE_TASKS,
    TEXT_CLASSIFICATION,
    Source,
    config_pipeline,
    find,
)


def _found(
    model: str,
    revision: str | None,
    trust_remote_code: bool,
    pipeline_task: str | None,
    cached_only: bool = False,
) -> tuple[Source, str | None]:
    """The model ``model`` names and its pipeline (``pipeline_task``, or its config's)."""
    source = find(
        model, revision=revision, trust_remote_code=trust_remote_code, cached_only=cached_only
    )
    if pipeline_task is not None:
        return source, PIPELINE_TASKS.get(pipeline_task)
    return source, config_pipeline(source.path)


def from_cache(
    model: str,
    *,
    runtime: str,
    revision: str | None = None,
    trust_remote_code: bool = False,
    pipeline_task: str | None = None,
    batch_size: int | None = None,
    label_map: dict[str, str] | None = None,
) -> HFBackend | None:
    """The model ``model`` run from the ONNX cache in ``runtime``, when it is a text
    classifier or an embedding model (its config, or ``pipeline_task``) whose export and
    bundle are there; None otherwise."""
    if not is_onnx(runtime):
        return None
    source, pipeline = _found(model, revision, trust_remote_code, pipeline_task)
    if pipeline == TEXT_CLASSIFICATION:
        return cached_classifier(
            source, runtime=runtime, batch_size=batch_size, label_map=label_map
        )
    if pipeline == EMBEDDINGS:
        return cached_embeddings(source, runtime=runtime, batch_size=batch_size)
    return None


def cached_files(model: str, *, runtime: str, revision: str | None = None) -> tuple | None:
    """(bundle, tokenizer.json, ONNX file) :func:`from_cache` would run ``model`` from in
    ``runtime``; None when it would load it with torch. Never asks the hub: a hub id not
    downloaded raises :class:`BackendError`."""
    if not is_onnx(runtime):
        return None
    source, pipeline = _found(model, revision, False, None, cached_only=True)
    files = {TEXT_CLASSIFICATION: classifier_files, EMBEDDINGS: embedding_files}.get(pipeline)
    return None if files is None else files(source, runtime)
