"""Training a classifier on hand codes (core/training): the model folder loads with plain
transformers and has learnt the codes, the held-out scores are the agreement statistics
of its held-out predictions, seeds fix the result, Cancel leaves nothing, and each refusal
says what is wrong. Tiny models built here; the real MiniLM in one slow test."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from llmstudio.core.errors import Cancelled, TrainingError
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.training import (
    TrainingData,
    TrainSettings,
    check_enough,
    check_out,
    from_project,
    models_folder,
    project_models,
    read_record,
    train_classifier,
)
from llmstudio.core.training.folds import fold_indices
from llmstudio.core.training.metrics import score

from helpers.training import BOOK, TOPICS, coded_project, text_of, tiny_encoder


def _settings(encoder, **kw) -> TrainSettings:
    """What a tiny random model needs to learn in a few steps (a high learning rate)."""
    base = dict(
        base=f"hf:{encoder}",
        folds=2,
        epochs=10,
        batch_size=4,
        learning_rate=5e-3,
        curve=(0.5,),
        compare_few_shot=False,
        device="cpu",
    )
    return TrainSettings(**{**base, **kw})


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    return coded_project(folder, 12), tiny_encoder(folder / "encoder")


@pytest.fixture(scope="module")
def trained(study, tmp_path_factory):
    path, encoder = study
    with Project.open(path) as project:
        data = from_project(project, BOOK)
    reports = []
    monitor = Monitor(lambda done, total, **d: reports.append((done, total, d)))
    out = tmp_path_factory.mktemp("models") / "tone"
    result = train_classifier(data, out, _settings(encoder), monitor)
    return result, data, reports


@pytest.mark.slow  # trains (seconds on an idle machine, more on a loaded one)
def test_model_folder_loads_with_plain_transformers_and_has_learnt(trained):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    result, _, _ = trained
    model = AutoModelForSequenceClassification.from_pretrained(result.folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(result.folder)
    assert model.config.id2label == {0: "positive", 1: "negative"}
    rng = random.Random(99)  # texts it never saw
    fresh = [(text_of(code, rng), code) for code in ["positive", "negative"] * 10]
    batch = tokenizer([t for t, _ in fresh], padding=True, return_tensors="pt")
    predicted = [model.config.id2label[int(i)] for i in model(**batch).logits.argmax(-1)]
    right = sum(p == code for p, (_, code) in zip(predicted, fresh))
    assert right >= 18, predicted


@pytest.mark.slow  # trains (seconds on an idle machine, more on a loaded one)
def test_card_and_metrics_say_what_was_trained(trained):
    result, data, _ = trained
    card = (result.folder / "README.md").read_text("utf-8")
    metrics = json.loads((result.folder / "metrics.json").read_text("utf-8"))
    record = read_record(result.folder)
    assert metrics == record["evaluation"] == result.record["evaluation"]
    assert record["counts"] == {"positive": 12, "negative": 12}
    assert "| positive | 12 |" in card and "| negative | 12 |" in card
    assert "tone" in card and record["base_model"] in card and "2-fold" in card
    assert "learning_rate: 0.005" in card and "epochs: 10" in card
    assert record["coder"] == "ana" and record["trained_at"][:4].isdigit()
    model = metrics["model"]
    assert model["n"] == len(data) == 24
    assert model["accuracy"]["value"] >= 0.75  # held out: learnable, not memorised
    assert model["accuracy"]["ci_low"] <= model["accuracy"]["value"] <= model["accuracy"]["ci_high"]
    assert set(model["per_code"]) == {"positive", "negative"}
    assert model["per_code"]["positive"]["support"] == 12
    # the curve: half of each fold's 12 texts, then all of them
    assert [p["n"] for p in metrics["curve"]] == [6, 12]


@pytest.mark.slow  # trains (seconds on an idle machine, more on a loaded one)
def test_progress_is_monotone_with_time_left_and_fold_names(trained):
    _, _, reports = trained
    shares = [done / total for done, total, _ in reports]
    assert shares == sorted(shares) and shares[-1] == 1.0
    messages = {d.get("message") for _, _, d in reports}
    assert {"fold 1 of 2: training", "fold 2 of 2: training", "training on every code"} <= {
        m for m in messages if m
    }
    assert any("eta_s" in d for _, _, d in reports)


def test_scores_are_the_agreement_statistics_of_the_predictions():
    from sklearn.metrics import accuracy_score, f1_score, precision_score

    rng = np.random.RandomState(1)
    labels = ["a", "b", "c"]
    truth = [(labels[i],) for i in rng.randint(0, 3, 80)]
    predicted = [t if rng.rand() < 0.7 else (labels[rng.randint(0, 3)],) for t in truth]
    s = score(truth, predicted, labels, False, resamples=200)
    t, p = [x[0] for x in truth], [x[0] for x in predicted]
    assert s.accuracy.value == pytest.approx(accuracy_score(t, p))
    assert s.macro_f1.value == pytest.approx(f1_score(t, p, average="macro"))
    assert s.per_code["b"]["precision"].value == pytest.approx(
        precision_score(t, p, labels=["b"], average="macro")
    )
    assert s.accuracy.ci_low < s.accuracy.value < s.accuracy.ci_high


def test_multi_label_scores_exact_match_and_each_code():
    truth = [("x",), ("x", "y"), (), ("y",)] * 5
    predicted = [("x",), ("x",), (), ("y",)] * 5
    s = score(truth, predicted, ["x", "y"], True, resamples=100)
    assert s.accuracy.value == pytest.approx(0.75)  # the ("x", "y") texts miss "y"
    assert s.per_code["x"]["recall"].value == pytest.approx(1.0)
    assert s.per_code["y"]["recall"].value == pytest.approx(0.5)
    assert s.macro_f1.ci_low is None  # not computed, not made up


def test_folds_hold_out_each_text_once_stratified(study):
    path, encoder = study
    with Project.open(path) as project:
        data = from_project(project, BOOK)
    scheme, parts = fold_indices(data, _settings(encoder, folds=3))
    tested = np.concatenate([test for _, test in parts])
    assert scheme == "3-fold cross-validation" and sorted(tested) == list(range(24))
    for train, test in parts:
        assert not set(train) & set(test)
        assert {data.targets[i][0] for i in test} == {"positive", "negative"}
    again = fold_indices(data, _settings(encoder, folds=3))[1]
    assert all((a[1] == b[1]).all() for a, b in zip(parts, again))
    big = fold_indices(data, _settings(encoder, folds=3, split_above=10))
    assert big[0] == "a stratified held-out 20%" and len(big[1]) == 1


@pytest.mark.slow  # trains (seconds on an idle machine, more on a loaded one)
def test_same_seed_same_model_scores(study, tmp_path):
    path, encoder = study
    with Project.open(path) as project:
        data = from_project(project, BOOK)
    settings = _settings(encoder, epochs=1, curve=())
    first = train_classifier(data, tmp_path / "a", settings).record["evaluation"]
    second = train_classifier(data, tmp_path / "b", settings).record["evaluation"]
    assert first == second
    other = train_classifier(data, tmp_path / "c", _settings(encoder, epochs=1, curve=(), seed=5))
    assert (tmp_path / "a" / "model.safetensors").read_bytes() != (
        tmp_path / "c" / "model.safetensors"
    ).read_bytes()
    assert other.record["settings"]["seed"] == 5


@pytest.mark.slow  # trains (seconds on an idle machine, more on a loaded one)
def test_multi_label_model_gives_each_code_on_its_own(study, tmp_path):
    from transformers import AutoConfig

    path, encoder = study
    with Project.open(path) as project:
        data = from_project(project, TOPICS, "bo")
    assert data.multi_label and data.labels == ("economy", "health")
    assert () in data.targets  # "none": seen, no code applies
    result = train_classifier(data, tmp_path / "topics", _settings(encoder, curve=()))
    config = AutoConfig.from_pretrained(result.folder)
    assert config.problem_type == "multi_label_classification"
    per_code = result.record["evaluation"]["model"]["per_code"]
    assert per_code["economy"]["support"] == 12 and per_code["health"]["support"] == 8
    # annotate's hf backend codes with it: each code on its own, by the codebook's names
    from llmstudio.core.backends import make_backend
    from llmstudio.core.tasks.coding import CodeTask

    backend = make_backend(f"hf:{result.folder}")
    try:
        task = CodeTask(codebook=TOPICS)
        assert backend.refusal(task) == ""
        out = backend.annotate(task, ["good great love", "bad awful hate"])
    finally:
        backend.close()
    assert set(out[0]) >= {"code_economy", "code_economy_score", "code_health"}
    assert all(row["code_economy"] in (0, 1) for row in out)


def test_cancel_leaves_no_model_and_no_partial_folder(study, tmp_path):
    path, encoder = study
    with Project.open(path) as project:
        data = from_project(project, BOOK)
    seen = []

    def progress(done, total, **detail):
        seen.append(done)

    monitor = Monitor(progress, cancelled=lambda: len(seen) > 3)
    with pytest.raises(Cancelled):
        train_classifier(data, tmp_path / "model", _settings(encoder), monitor)
    assert list(tmp_path.iterdir()) == []


def test_too_few_codes_says_how_many_each_label_has_and_needs(tmp_path):
    path = coded_project(tmp_path, 12, coded=3)
    with Project.open(path) as project:
        data = from_project(project, BOOK)
    with pytest.raises(TrainingError) as caught:
        check_enough(data, folds=5)
    message = str(caught.value)
    assert "positive 3, negative 3" in message and "at least 5" in message
    assert "5-fold" in message


def test_one_label_only_is_refused():
    data = TrainingData(("a", "b"), (("x",), ("x",)), ("x",), False, "book", "test")
    with pytest.raises(TrainingError, match="at least two"):
        check_enough(data, folds=2)


def test_codebook_without_codes_by_that_coder(study):
    path, _ = study
    with Project.open(path) as project:
        with pytest.raises(TrainingError) as caught:
            from_project(project, BOOK, "zed")
    assert "'zed' has no codes in codebook 'tone'" in str(caught.value)
    assert "coders: ana" in str(caught.value)


def test_out_folder_that_is_not_a_model_folder_is_refused_and_untouched(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("my work")
    with pytest.raises(TrainingError, match="exists and is not a model folder"):
        check_out(out)
    assert (out / "chapter1.docx").read_text() == "my work"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(TrainingError, match="is a file"):
        check_out(tmp_path / "afile")


def test_a_model_trained_before_may_be_written_again(tmp_path):
    out = tmp_path / "tone"
    out.mkdir()
    (out / "config.json").write_text("{}")
    with pytest.raises(TrainingError):  # a model, but not one llmstudio trained
        check_out(out)
    (out / "llmstudio_training.json").write_text(json.dumps({"codebook": "tone"}))
    assert check_out(out) == out


def test_project_models_live_beside_the_project(tmp_path):
    project = tmp_path / "survey.llmstudio"
    assert models_folder(project) == tmp_path / "survey models"
    assert project_models(project) == []
    folder = models_folder(project) / "tone"
    folder.mkdir(parents=True)
    (models_folder(project) / "notes").mkdir()  # not a model: not listed
    (folder / "llmstudio_training.json").write_text(json.dumps({"codebook": "tone"}))
    assert project_models(project) == [folder]


def test_base_must_be_a_local_encoder(tmp_path):
    with pytest.raises(TrainingError, match="local transformer encoder"):
        from llmstudio.core.training.settings import base_model

        base_model("openai:gpt-4o-mini")
    with pytest.raises(TrainingError, match="no model folder"):
        base_model(f"hf:{tmp_path / 'missing'}")


@pytest.mark.slow  # the real MiniLM, fine-tuned three times, and the few-shot method
@pytest.mark.timeout(900)  # minutes on a loaded machine
def test_builtin_minilm_on_sixty_texts_beside_the_few_shot_method(tmp_path):
    rng = random.Random(3)
    codes = ["positive", "negative"] * 30
    data = TrainingData(
        tuple(text_of(c, rng) for c in codes),
        tuple((c,) for c in codes),
        ("positive", "negative"),
        False,
        "tone",
        "test",
    )
    settings = TrainSettings(folds=2, epochs=3, max_length=32, curve=(), device="cpu")
    result = train_classifier(data, tmp_path / "minilm", settings)
    ev = result.record["evaluation"]
    assert result.record["base_model"].startswith("builtin")
    assert ev["model"]["accuracy"]["value"] >= 0.9
    assert ev["few_shot"]["n"] == 60 and ev["few_shot"]["accuracy"]["value"] >= 0.8
    card = (tmp_path / "minilm" / "README.md").read_text("utf-8")
    assert "builtin few-shot method, same folds" in card


def test_a_model_that_learnt_nothing_is_said_to_have():
    from llmstudio.core.training.train import warnings

    truth = [("a",), ("b",)] * 5
    same = warnings(truth, [("a",)] * 10, 0.5)
    assert len(same) == 1 and "same answer (a)" in same[0] and "Do not use it" in same[0]
    truth = [("a",)] * 6 + [("b",)] * 4
    weak = warnings(truth, [("a",), ("b",)] * 5, 0.6)
    assert len(weak) == 1 and "no better than always giving the most common answer" in weak[0]
    assert warnings(truth, truth, 1.0) == []


def test_examples_file_gives_texts_and_codes(tmp_path):
    import pandas as pd

    from llmstudio.core.training import from_examples

    pd.DataFrame(
        {
            "text": ["rents up", "clinic shut", "quiet day"],
            "label": ["economy", "health; economy", ""],
        }
    ).to_csv(tmp_path / "ex.csv", index=False)
    data = from_examples(tmp_path / "ex.csv", TOPICS)
    assert data.texts == ("rents up", "clinic shut", "quiet day")
    assert data.targets == (("economy",), ("health", "economy"), ())
    assert data.multi_label and data.counts() == {"economy": 2, "health": 1}
    assert data.source == "examples ex.csv" and data.coder is None
