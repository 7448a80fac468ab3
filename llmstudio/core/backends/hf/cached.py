"""A local encoder's later ONNX runs, from the cache alone: which pipeline the model is
(read from its config.json without transformers), and that pipeline's cached backend
(:mod:`.classify_onnx` for a text classifier, :mod:`.embeddings` for an embedding model).
None of it imports torch; a model not yet exported, or of another pipeline, is None here
and loads with torch."""

from __future__ import annotations

from ..onnx_runtime import TORCH
from .base import HFBackend
from .classify_onnx import cached_classifier
from .embeddings import cached_embeddings
from .loading import EMBEDDINGS, PIPELINE_TASKS, TEXT_CLASSIFICATION, config_pipeline, find


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
    if runtime == TORCH:
        return None
    source = find(model, revision=revision, trust_remote_code=trust_remote_code)
    if pipeline_task is not None:
        pipeline = PIPELINE_TASKS.get(pipeline_task)
    else:
        pipeline = config_pipeline(source.path)
    if pipeline == TEXT_CLASSIFICATION:
        return cached_classifier(
            source, runtime=runtime, batch_size=batch_size, label_map=label_map
        )
    if pipeline == EMBEDDINGS:
        return cached_embeddings(source, runtime=runtime, batch_size=batch_size)
    return None
