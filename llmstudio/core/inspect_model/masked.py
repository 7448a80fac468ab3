"""Masked-word prediction with a masked language model (BERT, RoBERTa): the probability
of each target word at the mask of one sentence. Users write ``[MASK]``; it becomes the
model's own mask token (BERT ``[MASK]``, RoBERTa ``<mask>``). A target counts only where
it is one token of the model's vocabulary at that place; a word made of several tokens
cannot fill a single mask, and is reported (:func:`target_tokens`), never dropped."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LlmstudioError
from .local import LocalModel

MASK = "[MASK]"


@dataclass(frozen=True)
class Target:
    """A target word and the single tokens that spell it at the mask (the word as typed,
    lower-case and capitalised: "he" at a sentence's start is "He" in a cased model);
    ``pieces`` is how the word splits when none is one token."""

    word: str
    token_ids: tuple[int, ...]
    pieces: tuple[str, ...] = ()

    @property
    def in_vocabulary(self) -> bool:
        return bool(self.token_ids)


def check_template(template: str) -> None:
    """Raise a clear error unless ``template`` has exactly one ``[MASK]``."""
    count = template.count(MASK)
    if count != 1:
        raise LlmstudioError(
            f"template {template!r} has {count} [MASK]s: write exactly one [MASK] where "
            "the target word goes, e.g. '[MASK] worked as a nurse.'"
        )


def _with_mask(model: LocalModel, template: str) -> str:
    return template.replace(MASK, model.tokenizer.mask_token)


def target_tokens(model: LocalModel, template: str, word: str) -> Target:
    """The single tokens that spell ``word`` where ``template``'s mask is: a spelling
    counts when the sentence with it in place of the mask has exactly as many tokens as
    the masked one, and that token sits where the mask was."""
    tok = model.tokenizer
    masked = tok(_with_mask(model, template), verbose=False)["input_ids"]
    where = masked.index(tok.mask_token_id)
    found = []
    for spelling in dict.fromkeys((word, word.lower(), word[:1].upper() + word[1:])):
        filled = tok(template.replace(MASK, spelling), verbose=False)["input_ids"]
        same_place = filled[:where] == masked[:where] and filled[where + 1 :] == masked[where + 1 :]
        if len(filled) == len(masked) and same_place:
            if filled[where] != tok.unk_token_id and filled[where] not in found:
                found.append(filled[where])
    pieces = () if found else tuple(tok.tokenize(word))
    return Target(word, tuple(found), pieces)


def mask_probabilities(model: LocalModel, template: str, words: list[str]) -> dict[str, float]:
    """P(word) at ``template``'s mask for each target word in the vocabulary (the sum
    over its spellings, :func:`target_tokens`); words that are not are left out (the
    caller reports them)."""
    import torch

    check_template(template)
    tok = model.tokenizer
    encoded = tok(_with_mask(model, template), return_tensors="pt", verbose=False)
    where = encoded["input_ids"][0].tolist().index(tok.mask_token_id)
    with torch.inference_mode():
        logits = model.model(**encoded).logits[0, where]
    probs = torch.softmax(logits.float(), dim=-1)
    out = {}
    for word in words:
        target = target_tokens(model, template, word)
        if target.in_vocabulary:
            out[word] = float(sum(probs[i] for i in target.token_ids))
    return out


def top_predictions(model: LocalModel, template: str, k: int = 10) -> list[tuple[str, float]]:
    """The model's ``k`` likeliest tokens at the mask, with their probabilities."""
    import torch

    check_template(template)
    tok = model.tokenizer
    encoded = tok(_with_mask(model, template), return_tensors="pt", verbose=False)
    where = encoded["input_ids"][0].tolist().index(tok.mask_token_id)
    with torch.inference_mode():
        probs = torch.softmax(model.model(**encoded).logits[0, where].float(), dim=-1)
    values, ids = probs.topk(k)
    return [(tok.decode([i]).strip(), float(v)) for v, i in zip(values, ids, strict=True)]
