"""A project for the corrected-estimate tests: 300 short texts, a lexicon sentiment run
(VADER: fast, no model), and a coder's codes on a random sample of 60 rows stored as the
run's sample, as "Check this run" leaves it. ``how``: "random" (the stored random sample,
coded whole), "no sample" (the first 60 rows coded, no sample drawn), "outside" (the
sample coded plus five rows the coder chose)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from llmstudio.core import human_codes
from llmstudio.core.backends import make_backend
from llmstudio.core.check_run import codebook_for_run
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.sampling import random_sample, save_sample
from llmstudio.core.tasks import SentimentTask

# (text, what a person codes it): the lexicon misreads the sarcastic ones
TEMPLATES = [
    ("what a great day", "positive"),
    ("a terrible, awful day", "negative"),
    ("oh great, another delay", "negative"),
    ("the table is brown", "neutral"),
]
ROWS, SAMPLE = 300, 60


def make_ppi_project(folder: Path, how: str = "random") -> Path:
    """Create the project in ``folder`` (closed); returns its path."""
    rng = np.random.default_rng(11)
    picks = rng.integers(0, len(TEMPLATES), ROWS)
    frame = pd.DataFrame(
        {
            "text": [TEMPLATES[i][0] for i in picks],
            "party": np.where(rng.random(ROWS) < 0.5, "Labour", "Reform"),
        }
    )
    src = folder / "corpus.csv"
    frame.to_csv(src, index=False)
    path = folder / "study.llmstudio"
    project = Project.create(path, read_table(src))
    try:
        backend = make_backend("lexicon")
        run_job(project, SentimentTask(), backend, text_column="text")
        backend.close()
        book = codebook_for_run(project, 1)
        sample = random_sample(ROWS, SAMPLE, seed=3)
        rows = list(range(SAMPLE)) if how == "no sample" else list(sample.rows)
        if how == "outside":
            rows += [r for r in range(ROWS) if r not in sample.rows][:5]
        if how != "no sample":
            save_sample(project, book.name, sample)
        for row in rows:
            human_codes.record(project, book, "ana", row, [TEMPLATES[picks[row]][1]])
    finally:
        project.close()
    return path
