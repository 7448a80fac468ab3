"""``llmstudio train`` as users run it: a model trained on a project's hand codes, then used
with ``annotate --model hf:DIR`` (its labels come back as the codebook's codes) and cited
by the methods record; each refusal says what is wrong and touches nothing."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from llmstudio.core import codebook

from helpers.training import BOOK, coded_project, text_of, tiny_encoder

FAST = ["--folds", "2", "--epochs", "10", "--batch-size", "4", "--learning-rate", "5e-3"]
FAST += ["--no-curve", "--no-few-shot", "--device", "cpu"]


@pytest.mark.slow  # trains, then annotates and exports in three processes
def test_train_then_annotate_with_the_model_and_cite_it(cli, tmp_path):
    project = coded_project(tmp_path, 12)
    encoder = tiny_encoder(tmp_path / "encoder")
    out = tmp_path / "tone model"
    done = cli("train")(
        project, "--codebook", "tone", "--base", f"hf:{encoder}", "--out", out, *FAST
    )
    assert done.returncode == 0, done.stderr
    assert "this model" in done.stdout and "2-fold cross-validation" in done.stdout
    assert "codes per label: positive 12, negative 12" in done.stdout
    assert (out / "README.md").is_file() and (out / "metrics.json").is_file()

    rng = random.Random(7)
    codes = ["positive", "negative"] * 10
    pd.DataFrame({"text": [text_of(c, rng) for c in codes]}).to_csv(tmp_path / "new.csv")
    book = codebook.save(BOOK, tmp_path / "tone.yaml")
    run = cli("annotate")(
        tmp_path / "new.csv",
        "--task",
        "code",
        "--codebook",
        book,
        "--model",
        f"hf:{out}",
        "--project",
        tmp_path / "applied.llmstudio",
        "--out",
        tmp_path / "coded.csv",
    )
    assert run.returncode == 0, run.stderr
    coded = pd.read_csv(tmp_path / "coded.csv")
    label = next(c for c in coded.columns if c.endswith("_label") or c == "tone")
    assert set(coded[label]) <= {"positive", "negative"}
    assert (coded[label] == codes).mean() >= 0.9

    methods = cli("export")(tmp_path / "applied.llmstudio", "--methods", tmp_path / "m.md")
    assert methods.returncode == 0, methods.stderr
    text = (tmp_path / "m.md").read_text("utf-8")
    assert "fine-tuned in llmstudio" in text and "24 hand-coded texts" in text
    assert str(out / "README.md") in text


def test_too_few_codes_is_an_error_with_the_counts(cli, tmp_path):
    project = coded_project(tmp_path, 12, coded=4)
    done = cli("train")(project, "--codebook", "tone", "--out", tmp_path / "m")
    assert done.returncode == 1
    assert "positive 4, negative 4" in done.stderr and "at least 5" in done.stderr
    assert not (tmp_path / "m").exists()


def test_an_out_folder_that_is_not_a_model_is_refused(cli, tmp_path):
    project = coded_project(tmp_path, 12)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "memo.txt").write_text("keep me")
    done = cli("train")(project, "--codebook", "tone", "--out", tmp_path / "notes")
    assert done.returncode == 1
    assert "exists and is not a model folder" in done.stderr and "memo.txt" in done.stderr
    assert (tmp_path / "notes" / "memo.txt").read_text() == "keep me"


def test_a_coder_without_codes_and_a_missing_codebook(cli, tmp_path):
    project = coded_project(tmp_path, 12)
    done = cli("train")(project, "--codebook", "tone", "--coder", "zed", "--out", tmp_path / "m")
    assert done.returncode == 1 and "coder 'zed' has no codes in codebook 'tone'" in done.stderr
    done = cli("train")(project, "--codebook", "frames", "--out", tmp_path / "m")
    assert done.returncode == 1 and "no codebook 'frames'" in done.stderr


def test_examples_file_with_a_wrong_label_says_where(cli, tmp_path):
    book = codebook.save(BOOK, tmp_path / "tone.yaml")
    pd.DataFrame({"text": ["good", "bad"], "label": ["positive", "angry"]}).to_csv(
        tmp_path / "ex.csv", index=False
    )
    done = cli("train")("--examples", tmp_path / "ex.csv", "--codebook", book, "--out", "m")
    assert done.returncode == 1
    assert "example row 2" in done.stderr and "'angry'" in done.stderr


def test_neither_project_nor_examples_is_a_usage_error(cli, tmp_path):
    book = codebook.save(BOOK, tmp_path / "tone.yaml")
    done = cli("train")("--codebook", book, "--out", tmp_path / "m")
    assert done.returncode == 2 and "PROJECT" in done.stderr
