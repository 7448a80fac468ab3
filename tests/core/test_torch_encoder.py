"""A SentenceTransformer on the CPU encodes in token groups on two streams
(backends/torch_encoder.py): the vectors and token counts of ``SentenceTransformer.encode``,
in input order; the caller's torch threads untouched; a copy to fine-tune is the
SentenceTransformer; a model on a GPU is left as it is."""

from __future__ import annotations

import copy
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.torch_encoder import TorchSentenceEncoder

TEXTS = [
    "I love this movie, it is wonderful!",
    "",
    "  The bus comes at nine.  ",
    "ok 👍",
    " ".join(["the story was good but the acting was bad"] * 40),  # past the longest input
    "peace",
] * 20  # many groups


def check_encoder(model, monkeypatch) -> None:
    import torch

    assert isinstance(model, TorchSentenceEncoder)
    st = model.torch_model
    want = st.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    before = torch.get_num_threads()
    got = model.encode(TEXTS, normalize_embeddings=True)
    # The streams ran on their share; the caller, and a thread started later (the next
    # job's), have the count they had.
    seen = model.groups._cpu_pool().submit(torch.get_num_threads).result()
    assert seen == model.groups.threads
    assert torch.get_num_threads() == before
    later = []
    thread = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert later == [before]
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(model.encode(TEXTS[4]), st.encode(TEXTS[4]), atol=1e-5)
    assert model.encode([]).shape == (0, want.shape[1])
    tuned = copy.deepcopy(model)
    assert type(tuned) is type(st) and tuned is not st


@pytest.mark.slow  # loads MiniLM
def test_the_builtin_model_encodes_in_token_groups_on_the_cpu(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # two streams, on any machine
    backend = make_backend("builtin", device="cpu")
    model = backend._model
    check_encoder(model, monkeypatch)
    assert model.groups.streams == 2
    ids = model.tokenizer(TEXTS, add_special_tokens=False, verbose=False)["input_ids"]
    assert backend.count_tokens(TEXTS) == [len(x) for x in ids]
    # the runner's batches: every row once, each batch within the token budget
    plan = backend.plan_batches(TEXTS)
    assert sorted(i for batch in plan for i in batch) == list(range(len(TEXTS)))
    lengths = model.groups.lengths(TEXTS)
    assert all(len(b) * max(lengths[i] for i in b) <= 64 * 64 or len(b) == 1 for b in plan)
    backend.close()


def test_an_hf_embedding_model_encodes_in_token_groups_too(tiny_models, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    backend = make_backend("hf:" + str(tiny_models.encoder), device="cpu")
    check_encoder(backend.model, monkeypatch)
    backend.close()


def test_only_a_cpu_model_with_a_fast_tokenizer_is_grouped(tiny_models):
    backend = make_backend("hf:" + str(tiny_models.encoder), device="cpu")
    st = backend.model.torch_model
    assert TorchSentenceEncoder.usable(st)
    tokenizer, limit = st.tokenizer, st.max_seq_length
    on_gpu = SimpleNamespace(device="cuda:0", tokenizer=tokenizer, max_seq_length=limit)
    assert not TorchSentenceEncoder.usable(on_gpu)
    slow = SimpleNamespace(device="cpu", tokenizer=SimpleNamespace(is_fast=False), max_seq_length=8)
    assert not TorchSentenceEncoder.usable(slow)
