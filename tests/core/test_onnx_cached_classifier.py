"""A text classifier run through ONNX Runtime once runs from the cache afterwards, without
torch (hf/classify_onnx.py, onnx_runtime/bundle.py): the same answers, fingerprint, token
counts and batches as the torch-loaded ONNX run; in a new process, torch and transformers
are never imported; a model whose weights changed, a cache without the bundle, and models
that are not text classifiers load with torch; integrated gradients still work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.hf import PIPELINES, cached, locate
from llmstudio.core.backends.hf.cached import from_cache
from llmstudio.core.backends.hf.classify import TextClassificationBackend
from llmstudio.core.backends.hf.classify_onnx import OnnxTextClassifier
from llmstudio.core.backends.onnx_runtime import bundle
from llmstudio.core.tasks import SentimentTask

pytest.importorskip("onnxruntime")

TEXTS = [
    "I love this movie, it is wonderful!",
    "This is awful, I hate it.",
    "The bus comes at nine.",
    "",
    "ok 👍",
    " ".join(["the story was good but the acting was bad"] * 30),  # past 128 tokens
    "peace",
]
TASK = SentimentTask(long_texts="truncate")


@pytest.fixture
def config(tmp_path, monkeypatch):
    """llmstudio's settings folder, and so its ONNX cache, for this test alone (a process
    the test starts finds it through the same variable)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(folder))
    return folder


def torch_loaded(model: str, runtime: str) -> TextClassificationBackend:
    """The classifier loaded with torch whatever the cache holds (it exports, quantises
    and keeps the bundle when they are not there)."""
    return PIPELINES["text-classification"](locate(model), device="cpu", runtime=runtime)


def assert_same_answers(got: list[dict], want: list[dict]) -> None:
    assert [r["sentiment_label"] for r in got] == [r["sentiment_label"] for r in want]
    for a, b in zip(got, want, strict=True):
        for label, p in b["_probabilities"].items():
            assert a["_probabilities"][label] == p  # the same numbers, not close ones


@pytest.mark.slow  # exports a model (seconds)
@pytest.mark.parametrize("runtime", ["onnx", "onnx-int8"])
def test_a_classifier_exported_once_runs_from_the_cache_as_the_torch_load_does(
    tiny_models, config, runtime
):
    model = str(tiny_models.generic3)
    first = torch_loaded(model, runtime)
    want = first.annotate(TASK, TEXTS)
    quick = make_backend(f"hf:{model}", runtime=runtime)
    assert isinstance(quick, OnnxTextClassifier)
    assert_same_answers(quick.annotate(TASK, TEXTS), want)
    # One fingerprint: each run's cached answers serve the other.
    assert quick.fingerprint() == first.fingerprint()
    assert quick.fingerprint()["precision"] == ("int8" if runtime == "onnx-int8" else "float32")
    # What the runner and long-text handling ask before a run.
    assert quick.count_tokens(TEXTS) == first.count_tokens(TEXTS)
    assert quick.input_limit(TASK) == first.input_limit(TASK) == 126
    # Batches of its own (more rows a batch), in the same order: by tokens.
    flat = [[row for batch in b.plan_batches(TEXTS) for row in batch] for b in (quick, first)]
    assert flat[0] == flat[1]
    assert quick.describe() == first.describe()
    # The texts in another order are batched the same: the same numbers.
    assert_same_answers(quick.annotate(TASK, TEXTS[::-1]), want[::-1])
    if runtime == "onnx":  # int8 quantises each batch by its own range: alone, it differs
        assert_same_answers(quick.annotate(TASK, [TEXTS[1]]), [want[1]])
    quick.close()
    with pytest.raises(Exception, match="closed"):
        quick.annotate(TASK, TEXTS)


