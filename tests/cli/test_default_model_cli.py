"""``llmstudio annotate`` without ``--model`` runs the best downloaded catalogue model for
the task, named on stderr; on the builtin, sentiment gets one line on stderr with its
measured numbers and where the catalogue is (issue 17 item 4)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.hf_cache import put_in_hf_cache
from models import build_classifier

TEXTS = "text\nI love this.\nThis is awful.\nIt is a chair.\n"
SENTIMENT = "cardiffnlp/twitter-roberta-base-sentiment-latest"


@pytest.fixture
def offline_hub(monkeypatch):
    """HF_HUB_OFFLINE=1 for the commands run (asked before ``annotate_cli``, which copies
    the environment): models load from the cache, as on a computer offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.slow  # the builtin model loads in a subprocess: 5-20 s on 2 busy cores
def test_the_builtin_for_sentiment_says_how_well_it_does(annotate_cli, write_file):
    data = write_file("texts.csv", TEXTS)
    done, _ = annotate_cli(data, "--out", "out.csv")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: The builtin")]
    assert len(notes) == 1, done.stderr
    assert "71.7%" in notes[0] and "measured" in notes[0]
    assert "llmstudio models list --task sentiment" in notes[0]


def test_another_model_or_task_gets_no_builtin_note(annotate_cli, write_file):
    data = write_file("texts.csv", TEXTS)
    done, _ = annotate_cli(data, "--model", "lexicon", "--out", "out.csv")
    assert done.returncode == 0, done.stderr
    assert "71.7%" not in done.stderr and "model: " not in done.stderr


@pytest.mark.slow  # torch and transformers load in a subprocess
def test_a_downloaded_sentiment_model_is_the_default(
    offline_hub, annotate_cli, write_file, hf_cache, tmp_path
):
    model = build_classifier(tmp_path / "tiny", ["negative", "neutral", "positive"])
    put_in_hf_cache(hf_cache, SENTIMENT, model)
    data = write_file("texts.csv", TEXTS)
    done, _ = annotate_cli(data, "--out", "out.csv")
    assert done.returncode == 0, done.stderr
    assert f"model: hf:{SENTIMENT}" in done.stderr and "71.7%" not in done.stderr
    table = pd.read_csv(tmp_path / "out.csv")
    assert set(table["sentiment_label"]) <= {"negative", "neutral", "positive"}
    assert table["sentiment_label"].notna().all()


def test_a_default_with_no_neutral_class_is_said_on_stderr(hf_cache, tmp_path, capsys):
    from llmstudio.cli.options import chosen_model

    binary = "siebert/sentiment-roberta-large-english"
    model = tmp_path / "config-only"
    model.mkdir()
    (model / "config.json").write_text("{}", encoding="utf-8")
    put_in_hf_cache(hf_cache, binary, model)
    assert chosen_model(None, "sentiment") == f"hf:{binary}"
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"model: hf:{binary} (SiEBERT sentiment")
    assert err[1] == (
        "note: It has no neutral class: it calls every text positive or negative, neutral ones too."
    )
    put_in_hf_cache(hf_cache, SENTIMENT, model)  # a 3-class model: chosen, nothing to say
    assert chosen_model(None, "sentiment") == f"hf:{SENTIMENT}"
    assert "neutral" not in capsys.readouterr().err
