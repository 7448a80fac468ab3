"""A project holding a memo of every kind (project, code, row, passage) by two authors:
shared by the memo tests of the core, the browser and the .qdpx round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmstudio.core import human_codes as hc
from llmstudio.core import memos
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project

TEXTS = [
    "Rents have doubled and the buses stopped running.",
    "Waiting lists at the hospital are too long.",
    "Potholes everywhere, and no bus after six.",
]
BOOK = Codebook(
    codes=(
        Code("Housing", "Rents, house prices, homelessness"),
        Code("Rents", "What people pay to live", parent="Housing"),
        Code("Transport", "Buses, trains, roads"),
        Code("Health", "Hospitals, doctors, waiting lists"),
    ),
    name="Issues",
    multi_label=True,
)


def corpus() -> Corpus:
    frame = pd.DataFrame(
        {"text": pd.array(TEXTS, dtype="str"), "region": pd.array(["N", "S", "N"], dtype="str")}
    )
    return Corpus(frame=frame, text_column="text", source="answers.csv")


def fill(p: Project, with_passages: bool = True) -> dict[str, memos.Memo]:
    """Give ``p`` (with the corpus above) the codebook and one memo of each kind, plus a
    second project memo by another author; the memos by name (``with_passages=False``:
    no passages, so no passage memo)."""
    p.save_codebook(BOOK)
    book = p.codebook("Issues")
    hc.record(p, book, "ana", 0, ["Housing", "Transport"], "landlords blamed; bus cuts too")
    hc.record(p, book, "ben", 1, ["Health"])
    if with_passages:
        passage = ps.add(p, book, "ana", 0, 0, 5, "Rents", "the word 'doubled' matters")
        ps.add(p, book, "ben", 2, 0, 8, "Transport")  # no memo
    made = {
        "project": memos.add_project_memo(
            p, "ana", "Sampling", "We coded every answer from the north first.\nThen the south."
        ),
        "project2": memos.add_project_memo(p, "ben", "Doubts", "Is 'bus' Transport or Health?"),
        "code": memos.set_code_memo(
            p, "Issues", "Rents", "ana", "Rents overlaps with Housing: keep it as a child."
        ),
    }
    every = memos.all_memos(p)
    made["row"] = next(m for m in every if m.kind == "row")
    if with_passages:
        made["passage"] = next(m for m in every if m.passage_id == passage.id)
    return made


def make(path: Path) -> Path:
    """A project file at ``path`` with :func:`fill`'s memos."""
    with Project.create(path, corpus()) as p:
        fill(p)
    return path
