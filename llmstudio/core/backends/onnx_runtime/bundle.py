"""What an encoder's ONNX export needs besides its graph to run without torch: its
tokenizer (the fast tokenizer's ``tokenizer.json``) and what llmstudio read from the model
at load (a classifier's labels, a sentence model's dimension, the longest input, padding,
special tokens), kept beside the exports: :class:`Bundle` for a classifier,
:class:`SentenceBundle` for a sentence-embedding model (the builtin MiniLM).

Written the first time a model runs through ONNX Runtime (torch loaded it and exported
it); read by a later run, in any process, which then needs neither torch nor transformers:
ONNX Runtime and the ``tokenizers`` library start in a quarter of a second, where
importing torch and transformers and loading the model takes about four (issue 23: that
start-up was most of what kept a 1,500-text run from the machine's bound). Light: nothing
here imports torch, transformers or ONNX Runtime."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..groups import tokenizer_json
from . import export

TOKENIZER = "tokenizer.json"
# Bump when the fields change: an older bundle is then written anew by a torch load.
BUNDLE_VERSION = 1


@dataclass(frozen=True)
class Bundle:
    """What a classifier's torch load learned, for a load without torch."""

    inputs: list  # the graph's input names, in order
    model_labels: list  # the model's label names, by index
    max_length: int  # the longest input, special tokens included
    problem_type: str | None  # the config's: "multi_label_classification" gives sigmoids
    num_labels: int
    pad_token_id: int
    pad_left: bool
    special_single: int  # special tokens added to one text
    version: int = BUNDLE_VERSION

    FILE = "classifier.json"


@dataclass(frozen=True)
class SentenceBundle:
    """What a sentence-embedding model's torch load learned, for a load without torch."""

    inputs: list  # the graph's input names, in order
    dimension: int  # of an embedding
    max_seq_length: int  # the SentenceTransformer's: the longest input, special tokens included
    pad_token_id: int
    pad_left: bool
    special_single: int  # special tokens added to one text
    version: int = BUNDLE_VERSION

    FILE = "sentence.json"


def classifier_identity(model_id: str, revision, pipeline_task: str) -> dict:
    """The cache identity of a classifier's logits graph (its folder in the ONNX cache)."""
    return {
        "model": model_id,
        "revision": revision,
        "pipeline_task": pipeline_task,
        "graph": "logits",
    }


def sentence_identity(model_id: str, revision) -> dict:
    """The cache identity of a sentence-embedding model's graph (pooling included)."""
    return {
        "model": model_id,
        "revision": revision,
        "pipeline_task": "embeddings",
        "graph": "sentence_embedding",
    }


def write(folder: Path, tokenizer, bundle: Bundle | SentenceBundle) -> None:
    """Keep ``bundle`` and ``tokenizer``'s ``tokenizer.json`` in the export ``folder`` (the
    one that holds ``float32/`` and ``int8/``), unless they are there. A slow tokenizer
    (Python only) has no ``tokenizer.json``: nothing is kept and every load takes torch."""
    kind = type(bundle)
    if read_folder(folder, kind) is not None or not getattr(tokenizer, "is_fast", False):
        return
    _write_atomic(folder / TOKENIZER, tokenizer_json(tokenizer))
    _write_atomic(folder / kind.FILE, json.dumps(asdict(bundle), indent=2))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def read_folder(folder: Path, kind: type = Bundle) -> Bundle | SentenceBundle | None:
    """The bundle of ``kind`` kept in the export ``folder``; None when there is none (or an
    older one, or one unreadable: the torch load writes it again)."""
    try:
        data = json.loads((folder / kind.FILE).read_text(encoding="utf-8"))
        if data.get("version") != BUNDLE_VERSION or not (folder / TOKENIZER).is_file():
            return None
        return kind(**data)
    except (OSError, ValueError, TypeError):
        return None


def forget(found: tuple) -> None:
    """Remove what :func:`cached` found when it could not be read back (a damaged file):
    the bundle, the tokenizer and the graph's folder (one precision), which the next
    torch load writes again (a damaged graph left there would be taken as made, and fail
    every run)."""
    import shutil

    _, tokenizer, model = found
    folder = Path(tokenizer).parent
    for name in (Bundle.FILE, SentenceBundle.FILE, TOKENIZER):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(Path(model).parent, ignore_errors=True)


def cached(identity: dict, precision: str, kind: type = Bundle) -> tuple | None:
    """(bundle of ``kind``, tokenizer.json, the ONNX file in ``precision``) of the model
    ``identity`` names, when all three are in the cache; None otherwise (the caller loads
    with torch, which exports, quantises and writes the bundle)."""
    if identity.get("revision") is None:
        return None  # a folder without weights to hash: never cached
    folder = export.export_folder(identity)
    bundle = read_folder(folder, kind)
    model = folder / precision / export.FILE
    if bundle is None or not model.is_file():
        return None
    return bundle, folder / TOKENIZER, model
