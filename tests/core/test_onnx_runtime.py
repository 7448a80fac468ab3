"""Local encoders through ONNX Runtime (core/backends/onnx_runtime): a tiny BERT classifier
exported and run through ONNX gives torch's labels and scores; int8 runs and is recorded
as int8; the export is cached per model revision; a missing onnxruntime, a model that does
not run here and a generative model are refused with a message that says what to do; a run
records its runtime and precision, and an int8 answer never serves a float32 run."""

from __future__ import annotations

import copy
import shutil

import numpy as np
import pytest

from llmstudio.core.backends import BackendError, make_backend
from llmstudio.core.backends.onnx_runtime import choice, export, runtime_refusal
from llmstudio.core.backends.onnx_runtime.sentence_encoder import OnnxSentenceEncoder
from llmstudio.core.corpus import read_table
from llmstudio.core.methods import build_record
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.runs import run_settings
from llmstudio.core.tasks import SentimentTask

pytest.importorskip("onnxruntime")  # the `onnx` extra; the test extra installs it
# Tests that export a model are marked slow: an export takes seconds even for a tiny one.

TEXTS = [
    "I love this movie, it is wonderful!",
    "This is awful, I hate it.",
    "The bus comes at nine.",
    "Great service, very happy.",
    "bad bad bad",
    "ok 👍",
    " ".join(["the story was good but the acting was bad"] * 30),  # past 128 tokens
    "peace",
]
TASK = SentimentTask(long_texts="truncate")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One ONNX cache for the module's tests (an export takes seconds)."""
    return tmp_path_factory.mktemp("onnx_cache")


@pytest.fixture
def cache(shared_cache, monkeypatch):
    monkeypatch.setattr(export, "cache_dir", lambda: shared_cache)
    return shared_cache


def answers(backend, texts=TEXTS):
    return backend.annotate(TASK, texts)


@pytest.mark.slow  # exports a model (seconds)
def test_float32_onnx_gives_torch_labels_and_scores(tiny_models, cache):
    model = "hf:" + str(tiny_models.generic3)
    torch_out = answers(make_backend(model))
    onnx_backend = make_backend(model, runtime="onnx")
    onnx_out = answers(onnx_backend)
    assert [r["sentiment_label"] for r in onnx_out] == [r["sentiment_label"] for r in torch_out]
    for got, want in zip(onnx_out, torch_out, strict=True):
        for label, p in want["_probabilities"].items():
            assert got["_probabilities"][label] == pytest.approx(p, abs=1e-5)
    # one text alone (a batch of one, unpadded) through the same graph
    single = onnx_backend.annotate(TASK, [TEXTS[1]])[0]
    assert single["sentiment_score"] == pytest.approx(torch_out[1]["sentiment_score"], abs=1e-5)
    assert onnx_backend.fingerprint()["runtime"] == "onnxruntime"
    assert onnx_backend.fingerprint()["precision"] == "float32"


@pytest.mark.slow  # exports a model (seconds)
def test_int8_runs_close_to_float32_with_int8_weights(tiny_models, cache):
    import onnx

    model = "hf:" + str(tiny_models.generic3)
    float32 = answers(make_backend(model, runtime="onnx"))
    backend = make_backend(model, runtime="onnx-int8")
    int8 = answers(backend)
    assert backend.fingerprint()["precision"] == "int8"
    ops = {node.op_type for node in onnx.load(str(backend.onnx_file)).graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeLinear"}, ops  # quantised, not a copy
    diffs = [
        abs(a["sentiment_score"] - b["sentiment_score"]) for a, b in zip(int8, float32, strict=True)
    ]
    assert max(diffs) > 0  # it is another computation...
    assert max(diffs) < 0.1  # ...of nearly the same numbers


@pytest.mark.slow  # exports a model (seconds)
def test_quantise_leaves_the_nodes_it_is_told_to_in_float32(tiny_models, cache, tmp_path):
    import onnx

    source = make_backend("hf:" + str(tiny_models.generic3), runtime="onnx").onnx_file
    graph = onnx.load(str(source))
    weights = {w.name for w in graph.graph.initializer}
    weighted = [
        n.name
        for n in graph.graph.node
        if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in weights
    ]
    head = weighted[-1]  # the last node with weights: the classification head

    def integer(path) -> list[str]:
        return [n.name for n in onnx.load(str(path)).graph.node if n.op_type == "MatMulInteger"]

    export.quantise(source, tmp_path / "shipped.onnx")
    # the quantiser first turns a Gemm into a MatMul named "<gemm>_MatMul"
    export.quantise(source, tmp_path / "kept.onnx", nodes_to_exclude=[f"{head}_MatMul"])
    shipped, kept = integer(tmp_path / "shipped.onnx"), integer(tmp_path / "kept.onnx")
    assert len(shipped) == len(weighted)  # every node with weights in int8...
    assert [n for n in shipped if n.startswith(head)]  # ...the head too
    assert len(kept) == len(weighted) - 1  # all but the head
    assert not [n for n in kept if n.startswith(head)]


@pytest.mark.slow  # exports a model (seconds)
def test_a_second_load_takes_the_export_from_the_cache(tiny_models, tmp_path, monkeypatch, exports):
    monkeypatch.setattr(export, "cache_dir", lambda: tmp_path / "cache")
    folder = shutil.copytree(tiny_models.named, tmp_path / "model")
    first = make_backend(f"hf:{folder}", runtime="onnx-int8")
    assert len(exports) == 1  # float32 exported once, int8 quantised from it
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "cache").rglob("model.onnx"))
    assert [p.parent.name for p in files] == ["float32", "int8"]
    second = make_backend(f"hf:{folder}", runtime="onnx-int8")
    make_backend(f"hf:{folder}", runtime="onnx")
    assert len(exports) == 1  # both precisions came from the cache
    assert second.onnx_file == first.onnx_file
    assert answers(second) == answers(first)
    # new weights under the same folder name are another revision: exported anew
    tiny = __import__("models")
    shutil.rmtree(folder)
    tiny.build_classifier(folder, ["NEGATIVE", "POSITIVE"], seed=9)
    make_backend(f"hf:{folder}", runtime="onnx")
    assert len(exports) == 2
    assert not list((tmp_path / "cache").rglob(".partial-*"))  # nothing half-made is left


