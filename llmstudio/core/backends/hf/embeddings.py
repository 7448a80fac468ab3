"""The embeddings pipeline: anything that is neither a classifier nor a causal LM (a bare
encoder, a sentence-transformers folder), used exactly as the builtin backend uses its
MiniLM (:mod:`llmstudio.core.embedding`): sentiment by similarity to label descriptions, row
by row; codebooks, several codes a text and coded examples by the embedding classifier
over the whole corpus (self-training, fine-tuning)."""

from __future__ import annotations

from ...embedding.corpus import NOT_SEEN, CorpusClassifier
from ...embedding.sentences import embed_texts, sentence_model_limit, sentence_model_tokens
from ...embedding.similarity import LabelSimilarity
from ...embedding.stored import ProjectEmbeddings, model_key
from ...progress import Monitor
from ...tasks.base import Task
from ...tasks.choice import ChoiceTask
from ..base import RowError
from ..onnx_runtime import TORCH, runtime_fingerprint
from .base import HFBackend
from .loading import EMBEDDINGS


class EmbeddingsBackend(HFBackend):
    """A sentence-embedding model: label similarity, or the corpus classifier."""

    pipeline_task = EMBEDDINGS
    onnx_ready = True

    def _load(self, source: str) -> None:
        from sentence_transformers import SentenceTransformer

        # A sentence-transformers folder brings its own pooling; a bare encoder gets mean
        # pooling (sentence-transformers' default for a plain transformers model).
        self.model = SentenceTransformer(
            source,
            device=self.device,
            trust_remote_code=self.trust_remote_code,
            revision=self._load_kwargs.get("revision"),
            local_files_only=bool(self._load_kwargs.get("local_files_only")),
        )
        if self.runtime != TORCH:
            from ..onnx_runtime.sessions import OnnxSentenceModel

            self.model = OnnxSentenceModel(
                self.model, self._onnx_identity(), self.runtime, self._onnx_threads()
            )
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
        # nothing is kept then, rather than vectors that might be served to another.
        self._corpus.store = (
            project.store(  # an int8 or ONNX vector never serves a torch run
                model_key(
                    self._model_id, self.commit, self.model, **runtime_fingerprint(self.runtime)
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

    def close(self) -> None:
        super().close()
        self._corpus.model = None
