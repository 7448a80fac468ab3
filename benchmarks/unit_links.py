"""Checking the links between a documents project and its units projects
(``core.unit_links.corpus_family``, what the window's corpus bar runs in the background
each time a project is shown), against the obvious baseline: opening the same project and
reading its corpus (what showing it costs anyway).

    .venv/bin/python benchmarks/unit_links.py [--documents N] [--write]   # --write: RESULTS.md

From the documents, the check fingerprints the documents' texts (held in memory) and reads
the meta of each units project; from a units project, it opens the documents' project,
reads its corpus and fingerprints it (the source's texts must be the ones split).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
ROUNDS = 3
WORDS = "the bus rent council school park late cheap repairs library drivers town".split()


def _texts(documents: int, words: int) -> list[str]:
    rng = random.Random(0)
    texts = []
    for _ in range(documents):
        sentences, n = [], 0
        while n < words:
            k = rng.randint(6, 20)
            sentences.append(" ".join(rng.choices(WORDS, k=k)).capitalize() + ".")
            n += k
        paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
        texts.append("\n\n".join(paragraphs))
    return texts


def _build(folder: Path, documents: int, words: int) -> tuple[Path, Path]:
    import pandas as pd

    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.unit_corpus import save_units_project, split_corpus, units_info
    from llmstudio.core.unit_links import record_units_link
    from llmstudio.core.units import parse_unit

    frame = pd.DataFrame(
        {
            "document": [f"doc{i:05}.txt" for i in range(documents)],
            "text": _texts(documents, words),
            "party": [f"P{i % 4}" for i in range(documents)],
        }
    )
    corpus = Corpus(frame=frame, text_column="text", source="docs")
    source = folder / "documents.llmstudio"
    Project.create(source, corpus).close()
    made = []
    for unit in ("sentence", "paragraph", "words:200:50"):
        units = split_corpus(corpus, unit)
        info = units_info(corpus, units, parse_unit(unit), source)
        path = folder / f"documents_{unit.replace(':', '-')}.llmstudio"
        with save_units_project(path, units, info) as project:
            record_units_link(project)
        made.append(path)
    return source, made[0]


def _open_and_read(path: Path) -> None:
    from llmstudio.core.project import Project

    with Project.open(path) as project:
        project.corpus()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--words", type=int, default=1_500, help="words a document")
    parser.add_argument("--write", action="store_true", help="record the result in RESULTS.md")
    args = parser.parse_args(argv)

    from import_speed import median_seconds, record

    from llmstudio.core.project import Project
    from llmstudio.core.unit_links import corpus_family

    with tempfile.TemporaryDirectory(prefix="unit-links-") as tmp:
        source, sentences = _build(Path(tmp), args.documents, args.words)
        with Project.open(source) as project:
            corpus = project.corpus()
            chars = int(corpus.frame["text"].str.len().sum())
        with Project.open(sentences) as project:
            units = project.corpus().rows
        family = corpus_family(sentences)
        assert not family.documents.problem and len(family.units) == 3, family
        rows = [
            ("baseline: open the documents' project, read its corpus", _open_and_read, source),
            (
                "`corpus_family` from the documents (3 units projects)",
                lambda p: corpus_family(p, corpus),
                source,
            ),
            ("baseline: open the sentences' project, read its corpus", _open_and_read, sentences),
            ("`corpus_family` from the sentences", corpus_family, sentences),
        ]
        times = [(what, median_seconds(func, path, ROUNDS)) for what, func, path in rows]
    table = ["| what (median of 3) | time (s) |", "|---|---:|"]
    table += [f"| {what} | {t:.3f} |" for what, t in times]
    setting = (
        f"{args.documents:,} documents of about {args.words:,} words ({chars / 1e6:.1f} M "
        f"characters), split by sentence ({units:,} units), by paragraph and in windows of "
        "200 words; each project linked to the documents."
    )
    print(setting)
    print("\n".join(table))
    if args.write:
        record(
            f"Links between documents and units ({args.documents:,} documents)",
            f"unit_links.py --documents {args.documents} --write",
            setting,
            "\n".join(table),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