def test_a_failed_export_says_so_and_leaves_nothing(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "cache_dir", lambda: tmp_path / "cache")

    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator aten::weird")

    from llmstudio.core.backends.onnx_runtime import sessions

    monkeypatch.setattr(sessions, "export_module", broken)
    with pytest.raises(BackendError) as err:
        make_backend("hf:" + str(tiny_models.named), runtime="onnx")
    message = str(err.value)
    assert "could not convert model" in message and "aten::weird" in message
    assert "torch runtime" in message
    assert not list((tmp_path / "cache").rglob("*.onnx"))
    assert not list((tmp_path / "cache").rglob(".partial-*"))


def test_missing_onnxruntime_is_a_clear_message(tiny_models, monkeypatch):
    from llmstudio.core.backends import cpu_features

    real = choice.find_spec
    monkeypatch.setattr(
        choice, "find_spec", lambda name: None if name == "onnxruntime" else real(name)
    )
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: False)  # a CPU without them
    assert choice.installed_runtimes() == ("auto", "torch")
    for model in ("hf:" + str(tiny_models.named), "builtin"):
        with pytest.raises(BackendError) as err:
            make_backend(model, runtime="onnx-int8")
        message = str(err.value)
        assert "onnxruntime is not installed" in message
        assert "pip install 'llmstudio[onnx]'" in message
    # torch still runs, and is what the automatic runtime settles on
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    backend = make_backend("hf:" + str(tiny_models.named))
    assert backend.runtime == "torch" and backend.annotate(TASK, ["good"])[0]


def test_unknown_runtimes_and_models_that_cannot_use_one(tiny_models, cache):
    with pytest.raises(BackendError, match="unknown runtime 'tensorrt'; use one of auto, torch"):
        make_backend("hf:" + str(tiny_models.named), runtime="tensorrt")
    with pytest.raises(BackendError, match="text-generation model, which runs with the torch"):
        make_backend("hf:" + str(tiny_models.lm), runtime="onnx")
    assert "openai" not in runtime_refusal("hf:x", "onnx") and not runtime_refusal(
        "builtin", "onnx"
    )
    assert "run elsewhere" in runtime_refusal("openai:gpt-4o-mini", "onnx")
    assert "run elsewhere" in runtime_refusal("lexicon", "onnx-int8")
    assert runtime_refusal("lexicon", "torch") == ""


@pytest.mark.slow  # exports a model (seconds)
def test_embedding_model_through_onnx_gives_torch_embeddings(tiny_models, cache):
    model = "hf:" + str(tiny_models.encoder)
    torch_backend = make_backend(model)
    onnx_backend = make_backend(model, runtime="onnx")
    assert isinstance(onnx_backend.model, OnnxSentenceEncoder)
    texts = TEXTS[:5]
    want = torch_backend.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = onnx_backend.model.encode(texts, batch_size=2, normalize_embeddings=True)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert onnx_backend.fingerprint()["precision"] == "float32"
    # sentiment by label similarity, the same answers
    a, b = answers(torch_backend, texts), answers(onnx_backend, texts)
    assert [r["sentiment_label"] for r in a] == [r["sentiment_label"] for r in b]
    # fine-tuning on coded examples trains a copy: the torch model (ONNX Runtime cannot train)
    tuned = copy.deepcopy(onnx_backend.model)
    assert type(tuned) is type(torch_backend.model.torch_model)  # a SentenceTransformer
    assert tuned is not onnx_backend.model.torch_model


def make_project(path):
    csv = path.with_suffix(".csv")
    csv.write_text(
        "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(TEXTS)), encoding="utf-8"
    )
    return Project.create(path, read_table(csv))


