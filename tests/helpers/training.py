"""A project with hand codes a tiny model can learn (for the training tests): texts made
of words that carry their code, coded by "ana" in a single-label and a multi-label
codebook, and a tiny encoder to start from."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from llmstudio.core import human_codes
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project

from models import wordpiece_tokenizer

WORDS = {
    "positive": "good great love wonderful happy best nice".split(),
    "negative": "bad awful hate terrible sad worst poor".split(),
}
FILLER = "the a movie film story day food service people time".split()
BOOK = Codebook((Code("positive"), Code("negative")), name="tone")
TOPICS = Codebook(
    (Code("economy"), Code("health")), name="topics", multi_label=True, none_option=True
)


def text_of(code: str, rng: random.Random) -> str:
    """A short text whose words say ``code`` (among neutral filler)."""
    words = rng.sample(WORDS[code], 3) + rng.sample(FILLER, 3)
    rng.shuffle(words)
    return " ".join(words)


def coded_project(folder: Path, per_label: int = 12, *, coded: int | None = None) -> Path:
    """A project of ``2 * per_label`` texts, each coded by "ana" in codebook "tone"
    (``coded``: only the first that many codes per label). Returns its path, closed."""
    rng = random.Random(0)
    labels = [code for _ in range(per_label) for code in ("positive", "negative")]
    texts = [text_of(code, rng) for code in labels]
    src = Path(folder) / "corpus.csv"
    pd.DataFrame({"text": texts, "n": range(len(texts))}).to_csv(src, index=False)
    path = Path(folder) / "study.llmstudio"
    project = Project.create(path, read_table(src))
    try:
        project.save_codebook(BOOK)
        project.save_codebook(TOPICS)
        limit = per_label if coded is None else coded
        seen = dict.fromkeys(WORDS, 0)
        for row, code in enumerate(labels):
            seen[code] += 1
            if seen[code] <= limit:
                human_codes.record(project, BOOK, "ana", row, [code])
            # topics: economy on positive texts, health on every third text
            topics = (["economy"] if code == "positive" else []) + (
                ["health"] if row % 3 == 0 else []
            )
            human_codes.record(project, TOPICS, "bo", row, topics or ["none"])
    finally:
        project.close()
    return path


def tiny_encoder(folder: Path, *, seed: int = 0) -> Path:
    """A tiny BERT encoder (no head) to train from: ``tests/models``' tokenizer with BERT's
    usual initialisation (``build_encoder``'s wide one, made to spread random outputs,
    trains poorly)."""
    import torch
    from transformers import BertConfig, BertModel

    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)
