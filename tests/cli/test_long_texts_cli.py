"""``llmstudio annotate --long-texts split|truncate`` as users run it: the rows marked,
the count in the end-of-run line, and options refused with a clear message."""

from __future__ import annotations

import pandas as pd
import pytest

BODY = " ".join(
    [
        "The new community centre opened last spring and I have been going there "
        "most weeks. Parking is limited but the bus stops right outside."
    ]
    * 12
)


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "texts.csv"
    pd.DataFrame({"id": [1, 2], "text": [BODY + " I hate it.", "I love it."]}).to_csv(
        path, index=False
    )
    return path


def test_split_then_truncate_are_marked_and_counted(annotate_cli, source, tmp_path):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(context_window=500) as fake:
        model = ("--model", "openai:fake", "--base-url", fake.url)
        out = tmp_path / "split.csv"
        done, _ = annotate_cli(source, *model, "--out", out, "--project", tmp_path / "p")
        assert done.returncode == 0, done.stderr
        summary = [line for line in done.stderr.splitlines() if line.startswith("run ")]
        assert summary and summary[-1].endswith("; 1 long text split into chunks")
        table = pd.read_csv(out)
        chunks = int(table["sentiment_chunks"][0])
        assert chunks > 1 and table["sentiment_chunks"][1] == 1
        assert "sentiment_truncated" not in table
        # The estimate before sending counted a request per chunk, as were sent.
        assert f"at most {chunks + 1:,} requests" in done.stderr
        assert fake.total == chunks + 1

        out = tmp_path / "cut.csv"
        done, _ = annotate_cli(
            source, *model, "--long-texts", "truncate", "--out", out, "--project", tmp_path / "p"
        )
        assert done.returncode == 0, done.stderr
        assert "1 long text truncated" in done.stderr
        table = pd.read_csv(out)
        assert table["sentiment_truncated"].tolist() == [1, 0]
        assert table["sentiment_chunks"].tolist() == [1, 1]


def test_context_window_is_for_api_models_and_modes_are_checked(annotate_cli, source):
    done, _ = annotate_cli(source, "--model", "lexicon", "--context-window", "512")
    assert done.returncode != 0
    assert "--context-window is for openai: models" in done.stderr
    done, _ = annotate_cli(source, "--long-texts", "cut")
    assert done.returncode == 2 and "invalid choice: 'cut'" in done.stderr
