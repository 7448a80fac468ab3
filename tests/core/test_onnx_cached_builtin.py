"""The builtin model (and an ``hf:`` embedding model) run through ONNX Runtime once runs from
the cache afterwards, without torch (onnx_runtime/sentence_encoder.py,
backends/groups.py): the vectors of the SentenceTransformer, the same answers and
fingerprint as the run that exported it; in a new process torch, transformers and
sentence-transformers are never imported, for sentiment and for zero-shot coding; few-shot
coding loads the torch model when it tunes it; a damaged cache is made again."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.device import gpu_hardware
from llmstudio.core.backends.onnx_runtime import bundle
from llmstudio.core.backends.onnx_runtime.sentence_encoder import OnnxSentenceEncoder
from llmstudio.core.embedding.stored import model_key
from llmstudio.core.tasks import CodeTask, SentimentTask

from helpers.topics import TOPICS

pytest.importorskip("onnxruntime")

TEXTS = [
    "I love this movie, it is wonderful!",
    "This is awful, I hate it.",
    "  The bus comes at nine.  ",
    "",
    "ok 👍",
    " ".join(["the story was good but the acting was bad"] * 40),  # past 256 tokens
    "Rain and strong winds are expected across the coast tomorrow.",
    "Bake the bread for forty minutes until the crust is golden.",
    "The striker scored twice as the team won the football match.",
]
SENTIMENT = SentimentTask(long_texts="truncate")
CODING = CodeTask(codebook=TOPICS, long_texts="truncate")
HELPERS = Path(__file__).resolve().parents[1]  # tests/: where a new process finds helpers


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A settings folder whose ONNX cache holds the builtin model's float32 export and
    bundle, made by the first ONNX run (torch loads and exports it), and that run's
    backend."""
    folder = tmp_path_factory.mktemp("config")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLMSTUDIO_CONFIG_DIR", str(folder))
        first = make_backend("builtin", runtime="onnx")
    return folder, first


@pytest.fixture
def config(exported, tmp_path, monkeypatch):
    """A copy of that cache for this test alone (a process the test starts finds it
    through the same variable)."""
    folder = tmp_path / "config"
    shutil.copytree(exported[0], folder)
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(folder))
    return folder


def probabilities(records: list[dict]) -> list[dict]:
    return [r["_probabilities"] for r in records]


def assert_same_labels(got: list[dict], want: list[dict], column: str) -> None:
    """The same labels, and every probability within 1e-6 (JSON's round trip)."""
    assert [r[column] for r in got] == [r[column] for r in want]
    for a, b in zip(got, want, strict=True):
        assert a["_probabilities"] == pytest.approx(b["_probabilities"], abs=1e-6)


@pytest.mark.slow  # exports MiniLM once for the module (seconds)
def test_a_later_run_reads_the_cache_and_gives_the_exporting_runs_numbers(exported, config):
    first = exported[1]
    assert isinstance(first._model, OnnxSentenceEncoder)
    quick = make_backend("builtin", runtime="onnx")
    assert isinstance(quick._model, OnnxSentenceEncoder)
    assert quick._model._torch_model is None  # torch not loaded
    # The same numbers (one tokenizer, one graph, one batching), not close ones.
    np.testing.assert_array_equal(quick.embed(TEXTS), first.embed(TEXTS))
    assert probabilities(quick.annotate(SENTIMENT, TEXTS)) == probabilities(
        first.annotate(SENTIMENT, TEXTS)
    )
    assert quick.fingerprint() == first.fingerprint()
    # The same stored vectors serve both.
    assert model_key("m", "r", quick._model) == model_key("m", "r", first._model)
    quick.close()


@pytest.mark.slow  # loads MiniLM with torch (seconds)
def test_the_cached_encoder_gives_the_sentence_transformers_vectors_and_counts(exported, config):
    quick = make_backend("builtin", runtime="onnx")
    st = exported[1]._model.torch_model  # the SentenceTransformer the export was made from
    want = st.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(quick.embed(TEXTS), want, atol=1e-5)
    ids = st.tokenizer(TEXTS, add_special_tokens=False, verbose=False)["input_ids"]
    counts = [len(x) for x in ids]
    assert quick.count_tokens(TEXTS) == counts
    assert quick.count_tokens(TEXTS[::-1]) == counts[::-1]  # remembered, the same
    assert quick.input_limit(SENTIMENT) == st.max_seq_length - 2 == 254
    # what a batch pads to: truncated to 256 with [CLS] and [SEP], as the tokenizer says
    read = st.tokenizer(TEXTS, truncation=True, max_length=256)["input_ids"]
    assert quick._model.groups.lengths(TEXTS) == [len(x) for x in read]


