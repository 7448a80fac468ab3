"""A text classifier run by ONNX Runtime from llmstudio's cache alone: its export, its
``tokenizer.json`` and what the first load learned of it (:mod:`..onnx_runtime.bundle`),
with neither torch nor transformers imported.

The first run of a classifier with ``--runtime onnx`` (or ``onnx-int8``) loads it with
torch, exports it and keeps the bundle; every later run, in any process, starts here: ONNX
Runtime and the ``tokenizers`` library are ready in about 0.3 s where torch, transformers
and ``from_pretrained`` take about 4 s (issue 23, item 1). The answers are the same as the
torch-loaded ONNX run's, so both share one fingerprint and one answer cache: the same
graph, the same Rust tokenizer transformers' fast tokenizer calls, the same batching
(:mod:`.batching`), the softmax in float32."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..onnx_runtime import TORCH
from ..onnx_runtime.bundle import Bundle, cached, classifier_identity, forget
from ..onnx_runtime.choice import PRECISION
from .batching import CPU_STREAMS, TOKENS_PER_ROW, token_batches
from .classify import TextClassificationBackend, probabilities
from .loading import PIPELINE_TASKS, TEXT_CLASSIFICATION, Source, config_pipeline, find
from .threads import cpu_threads

log = logging.getLogger("llmstudio.onnx")

# Padded tokens in one ONNX Runtime call: 512-1,024 ran MiniLM fastest on a 2-core CPU
# (2,048: 6% slower, 4,096: 20%, 8,192: 40%; the activations leave the caches).
GROUP_TOKENS = 512


def cached_classifier(
    model: str,
    *,
    runtime: str,
    revision: str | None = None,
    trust_remote_code: bool = False,
    pipeline_task: str | None = None,
    batch_size: int | None = None,
    label_map: dict[str, str] | None = None,
) -> OnnxTextClassifier | None:
    """The text classifier ``model`` run from the ONNX cache, when it is a text classifier
    and its export (in ``runtime``'s precision) and bundle are there; None otherwise (the
    caller loads it with torch, which exports it and keeps the bundle)."""
    if runtime == TORCH:
        return None
    if pipeline_task is not None and PIPELINE_TASKS.get(pipeline_task) != TEXT_CLASSIFICATION:
        return None
    source = find(model, revision=revision, trust_remote_code=trust_remote_code)
    if pipeline_task is None and config_pipeline(source.path) != TEXT_CLASSIFICATION:
        return None
    model_id, commit = source.identity()
    found = cached(classifier_identity(model_id, commit, TEXT_CLASSIFICATION), PRECISION[runtime])
    if found is None:
        return None
    try:
        return OnnxTextClassifier(
            source, *found, batch_size=batch_size, label_map=label_map, runtime=runtime
        )
    except Exception as exc:  # a damaged cache file: the torch load makes it again
        log.warning(
            "the cached ONNX files of %s could not be read (%s); loading it anew", model, exc
        )
        forget(found[1].parent)
        return None


class OnnxTextClassifier(TextClassificationBackend):
    """:class:`TextClassificationBackend` over a cached ONNX export: the same planning,
    label mapping and answers, its logits from ONNX Runtime and its tokens from the
    ``tokenizers`` library, without torch."""

    def __init__(
        self,
        source: Source,
        bundle: Bundle,
        tokenizer_file: Path,
        model_file: Path,
        *,
        batch_size: int | None = None,
        label_map: dict[str, str] | None = None,
        runtime: str,
    ):
        # Not HFBackend.__init__, which imports torch and loads the model with it.
        from tokenizers import Tokenizer

        from ..onnx_runtime.sessions import session

        self._take(source, "cpu", batch_size, label_map, runtime)
        self.bundle = bundle
        self.model_labels = list(bundle.model_labels)
        self.max_length = int(bundle.max_length)
        text = Path(tokenizer_file).read_text(encoding="utf-8")
        # As transformers calls it: truncated to the model's length, padded per batch here.
        self.tokenizer = Tokenizer.from_str(text)
        self.tokenizer.enable_truncation(self.max_length)
        self._whole = Tokenizer.from_str(text)  # count_tokens: whole texts, no special tokens
        cores = cpu_threads()
        self._streams = max(1, min(CPU_STREAMS, cores))
        self._file = Path(model_file)
        self.model = session(model_file, max(1, cores // self._streams))
        self._settle(batch_size)

    @property
    def onnx_file(self) -> Path:
        return self._file

    def with_torch(self) -> TextClassificationBackend:
        """The same model loaded with torch (integrated gradients need its gradients)."""
        from .loading import locate

        source = locate(
            self.source.name,
            revision=self.source.revision,
            trust_remote_code=self.source.trust_remote_code,
        )
        return TextClassificationBackend(
            source,
            device="cpu",
            batch_size=self.batch_size,
            label_map=self.label_map,
            runtime=self.runtime,
        )

    def _multi_label_model(self) -> bool:
        return self.bundle.problem_type == "multi_label_classification"

    def input_limit(self, task) -> int:
        return self.max_length - self.bundle.special_single

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self._whole.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def _token_lengths(self, *texts: list[str], truncation="longest_first") -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts[0]))]

    def _sigmoid(self) -> bool:
        head = self.bundle
        return head.problem_type == "multi_label_classification" or head.num_labels == 1

    def _classify(self, texts: list[str], lengths: list[int] | None = None) -> list[list[float]]:
        return probabilities(self._forward(texts, lengths=lengths), self._sigmoid())

    def _plan(self, lengths: list[int]) -> list[list[int]]:
        """Texts sorted by tokens in batches of ``batch_size * TOKENS_PER_ROW`` padded
        tokens a CPU stream (the torch plan's budget for the whole batch): by default 4
        groups of :data:`GROUP_TOKENS` a stream, which the streams take as they free up,
        so a batch ends with at most one group's wait for the slower stream."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        budget = self.batch_size * TOKENS_PER_ROW * self._streams
        runs = token_batches([lengths[i] for i in order], budget)
        return [order[a:b] for a, b in runs]

    def _forward(self, *texts, truncation="longest_first", lengths: list[int] | None = None):
        """Float32 logits in input order (numpy): the texts sorted by tokens and cut into
        groups of about :data:`GROUP_TOKENS` padded tokens, which the CPU streams take
        in turn, longest first, each as soon as it is free."""
        rows = list(texts[0])
        if lengths is None:
            lengths = self._token_lengths(rows)
        order = sorted(range(len(rows)), key=lengths.__getitem__)
        padded = token_batches([lengths[i] for i in order], GROUP_TOKENS)
        groups = [[rows[i] for i in order[a:b]] for a, b in padded]
        if len(groups) == 1 or self._streams == 1:
            parts = [self._group_logits(group) for group in groups]
        else:
            pool = self._cpu_pool()
            # Biggest first (rows x longest), so that the last to start are the quickest.
            size = [(b - a) * lengths[order[b - 1]] for a, b in padded]
            biggest = sorted(range(len(groups)), key=lambda k: -size[k])
            jobs = {k: pool.submit(self._group_logits, groups[k]) for k in biggest}
            parts = [jobs[k].result() for k in range(len(groups))]
        logits = np.concatenate(parts)
        out = np.empty_like(logits)
        out[np.asarray(order, dtype=np.int64)] = logits
        return out

    def _group_logits(self, texts: list[str]):
        return self._run(self._inputs(texts))

    def _inputs(self, texts: list[str]) -> dict:
        """The graph's inputs for ``texts``: padded to the longest, as int64."""
        encoded = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(texts), width), self.bundle.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            n = len(e.ids)
            span = slice(width - n, width) if self.bundle.pad_left else slice(0, n)
            ids[row, span] = e.ids
            mask[row, span] = 1
            types[row, span] = e.type_ids
        offered = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {name: offered[name] for name in self.bundle.inputs}

    def _run(self, inputs: dict):
        """The graph's logits for one padded batch."""
        return self.model.run(None, inputs)[0]
