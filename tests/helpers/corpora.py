"""Corpora built in memory for the core tests (no Qt)."""

from __future__ import annotations

import pandas as pd

from llmstudio.core.corpus import Corpus
from llmstudio.core.read_problems import Problem


def string_corpus(rows: int = 5, text_column: str = "text") -> Corpus:
    frame = pd.DataFrame(
        {
            "id": pd.array([f"{i:03d}" for i in range(rows)], dtype="str"),
            "text": pd.array(
                [f'answer {i}\nwith ünïcode, "quotes" and\r\nCRLF' for i in range(rows)],
                dtype="str",
            ),
            "group": pd.array(
                ["a", "", None, "NA", "b"][:rows] + ["c"] * max(0, rows - 5), dtype="str"
            ),
        }
    )
    return Corpus(
        frame=frame,
        text_column=text_column,
        source="/data/answers.csv",
        encoding="cp1252",
        delimiter=";",
        header_row=1,
        problems=[
            Problem("3 fields where the header has 2; ...", 7),
            Problem("1 record(s) before the header skipped"),
        ],
    )