@pytest.mark.slow  # reads the export (a second)
def test_token_counts_past_the_memo_s_size_are_still_right(exported, config, monkeypatch):
    from llmstudio.core.backends import groups

    quick = make_backend("builtin", runtime="onnx")
    want = quick.count_tokens(TEXTS)
    fresh = make_backend("builtin", runtime="onnx")
    monkeypatch.setattr(groups, "MEMO_TEXTS", 3)
    assert fresh.count_tokens(TEXTS[:2]) == want[:2]  # kept
    assert fresh.count_tokens(TEXTS) == want  # more than 3 at once: counted, not kept
    assert len(fresh._model.groups._counts) <= 3
    assert fresh.count_tokens(TEXTS[4:7]) == want[4:7]
    np.testing.assert_array_equal(fresh.embed(TEXTS), quick.embed(TEXTS))


@pytest.mark.slow  # a new process
def test_a_new_process_codes_without_importing_torch(exported, config):
    first = exported[1]
    want_sentiment = first.annotate(SENTIMENT, TEXTS)
    first.prepare(CODING, TEXTS)
    want_codes = first.annotate(CODING, TEXTS)
    script = (
        "import json, sys\n"
        "from llmstudio.core.backends import make_backend\n"
        f"sys.path.insert(0, {str(HELPERS)!r})\n"
        "from helpers.topics import TOPICS\n"
        "from llmstudio.core.tasks import CodeTask, SentimentTask\n"
        "b = make_backend('builtin', runtime='onnx')\n"
        f"texts = {TEXTS!r}\n"
        "s = b.annotate(SentimentTask(long_texts='truncate'), texts)\n"
        "task = CodeTask(codebook=TOPICS, long_texts='truncate')\n"
        "b.prepare(task, texts)\n"
        "c = b.annotate(task, texts)\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print(json.dumps({'sentiment': s, 'codes': c, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["heavy"] == []
    assert_same_labels(got["sentiment"], want_sentiment, "sentiment_label")
    assert_same_labels(got["codes"], want_codes, "code_label")


@pytest.mark.slow  # a new process
@pytest.mark.skipif(gpu_hardware(), reason="a GPU here: the automatic runtime is PyTorch")
def test_by_default_a_new_process_runs_from_the_cache_without_torch(exported, config):
    """The automatic runtime (no --runtime, no LLMSTUDIO_RUNTIME) on a computer without a
    GPU: ONNX float32 from the cache, the same numbers, torch never imported."""
    want = exported[1].annotate(SENTIMENT, TEXTS)
    script = (
        "import json, sys\n"
        "from llmstudio.core.backends import make_backend\n"
        "from llmstudio.core.tasks import SentimentTask\n"
        "b = make_backend('builtin')\n"
        f"s = b.annotate(SentimentTask(long_texts='truncate'), {TEXTS!r})\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print(json.dumps({'sentiment': s, 'heavy': heavy, 'fp': b.fingerprint()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "LLMSTUDIO_RUNTIME"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["heavy"] == []
    assert (got["fp"]["runtime"], got["fp"]["precision"]) == ("onnxruntime", "float32")
    assert got["fp"] == exported[1].fingerprint()
    assert_same_labels(got["sentiment"], want, "sentiment_label")


@pytest.mark.slow  # fine-tunes MiniLM on six examples (seconds)
def test_few_shot_coding_loads_the_torch_model_to_tune_it(exported, config):
    examples = (
        (TEXTS[8], "sports"),
        ("The tennis champion lost in the final set.", "sports"),
        (TEXTS[7], "cooking"),
        ("Stir the garlic and onions in olive oil.", "cooking"),
        (TEXTS[6], "weather"),
        ("Temperatures will drop below freezing tonight.", "weather"),
    )
    task = CodeTask(codebook=TOPICS, examples=examples, long_texts="truncate")
    first = exported[1]
    first.prepare(task, TEXTS)
    want = first.annotate(task, TEXTS)
    quick = make_backend("builtin", runtime="onnx")
    quick.prepare(task, TEXTS)
    assert quick._model._torch_model is not None  # loaded to be tuned
    assert_same_labels(quick.annotate(task, TEXTS), want, "code_label")


@pytest.mark.slow  # loads MiniLM with torch (seconds)
@pytest.mark.parametrize("damage", ["tokenizer", "graph", "bundle", "missing"])
def test_a_damaged_or_missing_bundle_is_made_again_by_a_torch_load(config, damage, caplog):
    folder = next((config / "cache" / "onnx").iterdir())
    if damage == "tokenizer":
        (folder / bundle.TOKENIZER).write_text('{"not": "a tokenizer"}')
    elif damage == "graph":
        (folder / "float32" / "model.onnx").write_bytes(b"not an ONNX graph")
    elif damage == "bundle":
        data = json.loads((folder / bundle.SentenceBundle.FILE).read_text())
        (folder / bundle.SentenceBundle.FILE).write_text(json.dumps({**data, "version": 0}))
    else:
        (folder / bundle.SentenceBundle.FILE).unlink()
    with caplog.at_level(logging.WARNING, logger="llmstudio.onnx"):
        again = make_backend("builtin", runtime="onnx")
    assert again._model._torch_model is not None  # loaded with torch
    assert ("could not be read" in caplog.text) == (damage in ("tokenizer", "graph"))
    assert len(again.embed(TEXTS)) == len(TEXTS)
    quick = make_backend("builtin", runtime="onnx")  # written again: the cache serves
    assert quick._model._torch_model is None
    np.testing.assert_array_equal(quick.embed(TEXTS), again.embed(TEXTS))


@pytest.mark.slow  # exports a model, then a new process
def test_an_hf_embedding_model_runs_from_the_cache_too(tiny_models, tmp_path, monkeypatch):
    from llmstudio.core.backends.hf.embeddings import CachedEmbeddings, EmbeddingsBackend

    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    model = "hf:" + str(tiny_models.encoder)
    first = make_backend(model, runtime="onnx")  # loads with torch, exports, keeps the bundle
    assert type(first) is EmbeddingsBackend and isinstance(first.model, OnnxSentenceEncoder)
    quick = make_backend(model, runtime="onnx")
    assert type(quick) is CachedEmbeddings and quick.model._torch_model is None
    np.testing.assert_array_equal(
        quick.model.encode(TEXTS, normalize_embeddings=True),
        first.model.encode(TEXTS, normalize_embeddings=True),
    )
    assert quick.fingerprint() == first.fingerprint()
    assert quick.count_tokens(TEXTS) == first.count_tokens(TEXTS)
    assert quick.input_limit(SENTIMENT) == first.input_limit(SENTIMENT)
    want = first.annotate(SENTIMENT, TEXTS)
    assert probabilities(quick.annotate(SENTIMENT, TEXTS)) == probabilities(want)
    # torch-only runs are never served from the cache
    assert type(make_backend(model)) is EmbeddingsBackend
    script = (
        "import json, sys\n"
        "from llmstudio.core.backends import make_backend\n"
        "from llmstudio.core.tasks import SentimentTask\n"
        f"b = make_backend({model!r}, runtime='onnx')\n"
        f"s = b.annotate(SentimentTask(long_texts='truncate'), {TEXTS!r})\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print(json.dumps({'cls': type(b).__name__, 'sentiment': s, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["cls"] == "CachedEmbeddings" and got["heavy"] == []
    assert_same_labels(got["sentiment"], want, "sentiment_label")


@pytest.mark.slow  # exports MiniLM once for the module (seconds)
@pytest.mark.skipif(gpu_hardware(), reason="a GPU here: the automatic runtime is PyTorch")
def test_an_annotate_without_a_model_begins_the_default_builtin_s_session(
    exported, config, onnx_sessions_made, monkeypatch
):
    """No --model and nothing downloaded: the command runs the builtin model, so the
    entry point begins its session (llmstudio/launch.py); a prompt task, which the
    builtin cannot run, begins nothing."""
    from llmstudio.core.backends.onnx_runtime import sessions
    from llmstudio.launch import head_start

    monkeypatch.delenv("LLMSTUDIO_RUNTIME", raising=False)
    head_start(["annotate", "texts.csv", "--task", "prompt", "--prompt", "Say {text}"])
    assert sessions._begun == {}
    head_start(["annotate", "texts.csv", "--out", "out.csv"])
    (begun,) = sessions._begun
    assert (
        Path(begun[0])
        == (next((config / "cache" / "onnx").iterdir()) / "float32" / "model.onnx").resolve()
    )
    backend = make_backend("builtin")
    assert onnx_sessions_made == ["llmstudio-session"]  # the run took it
    assert len(backend.embed(TEXTS)) == len(TEXTS)
