"""One text's self-attention in a local transformer: for each layer and head, the
tokens x tokens matrix of attention weights (row i: how token i's new representation
weighs every token; each row sums to 1). What it shows is where the model looks, not why
it decides: attention weights are not explanations (Jain & Wallace 2019)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LlmstudioError
from ..progress import Monitor
from .local import ENCODER, LocalModel, load_local

MAX_TOKENS = 64  # a wider heatmap has unreadable labels; longer texts are cut, and said so


@dataclass
class AttentionMaps:
    """``weights[layer, head, i, j]``: how much token ``i`` attends to token ``j``."""

    model: str
    text: str
    tokens: list[str]
    weights: np.ndarray  # (layers, heads, n, n), float32
    truncated_from: int | None = None  # the text's token count when it was cut

    @property
    def layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def heads(self) -> int:
        return int(self.weights.shape[1])

    def matrix(self, layer: int, head: int | None = None) -> np.ndarray:
        """The (n, n) matrix of ``layer`` (0-based) and ``head``; ``head=None``: the mean
        of the layer's heads."""
        if not 0 <= layer < self.layers:
            raise LlmstudioError(f"layer {layer + 1}: the model has {self.layers} layers")
        if head is None:
            return self.weights[layer].mean(axis=0)
        if not 0 <= head < self.heads:
            raise LlmstudioError(f"head {head + 1}: each layer has {self.heads} heads")
        return self.weights[layer, head]

    def title(self, layer: int, head: int | None) -> str:
        """What a heatmap of ``matrix(layer, head)`` shows, in words."""
        which = "mean of heads" if head is None else f"head {head + 1} of {self.heads}"
        return f"{self.model}: attention, layer {layer + 1} of {self.layers}, {which}"

    def note(self) -> str:
        """What the reader must know: a cut text, and what attention is not."""
        cut = (
            f"Only the first {len(self.tokens)} of the text's {self.truncated_from} "
            "tokens are shown. "
            if self.truncated_from
            else ""
        )
        return (
            cut + "Row: the token that attends; column: the token attended to; each row "
            "sums to 1. Attention shows where the model looks, not why it decides."
        )


def attention_maps(
    model: LocalModel | str,
    text: str,
    *,
    max_tokens: int = MAX_TOKENS,
    monitor: Monitor | None = None,
) -> AttentionMaps:
    """The self-attention of ``model`` (a :class:`LocalModel` or a SPEC: ``builtin``,
    ``hf:...``) over ``text``, cut to ``max_tokens`` tokens (special tokens included)."""
    import torch

    monitor = Monitor.of(monitor)
    if not str(text or "").strip():
        raise LlmstudioError("the text is empty: there is nothing to attend to")
    loaded = load_local(model, ENCODER) if isinstance(model, str) else model
    monitor.report(0.5, 1.0, message="reading the text")
    monitor.check()
    full = len(loaded.tokenizer(text, verbose=False)["input_ids"])
    encoded = loaded.tokenizer(
        text, truncation=True, max_length=max_tokens, return_tensors="pt", verbose=False
    )
    with torch.inference_mode():
        out = loaded.model(**encoded, output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions or any(a is None for a in attentions):
        raise LlmstudioError(f"{loaded.describe()} gives no attention weights")
    weights = torch.stack([a[0] for a in attentions]).float().cpu().numpy()
    ids = encoded["input_ids"][0].tolist()
    tokens = [_readable(loaded.tokenizer, i) for i in ids]
    monitor.report(1.0, 1.0)
    return AttentionMaps(
        loaded.describe(), text, tokens, weights, full if full > len(ids) else None
    )


def _readable(tokenizer, token_id: int) -> str:
    """A token as a reader knows it: byte-level BPE's "Ġ" as a leading space, "▁" too."""
    piece = tokenizer.convert_ids_to_tokens(token_id)
    return str(piece).replace("Ġ", "·").replace("▁", "·").replace("Ċ", "\\n")
