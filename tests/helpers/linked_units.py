"""A documents project and units projects split from it and linked both ways, as the
window's Split into Units… and ``import --unit`` make them (``core.unit_links``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project
from llmstudio.core.unit_corpus import save_units_project, split_corpus, units_info
from llmstudio.core.unit_links import LINKS_KEY, record_units_link
from llmstudio.core.units import parse_unit

TEXTS = [
    "Dr. Smith came home. He was tired.\n\nThe next day he left. It rained.",
    "I love it. I hate the bus.",
    "One short answer.",
]


def documents_project(path: Path, texts: list[str] | None = None) -> Path:
    """A project of one row per document (``document``, ``text``, ``party``) at ``path``."""
    texts = TEXTS if texts is None else texts
    frame = pd.DataFrame(
        {
            "document": [f"d{i}.txt" for i in range(len(texts))],
            "text": texts,
            "other_text": [t.upper() for t in texts],
            "party": [f"P{i % 2}" for i in range(len(texts))],
        }
    )
    Project.create(path, Corpus(frame=frame, text_column="text", source="docs")).close()
    return path


def split_project(source: Path, unit: str, path: Path | None = None) -> Path:
    """``source``'s texts split by ``unit`` into a units project (beside it unless
    ``path``), listed in ``source``: the path of the units project."""
    spec = parse_unit(unit)
    path = path or source.with_name(f"{source.stem}_{unit.replace(':', '-')}.llmstudio")
    with Project.open(source) as project:
        corpus = project.corpus()
    units = split_corpus(corpus, spec)
    info = units_info(corpus, units, spec, source)
    with save_units_project(path, units, info, replace=True) as project:
        record_units_link(project)
    return path


def damage_links(source: Path) -> None:
    """Cut ``source``'s list of units projects short, as a tool editing it by hand might."""
    db = sqlite3.connect(source)
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (LINKS_KEY, '[{"path": "x'))
    db.commit()
    db.close()
