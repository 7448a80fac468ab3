"""A sentence-embedding model's frozen embeddings of the corpus, kept in the project.

Embedding the corpus is nearly all the time of the builtin model's zero-shot coding (7,600
AG News texts: minutes on a laptop CPU), and the vectors depend only on the model and the
text. So they are computed once per model revision and kept in the project file
(``store/embeddings.py``, schema 10): a second codebook, a few-shot run without
fine-tuning, the Learn panel and a new process read them instead.

* **Keyed by model and text.** A model is its name, revision (or file hash) and whatever
  else changes its vectors (how many tokens it reads), as canonical JSON: another revision
  has another key and is never served these vectors. A text is the SHA-256 of its UTF-8
  bytes: a changed text has another key, so it is embedded again, never given a stale
  vector; equal texts share one row.
* **float16.** A 384-dimension MiniLM vector takes 768 bytes instead of 1,536. A run
  with a store always uses the float16 vectors, the first run too (its fresh vectors are
  rounded the same way), so the first and the second run agree exactly; against plain
  float32 the labels agree and the scores differ in the third decimal
  (benchmarks/RESULTS.md, "Stored embeddings").
* **Kept as they are made**, each chunk in its own transaction: a cancelled or killed
  first run keeps what it embedded, and the next one embeds only the rest.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..store import embeddings as stored
from ..store import transaction

__all__ = ["EmbeddingStore", "ProjectEmbeddings", "embed_with_store", "model_key", "text_hash"]

# What the fingerprint of a run with stored embeddings says (core/embedding/corpus.py).
PRECISION = "float16"


def text_hash(text: str) -> bytes:
    """The key of ``text``'s vector: SHA-256 of its UTF-8 bytes (lone surrogates kept)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def model_key(name: str, revision: str, model=None, **more) -> dict:
    """What identifies a SentenceTransformer's vectors: its name and revision, how many
    tokens of a text it reads (``max_seq_length``: a longer limit changes a long text's
    vector) and ``more`` (e.g. a runtime and precision)."""
    key = {"model": name, "revision": revision, "normalized": True}
    limit = getattr(model, "max_seq_length", None)
    if limit:
        key["max_seq_length"] = int(limit)
    return {**key, **more}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EmbeddingStore:
    """One model's vectors in a project: :meth:`read` what is there, :meth:`keep` the new
    ones (committed at once), :meth:`note_use` for the methods record."""

    def __init__(self, db: sqlite3.Connection, model: dict, run_id: int | None = None):
        self.db = db
        self.model = json.dumps(model, sort_keys=True, ensure_ascii=False)
        self.run_id = run_id
        self._id: int | None = None

    def _model_id(self, dimensions: int | None) -> int | None:
        if self._id is None:
            found = stored.find_model(self.db, self.model)
            if found is not None:
                self._id = found[0]
            elif dimensions is not None:
                with transaction(self.db):
                    self._id = stored.model_id(self.db, self.model, dimensions, _now())
        return self._id

    def read(self, hashes: Sequence[bytes]):
        """The stored float32 vectors of ``hashes`` that have one, by hash."""
        import numpy as np

        model = self._model_id(None)
        if model is None or not hashes:
            return {}
        return {
            h: np.frombuffer(v, dtype="<f2").astype(np.float32)
            for h, v in stored.vectors(self.db, model, list(hashes)).items()
        }

    def keep(self, hashes: Sequence[bytes], vectors) -> None:
        """Store ``vectors`` (one row per hash) as float16, in one committed transaction."""
        import numpy as np

        half = np.asarray(vectors, dtype="<f2")
        model = self._model_id(int(half.shape[1]))
        with transaction(self.db):
            stored.put(self.db, model, zip(hashes, (row.tobytes() for row in half), strict=True))

    def note_use(self, reused: int, computed: int) -> None:
        """Record how this run came by its vectors (read from the project, computed)."""
        model = self._model_id(None)
        if model is None:
            return  # nothing was read or kept: nothing to say
        with transaction(self.db):
            stored.add_use(self.db, model, self.run_id, reused, computed, _now())

    def count(self) -> int:
        """How many vectors of this model the project holds."""
        model = self._model_id(None)
        return 0 if model is None else stored.count(self.db, model)


@dataclass(frozen=True)
class ProjectEmbeddings:
    """Where a job keeps its embeddings: the project's connection (of the thread that
    runs the job) and the run it is for (None: not a run, the Learn panel)."""

    db: sqlite3.Connection
    run_id: int | None = None

    def store(self, model: dict) -> EmbeddingStore:
        """The store of the model ``model`` (:func:`model_key`)."""
        return EmbeddingStore(self.db, model, self.run_id)


def embed_with_store(
    texts: Sequence[str],
    compute: Callable[[list[str], Callable[[list[int], object], None]], object],
    store: EmbeddingStore | None,
    note: bool = True,
):
    """Unit-length embeddings of ``texts`` (numpy float32, one row per text).

    Without a store: ``compute(texts, keep)`` alone. With one: the texts whose vectors
    are stored are read; ``compute`` is asked for the others only, and calls ``keep(
    positions, vectors)`` after each chunk, which stores it at once (a cancel keeps what
    was done). Every vector returned has passed through float16, the fresh ones too, so
    a run gives the same answers whether its vectors were read or just made. ``note``:
    record the counts for the methods record (the corpus; not a run's label prompts).
    """
    import numpy as np

    texts = list(texts)
    if store is None:
        return compute(texts, lambda positions, vectors: None)
    hashes = [text_hash(t) for t in texts]
    found = store.read(hashes)
    missing = [i for i, h in enumerate(hashes) if h not in found]
    first_of: dict[bytes, int] = {}
    to_compute = [i for i in missing if first_of.setdefault(hashes[i], i) == i]
    fresh: dict[bytes, np.ndarray] = {}
    done = 0

    def keep(positions: list[int], vectors) -> None:
        nonlocal done
        mine = [hashes[to_compute[p]] for p in positions]
        half = np.asarray(vectors, dtype=np.float16)
        store.keep(mine, half)
        fresh.update(zip(mine, half.astype(np.float32), strict=True))
        done += len(mine)

    try:
        if to_compute:
            compute([texts[i] for i in to_compute], keep)
    finally:
        if note:
            store.note_use(len(texts) - len(missing), done)
    vectors = {**found, **fresh}
    return np.stack([vectors[h] for h in hashes]) if texts else np.zeros((0, 0), np.float32)


def run_embedding_words(db: sqlite3.Connection, run_id: int) -> str:
    """What the methods record says of how run ``run_id`` came by its corpus embeddings
    ("" when it kept none: not a sentence-embedding model, or no text to learn from)."""
    uses = stored.uses_of_run(db, run_id)
    if not uses:
        return ""
    reused = sum(u[1] for u in uses)
    computed = sum(u[2] for u in uses)
    model = json.loads(uses[-1][0])
    rev = f", revision {model['revision']}" if model.get("revision") else ""
    how = (
        f"{reused:,} read back from the project (kept there earlier), {computed:,} computed"
        if reused
        else f"all {computed:,} computed by this run"
    )
    return (
        f"frozen embeddings of {model.get('model')}{rev}, kept in the project as {PRECISION}: {how}"
    )
