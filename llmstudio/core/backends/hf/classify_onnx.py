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

from ..batching import TOKENS_PER_ROW, plan_by_tokens
from ..onnx_runtime.bundle import Bundle, cached, classifier_identity, forget
from ..onnx_runtime.choice import PRECISION
from ..onnx_runtime.sessions import grouped_session
from .classify import TextClassificationBackend, probabilities
from .loading import TEXT_CLASSIFICATION, Source

log = logging.getLogger("llmstudio.onnx")


def classifier_files(source: Source, runtime: str) -> tuple | None:
    """(bundle, tokenizer.json, ONNX file) of the text classifier ``source`` in
    ``runtime``'s precision, when all are in the cache; None otherwise."""
    model_id, commit = source.identity()
    return cached(classifier_identity(model_id, commit, TEXT_CLASSIFICATION), PRECISION[runtime])


def cached_classifier(
    source: Source,
    *,
    runtime: str,
    batch_size: int | None = None,
    label_map: dict[str, str] | None = None,
) -> OnnxTextClassifier | None:
    """The text classifier ``source`` names run from the ONNX cache, when its export (in
    ``runtime``'s precision) and bundle are there; None otherwise (the caller loads it with
    torch, which exports it and keeps the bundle). A damaged file is forgotten, with a
    warning, so that the torch load writes it again."""
    found = classifier_files(source, runtime)
    if found is None:
        return None
    try:
        return OnnxTextClassifier(
            source, *found, batch_size=batch_size, label_map=label_map, runtime=runtime
        )
    except Exception as exc:  # a damaged cache file: the torch load makes it again
        log.warning(
            "the cached ONNX files of %s could not be read (%s); loading it anew",
            source.name,
            exc,
        )
        forget(found)
        return None


class OnnxTextClassifier(TextClassificationBackend):
    """:class:`TextClassificationBackend` over a cached ONNX export: the same planning,
    label mapping and answers, its logits from ONNX Runtime and its tokens from the
    ``tokenizers`` library, without torch (:class:`~..groups.TokenGroups`)."""

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
        self._take(source, "cpu", batch_size, label_map, runtime)
        self.bundle = bundle
        self.model_labels = list(bundle.model_labels)
        self.max_length = int(bundle.max_length)
        self.groups = grouped_session(bundle, tokenizer_file, model_file, self.max_length)
        self.model = self.groups  # what a closed backend lets go of
        self._settle(batch_size)

    @property
    def onnx_file(self) -> Path:
        return self.groups.file

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
        return self.groups.count(texts)

    def _token_lengths(self, *texts: list[str], truncation="longest_first") -> list[int]:
        return self.groups.lengths(texts[0])

    def _sigmoid(self) -> bool:
        head = self.bundle
        return head.problem_type == "multi_label_classification" or head.num_labels == 1

    def _classify(self, texts: list[str], lengths: list[int] | None = None) -> list[list[float]]:
        return probabilities(self._forward(texts, lengths=lengths), self._sigmoid())

    def _plan(self, lengths: list[int]) -> list[list[int]]:
        """Texts sorted by tokens in batches of ``batch_size * TOKENS_PER_ROW`` padded
        tokens a CPU stream (the torch plan's budget for the whole batch): by default 4
        groups of ``GROUP_TOKENS`` a stream, which the streams take as they free up, so a
        batch ends with at most one group's wait for the slower stream."""
        return plan_by_tokens(lengths, self.batch_size * TOKENS_PER_ROW * self.groups.streams)

    def _forward(self, *texts, truncation="longest_first", lengths: list[int] | None = None):
        """Float32 logits in input order (numpy)."""
        return self.groups.run(list(texts[0]), lengths)

    def close(self) -> None:
        self.groups.close()
        super().close()
