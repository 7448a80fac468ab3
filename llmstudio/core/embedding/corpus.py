"""Coding a whole corpus with a sentence-embedding model: what the builtin backend and the
``hf`` backend's embedding models (any sentence-transformers folder) share.

A label task with coded examples, a codebook (not plain sentiment) or several labels per
text is *transductive*: :class:`~llmstudio.core.embedding.classifier.EmbeddingClassifier` reads
every text of the job at once in :meth:`CorpusClassifier.prepare` (label prompts,
self-training on the corpus, contrastive fine-tuning on the examples) and the rows then
look their scores up. Plain sentiment with no examples stays row by row (label-description
similarity), so it streams and caches per row like any other model.

One class for both backends because the method is the model's, not the package's: a
larger sentence-embedding model (all-mpnet-base-v2, e5, bge) gets the same zero- and
few-shot coding as the bundled MiniLM (SST-2, 16 examples a class: MiniLM 76.5%,
all-mpnet-base-v2 89%; benchmarks/RESULTS.md).
"""

from __future__ import annotations

from ..errors import BackendError
from ..progress import Monitor
from ..tasks.base import Task
from ..tasks.choice import ChoiceTask
from ..tasks.sentiment import SentimentTask
from .classifier import EmbeddingClassifier
from .stored import PRECISION, EmbeddingStore

# Below this many texts, self-training on the corpus has too few confident texts per
# label to learn from: the label prompts alone decide.
SELF_TRAINING_MIN_TEXTS = 100

# The error of a row whose text the classifier did not see in prepare().
NOT_SEEN = "this text was not in the corpus the classifier saw"


class CorpusClassifier:
    """The transductive half of an embedding backend, over a loaded SentenceTransformer."""

    def __init__(self, model, batch_size: int, what: str = "the classifier", seed: int = 0):
        self.model = model
        self.batch_size = batch_size
        self.seed = seed  # seeds fine-tuning on coded examples (the only random step)
        self.what = what  # named in the error a row gets when prepare() was skipped
        self._learned: dict[str, list[float]] | None = None  # text -> scores
        # The project's vectors of this model (set by the backend for a job); None: the
        # corpus is embedded afresh in float32.
        self.store: EmbeddingStore | None = None

    @staticmethod
    def method(seed: int = 0) -> dict:
        """For the backend's fingerprint (cache keys and the run record)."""
        return {
            "classifier": EmbeddingClassifier(seed=seed).method(),
            "self_training_min_texts": SELF_TRAINING_MIN_TEXTS,
            # Every job keeps its corpus embeddings in the project and reads them back
            # rounded: the scores differ from float32 ones in the third decimal.
            "corpus_embeddings": f"{PRECISION}, kept in the project",
        }

    @staticmethod
    def seeded(task: Task) -> bool:
        """Whether a seed changes this task's answers: only fine-tuning on coded examples
        draws random numbers; everything else is the same for every seed."""
        return isinstance(task, ChoiceTask) and bool(task.examples)

    @staticmethod
    def transductive(task: Task) -> bool:
        return isinstance(task, ChoiceTask) and (
            bool(task.examples) or not isinstance(task, SentimentTask) or task.multi_label
        )

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        self._learned = None
        if not self.transductive(task):
            return
        unique = list(dict.fromkeys(texts))
        clf = EmbeddingClassifier(
            self.model,
            seed=self.seed,
            batch_size=self.batch_size,
            monitor=monitor,
            store=self.store,
            self_training_rounds=3 if len(unique) >= SELF_TRAINING_MIN_TEXTS else 0,
        )
        multi = bool(task.multi_label)
        definitions = task.definitions()
        descriptions = {label: definitions[label] for label in task.labels if label in definitions}
        if task.examples:
            example_labels = [
                [c for c in label.split(";") if c] if multi else label for _, label in task.examples
            ]
            probs = clf.few_shot(
                unique,
                [t for t, _ in task.examples],
                example_labels,
                list(task.labels),
                descriptions or None,
                multi_label=multi,
            )
        else:
            probs = clf.zero_shot(
                unique, list(task.labels), descriptions or None, multi_label=multi
            )
        self._learned = dict(zip(unique, probs.tolist()))

    def annotate(self, task: Task, texts: list[str]) -> list[dict | None]:
        """Each text's record from the last :meth:`prepare` (a transductive task only);
        None for a text that was not in that corpus (the backend makes it the row's error,
        :data:`NOT_SEEN`)."""
        if self._learned is None:
            raise BackendError(f"{self.what} was not prepared on the corpus")
        out: list[dict | None] = []
        for text in texts:
            row = self._learned.get(text)
            out.append(
                None
                if row is None
                else task.from_probabilities(dict(zip(task.labels, row, strict=True)))
            )
        return out
