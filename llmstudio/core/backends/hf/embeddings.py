"""The embeddings pipeline: anything that is neither a classifier nor a causal LM (a bare
encoder, a sentence-transformers folder), used exactly as the builtin backend uses its
MiniLM (:mod:`llmstudio.core.embedding`): sentiment by similarity to label descriptions, row
by row; codebooks, several codes a text and coded examples by the embedding classifier
over the whole corpus (self-training, fine-tuning)."""

from __future__ import annotations

from ...embedding.corpus import NOT_SEEN, CorpusClassifier
from ...embedding.sentences import (
    embed_texts,
    sentence_model_lengths,
    sentence_model_limit,
    sentence_model_tokens,
)
from ...embedding.similarity import LabelSimilarity
from ...embedding.stored import ProjectEmbeddings, model_key
from ...progress import Monitor
from ...tasks.base import Task
from ...tasks.choice import ChoiceTask
from ..base import RowError
from ..batching import TOKENS_PER_ROW, plan_by_tokens
from ..gpu_plan import precision_fields
from ..onnx_runtime import is_onnx, runtime_fingerprint
from ..torch_encoder import TorchSentenceEncoder
from .base import HFBackend
from .loading import EMBEDDINGS, Source


class EmbeddingsBackend(HFBackend):
    """A sentence-embedding model: label similarity, or the corpus classifier."""

    pipeline_task = EMBEDDINGS
    onnx_ready = True

    def _load(self, source: str) -> None:
        model = sentence_transformer(self.source, self.device)
        if is_onnx(self.runtime):
            from ..onnx_runtime.bundle import sentence_identity
            from ..onnx_runtime.sentence_encoder import exported_encoder

            identity = sentence_identity(*self.source.identity())
            onnx = self._onnx_or_torch(
                identity, lambda: exported_encoder(model, identity, self.runtime)
            )
            if onnx is not None:
                self._use(onnx)
                return
        # In the precision its plan picks (gpu_plan; in the fingerprint): float32 on the
        # CPU unless the runtime asks for bfloat16, half on a GPU where the model allows.
        model.to(self._dtype())
        if TorchSentenceEncoder.usable(model):  # the CPU: in token groups
            model = TorchSentenceEncoder(model)
        self._use(model)

    def _settle(self, batch_size: int | None) -> None:
        super()._settle(batch_size)
        self._corpus.batch_size = self.batch_size  # on a GPU: from its free memory

    def _use(self, model) -> None:
        """Answer with ``model``: a SentenceTransformer, or ONNX Runtime's encoder."""
        self.model = model
        self._similarity = LabelSimilarity(
            lambda texts: embed_texts(self.model, texts, self.batch_size)
        )
        self._corpus = CorpusClassifier(self.model, self.batch_size, f"model {self.model_name}")

    def _fingerprint_details(self) -> dict:
        return {
            "method": LabelSimilarity.method,
            "scale": self._similarity.scale,
            **CorpusClassifier.method(),
        }

    def _label_refusal(self, task: ChoiceTask, what: str) -> str:
        return ""  # examples and several codes a text: the corpus classifier

    def transductive(self, task: Task) -> bool:
        return CorpusClassifier.transductive(task)

    def keep_embeddings(self, project: ProjectEmbeddings | None) -> None:
        # Without a revision one version of the model could not be told from the next:
        # nothing is kept then, rather than vectors that might be served to another. An
        # int8, ONNX or half-precision vector never serves a float32 torch run.
        self._corpus.store = (
            project.store(
                model_key(
                    self._model_id,
                    self.commit,
                    self.model,
                    **runtime_fingerprint(self.runtime),
                    **precision_fields(self.device_plan.dtype),
                )
            )
            if self.commit and project is not None
            else None
        )

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        self._corpus.prepare(task, texts, monitor)

    def _annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        self._labels(task)
        if self.transductive(task):
            return [
                RowError(NOT_SEEN) if r is None else r for r in self._corpus.annotate(task, texts)
            ]
        return self._similarity.annotate(task, texts)

    def input_limit(self, task: Task) -> int:
        return sentence_model_limit(self.model)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return sentence_model_tokens(self.model, texts) if texts else []

    def plan_batches(self, texts: list[str]) -> list[list[int]] | None:
        """On the CPU: texts sorted by tokens, in batches of ``batch_size * TOKENS_PER_ROW``
        padded tokens, as the classifiers'."""
        if not texts or self.device != "cpu":
            return None
        lengths = sentence_model_lengths(self.model, texts)
        return plan_by_tokens(lengths, self.batch_size * TOKENS_PER_ROW)

    def close(self) -> None:
        grouped = getattr(self.model, "groups", None)
        if grouped is not None:  # its CPU streams' threads (ONNX Runtime's, or torch's)
            grouped.close()
        super().close()
        self._corpus.model = None


def sentence_transformer(source: Source, device: str):
    """The model ``source`` names, loaded with sentence-transformers (torch)."""
    from sentence_transformers import SentenceTransformer

    # A sentence-transformers folder brings its own pooling; a bare encoder gets mean
    # pooling (sentence-transformers' default for a plain transformers model).
    return SentenceTransformer(
        source.path,
        device=device,
        trust_remote_code=source.trust_remote_code,
        revision=source.load_kwargs.get("revision"),
        local_files_only=bool(source.load_kwargs.get("local_files_only")),
    )


class CachedEmbeddings(EmbeddingsBackend):
    """An embedding model run from its ONNX export and bundle alone (``encoder``): neither
    torch nor transformers nor sentence-transformers imported (fine-tuning on coded
    examples loads the torch model then). The same answers and fingerprint as the
    torch-loaded ONNX run."""

    def __init__(self, source: Source, encoder, *, batch_size: int | None, runtime: str):
        # Not HFBackend.__init__, which imports torch and loads the model with it.
        self._take(source, "cpu", batch_size, None, runtime)
        self._use(encoder)
        self._settle(batch_size)


def embedding_identity(source: Source) -> dict:
    """What the ONNX cache keeps the embedding model ``source`` under."""
    from ..onnx_runtime.bundle import sentence_identity

    return sentence_identity(*source.identity())


def embedding_files(source: Source, runtime: str) -> tuple | None:
    """(bundle, tokenizer.json, ONNX file) of the embedding model ``source`` in
    ``runtime``'s precision, when all are in the cache; None otherwise."""
    from ..onnx_runtime.sentence_encoder import encoder_files

    return encoder_files(embedding_identity(source), runtime)


def cached_embeddings(
    source: Source, *, runtime: str, batch_size: int | None = None
) -> EmbeddingsBackend | None:
    """The embedding model ``source`` names run from the ONNX cache, when its export (in
    ``runtime``'s precision) and bundle are there; None otherwise (the caller loads it with
    torch, which exports it and keeps the bundle)."""
    from ..onnx_runtime.sentence_encoder import cached_encoder

    encoder = cached_encoder(
        embedding_identity(source),
        runtime,
        lambda: sentence_transformer(source, "cpu"),
    )
    if encoder is None:
        return None
    return CachedEmbeddings(source, encoder, batch_size=batch_size, runtime=runtime)
