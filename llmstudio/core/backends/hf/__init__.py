"""Any Hugging Face transformers model, from a local folder or a hub id (``hf:PATH_OR_ID``),
run as one pipeline, each a class over the shared loading of :class:`.base.HFBackend`
(transformers-pipelines style). What the model is for is read from its config
(``pipeline_task`` overrides it):

* ``text-classification`` (:mod:`.classify`): a ``*ForSequenceClassification`` model (a
  sentiment model). Texts are classified in batches; the model's labels are mapped onto the
  task's labels:

  - by name, case-insensitively, with the task's synonyms (positive/negative/neutral,
    POS/NEG/NEU, pos/neg...);
  - through ``label_map`` (``{model label: task label}``), which wins over the rest;
    several model labels may map to one task label (their probabilities add up);
  - generic names ``LABEL_0, LABEL_1[, LABEL_2]`` (a model saved without label names)
    follow the common convention of sentiment models: two labels are negative, positive;
    three are negative, neutral, positive (cardiffnlp/twitter-roberta-base-sentiment,
    for one). Any other generic set needs a ``label_map``.

  A model label that cannot be mapped is an error naming the model's labels; task labels
  the model lacks get probability 0. The score is the probability of the chosen label.
* ``zero-shot-classification`` (:mod:`.zero_shot`): an NLI model, for any label set.
* ``text-generation`` (:mod:`.generate`): a causal LM that writes each answer.
* ``text2text-generation`` (:mod:`.text2text`): an encoder-decoder (T5, Flan-T5, BART)
  that writes each answer, parsed as the causal LM's are.
* ``embeddings`` (:mod:`.embeddings`): anything else (a bare encoder, a
  sentence-transformers folder): exactly what the builtin backend does with its MiniLM.

Local inference runs under ``torch.inference_mode()`` on the device
:func:`~llmstudio.core.backends.device.best_device` picks (CUDA, MPS, CPU), with inputs
truncated to the model's maximum length. A classifier plans the runner's batches itself
(:meth:`.classify.TextClassificationBackend.plan_batches`): rows sorted by token length,
and on the CPU cut by a token budget rather than a row count
(:func:`..batching.token_batches`), so that short texts go in bigger batches and little
time goes into padding. On the CPU torch uses one thread per physical core
(:func:`..threads.configure_cpu_threads`), and a batch runs as ``CPU_STREAMS`` concurrent
streams that share those threads (:func:`..batching.split_even`). ``trust_remote_code``
stays off unless the user turns it on for a model they trust.

Hub ids load from the local Hugging Face cache when they are there; otherwise they are
downloaded (huggingface_hub's progress bars) when the hub can be reached, and refused with
a one-line message when it cannot (``HF_HUB_OFFLINE=1`` or no network).
"""

from __future__ import annotations

from ..device import best_device, local_device
from ..onnx_runtime import AUTO, TORCH, check_runtime, is_onnx, settle
from ..threads import configure_cpu_threads
from .base import HFBackend
from .cached import from_cache
from .classify import TextClassificationBackend
from .embeddings import EmbeddingsBackend
from .generate import GenerationBackend
from .loading import locate, pipeline_of
from .text2text import Text2TextBackend
from .zero_shot import ZeroShotBackend

# One class per pipeline, by the pipeline's name (loading.PIPELINE_TASKS' values).
PIPELINES: dict[str, type[HFBackend]] = {
    cls.pipeline_task: cls
    for cls in (
        TextClassificationBackend,
        ZeroShotBackend,
        GenerationBackend,
        Text2TextBackend,
        EmbeddingsBackend,
    )
}


def load(
    model: str,
    *,
    device: str | None = None,
    trust_remote_code: bool = False,
    batch_size: int | None = None,
    label_map: dict[str, str] | None = None,
    pipeline_task: str | None = None,
    revision: str | None = None,
    runtime: str | None = None,
) -> HFBackend:
    """The backend of the Hugging Face model ``model`` (a folder or a hub id), as the
    pipeline its config (or ``pipeline_task``) names (``batch_size`` None: 32 rows on the
    CPU, from the free memory on a GPU: gpu_plan); raises :class:`BackendError` with a
    one-line reason when it cannot be loaded. ``runtime``: ``auto`` (the default: ONNX
    float32 for an encoder on the CPU, else torch), ``torch``, ``torch-bfloat16`` (any
    pipeline), ``onnx`` or ``onnx-int8``
    (:mod:`..onnx_runtime`: an encoder classifier or embedding model, run on the CPU; a
    classifier or embedding model exported before runs from the cache without torch:
    :mod:`.cached`)."""
    asked = check_runtime(runtime)
    if asked == AUTO:
        device = device or local_device()
    runtime = settle(asked, device or "")  # automatic: ONNX on the CPU, else torch
    if is_onnx(runtime):
        device = "cpu"  # ONNX Runtime's CPU build runs it; torch only exports the model
        quick = from_cache(
            model,
            runtime=runtime,
            revision=revision,
            trust_remote_code=trust_remote_code,
            pipeline_task=pipeline_task,
            batch_size=batch_size,
            label_map=label_map,
        )
        if quick is not None:  # exported before: no torch to import, no model to load
            return quick
    device = device or best_device()
    if device == "cpu":
        configure_cpu_threads()
    source = locate(model, revision=revision, trust_remote_code=trust_remote_code)
    cls = PIPELINES[pipeline_of(source, pipeline_task)]
    if asked == AUTO and not cls.onnx_ready:  # a generator: PyTorch runs it
        runtime = TORCH
    return cls(
        source,
        device=device,
        batch_size=batch_size,
        label_map=label_map,
        runtime=runtime,
        automatic=asked == AUTO,
    )
