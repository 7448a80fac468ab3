"""A sentence-embedding model (the builtin MiniLM, an ``hf:`` embedding model) run by ONNX
Runtime: :class:`OnnxSentenceEncoder` answers what llmstudio asks of a SentenceTransformer
(``encode``, ``max_seq_length``, the dimension, token counts) from the exported graph (the
whole module chain, pooling included) and its bundle (:mod:`.bundle`).

The first ONNX run of a model loads it with torch, exports it and keeps the bundle
(:func:`exported_encoder`); every later run, in any process, starts from the cache alone
(:func:`cached_encoder`) with neither torch nor transformers nor sentence-transformers
imported: 0.3 s where they took about 5 s (issue 23, item 1). Both encode through
:class:`~..groups.TokenGroups` (groups of padded tokens on the CPU streams), so their
vectors are the same and so are their runs' fingerprints.

ONNX Runtime does not train: fine-tuning on coded examples takes a copy of the torch model,
which a cached encoder loads then (``load_torch``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ...errors import BackendError
from ..groups import GroupedSentenceModel
from . import bundle as bundles
from .bundle import SentenceBundle
from .choice import PRECISION
from .export import export_module, exported
from .sessions import grouped_session

log = logging.getLogger("llmstudio.onnx")


class OnnxSentenceEncoder(GroupedSentenceModel):
    """A sentence-embedding model's vectors by ONNX Runtime, from its export and bundle."""

    device = "cpu"

    def __init__(
        self,
        bundle: SentenceBundle,
        tokenizer_file: Path,
        model_file: Path,
        runtime: str,
        load_torch: Callable[[], object],
        torch_model=None,
    ):
        self.bundle = bundle
        self.runtime = runtime
        self.precision = PRECISION[runtime]
        self.path = Path(model_file)
        self.max_seq_length = int(bundle.max_seq_length)
        self.groups = grouped_session(bundle, tokenizer_file, model_file, self.max_seq_length)
        self._load_torch = load_torch
        self._torch_model = torch_model

    @property
    def torch_model(self):
        """The model loaded with torch (on first use: only fine-tuning needs it)."""
        if self._torch_model is None:
            self._torch_model = self._load_torch()
        return self._torch_model

    def get_embedding_dimension(self) -> int:
        return int(self.bundle.dimension)

    get_sentence_embedding_dimension = get_embedding_dimension


def encoder_files(identity: dict, runtime: str) -> tuple | None:
    """(bundle, tokenizer.json, ONNX file) of the sentence model ``identity`` names
    (:func:`.bundle.sentence_identity`) in ``runtime``'s precision, when all are in the
    cache; None otherwise."""
    return bundles.cached(identity, PRECISION[runtime], SentenceBundle)


def cached_encoder(
    identity: dict, runtime: str, load_torch: Callable[[], object]
) -> OnnxSentenceEncoder | None:
    """The model ``identity`` names (:func:`.bundle.sentence_identity`) from the ONNX cache,
    when its export in ``runtime``'s precision and its bundle are there; None otherwise
    (the caller loads it with torch: :func:`exported_encoder`)."""
    found = encoder_files(identity, runtime)
    if found is None:
        return None
    try:
        return OnnxSentenceEncoder(*found, runtime, load_torch)
    except Exception as exc:  # a damaged cache file: the torch load makes it again
        log.warning(
            "the cached ONNX files of %s could not be read (%s); loading it anew",
            identity.get("model"),
            exc,
        )
        bundles.forget(found)
        return None


def _features(st, texts: list[str]) -> dict:
    # sentence-transformers 6 renamed tokenize (kept, deprecated) to preprocess.
    return (getattr(st, "preprocess", None) or st.tokenize)(texts)


def _sentence_module(st):
    import torch

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.st = st

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                features["token_type_ids"] = token_type_ids
            return self.st(features)["sentence_embedding"]

    return SentenceEmbedding()


def exported_encoder(st, identity: dict, runtime: str) -> OnnxSentenceEncoder:
    """The loaded SentenceTransformer ``st`` run by ONNX Runtime: exported (or taken from
    the cache) in ``runtime``'s precision, its bundle kept beside the export so that a
    later run needs no torch."""
    tokenizer = st.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise BackendError(
            f"model {identity.get('model')} has no fast tokenizer (tokenizer.json), which "
            "ONNX Runtime's runs read; run it with the torch runtime"
        )
    sample = _features(st, ["a short text", "a longer text to export the model with"])
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]
    st.eval()
    max_length = int(st.max_seq_length or 512)
    path = exported(
        identity,
        PRECISION[runtime],
        lambda target: export_module(
            _sentence_module(st),
            {k: sample[k] for k in names},
            "sentence_embedding",
            target,
            max_length,
        ),
    )
    dim_of = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    made = SentenceBundle(
        inputs=names,
        dimension=int(dim_of()),
        max_seq_length=max_length,
        pad_token_id=int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        pad_left=tokenizer.padding_side == "left",
        special_single=int(tokenizer.num_special_tokens_to_add(pair=False)),
    )
    folder = path.parent.parent
    bundles.write(folder, tokenizer, made)
    kept = bundles.read_folder(folder, SentenceBundle) or made
    return OnnxSentenceEncoder(
        kept, folder / bundles.TOKENIZER, path, runtime, lambda: st, torch_model=st
    )
