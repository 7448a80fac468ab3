"""The ``hf`` backend over tiny random-weight models built offline (``tests/models.py``):
model kinds, label mapping, zero-shot, generation, embeddings, offline hub ids,
fingerprints; and a sanity check of the real builtin MiniLM.

The classifiers' answers are checked against transformers' own pipelines run on the same
folders, so the batching, truncation and label mapping here must agree with what a
researcher would get from ``pipeline(...)`` one text at a time.
"""

from __future__ import annotations

import re
import shutil
import socket

import pandas as pd
import pytest

from llmstudio.core.backends import BackendError, RowError, batching, make_backend, threads
from llmstudio.core.backends.hf import labels, loading
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.empty_texts import EMPTY_TEXT
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import CodeTask, PromptTask, SentimentTask

LONG = " ".join(["the story was good but the acting was bad and the people were sad"] * 20)
TEXTS = [
    "I love this movie, it is wonderful!",
    "This is awful, I hate it.",
    "The bus comes at nine.",
    "",
    "Great service, very happy.",
    "bad bad bad",
    "Die Regierung hat die Steuern erhöht.",
    "ok 👍",
    LONG,
    "the economy and jobs",
    "crime in my school",
    "health care is poor",
    "peace",
    "war and money",
]
SENTIMENT = SentimentTask()
# The transformers pipelines truncate a long text to the model's length: compared with
# them, the runner truncates too (split mode has its own tests: test_long_texts.py).
TRUNCATED = SentimentTask(long_texts="truncate")


def make_project(path, texts=TEXTS):
    csv = path.with_suffix(".csv")
    rows = "".join(f'{i},"{t}"\n' for i, t in enumerate(texts))
    csv.write_text("id,text\n" + rows, encoding="utf-8")
    return Project.create(path, read_table(csv))


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path / "p.llmstudio") as proj:
        yield proj


def pipeline_top(folder, task="text-classification", **kwargs):
    """transformers' own answer, one text at a time: (model label, probability) per text."""
    from transformers import pipeline

    clf = pipeline(task, model=str(folder), device="cpu", **kwargs)
    if task == "text-classification":
        out = []
        for text in TEXTS:
            scores = clf(text, top_k=None, truncation=True)
            best = max(scores, key=lambda s: s["score"])
            out.append((best["label"], best["score"]))
        return out
    return clf


# -- kinds, device ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kind",
    [
        ("named", "text-classification"),
        ("generic3", "text-classification"),
        ("nli", "zero-shot-classification"),
        ("lm", "text-generation"),
        ("encoder", "embeddings"),
    ],
)
def test_model_kind_comes_from_the_config(tiny_models, name, kind):
    backend = make_backend("hf:" + str(getattr(tiny_models, name)))
    assert backend.pipeline_task == kind
    assert backend.fingerprint()["pipeline_task"] == kind
    assert backend.device == "cpu"  # no CUDA or MPS on the test machines
    assert {p.device.type for p in backend.model.parameters()} == {"cpu"}


def test_pipeline_task_overrides_detection(tiny_models):
    # A sequence classifier used as a plain encoder (its hidden states, mean-pooled).
    backend = make_backend("hf:" + str(tiny_models.named), pipeline_task="feature-extraction")
    assert backend.pipeline_task == "embeddings"
    assert backend.annotate(SENTIMENT, ["good"])[0]["sentiment_label"] in SENTIMENT.labels
    with pytest.raises(BackendError, match="unknown pipeline_task 'translation'"):
        make_backend("hf:" + str(tiny_models.named), pipeline_task="translation")


# -- text classification ---------------------------------------------------------------

EMPTY = TEXTS.index("")  # an empty text: no label, never sent to a model (core.empty_texts)


def labelled(frame):
    """The run's labels of the rows that have a text; the empty row carries its reason."""
    assert pd.isna(frame.loc[EMPTY, "sentiment_label"])
    assert frame.loc[EMPTY, "sentiment_error"] == EMPTY_TEXT
    return frame.drop(index=EMPTY)


