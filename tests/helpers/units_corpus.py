"""A small units corpus in a project, built by hand in the shape a units corpus has
(``document``, ``unit``, ``unit_start``, ``unit_end``, ``text``, then the document's
metadata), with a sentiment run, a multi-label coding run and a multi-label coder, so
that rolled-up shares and means can be checked against sums done by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from llmstudio.core import human_codes
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project
from llmstudio.core.tasks import CodeTask, SentimentTask

ISSUES = Codebook((Code("Housing & rent"), Code("Transport")), name="Issues", multi_label=True)
DOCS = ["A", "A", "A", "B", "B", "C", "C", "C", "C"]
# Sentiment per unit: (label, valence); None: no answer stored (the unit has no result);
# a None valence: the model gave no probabilities (the label's valence is used).
SENTIMENT = [
    ("positive", 0.8),
    ("negative", -0.6),
    ("neutral", None),
    ("positive", 0.5),
    ("positive", 0.9),
    ("negative", -1.0),
    None,
    ("neutral", 0.1),
    ("negative", -0.2),
]
# The coding run's (Housing & rent, Transport) per unit; None: no answer.
CODING = [(1, 0), (1, 1), (0, 0), (0, 1), None, (1, 0), (0, 1), (0, 0), (1, 1)]
ANA = {0: ["Housing & rent", "Transport"], 3: ["Transport"], 5: ["none"]}


def units_frame() -> pd.DataFrame:
    """Three documents of 3, 2 and 4 units; ``speaker`` varies within document B."""
    unit = [1, 2, 3, 1, 2, 1, 2, 3, 4]
    return pd.DataFrame(
        {
            "document": DOCS,
            "unit": unit,
            "unit_start": [(u - 1) * 10 for u in unit],
            "unit_end": [u * 10 - 1 for u in unit],
            "text": [f"sentence {i}" for i in range(len(DOCS))],
            "party": ["SPD"] * 3 + ["CDU"] * 2 + ["SPD"] * 4,
            "year": [2019] * 3 + [2021] * 2 + [2019] * 4,
            "speaker": ["x"] * 3 + ["y", "z"] + ["w"] * 4,
        }
    )


def _add_run(project: Project, task, outputs: dict[int, dict]) -> None:
    params = task.params()
    with project.db:
        cur = project.db.execute(
            "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column,"
            " columns, status, rows_total, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                f"k{task.name}",
                task.name,
                json.dumps(params),
                "builtin",
                "{}",
                "text",
                json.dumps(task.columns()),
                "done",
                len(DOCS),
                "2026-01-01",
                "2026-01-01",
            ),
        )
        project.db.executemany(
            "INSERT INTO annotations (run_id, row_id, output) VALUES (?,?,?)",
            [(cur.lastrowid, r, json.dumps(o)) for r, o in outputs.items()],
        )


def make_units_project(path: Path, frame: pd.DataFrame | None = None) -> Path:
    """The units corpus with its runs and codes as a project at ``path`` (closed)."""
    with Project.create(path, Corpus(units_frame() if frame is None else frame, "text")) as p:
        _add_run(
            p,
            SentimentTask(),
            {
                r: {"sentiment_label": s[0], "sentiment_score": 0.9, "sentiment_valence": s[1]}
                for r, s in enumerate(SENTIMENT)
                if s is not None
            },
        )
        _add_run(
            p,
            CodeTask(codebook=ISSUES),
            {
                r: {"code_housing_rent": c[0], "code_transport": c[1]}
                for r, c in enumerate(CODING)
                if c is not None
            },
        )
        p.save_codebook(ISSUES)
        for row, codes in ANA.items():
            human_codes.record(p, ISSUES, "ana", row, codes)
    return path
