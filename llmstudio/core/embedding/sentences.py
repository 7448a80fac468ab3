"""A loaded SentenceTransformer's embeddings and token counts: what the builtin backend and
the ``hf`` backend's embedding models share."""

from __future__ import annotations

# Rows a SentenceTransformer encodes at once on the CPU: fewer than a GPU wants. The
# builtin MiniLM over 1,500 AG News texts took 14.0-14.6 s in batches of 16 against
# 16.8-17.3 s in batches of 64 (8: 13.7 s), the activations of a smaller batch staying in
# the CPU's caches (benchmarks/RESULTS.md, "Whole annotate processes ... (builtin)").
CPU_ENCODE_BATCH = 16


def encode_batch(model, batch_size: int) -> int:
    """Rows per ``encode`` call for ``model``: ``batch_size``, at most
    :data:`CPU_ENCODE_BATCH` on the CPU."""
    on_cpu = str(getattr(model, "device", "cpu")).startswith("cpu")
    return min(batch_size, CPU_ENCODE_BATCH) if on_cpu else batch_size


def embed_texts(model, texts: list[str], batch_size: int):
    """Unit-length embeddings of ``texts`` by a SentenceTransformer, or anything that
    answers ``encode`` as one does (ONNX Runtime's encoder): numpy float32, one row per
    text. (``encode`` runs under torch's inference mode itself; a model in float16, on
    a GPU, answers in float16.)"""
    import numpy as np

    vectors = model.encode(
        texts,
        batch_size=encode_batch(model, batch_size),
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def sentence_model_limit(model) -> int:
    """Tokens of text a SentenceTransformer reads at once: its ``max_seq_length`` less
    the special tokens its tokenizer adds ([CLS] and [SEP] for MiniLM: 256 - 2). A model
    run in token groups (ONNX Runtime's, or torch's on the CPU) says so itself
    (``text_limit``)."""
    if hasattr(model, "text_limit"):
        return model.text_limit()
    return int(model.max_seq_length) - model.tokenizer.num_special_tokens_to_add(pair=False)


def sentence_model_tokens(model, texts: list[str]) -> list[int]:
    """Each text's tokens by a SentenceTransformer's tokenizer, untruncated, without
    special tokens (a model run in token groups counts them, remembered: ``token_counts``)."""
    if not texts:
        return []
    if hasattr(model, "token_counts"):
        return model.token_counts(texts)
    ids = model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    return [len(x) for x in ids]


def sentence_model_lengths(model, texts: list[str]) -> list[int]:
    """Each text's tokens as the model reads it: truncated to ``max_seq_length``, special
    tokens included (what a batch of it pads to)."""
    limit = sentence_model_limit(model)
    special = int(model.max_seq_length) - limit
    return [min(n, limit) + special for n in sentence_model_tokens(model, texts)]
