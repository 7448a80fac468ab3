"""A small project for the export and methods-record tests: awkward column names, a
formula-like cell, a text longer than Stata's str2045, two lexicon runs (sentiment on two
text columns: the newer keeps the plain names), two coders and a stored sample. Fast: the
VADER lexicon only, no model to load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmstudio.core import human_codes
from llmstudio.core.backends import make_backend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.sampling import random_sample, save_sample
from llmstudio.core.tasks import SentimentTask

LONG = "Très long texte, " + "wonderful and terrible " * 150  # > 2045 bytes
TEXTS = [
    "I love this, great work",
    "terrible awful day",
    "it is a table",
    "=SUM(A1) is not a formula here",
    "great great",
    LONG,
]
ANA = ["positive", "negative", "neutral", "neutral", "positive"]  # rows 0-4
BO = ["positive", "negative", "negative", "neutral", None, "positive"]  # row 4 uncoded
BOOK = Codebook(
    (Code("positive", "the text is favourable"), Code("negative"), Code("neutral")),
    name="sentiment",
)


def make_project(folder: Path) -> Path:
    """Create the project in ``folder``; returns its path (closed)."""
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(len(TEXTS))],
            "text": TEXTS,
            "Partei (Wahl) ü": ["SPD", "CDU", "Grüne", "SPD", "CDU", "AfD"],
            "a b": list("uvwxyz"),
            "a-b": list("UVWXYZ"),
            "1st": ["one"] * len(TEXTS),
            "a column name that is far longer than thirty-two characters": ["l"] * len(TEXTS),
            "title": ["good news", "bad news", "news", "sad", "happy", "fine"],
        }
    )
    src = folder / "corpus.csv"
    frame.to_csv(src, index=False)
    path = folder / "study.llmstudio"
    project = Project.create(path, read_table(src))
    try:
        backend = make_backend("lexicon")
        run_job(project, SentimentTask(), backend, text_column="title")  # run 1: older
        run_job(project, SentimentTask(), backend, text_column="text")  # run 2: latest
        backend.close()
        project.save_codebook(BOOK)
        for coder, codes in (("ana", ANA), ("bo", BO)):
            for row, code in enumerate(codes):
                if code:
                    human_codes.record(project, BOOK, coder, row, [code])
        save_sample(project, "sentiment", random_sample(len(TEXTS), 5, seed=7))
    finally:
        project.close()
    return path