def test_classifier_run_matches_the_transformers_pipeline(tiny_models, project):
    backend = make_backend("hf:" + str(tiny_models.named), batch_size=4)
    result = run_job(project, TRUNCATED, backend)
    assert result.status == "done" and result.done == result.total == len(TEXTS)
    assert result.failed == 0
    frame = run_results(project, result.run_id)
    labelled(frame)
    expected = pipeline_top(tiny_models.named)
    for i, (label, p) in enumerate(expected):
        if i == EMPTY:
            continue
        # NEGATIVE/POSITIVE by name; the task's neutral, which the model lacks, gets 0.
        assert frame.loc[i, "sentiment_label"] == label.lower()
        assert frame.loc[i, "sentiment_score"] == pytest.approx(p, abs=1e-4)
    assert len(set(labelled(frame)["sentiment_label"])) == 2, (
        "random weights should give both labels"
    )
    assert labelled(frame)["sentiment_truncated"].tolist() == [
        int(t == LONG) for i, t in enumerate(TEXTS) if i != EMPTY
    ]
    again = run_job(project, TRUNCATED, backend)
    assert again.computed == 0  # the same fingerprint: resumed, nothing recomputed


@pytest.mark.parametrize(
    "name, convention",
    [("generic2", ["negative", "positive"]), ("generic3", ["negative", "neutral", "positive"])],
)
def test_generic_label_names_follow_the_sentiment_convention(tiny_models, name, convention):
    folder = getattr(tiny_models, name)
    backend = make_backend("hf:" + str(folder))
    got = backend.annotate(SENTIMENT, TEXTS)
    for out, (label, p) in zip(got, pipeline_top(folder)):
        assert out["sentiment_label"] == convention[int(label.split("_")[1])]
        assert out["sentiment_score"] == pytest.approx(p, abs=1e-4)
    assert {out["sentiment_label"] for out in got} == set(convention)  # every label seen


def test_label_map_overrides_the_convention(tiny_models):
    folder = tiny_models.generic3
    label_map = {"LABEL_0": "positive", "label_1": "Negative", "LABEL_2": "neutral"}
    backend = make_backend("hf:" + str(folder), label_map=label_map)
    default = make_backend("hf:" + str(folder))
    got = backend.annotate(SENTIMENT, TEXTS)
    for out, (label, _) in zip(got, pipeline_top(folder)):
        assert out["sentiment_label"] == ["positive", "negative", "neutral"][int(label[-1])]
    # Different answers for the same model and text: never one cache entry.
    assert backend.fingerprint() != default.fingerprint()


def test_label_map_can_merge_labels():
    task = SentimentTask(("positive", "negative"))
    mapping = labels.map_labels(
        "stars",
        ["1 star", "2 stars", "4 stars", "5 stars"],
        task,
        {"1 star": "negative", "2 stars": "negative", "4 stars": "positive", "5 stars": "positive"},
    )
    assert mapping == ["negative", "negative", "positive", "positive"]


@pytest.mark.parametrize(
    "names, expected",
    [
        (["NEG", "NEU", "POS"], ["negative", "neutral", "positive"]),
        (["neg", "pos"], ["negative", "positive"]),
        (["Positive", "Negative"], ["positive", "negative"]),
        (["negative", "neutral", "positive"], ["negative", "neutral", "positive"]),
        (["LABEL_0", "LABEL_1"], ["negative", "positive"]),
    ],
)
def test_label_names_map_case_insensitively(names, expected):
    assert labels.map_labels("m", names, SENTIMENT) == expected


@pytest.mark.parametrize(
    "names, task, label_map",
    [
        (["joy", "anger"], SENTIMENT, None),
        (["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3"], SENTIMENT, None),
        (["NEGATIVE", "POSITIVE"], SENTIMENT, {"NEGATIVE": "sad"}),
        (["NEGATIVE", "NEUTRAL", "POSITIVE"], SentimentTask(("positive", "negative")), None),
    ],
)
def test_unmappable_labels_are_an_error_naming_them(names, task, label_map):
    with pytest.raises(BackendError) as err:
        labels.map_labels("org/model", names, task, label_map)
    message = str(err.value)
    assert "\n" not in message
    if label_map:
        assert "'sad'" in message
    else:
        assert ", ".join(names) in message and "label_map" in message


