"""``llmstudio bias``, run as users run it: ``python -m llmstudio bias ...`` with VADER."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.project import Project

CORPUS = """id,text,party
1,He is a wonderful man and I love his work.,A
2,She was rude to her brother.,B
3,The weather is nice today.,A
4,"My husband hates his job, he says.",B
5,I met the king yesterday; he was kind.,A
6,Her father is a terrible liar.,B
7,Nothing to see here.,A
8,A good day: the boy was happy and his mother was good to him.,B
9,The girl had a bad and sad week.,A
"""
KEYS = {
    "n",
    "changed_share",
    "mean_difference",
    "ci_low",
    "ci_high",
    "p_value",
    "rows_without_swaps",
    "task",
    "model",
    "swap_list",
    "date",
    "test",
    "score",
    "rows_failed",
    "rows_total",
}


@pytest.fixture
def bias(cli):
    """``bias(*args)`` -> CompletedProcess of ``python -m llmstudio bias``, in tmp_path."""
    return cli("bias")


@pytest.fixture
def corpus_csv(write_file) -> Path:
    return write_file("speeches.csv", CORPUS)


@pytest.fixture
def mood_list(write_file) -> Path:
    return write_file(
        "mood.csv",
        "# sentiment words: a list that must move VADER\n"
        "a,b\ngood,bad\nhappy,sad\nwonderful,terrible\n",
    )


def test_gender_report(bias, corpus_csv, tmp_path):
    done = bias(
        corpus_csv, "--task", "sentiment", "--model", "lexicon", "--swap", "gender", "--out", "out"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert KEYS <= set(report)
    assert report["n"] == 7 and report["rows_without_swaps"] == 2  # rows 3 and 7
    assert report["swap_list"]["name"] == "gender" and report["model"] == "lexicon:vader"
    # VADER has no word for gender: every swapped text keeps its score.
    assert report["mean_difference"] == 0 and report["changed_share"] == 0
    assert report["p_value"] == 1.0 and report["test"] == "none"
    rows = pd.read_csv(tmp_path / "out" / "rows.csv")
    assert list(rows["row"]) == [1, 2, 4, 5, 6, 8, 9]
    assert rows.loc[rows["row"] == 6, "swapped_text"].item() == "His mother is a terrible liar."
    assert rows.loc[rows["row"] == 2, "swaps"].item() == "She->He; her->his; brother->sister"
    assert "## Counterfactual check: gender swaps" in (tmp_path / "out" / "report.md").read_text(
        encoding="utf-8"
    )
    assert "n:          7 rows compared" in done.stdout


def test_numbers_recomputed_from_rows_csv(bias, corpus_csv, mood_list, tmp_path):
    done = bias(
        corpus_csv,
        "--model",
        "lexicon",
        "--swap",
        mood_list,
        "--out",
        "out",
        "--bootstrap",
        "500",
        "--seed",
        "7",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    rows = pd.read_csv(tmp_path / "out" / "rows.csv")
    assert report["n"] == len(rows) == 4 and report["rows_without_swaps"] == 5
    difference = rows["swapped_score"] - rows["original_score"]
    assert rows["difference"].to_numpy() == pytest.approx(difference.to_numpy())
    assert report["mean_difference"] == pytest.approx(difference.mean())
    changed = rows["original_label"] != rows["swapped_label"]
    assert report["changed"] == changed.sum() >= 2
    assert report["changed_share"] == pytest.approx(changed.mean())
    assert report["changed_rows"] == list(rows.loc[changed, "row"])
    assert report["ci_low"] <= report["mean_difference"] <= report["ci_high"]
    assert report["bootstrap_resamples"] == 500 and report["seed"] == 7
    # Row 8 (good, happy, good) becomes clearly negative; row 9 (bad, sad) positive.
    by_row = rows.set_index("row")
    assert by_row.loc[8, "original_label"] == "positive"
    assert by_row.loc[8, "swapped_label"] == "negative"
    assert by_row.loc[9, "swapped_text"] == "The girl had a good and happy week."


def test_second_run_comes_from_the_cache(bias, corpus_csv, mood_list, tmp_path):
    first = bias(corpus_csv, "--model", "lexicon", "--swap", mood_list, "--out", "out")
    assert first.returncode == 0, first.stderr
    before = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [r["computed"] for r in before["runs"].values()] == [4, 4]
    second = bias(corpus_csv, "--model", "lexicon", "--swap", mood_list, "--out", "out")
    assert second.returncode == 0, second.stderr
    after = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [r["computed"] for r in after["runs"].values()] == [0, 0]
    assert after["mean_difference"] == before["mean_difference"]
    with Project.open(tmp_path / "out" / "bias.llmstudio") as project:
        runs = project.db.execute("SELECT id, status, text_column FROM runs").fetchall()
        assert [(r[1], r[2]) for r in runs] == [("done", "text"), ("done", "text (swapped: mood)")]
        stored = project.db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
        assert stored == 8  # four rows, two texts each: nothing added by the second run


def test_api_model_says_what_is_sent_and_records_consent(bias, corpus_csv, tmp_path, fake_openai):
    from llmstudio.core.secrets import endpoint_id

    args = (
        corpus_csv,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--swap",
        "gender",
        "--out",
        "out",
    )
    done = bias(*args)
    assert done.returncode == 0, done.stderr
    assert "sending columns 'text', 'text (swapped: gender)' of 7 rows to" in done.stderr
    assert fake_openai.total == 14  # 7 rows with a swap, twice; rows 3 and 7 never sent
    assert fake_openai.count("The weather is nice today.") == 0
    assert fake_openai.count("Her father is a terrible liar.") == 1
    assert fake_openai.count("His mother is a terrible liar.") == 1
    with Project.open(tmp_path / "out" / "bias.llmstudio") as project:
        assert project.has_consent(endpoint_id(fake_openai.url), ["text", "text (swapped: gender)"])
    again = bias(*args)
    assert again.returncode == 0, again.stderr
    assert fake_openai.total == 14  # nothing asked again


def test_show_swaps_runs_nothing(bias, corpus_csv, tmp_path):
    done = bias(corpus_csv, "--swap", "gender", "--show-swaps", "--limit", "2")
    assert done.returncode == 0, done.stderr
    assert "  - She was rude to her brother.\n  + He was rude to his sister." in done.stdout
    assert "2 of 2 rows of column 'text' have a swap" in done.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--swap", "genders", "--out", "o"], "unknown swap list 'genders'"),
        (["--swap", "bad.csv", "--out", "o"], "bad.csv, line 3, column 2:"),
        (["--swap", "gender", "--text-column", "body", "--out", "o"], "no column named 'body'"),
        (["--swap", "gender"], "--out DIR is needed"),
    ],
)
def test_errors_are_one_line(bias, corpus_csv, write_file, tmp_path, args, message):
    write_file("bad.csv", "a,b\nhe,she\nman,\n")
    done = bias(corpus_csv, "--model", "lexicon", *args)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmstudio: error: ") and message in lines[0]
    assert not (tmp_path / "o").exists()
