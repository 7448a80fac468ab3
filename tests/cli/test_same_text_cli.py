"""``annotate`` with an API model on a corpus with repeated texts: each distinct text is
sent once (and said so before and after), every row gets its answer."""

from __future__ import annotations

import pandas as pd
from fakes.openai_server import label_for

TEXTS = ["no", "I love the new park", "no", "RT terrible awful service", "no",
         "RT terrible awful service", "the bus comes at nine", "no"]


def test_repeated_texts_are_sent_once_and_said_so(annotate_cli, tmp_path, fake_openai):
    source, out = tmp_path / "survey.csv", tmp_path / "out.csv"
    pd.DataFrame({"id": range(1, 9), "text": TEXTS}).to_csv(source, index=False)
    fake_openai.latency = 0.05
    done, _ = annotate_cli(source, "--model", "openai:fake-model", "--base-url",
                           fake_openai.url, "--concurrency", 4, "--out", out)
    assert done.returncode == 0, done.stderr
    assert fake_openai.total == 4 and set(fake_openai.counts.values()) == {1}
    # Before: the estimate counts requests, not rows; after: the rows that shared one.
    assert ("at most 4 requests (4 rows with the same text as an earlier row: sent once)"
            in done.stderr)
    assert "8/8 rows, 8 computed, 0 from cache, 0 failed" in done.stderr
    assert "4 rows with the same text as an earlier row, answered by its request" in done.stderr
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table["sentiment_label"]) == [label_for(t) for t in TEXTS]