def test_unmappable_model_stops_the_job(tiny_models, project):
    backend = make_backend("hf:" + str(tiny_models.generic3))
    with pytest.raises(BackendError, match="LABEL_0, LABEL_1, LABEL_2"):
        run_job(project, SentimentTask(("relevant", "irrelevant")), backend)


def test_batches_are_cut_by_token_length_to_spare_padding():
    assert batching.length_groups([5, 5, 5, 5, 50, 50], overhead=10) == [(0, 4), (4, 6)]
    assert batching.length_groups([5, 5, 5, 5, 50, 50], overhead=1000) == [(0, 6)]
    assert batching.length_groups([7], overhead=64) == [(0, 1)]
    lengths = sorted([3, 9, 9, 10, 12, 30, 31, 33, 70, 75])
    runs = batching.length_groups(lengths, overhead=20)
    assert [i for a, b in runs for i in range(a, b)] == list(range(len(lengths)))
    padded = sum((b - a) * lengths[b - 1] for a, b in runs)
    assert padded + 20 * len(runs) < len(lengths) * lengths[-1] + 20


def test_token_batches_keep_within_the_budget_in_order():
    lengths = [3, 4, 4, 5, 9, 10, 30, 31, 70, 300]
    runs = batching.token_batches(lengths, budget=64)
    assert [i for a, b in runs for i in range(a, b)] == list(range(len(lengths)))
    for a, b in runs:
        assert (b - a) * lengths[b - 1] <= 64 or b - a == 1  # 300 > 64 goes alone
    assert runs[-1] == (9, 10)
    assert batching.token_batches([5] * 10, budget=20) == [(0, 4), (4, 8), (8, 10)]
    assert batching.token_batches([], budget=20) == []


def test_split_even_deals_equal_work():
    assert batching.split_even([1] * 10, 2) == [(0, 5), (5, 10)]
    assert batching.split_even([1, 1, 1, 1, 4], 2) == [(0, 4), (4, 5)]
    assert batching.split_even([7], 2) == [(0, 1)]
    assert batching.split_even([1, 2, 3], 1) == [(0, 3)]


def test_planned_batches_sort_by_tokens_and_keep_the_answers_in_order(tiny_models):
    import threading

    import torch

    backend = make_backend("hf:" + str(tiny_models.named), device="cpu", batch_size=2)
    texts = TEXTS * 3
    plan = backend.plan_batches(texts)
    assert sorted(i for batch in plan for i in batch) == list(range(len(texts)))
    lengths = backend._token_lengths(texts)
    flat = [lengths[i] for batch in plan for i in batch]
    assert flat == sorted(flat)
    for batch in plan:  # 2 x TOKENS_PER_ROW tokens a batch, padding counted
        assert (
            len(batch) * max(lengths[i] for i in batch) <= 2 * batching.TOKENS_PER_ROW
            or len(batch) == 1
        )
    # Batched (in token-sorted groups, in concurrent streams) = one text at a time.
    together = backend.annotate(SENTIMENT, texts)
    alone = [backend.annotate(SENTIMENT, [t])[0] for t in texts]
    for a, b in zip(together, alone):
        assert a["sentiment_label"] == b["sentiment_label"]
        assert a["sentiment_score"] == pytest.approx(b["sentiment_score"], abs=1e-5)
    # The streams' one-thread setting does not leak into threads started later.
    seen = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert seen == [torch.get_num_threads()]
    assert backend.plan_batches([]) is None
    backend.close()


# -- zero-shot (NLI) -------------------------------------------------------------------


