"""Empty and whitespace-only texts (survey non-responses) through ``llmstudio annotate``:
no label, the reason in ``sentiment_error``, never sent, counted in the end-of-run line,
the consent line and the methods record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.empty_texts import EMPTY_TEXT

from cli_process import cli_env

REAL = [
    "I love this great park",
    "terrible awful service again",
    "the bus comes at nine",
    "what a wonderful day",
]


@pytest.fixture
def source(tmp_path) -> Path:
    # Row 2 empty, row 3 spaces, row 5 a missing value (JSON null), row 6 spaces, a newline
    # and a space.
    path = tmp_path / "survey.jsonl"
    texts = [REAL[0], "", "   ", REAL[1], None, "   \n ", REAL[2], REAL[3]]
    frame = pd.DataFrame({"id": range(1, 9), "text": texts})
    frame.to_json(path, orient="records", lines=True)
    return path


def _check_table(out: Path) -> None:
    table = pd.read_csv(out, keep_default_na=False)
    empty = table["id"].isin([2, 3, 5, 6])
    assert (table.loc[empty, "sentiment_label"] == "").all()
    assert (table.loc[empty, "sentiment_score"] == "").all()
    assert (table.loc[empty, "sentiment_error"] == EMPTY_TEXT).all()
    assert (table.loc[~empty, "sentiment_label"] != "").all()
    assert (table.loc[~empty, "sentiment_error"] == "").all()


@pytest.mark.parametrize("model", ["lexicon", pytest.param("builtin", marks=pytest.mark.slow)])
def test_local_models_give_empty_texts_no_label(annotate_cli, source, tmp_path, model):
    out = tmp_path / "out.csv"
    done, _ = annotate_cli(source, "--model", model, "--out", out, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "run 1: done; 8/8 rows, 4 computed, 0 from cache, 0 failed" in done.stderr
    assert "4 empty texts (no label), not sent" in done.stderr
    _check_table(out)


def test_api_is_never_asked_about_empty_texts_and_methods_count_them(
    annotate_cli, source, tmp_path, fake_openai
):
    out, project = tmp_path / "out.csv", tmp_path / "p.llmstudio"
    done, _ = annotate_cli(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--project",
        project,
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert fake_openai.total == 4
    assert sorted(r.text for r in fake_openai.chat_requests()) == sorted(REAL)
    # The consent line counts what is sent, and says what is left out.
    assert "of 4 rows (4 empty texts (no label) left out)" in done.stderr
    assert "4 requests" in done.stderr
    assert "4 empty texts (no label), not sent" in done.stderr
    _check_table(out)

    # Run again: nothing asked (the empty rows are answered, not failed).
    again, _ = annotate_cli(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--project",
        project,
        "--out",
        out,
    )
    assert again.returncode == 0, again.stderr
    assert fake_openai.total == 4

    methods = tmp_path / "methods.md"
    exported = subprocess.run(
        [sys.executable, "-m", "llmstudio", "export", str(project), "--methods", str(methods)],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    record = methods.read_text(encoding="utf-8")
    assert "4 done, 0 failed, 4 empty (no text: no label, not sent), of 8 asked" in record
    assert "4 texts were empty or only whitespace" in record
    assert "We annotated 4 of 8 texts" in record
