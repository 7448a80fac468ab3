#!/usr/bin/env python3
"""Write resources/sample_codes.csv: the sample project's pre-filled codes.

The sample project (``llmstudio.core.sample_project``) opens with some answers already
coded, so that Validate, the coder columns and the charts have something to show. Those
codes are not a coder's judgement: they are the sentiment each answer was written to
carry (the ``intended_sentiment`` note in ``make_sample_corpus.py``: N negative,
P positive, U neutral, M mixed), for a fixed random sample of rows (seeded, so the file is
reproduced byte for byte):

    python3 scripts/make_sample_codes.py
"""

from __future__ import annotations

import csv
import importlib.util
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "llmstudio" / "resources" / "sample_codes.csv"
CORPUS = HERE.parent / "llmstudio" / "resources" / "sample_corpus.csv"
SEED = 20240108
ROWS = 40  # enough for an agreement with a usable interval; few enough to code more
NAMES = {"N": "negative", "P": "positive", "U": "neutral", "M": "mixed"}


def intended_sentiments() -> dict[str, str]:
    """Each answer's text -> the sentiment its author meant it to carry."""
    spec = importlib.util.spec_from_file_location(
        "make_sample_corpus", HERE / "make_sample_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entries = module.WAVE1 + module.WAVE2 + module.WAVE3 + module.WAVE4
    return {entry[4]: NAMES[entry[3]] for entry in entries}


def main() -> None:
    meant = intended_sentiments()
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    chosen = sorted(random.Random(SEED).sample(range(len(rows)), ROWS))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["response_id", "sentiment"])
        for i in chosen:
            writer.writerow([rows[i]["response_id"], meant[rows[i]["text"]]])
    print(f"wrote {ROWS} codes to {OUT}")


if __name__ == "__main__":
    main()