def test_zero_shot_over_a_custom_label_set(tiny_models, project):
    labels = ("economy", "health", "crime")
    task = SentimentTask(labels, long_texts="truncate")
    backend = make_backend("hf:" + str(tiny_models.nli), batch_size=5)  # 5: splits texts
    result = run_job(project, task, backend)
    assert result.status == "done" and result.failed == 0 and result.done == len(TEXTS)
    frame = run_results(project, result.run_id)
    assert set(labelled(frame)["sentiment_label"]) <= set(labels)
    reference = pipeline_top(tiny_models.nli, "zero-shot-classification")
    for i, text in enumerate(TEXTS):
        if not text:
            continue  # the pipeline refuses an empty sequence
        ref = reference(text, candidate_labels=list(labels), hypothesis_template="This text is {}.")
        assert frame.loc[i, "sentiment_label"] == ref["labels"][0], text
        assert frame.loc[i, "sentiment_score"] == pytest.approx(ref["scores"][0], abs=1e-4)


# -- text generation -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lm", "lm_plain"])
def test_causal_lm_gibberish_is_recorded_as_row_errors(tiny_models, project, name):
    backend = make_backend("hf:" + str(getattr(tiny_models, name)), batch_size=8)
    result = run_job(project, SENTIMENT, backend)
    assert result.status == "done" and result.done == len(TEXTS)
    frame = run_results(project, result.run_id)
    answered = frame["sentiment_label"].notna()
    assert set(frame.loc[answered, "sentiment_label"]) <= set(SENTIMENT.labels)
    assert (answered ^ frame["sentiment_error"].notna()).all()  # a label or an error
    assert result.failed == len(TEXTS) - 1, "random weights should not produce a label"
    # The long text is read in chunks: its error says which chunk failed.
    assert labelled(frame)["sentiment_error"].str.contains("unparseable answer").all()


def test_prompts_use_the_chat_template_when_there_is_one(tiny_models):
    chat = make_backend("hf:" + str(tiny_models.lm))
    plain = make_backend("hf:" + str(tiny_models.lm_plain))
    prompt = chat._prompt(SENTIMENT, "a text")
    assert prompt.startswith("<|system|>\nYou classify") and prompt.endswith("<|assistant|>\n")
    assert "<|user|>\nText:\na text</s>" in prompt
    prompt = plain._prompt(SENTIMENT, "a text")
    assert prompt.startswith("You classify") and prompt.endswith("Text:\na text\n\nAnswer:")
    assert chat.fingerprint()["generation"]["prompt"] == "chat template"
    assert plain.fingerprint() != chat.fingerprint()


def test_batched_generation_equals_one_at_a_time(tiny_models):
    # Left padding and the attention mask must make a padded batch answer as single texts do.
    backend = make_backend("hf:" + str(tiny_models.lm))
    texts = ["hi", "a much longer text than the first one, with more words", "mid length"]
    batch = [str(r) for r in backend.annotate(SENTIMENT, texts)]
    single = [str(backend.annotate(SENTIMENT, [t])[0]) for t in texts]
    assert batch == single
    assert len(set(batch)) == 3  # different texts, different gibberish