@pytest.mark.slow  # exports a model (seconds)
def test_a_run_records_its_runtime_and_an_int8_answer_never_serves_float32(
    tiny_models, cache, tmp_path
):
    model = "hf:" + str(tiny_models.generic3)
    with make_project(tmp_path / "p.llmstudio") as project:
        torch_run = run_job(project, TASK, make_backend(model))
        int8_run = run_job(project, TASK, make_backend(model, runtime="onnx-int8"))
        float32_run = run_job(project, TASK, make_backend(model, runtime="onnx"))
        scores = {
            name: run_results(project, run.run_id)["sentiment_score"].tolist()
            for name, run in (("torch", torch_run), ("int8", int8_run), ("f32", float32_run))
        }
        # each run computed its own answers: int8's differ from torch's, float32's agree
        assert scores["int8"] != scores["torch"]
        assert scores["f32"] == pytest.approx(scores["torch"], abs=1e-5)
        assert scores["f32"] != scores["int8"]
        # a resumed or repeated int8 run is an int8 run again
        assert run_settings(project, int8_run.run_id).backend_options == {"runtime": "onnx-int8"}
        # and a torch run a torch run, whatever the default is then (automatic)
        assert run_settings(project, torch_run.run_id).backend_options == {"runtime": "torch"}
        md = build_record(project, n_resamples=0).markdown()
    assert "ONNX Runtime, int8 weights by dynamic quantisation" in md
    assert "ONNX Runtime, float32" in md
    assert '"precision": "int8"' in md
    # the suggested paragraph (the latest run of the task: the float32 one) names it too
    assert "through the hf backend (run with ONNX Runtime, float32)" in md


@pytest.mark.slow
def test_builtin_minilm_through_onnx(cache):
    torch_backend = make_backend("builtin")
    texts = TEXTS[:6]
    want = torch_backend.embed(texts)
    onnx_backend = make_backend("builtin", runtime="onnx")
    np.testing.assert_allclose(onnx_backend.embed(texts), want, atol=1e-5)
    int8 = make_backend("builtin", runtime="onnx-int8").embed(texts)
    cosines = (int8 * want).sum(1)
    assert cosines.min() > 0.95  # close, not equal
    assert cosines.max() < 1 - 1e-6
    assert make_backend("builtin", runtime="onnx-int8").fingerprint()["precision"] == "int8"


@pytest.mark.slow  # exports a model (seconds)
def test_a_new_export_removes_the_same_model_s_exports_of_an_older_export_version(
    tiny_models, tmp_path, monkeypatch, exports
):
    """Exports an older llmstudio made (an older EXPORT_VERSION) are removed when the model
    is converted anew: nothing reads them. Another model's exports, another revision's,
    and another torch version's of the same export version (a second install sharing the
    cache) are kept."""
    import json

    cache = tmp_path / "cache"
    monkeypatch.setattr(export, "cache_dir", lambda: cache)
    folder = shutil.copytree(tiny_models.named, tmp_path / "model")
    other = shutil.copytree(tiny_models.generic2, tmp_path / "other")
    current = export.EXPORT_VERSION
    monkeypatch.setattr(export, "EXPORT_VERSION", current - 1)
    make_backend(f"hf:{folder}", runtime="onnx-int8")
    make_backend(f"hf:{other}", runtime="onnx")
    older = {p.parent.parent for p in cache.rglob("float32/model.json")}
    assert len(older) == 2 and len(exports) == 2

    def recorded(path):
        return json.loads((path / "float32" / "model.json").read_text("utf-8"))

    (mine,) = (p for p in older if recorded(p)["model"] == str(folder))
    # version 1's exports wrote no versions at all; and a second install's torch
    unversioned = shutil.copytree(mine, cache / "onnx" / "unversioned")
    record = {k: v for k, v in recorded(mine).items() if k not in ("export_version", "torch")}
    (unversioned / "float32" / "model.json").write_text(json.dumps(record), "utf-8")
    monkeypatch.setattr(export, "EXPORT_VERSION", current)
    other_torch = shutil.copytree(mine, cache / "onnx" / "other-torch")
    newer = {**recorded(mine), "export_version": export.EXPORT_VERSION, "torch": "0.0"}
    (other_torch / "float32" / "model.json").write_text(json.dumps(newer), "utf-8")
    backend = make_backend(f"hf:{folder}", runtime="onnx")  # this version: exported anew
    assert len(exports) == 3
    assert not mine.exists() and not unversioned.exists()  # the older ones, int8 too
    assert other_torch.exists() and (older - {mine}).pop().exists()  # the other model's
    (now,) = {p.parent.parent for p in cache.rglob("float32/model.json")} - {
        other_torch,
        *(older - {mine}),
    }
    assert recorded(now)["export_version"] == export.EXPORT_VERSION
    assert backend.annotate(TASK, TEXTS[:2])[0]["sentiment_label"]
    make_backend(f"hf:{folder}", runtime="onnx")  # from the cache: nothing more removed
    assert now.exists() and other_torch.exists() and len(exports) == 3
