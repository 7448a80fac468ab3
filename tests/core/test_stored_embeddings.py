"""The builtin model's corpus embeddings kept in the project: a second codebook embeds
no text again, a changed text is embedded again, another model revision reads nothing,
a cancelled first run keeps what it embedded, and the methods record says so."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.embedding.stored import (
    EmbeddingStore,
    ProjectEmbeddings,
    embed_with_store,
    model_key,
    text_hash,
)
from llmstudio.core.methods import build_record
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.store import embeddings as stored
from llmstudio.core.tasks import CodeTask

TEXTS = [
    "The striker scored twice as the team won the football match.",
    "The tennis champion lost in the final set at Wimbledon.",
    "The coach praised his players after the basketball game.",
    "She won the gold medal in the 100 metres at the Olympics.",
    "Stir the garlic and onions in olive oil before adding the tomatoes.",
    "This chocolate cake recipe needs butter, sugar and four eggs.",
    "Bake the bread for forty minutes until the crust is golden.",
    "The soup tastes better with fresh basil and a pinch of salt.",
    "Heavy rain and strong winds are expected across the coast tomorrow.",
    "Temperatures will drop below freezing tonight with some snow.",
    "The storm brought thunder, hail and flooding to the valley.",
    "Forecasters warn of a heatwave with highs of 38 degrees.",
]
TOPICS = Codebook(
    codes=(Code("sports"), Code("cooking"), Code("weather")),
    name="topics",
)
MOOD = Codebook(
    codes=(Code("cheerful", "Happy, winning, delicious."), Code("gloomy", "Loss, storms.")),
    name="mood",
)


@pytest.fixture(scope="module")
def builtin(hf_offline):
    return make_backend("builtin")


@pytest.fixture
def encoded(builtin, monkeypatch):
    """Every text the model is asked to embed, call by call (the real model answers)."""
    calls: list[list[str]] = []
    real = builtin._model.encode

    def spy(sentences, *args, **kwargs):
        calls.append(list(sentences))
        return real(sentences, *args, **kwargs)

    monkeypatch.setattr(builtin._model, "encode", spy)
    return calls


def corpus_texts_embedded(calls, texts=TEXTS) -> list[str]:
    wanted = set(texts)
    return [t for call in calls for t in call if t in wanted]


@pytest.fixture
def project(tmp_path, write_file):
    changed = list(TEXTS)
    changed[3] = "She won the silver medal in the 200 metres at the Olympics."
    lines = "\n".join(f'{i},"{a}","{b}"' for i, (a, b) in enumerate(zip(TEXTS, changed)))
    source = write_file("c.csv", "id,text,edited\n" + lines + "\n")
    with Project.create(tmp_path / "p.llmstudio", read_table(source)) as proj:
        proj.set_text_column("text")
        yield proj


def test_a_second_codebook_embeds_no_text_again(builtin, encoded, project):
    first = run_job(project, CodeTask(codebook=TOPICS), builtin)
    assert first.status == "done"
    assert sorted(corpus_texts_embedded(encoded)) == sorted(TEXTS)  # each once
    encoded.clear()
    second = run_job(project, CodeTask(codebook=MOOD), builtin)
    assert second.status == "done" and second.computed == len(TEXTS)
    assert corpus_texts_embedded(encoded) == []  # read from the project
    assert encoded, "the label prompts are still embedded"
    assert set(run_results(project, second.run_id)["code_label"]) <= {"cheerful", "gloomy"}
    uses = stored.uses_of_run(project.db, second.run_id)
    assert [(reused, computed) for _, reused, computed, _ in uses] == [(len(TEXTS), 0)]
    record = build_record(project, n_resamples=10).markdown()
    assert "all 12 computed by this run" in record  # the first run
    assert "12 read back from the project (kept there earlier), 0 computed" in record


def test_stored_vectors_are_float16_and_read_back_give_the_same_answers(builtin, project):
    task = CodeTask(codebook=TOPICS)
    corpus = builtin._corpus
    key = model_key("sentence-transformers/all-MiniLM-L6-v2", builtin._hash, builtin._model)
    try:
        corpus.store = None  # float32, nothing kept
        corpus.prepare(task, TEXTS)
        plain = corpus.annotate(task, TEXTS)
        corpus.store = EmbeddingStore(project.db, key)
        corpus.prepare(task, TEXTS)  # embeds, keeps, uses the float16 vectors
        first = corpus.annotate(task, TEXTS)
        fresh = Project.open(project.path)  # a new connection, as a new process has
        try:
            corpus.store = ProjectEmbeddings(fresh.db).store(key)
            assert len(corpus.store.read([text_hash(t) for t in TEXTS])) == len(TEXTS)
            (blob,) = stored.vectors(
                fresh.db, corpus.store._model_id(None), [text_hash(TEXTS[0])]
            ).values()
            corpus.prepare(task, TEXTS)  # reads them
            again = corpus.annotate(task, TEXTS)
        finally:
            fresh.close()
    finally:
        corpus.store = None
    assert len(blob) == 384 * 2  # float16
    assert again == first  # read or just made: the same answers, exactly
    assert [r["code_label"] for r in first] == [r["code_label"] for r in plain]
    assert max(abs(a["code_score"] - b["code_score"]) for a, b in zip(first, plain)) < 0.01


def test_a_changed_text_is_embedded_again(builtin, encoded, project):
    run_job(project, CodeTask(codebook=TOPICS), builtin, text_column="text")
    encoded.clear()
    result = run_job(project, CodeTask(codebook=TOPICS), builtin, text_column="edited")
    assert result.status == "done"
    changed = "She won the silver medal in the 200 metres at the Olympics."
    assert corpus_texts_embedded(encoded, TEXTS + [changed]) == [changed]


def test_another_model_revision_reads_nothing(builtin, encoded, project, monkeypatch):
    run_job(project, CodeTask(codebook=TOPICS), builtin)
    encoded.clear()
    monkeypatch.setattr(builtin, "_hash", "another-revision")
    run_job(project, CodeTask(codebook=MOOD), builtin)
    assert sorted(corpus_texts_embedded(encoded)) == sorted(TEXTS)  # all again


def test_a_cancelled_first_run_keeps_what_it_embedded(builtin, encoded, project, monkeypatch):
    monkeypatch.setattr(builtin._corpus, "batch_size", 2)  # chunks of 8 texts
    stop = threading.Event()

    def progress(done, total, record):
        if corpus_texts_embedded(encoded):
            stop.set()  # after the first chunk of corpus texts

    first = run_job(
        project, CodeTask(codebook=TOPICS), builtin, monitor=Monitor(progress, stop.is_set)
    )
    assert first.status == "cancelled" and first.done == 0
    kept = corpus_texts_embedded(encoded)
    assert len(kept) == 8
    encoded.clear()
    second = run_job(project, CodeTask(codebook=TOPICS), builtin)
    assert second.status == "done"
    assert sorted(corpus_texts_embedded(encoded)) == sorted(set(TEXTS) - set(kept))


def test_embed_with_store_reads_what_is_stored_and_keeps_the_rest(project):
    vectors = {
        t: np.random.default_rng(i).normal(size=4).astype(np.float32) for i, t in enumerate("abc")
    }
    asked: list[list[str]] = []

    def compute(texts, keep):
        asked.append(texts)
        out = np.stack([vectors[t] for t in texts])
        keep(list(range(len(texts))), out)
        return out

    store = EmbeddingStore(project.db, {"model": "m", "revision": "1"})
    got = embed_with_store(["a", "b", "a"], compute, store)
    assert asked == [["a", "b"]]  # a text twice is embedded once
    assert np.allclose(got, np.stack([vectors[t] for t in "aba"]), atol=1e-2)
    assert got.dtype == np.float32 and np.array_equal(got[0], got[2])
    again = embed_with_store(["c", "b"], compute, store)
    assert asked[1:] == [["c"]]
    assert np.array_equal(again[1], got[1])  # the stored vector, exactly
    other = EmbeddingStore(project.db, {"model": "m", "revision": "2"})
    embed_with_store(["b"], compute, other)
    assert asked[2:] == [["b"]]


def test_an_hf_embedding_model_keeps_its_vectors_too(tiny_models, project):
    backend = make_backend("hf:" + str(tiny_models.encoder))
    first = run_job(project, CodeTask(codebook=TOPICS), backend)
    second = run_job(project, CodeTask(codebook=MOOD), backend)
    assert first.status == second.status == "done"
    uses = [
        [(reused, computed) for _, reused, computed, _ in stored.uses_of_run(project.db, r)]
        for r in (first.run_id, second.run_id)
    ]
    assert uses == [[(0, len(TEXTS))], [(len(TEXTS), 0)]]
    (model, *_), *_ = stored.uses_of_run(project.db, first.run_id)
    assert str(tiny_models.encoder) in model and backend.commit in model  # folder + weights


@pytest.mark.slow  # exports MiniLM to ONNX int8 once (~30 s)
def test_vectors_of_another_runtime_are_not_served(builtin, encoded, project):
    """An int8 ONNX run's vectors are kept under their own key: a torch run of the same
    model embeds the texts itself rather than read them."""
    pytest.importorskip("onnxruntime")
    onnx = make_backend("builtin", runtime="onnx-int8")
    try:
        assert run_job(project, CodeTask(codebook=TOPICS), onnx).status == "done"
    finally:
        onnx.close()
    encoded.clear()
    assert run_job(project, CodeTask(codebook=MOOD), builtin).status == "done"
    assert sorted(corpus_texts_embedded(encoded)) == sorted(TEXTS)