def test_long_texts_are_cut_to_fit_the_context(tiny_models):
    backend = make_backend("hf:" + str(tiny_models.lm))
    prompt = backend._fitted_prompt(SENTIMENT, "word " * 2000)
    tokens = len(backend.tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert backend.max_length - backend.max_new_tokens - 4 <= tokens
    assert tokens <= backend.max_length - backend.max_new_tokens
    assert prompt.endswith("<|assistant|>\n")
    assert isinstance(backend.annotate(SENTIMENT, ["word " * 2000])[0], RowError)


# -- embeddings ------------------------------------------------------------------------


def test_bare_encoder_labels_by_similarity(tiny_models, project):
    backend = make_backend("hf:" + str(tiny_models.encoder))
    result = run_job(project, SENTIMENT, backend)
    assert result.status == "done" and result.failed == 0
    assert set(labelled(run_results(project, result.run_id))["sentiment_label"]) <= set(
        SENTIMENT.labels
    )
    assert backend.fingerprint()["method"] == "label-description similarity v1"


def test_minilm_folder_through_hf_answers_as_the_builtin_backend():
    from llmstudio.core.backends.builtin import model_dir

    texts = ["I love this, wonderful!", "This is awful, I hate it.", "The bus comes at nine."]
    builtin = make_backend("builtin").annotate(SENTIMENT, texts)
    backend = make_backend("hf:" + str(model_dir()))
    assert backend.pipeline_task == "embeddings"
    for ours, theirs in zip(backend.annotate(SENTIMENT, texts), builtin):
        assert ours["sentiment_label"] == theirs["sentiment_label"]
        assert ours["sentiment_score"] == pytest.approx(theirs["sentiment_score"], abs=1e-5)


def test_builtin_real_minilm_sanity():
    backend = make_backend("builtin")
    got = backend.annotate(SENTIMENT, ["I love this, wonderful!", "This is awful, I hate it."])
    assert [g["sentiment_label"] for g in got] == ["positive", "negative"]


# -- hub ids, offline ------------------------------------------------------------------


@pytest.fixture
def no_sockets(monkeypatch):
    """Every attempt to open a connection is recorded and refused."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled in this test")

    def no_dns(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    return attempts


def test_uncached_hub_id_offline_is_a_clear_error(hf_cache, hf_offline, no_sockets):
    with pytest.raises(BackendError) as err:
        make_backend("hf:llmstudio-tests/not-downloaded")
    assert str(err.value) == (
        "model llmstudio-tests/not-downloaded is not on this computer and the Hugging Face "
        "hub cannot be reached; download it once online or give a local folder"
    )
    assert no_sockets == []


def test_uncached_hub_id_without_network_is_a_clear_error(hf_cache, no_sockets, monkeypatch):
    # Offline mode off, but nothing can be reached: one quick question, no retry loop.
    from huggingface_hub import constants

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(BackendError) as err:
        make_backend("hf:llmstudio-tests/not-downloaded")
    assert str(err.value) == loading.offline_message("llmstudio-tests/not-downloaded")
    assert 1 <= len(no_sockets) <= 3  # it did ask (no network, not offline mode) but once


def test_cached_hub_id_loads_offline_with_its_commit(tiny_models, hf_cache, no_sockets):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = hf_cache / "models--llmstudio-tests--tiny-sentiment"
    shutil.copytree(tiny_models.named, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    backend = make_backend("hf:llmstudio-tests/tiny-sentiment")
    fp = backend.fingerprint()
    assert fp["model"] == "llmstudio-tests/tiny-sentiment" and fp["revision"] == commit
    assert backend.annotate(SENTIMENT, ["good"])[0]["sentiment_label"] in SENTIMENT.labels
    assert no_sockets == []


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BackendError, match="no model folder"):
        make_backend("hf:" + str(tmp_path / "nothing-here"))


def test_remote_code_is_not_run_unless_allowed(tiny_models, tmp_path):
    folder = tmp_path / "custom"
    shutil.copytree(tiny_models.named, folder)
    sentinel = tmp_path / "code-ran"
    (folder / "configuration_custom.py").write_text(
        f"open({str(sentinel)!r}, 'w').close()\n"
        "from transformers import PretrainedConfig\n"
        "class CustomConfig(PretrainedConfig):\n    model_type = 'llmstudio-custom'\n"
    )
    config = (folder / "config.json").read_text()
    (folder / "config.json").write_text(
        config.replace(
            '"model_type": "bert"',
            '"model_type": "llmstudio-custom", '
            '"auto_map": {"AutoConfig": "configuration_custom.CustomConfig"}',
        )
    )
    with pytest.raises(BackendError, match="trust_remote_code"):
        make_backend("hf:" + str(folder))
    assert not sentinel.exists()


# -- fingerprint, threads --------------------------------------------------------------


def test_fingerprint_follows_the_weights(tiny_models, tmp_path):
    import models

    folder = shutil.copytree(tiny_models.named, tmp_path / "m")
    first = make_backend("hf:" + str(folder)).fingerprint()
    assert first["model"] == str(folder.resolve())
    assert first == make_backend("hf:" + str(folder)).fingerprint()  # stable
    models.build_classifier(folder, ["NEGATIVE", "POSITIVE"], seed=99)  # retrained
    second = make_backend("hf:" + str(folder)).fingerprint()
    assert second["revision"] != first["revision"]
    assert {k: v for k, v in second.items() if k != "revision"} == {
        k: v for k, v in first.items() if k != "revision"
    }


def test_cpu_threads_default_to_physical_cores(monkeypatch):
    import torch

    cores = threads.physical_cores()
    if cores is None:
        pytest.skip("no CPU topology on this system")
    before = torch.get_num_threads()
    for name in threads._THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "_threads_set", False)
    try:
        torch.set_num_threads(cores + 3)
        assert threads.configure_cpu_threads() == cores
        torch.set_num_threads(cores + 3)
        monkeypatch.setattr(threads, "_threads_set", False)
        monkeypatch.setenv("OMP_NUM_THREADS", "7")  # the user's choice stands
        assert threads.configure_cpu_threads() == cores + 3
    finally:
        torch.set_num_threads(before)


# -- coding and prompts ----------------------------------------------------------------

CODEBOOK = Codebook(codes=(Code("economy"), Code("health"), Code("crime")), name="issues")


@pytest.mark.parametrize("multi", [False, True])
def test_nli_codes_as_the_zero_shot_pipeline_does(tiny_models, project, multi):
    book = Codebook(codes=CODEBOOK.codes, name="issues", multi_label=multi)
    task = CodeTask(codebook=book, long_texts="truncate")
    backend = make_backend("hf:" + str(tiny_models.nli), batch_size=5)
    result = run_job(project, task, backend)
    assert result.status == "done" and result.failed == 0
    frame = run_results(project, result.run_id)
    reference = pipeline_top(tiny_models.nli, "zero-shot-classification")
    for i, text in enumerate(TEXTS):
        if not text:
            continue
        ref = reference(
            text,
            candidate_labels=list(book.names),
            multi_label=multi,
            hypothesis_template="This text is about {}.",
        )
        expected = dict(zip(ref["labels"], ref["scores"]))
        if multi:  # each code on its own: entailment against contradiction
            for code in book.names:
                assert frame.loc[i, f"code_{code}_score"] == pytest.approx(expected[code], abs=1e-4)
                assert frame.loc[i, f"code_{code}"] == int(expected[code] >= 0.5)
        else:
            assert frame.loc[i, "code_label"] == ref["labels"][0], text
            assert frame.loc[i, "code_score"] == pytest.approx(ref["scores"][0], abs=1e-4)


def test_a_prompt_task_gets_room_for_a_long_answer(tiny_models, project):
    backend = make_backend("hf:" + str(tiny_models.lm))
    task = PromptTask(template="Summarise: {text}")
    result = run_job(project, task, backend, limit=3)
    assert result.status == "done" and result.done == 3
    frame = run_results(project, result.run_id)
    answered = frame["prompt_output"].dropna()
    assert len(answered) + frame["prompt_error"].notna().sum() == 3
    # Random weights write gibberish, but as much of it as a summary may take.
    assert backend._new_tokens(task) == 300 > backend._new_tokens(SENTIMENT) == 40
    assert backend._prompt(task, task.render("a text", {})).count("Summarise: a text") == 1


@pytest.mark.parametrize(
    "model, task, why",
    [
        ("named", PromptTask(template="Rewrite: {text}"), "cannot answer a free prompt"),
        ("named", SentimentTask(explain=True), "cannot explain"),
        (
            "named",
            CodeTask(codebook=Codebook(codes=CODEBOOK.codes, multi_label=True)),
            "needs an NLI (zero-shot) model",
        ),
        ("named", SentimentTask(examples=(("good", "positive"),)), "does not learn from examples"),
        ("encoder", SentimentTask(explain=True), "cannot explain"),
        ("encoder", PromptTask(template="Rewrite: {text}"), "cannot answer a free prompt"),
    ],
)
def test_what_a_label_only_model_cannot_run_is_refused_before_anything_is_stored(
    tiny_models, project, model, task, why
):
    backend = make_backend("hf:" + str(getattr(tiny_models, model)))
    with pytest.raises(BackendError, match=re.escape(why)):
        run_job(project, task, backend)
    assert project.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