@pytest.mark.slow  # exports a model (seconds)
def test_left_padding_is_kept(tiny_models, config, tmp_path):
    # BERT's positions are absolute: padded on the left, a short text's answer moves, so
    # only the same padding gives the same numbers.
    import shutil

    model = tmp_path / "left"
    shutil.copytree(tiny_models.generic3, model)
    settings = json.loads((model / "tokenizer_config.json").read_text())
    (model / "tokenizer_config.json").write_text(json.dumps({**settings, "padding_side": "left"}))
    want = torch_loaded(str(model), "onnx").annotate(TASK, TEXTS)
    quick = make_backend(f"hf:{model}", runtime="onnx")
    assert isinstance(quick, OnnxTextClassifier) and quick.bundle.pad_left
    assert_same_answers(quick.annotate(TASK, TEXTS), want)


@pytest.mark.slow  # exports a model, then a new process
def test_a_new_process_runs_it_without_importing_torch_or_transformers(tiny_models, config):
    model = str(tiny_models.generic3)
    want = torch_loaded(model, "onnx").annotate(TASK, TEXTS)
    script = (
        "import json, sys\n"
        "from llmstudio.core.backends import make_backend\n"
        "from llmstudio.core.tasks import SentimentTask\n"
        f"b = make_backend({'hf:' + model!r}, runtime='onnx')\n"
        f"out = b.annotate(SentimentTask(long_texts='truncate'), {TEXTS!r})\n"
        "print(json.dumps({'cls': type(b).__name__, 'out': out,"
        " 'torch': 'torch' in sys.modules, 'transformers': 'transformers' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["cls"] == "OnnxTextClassifier"
    assert (got["torch"], got["transformers"]) == (False, False)
    assert_same_answers(got["out"], want)


@pytest.mark.slow  # exports a model twice
def test_a_model_whose_weights_changed_is_loaded_and_exported_again(tiny_models, config, tmp_path):
    import models  # tests/models.py

    folder = models.build_classifier(tmp_path / "m", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=1)
    torch_loaded(str(folder), "onnx")
    assert isinstance(make_backend(f"hf:{folder}", runtime="onnx"), OnnxTextClassifier)
    # Trained further, say: same folder, other weights. The old export must not answer.
    models.build_classifier(folder, ["LABEL_0", "LABEL_1", "LABEL_2"], seed=2)
    assert from_cache(str(folder), runtime="onnx") is None
    want = torch_loaded(str(folder), "onnx").annotate(TASK, TEXTS)
    quick = make_backend(f"hf:{folder}", runtime="onnx")
    assert isinstance(quick, OnnxTextClassifier)
    assert_same_answers(quick.annotate(TASK, TEXTS), want)


@pytest.mark.slow  # exports a model
def test_an_export_without_its_bundle_loads_with_torch_and_keeps_one(tiny_models, config):
    model = str(tiny_models.generic2)
    first = torch_loaded(model, "onnx")
    folder = first.onnx_file.parent.parent
    (folder / bundle.Bundle.FILE).unlink()  # an export made before bundles were kept
    assert from_cache(model, runtime="onnx") is None
    again = make_backend(f"hf:{model}", runtime="onnx")
    assert type(again) is TextClassificationBackend
    assert (folder / bundle.Bundle.FILE).is_file()
    assert isinstance(make_backend(f"hf:{model}", runtime="onnx"), OnnxTextClassifier)
    # A bundle from another version of llmstudio is not read.
    data = json.loads((folder / bundle.Bundle.FILE).read_text())
    (folder / bundle.Bundle.FILE).write_text(json.dumps({**data, "version": 0}))
    assert from_cache(model, runtime="onnx") is None


@pytest.mark.slow  # exports a model
def test_a_damaged_tokenizer_file_in_the_cache_is_made_again(tiny_models, config):
    model = str(tiny_models.generic2)
    want = torch_loaded(model, "onnx").annotate(TASK, TEXTS)
    folder = torch_loaded(model, "onnx").onnx_file.parent.parent
    (folder / bundle.TOKENIZER).write_text('{"version": "1.0", "model": ', encoding="utf-8")
    again = make_backend(f"hf:{model}", runtime="onnx")  # no traceback: loaded with torch
    assert type(again) is TextClassificationBackend
    assert_same_answers(again.annotate(TASK, TEXTS), want)
    quick = make_backend(f"hf:{model}", runtime="onnx")  # the files were written again
    assert isinstance(quick, OnnxTextClassifier)
    assert_same_answers(quick.annotate(TASK, TEXTS), want)


def test_each_pipeline_looks_in_its_own_cache_and_the_others_load_with_torch(
    tiny_models, config, monkeypatch
):
    # Which cache a model is looked for in (nothing is exported here).
    asked = []
    monkeypatch.setattr(cached, "cached_classifier", lambda s, **k: asked.append("clf"))
    monkeypatch.setattr(cached, "cached_embeddings", lambda s, **k: asked.append("emb"))

    def looked(model, **options):
        asked.clear()
        assert cached.from_cache(str(model), **{"runtime": "onnx", **options}) is None
        return list(asked)

    assert looked(tiny_models.generic3) == ["clf"]
    assert looked(tiny_models.encoder) == ["emb"]
    assert looked(tiny_models.generic3, pipeline_task="embeddings") == ["emb"]
    assert looked(tiny_models.encoder, pipeline_task="text-classification") == ["clf"]
    assert looked(tiny_models.nli) == []  # NLI: loaded with torch
    assert looked(tiny_models.lm) == []
    assert looked(tiny_models.generic3, runtime="torch") == []


@pytest.mark.slow  # exports a model, then integrated gradients
def test_integrated_gradients_load_the_torch_weights_for_a_cached_classifier(tiny_models, config):
    from llmstudio.core.explain.gradients import integrated_gradients

    model = str(tiny_models.generic3)
    first = torch_loaded(model, "onnx")
    text = TEXTS[0]
    label = first.annotate(TASK, [text])[0]["sentiment_label"]
    want = integrated_gradients(first, TASK, text, label)
    quick = make_backend(f"hf:{model}", runtime="onnx")
    assert isinstance(quick, OnnxTextClassifier)
    got = integrated_gradients(quick, TASK, text, label)
    assert got[0] == pytest.approx(want[0], abs=1e-5)
    assert [w.word for w in got[2]] == [w.word for w in want[2]]
    assert [w.weight for w in got[2]] == pytest.approx([w.weight for w in want[2]], abs=1e-5)
    assert quick.model is not None  # its own session is untouched


@pytest.mark.slow  # exports a model
def test_many_texts_come_back_in_their_order(tiny_models, config, monkeypatch):
    # Hundreds of texts: many groups, which the two CPU streams take as they free up.
    import random

    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # two streams, on any machine
    rng = random.Random(7)
    words = "good bad film story acting music the a was very not at all".split()
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 90))) for _ in range(300)]
    model = str(tiny_models.generic3)
    want = torch_loaded(model, "onnx").annotate(TASK, texts)
    quick = make_backend(f"hf:{model}", runtime="onnx")
    assert isinstance(quick, OnnxTextClassifier) and quick.groups.streams == 2
    groups = 0
    run = quick.groups._run

    def counted(inputs):
        nonlocal groups
        groups += 1
        return run(inputs)

    quick.groups._run = counted
    got = quick.annotate(TASK, texts)
    assert groups > 10
    assert [r["sentiment_label"] for r in got] == [r["sentiment_label"] for r in want]
    for a, b in zip(got, want, strict=True):
        for label, p in b["_probabilities"].items():
            assert a["_probabilities"][label] == pytest.approx(p, abs=1e-5)


@pytest.mark.slow  # exports a model
def test_a_smaller_batch_size_gives_smaller_batches_from_the_cache_too(tiny_models, config):
    model = str(tiny_models.generic3)
    torch_loaded(model, "onnx")
    texts = [" ".join(["word"] * n) for n in range(1, 21)]
    default = make_backend(f"hf:{model}", runtime="onnx")
    small = make_backend(f"hf:{model}", runtime="onnx", batch_size=1)
    assert isinstance(small, OnnxTextClassifier)
    assert len(default.plan_batches(texts)) == 1
    assert len(small.plan_batches(texts)) > 5
    want = default.annotate(TASK, texts)
    got = small.annotate(TASK, texts)  # planned in small batches inside, in input order
    assert [r["sentiment_label"] for r in got] == [r["sentiment_label"] for r in want]
