"""A small project with row codes and passages by two coders in a code tree, counted by
hand for the retrieval and crosstab tests (core, GUI and CLI)."""

from __future__ import annotations

import pandas as pd

from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project

TEXTS = [
    "Rents have doubled. Our landlord never answers and the heating is broken again.",
    "The buses stopped running. The waiting list at the clinic is a year.",
    "My landlord 😡 raised the rent twice this year.",
    "Housing is the one issue for me.",
    "Rent takes half of what I earn.",
    "=SUM(A1) the trains are late",
]
PARTY = ["A", "B", "A", "B", "A", None]
WAVE = [1, 1, 2, 2, 2, 1]

BOOK = Codebook(
    codes=(
        Code("Housing"),
        Code("Rents", parent="Housing"),
        Code("Landlords", parent="Housing"),
        Code("Transport"),
        Code("Health", color="#ff0000"),
    ),
    name="Issues",
    multi_label=True,
)


def make_project(path) -> Project:
    """The project, open (close it). Row codes by ana: 0 Rents, 1 Transport+Health,
    2 none, 3 Housing. Passages: ana row 2 "landlord 😡" Landlords; ben row 4 "Rent"
    Rents, row 5 "the trains are late" Transport, row 0 "the heating is broken" Health."""
    frame = pd.DataFrame(
        {
            "text": pd.array(TEXTS, dtype="str"),
            "party": pd.array(PARTY, dtype="str"),
            "wave": WAVE,
        }
    )
    project = Project.create(path, Corpus(frame=frame, text_column="text", source="answers.csv"))
    project.save_codebook(BOOK)
    hc.record(project, BOOK, "ana", 0, ["Rents"], "doubling")
    hc.record(project, BOOK, "ana", 1, ["Transport", "Health"])
    hc.record(project, BOOK, "ana", 2, ["none"])
    hc.record(project, BOOK, "ana", 3, ["Housing"])
    text2 = TEXTS[2]
    ps.add(project, BOOK, "ana", 2, text2.index("landlord"), text2.index(" raised"), "Landlords")
    ps.add(project, BOOK, "ben", 4, 0, 4, "Rents", "short")
    ps.add(project, BOOK, "ben", 5, TEXTS[5].index("the"), len(TEXTS[5]), "Transport")
    start = TEXTS[0].index("the heating")
    ps.add(project, BOOK, "ben", 0, start, start + len("the heating is broken"), "Health")
    return project
