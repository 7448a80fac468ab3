"""A loaded SentenceTransformer's embeddings and token counts: what the builtin backend and
the ``hf`` backend's embedding models share."""

from __future__ import annotations


def embed_texts(model, texts: list[str], batch_size: int):
    """Unit-length embeddings of ``texts`` by a SentenceTransformer (a torch tensor, one row
    per text)."""
    import torch

    with torch.inference_mode():
        return model.encode(
            texts,
            batch_size=batch_size,
            convert_to_tensor=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )


def sentence_model_limit(model) -> int:
    """Tokens of text a SentenceTransformer reads at once: its ``max_seq_length`` less
    the special tokens its tokenizer adds ([CLS] and [SEP] for MiniLM: 256 - 2)."""
    return int(model.max_seq_length) - model.tokenizer.num_special_tokens_to_add(pair=False)


def sentence_model_tokens(model, texts: list[str]) -> list[int]:
    """Each text's tokens by a SentenceTransformer's tokenizer, untruncated, without
    special tokens."""
    if not texts:
        return []
    ids = model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    return [len(x) for x in ids]
