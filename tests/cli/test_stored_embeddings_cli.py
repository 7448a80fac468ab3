"""``llmstudio annotate`` with the builtin model, twice on one project in two processes:
the second codebook reads the corpus embeddings the first kept, and the methods record
says so."""

from __future__ import annotations

import sqlite3

import pytest

TEXTS = [
    "The striker scored twice as the team won the football match.",
    "Stir the garlic and onions in olive oil before adding the tomatoes.",
    "Heavy rain and strong winds are expected across the coast tomorrow.",
    "The tennis champion lost in the final set at Wimbledon.",
    "This chocolate cake recipe needs butter, sugar and four eggs.",
    "Temperatures will drop below freezing tonight with some snow.",
]


@pytest.mark.slow  # two processes load MiniLM: ~20 s idle, ~50 s on a loaded machine
def test_a_second_process_reads_the_embeddings_the_first_kept(annotate_cli, cli, tmp_path):
    (tmp_path / "texts.csv").write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS)) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "topics.yaml").write_text(
        "name: topics\ncodes:\n  - name: sport\n  - name: food\n  - name: weather\n",
        encoding="utf-8",
    )
    (tmp_path / "mood.yaml").write_text(
        "name: mood\ncodes:\n  - name: cheerful\n  - name: gloomy\n", encoding="utf-8"
    )
    for book in ("topics.yaml", "mood.yaml"):
        done, _ = annotate_cli(
            "texts.csv", "--project", "p.llmstudio", "--task", "code", "--codebook", book,
            "--model", "builtin", timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    db = sqlite3.connect(tmp_path / "p.llmstudio")
    uses = db.execute("SELECT run_id, reused, computed FROM embedding_uses ORDER BY id").fetchall()
    db.close()
    assert uses == [(1, 0, 6), (2, 6, 0)]
    methods = cli("export")("p.llmstudio", "--methods", "methods.md")
    assert methods.returncode == 0, methods.stderr
    record = (tmp_path / "methods.md").read_text(encoding="utf-8")
    assert "all 6 computed by this run" in record
    assert "6 read back from the project (kept there earlier), 0 computed" in record
