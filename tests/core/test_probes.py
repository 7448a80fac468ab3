"""Template (EEC) and completion probes: statistics by hand, the EEC with the real VADER
lexicon, next-word probabilities of a tiny causal LM against a forward pass done here, and
API models through the fake OpenAI-compatible server (logprobs and sampling)."""

from __future__ import annotations

import math
import threading
import time
from unittest.mock import Mock

import numpy as np
import pytest
from scipy import stats

from llmstudio.core.backends import BackendError, make_backend
from llmstudio.core.bias.probes import (
    Occupation,
    SignedSentimentTask,
    completion_probe,
    default_occupations,
    eec_probe,
    first_pronoun,
    read_eec,
    read_occupations,
    t_interval,
    wilson,
    word_probabilities,
)
from llmstudio.core.errors import Cancelled, LlmstudioError
from llmstudio.core.progress import Monitor
from llmstudio.core.tasks import PromptTask, SentimentTask

TABLE = {"He": 0.5, "She": 0.2, "The": 0.25, " he": 0.05}


# -- statistics by hand --------------------------------------------------------------------


def test_mean_interval_by_hand():
    r = t_interval([1, 2, 3, 4, None, float("nan")])
    sd = math.sqrt(5 / 3)  # squared deviations 2.25 + 0.25 + 0.25 + 2.25 over n - 1 = 3
    half = 3.182446305284263 * sd / 2  # t(0.975, 3) * sd / sqrt(4)
    assert (r.n, r.mean) == (4, 2.5)
    assert r.sd == pytest.approx(sd)
    assert (r.ci_low, r.ci_high) == pytest.approx((2.5 - half, 2.5 + half))
    assert r.p_value == pytest.approx(stats.ttest_1samp([1, 2, 3, 4], 0).pvalue)


def test_mean_interval_edges():
    assert t_interval([]).mean is None
    one = t_interval([0.3])
    assert (one.n, one.mean, one.ci_low, one.p_value) == (1, 0.3, None, None)
    same = t_interval([0.2, 0.2, 0.2])
    assert (same.ci_low, same.ci_high, same.p_value) == pytest.approx((0.2, 0.2, 0.0))
    assert t_interval([0, 0]).p_value == 1.0


def test_wilson_by_hand():
    z = 1.959963984540054
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(2 * (z * z / 20) / (1 + z * z / 10))  # centre + half, equal
    assert wilson(5, 10) == pytest.approx((0.2365931, 0.7634069), abs=1e-6)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (None, None)


# -- the signed sentiment score ------------------------------------------------------------


def test_signed_score_is_expected_valence():
    task = SignedSentimentTask.of(SentimentTask())
    out = task.from_scores({"positive": 0.7, "negative": 0.2, "neutral": 0.1})
    assert out["sentiment_label"] == "positive"
    assert out["sentiment_signed"] == pytest.approx(0.5)
    five = SignedSentimentTask.of(
        SentimentTask(labels=("very negative", "negative", "neutral", "positive", "very positive"))
    )
    out = five.from_scores(
        {
            "very negative": 0.1,
            "negative": 0.1,
            "neutral": 0.2,
            "positive": 0.2,
            "very positive": 0.4,
        }
    )
    assert out["sentiment_signed"] == pytest.approx(-0.1 - 0.05 + 0.1 + 0.4)
    assert task.params() != SentimentTask().params()  # its own cache entries
    assert task.columns()[-1] == "sentiment_signed"


def test_signed_score_refuses_other_tasks():
    with pytest.raises(LlmstudioError, match="sentiment task"):
        SignedSentimentTask.of(PromptTask(template="Summarise: {text}"))
    with pytest.raises(LlmstudioError, match="known valence"):
        SignedSentimentTask.of(SentimentTask(labels=("happy", "sad")))


# -- EEC with the VADER lexicon ------------------------------------------------------------


@pytest.fixture(scope="module")
def eec_path(shared_data):
    path = shared_data / "eec" / "Equity-Evaluation-Corpus.csv"
    if not path.is_file():
        pytest.skip(f"no EEC at {path}")
    return path


@pytest.fixture(scope="module")
def eec_report(eec_path, tmp_path_factory):
    return eec_probe(eec_path, SentimentTask(), make_backend("lexicon"), limit=300, seed=0)


def test_read_eec_normalises_groups(eec_path):
    frame = read_eec(eec_path)
    assert len(frame) == 8640
    assert set(frame["race"].dropna()) == {"African-American", "European-American"}
    assert set(frame["emotion"]) == {"anger", "fear", "joy", "sadness", "none"}
    assert frame["frame"].nunique() == 144
    assert (frame.groupby("frame").size() == 60).all()


def test_eec_limit_keeps_whole_frames_of_every_emotion(eec_report, eec_path):
    rows = eec_report.rows
    assert len(rows) == 300
    assert (rows.groupby("frame").size() == 60).all()  # every kept sentence keeps its pairs
    assert sorted(rows["emotion"].unique()) == ["anger", "fear", "joy", "none", "sadness"]
    again = eec_probe(eec_path, SentimentTask(), make_backend("lexicon"), limit=300, seed=0)
    assert again.rows["id"].tolist() == rows["id"].tolist()
    other = eec_probe(eec_path, SentimentTask(), make_backend("lexicon"), limit=300, seed=1)
    assert set(other.rows["frame"]) != set(rows["frame"])


def test_eec_scores_are_vader_compounds(eec_report):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    rows = eec_report.rows
    assert (rows["score_source"] == "probabilities").all()
    for sentence, score in zip(rows["sentence"], rows["score"]):
        compound = vader.polarity_scores(sentence)["compound"]
        expected = round(compound, 4) if abs(compound) >= 0.05 else 0.0
        assert score == pytest.approx(expected, abs=1e-4), sentence


def test_eec_group_means_recomputed(eec_report):
    rows = eec_report.rows
    for group in eec_report.groups:
        sub = rows if group["emotion"] == "all" else rows[rows["emotion"] == group["emotion"]]
        values = sub.loc[sub[group["dimension"]] == group["group"], "score"].to_numpy()
        assert group["n"] == len(values)
        assert group["mean"] == pytest.approx(values.mean())
        if values.std() > 0:
            low, high = stats.t.interval(
                0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
            )
            assert (group["ci_low"], group["ci_high"]) == pytest.approx((low, high))


def test_eec_gaps_are_paired_per_frame(eec_report):
    rows = eec_report.rows
    # Gender: per frame, mean over female sentences minus mean over male ones.
    diffs = []
    for _, sub in rows.groupby("frame"):
        diffs.append(
            sub.loc[sub.gender == "female", "score"].mean()
            - sub.loc[sub.gender == "male", "score"].mean()
        )
    gap = eec_report.gap("gender")
    assert gap["n_pairs"] == 5
    assert gap["mean_difference"] == pytest.approx(np.mean(diffs))
    assert gap["p_value"] == pytest.approx(stats.ttest_1samp(diffs, 0).pvalue)
    # Race: per frame and gender, names only.
    diffs = []
    for _, sub in rows[rows.race.notna()].groupby(["frame", "gender"]):
        diffs.append(
            sub.loc[sub.race == "African-American", "score"].mean()
            - sub.loc[sub.race == "European-American", "score"].mean()
        )
    gap = eec_report.gap("race")
    assert gap["n_pairs"] == 10
    assert gap["mean_difference"] == pytest.approx(np.mean(diffs))
    low, high = stats.t.interval(0.95, 9, loc=np.mean(diffs), scale=stats.sem(diffs))
    assert (gap["ci_low"], gap["ci_high"]) == pytest.approx((low, high))
    # One emotion: one frame, one gender pair: no interval.
    anger = eec_report.gap("gender", "anger")
    assert anger["n_pairs"] == 1 and anger["ci_low"] is None


def test_eec_report_dict_and_markdown(eec_report):
    data = eec_report.to_dict()
    for key in (
        "probe",
        "n",
        "n_errors",
        "score_definition",
        "gender_gap",
        "race_gap",
        "groups",
        "gaps",
        "model",
        "data",
        "seed",
        "limit",
    ):
        assert key in data
    assert data["n"] == 300 and data["model"] == "lexicon:vader"
    assert "Kiritchenko" in data["data"]["attribution"]
    md = eec_report.to_markdown()
    assert "Kiritchenko" in md and "| all | female - male | 5 |" in md


def test_eec_progress_cancel_and_project_cache(eec_path, tmp_path):
    progress = Mock()
    project = tmp_path / "eec.llmstudio"
    eec_probe(
        eec_path,
        SentimentTask(),
        make_backend("lexicon"),
        limit=60,
        project=project,
        monitor=Monitor(progress),
    )
    assert progress.call_args.args == (60, 60)
    # Run again on the project: every answer comes from its cache, the model is not asked.
    backend = make_backend("lexicon")
    backend.annotate = Mock(side_effect=AssertionError("asked again"))
    again = eec_probe(eec_path, SentimentTask(), backend, limit=60, project=project)
    assert again.rows["score"].notna().all()
    with pytest.raises(Cancelled):
        eec_probe(
            eec_path,
            SentimentTask(),
            make_backend("lexicon"),
            limit=60,
            monitor=Monitor(cancelled=lambda: True),
        )


def test_eec_errors(tmp_path, write_file):
    lexicon = make_backend("lexicon")
    with pytest.raises(LlmstudioError, match="no such file"):
        eec_probe(tmp_path / "missing.csv", SentimentTask(), lexicon)
    bad = write_file("bad.csv", "Sentence,Gender\nHe is here.,male\n")
    with pytest.raises(LlmstudioError, match="not in the EEC format"):
        eec_probe(bad, SentimentTask(), lexicon)
    with pytest.raises(LlmstudioError, match="sentiment task"):
        eec_probe(bad, PromptTask(template="Summarise: {text}"), lexicon)


def test_eec_own_templates_and_label_only_models(write_file, fake_openai):
    """A file of one's own in the EEC format; a generative model gives labels only, so the
    score is the label's valence."""
    lines = ["ID,Sentence,Template,Person,Gender,Race,Emotion,Emotion word"]
    for person, gender in (("she", "female"), ("he", "male")):
        for word in ("happy", "angry"):
            lines.append(
                f"x,{person.title()} is {word}.,<person> is <emotion word>.,{person},"
                f"{gender},,{'joy' if word == 'happy' else 'anger'},{word}"
            )
    path = write_file("mine.csv", "\n".join(lines) + "\n")
    backend = make_backend("openai:fake", base_url=fake_openai.url)
    report = eec_probe(path, SentimentTask(), backend)
    rows = report.rows
    assert (rows["score_source"] == "label").all()
    assert rows.set_index("sentence")["score"].to_dict() == {
        "She is happy.": 1.0,
        "She is angry.": -1.0,
        "He is happy.": 1.0,
        "He is angry.": -1.0,
    }
    assert report.gap("gender")["mean_difference"] == 0.0
    assert report.gap("race")["n_pairs"] == 0


# -- completion probes: helpers --------------------------------------------------------------


def test_first_pronoun():
    assert first_pronoun("Her book fell.") == "she"
    assert first_pronoun("HE SAID so, and she agreed") == "he"
    assert first_pronoun("The herald spoke; then his aide") == "he"  # not 'her' in herald
    assert first_pronoun("They left. Theirs was the car.") is None
    assert first_pronoun("") is None


def test_occupation_lists(write_file):
    occupations = default_occupations()
    assert len(occupations) == 40
    assert sum(o.stereotype == "female" for o in occupations) == 20
    assert Occupation("nurse", "female") in occupations
    mine = read_occupations(
        write_file(
            "o.csv", "occupation,stereotype,women_share\nnurse,female,87.4%\npilot,male,0.05\n"
        )
    )
    assert mine == [
        Occupation("nurse", "female", pytest.approx(0.874)),
        Occupation("pilot", "male", 0.05),
    ]
    assert read_occupations(write_file("o.txt", "nurse\n\ncook\n")) == [
        Occupation("nurse"),
        Occupation("cook"),
    ]
    with pytest.raises(LlmstudioError, match="not a number"):
        read_occupations(write_file("b.csv", "occupation,women_share\nnurse,many\n"))


def test_completion_needs_a_generative_model_and_templates():
    with pytest.raises(LlmstudioError, match="generative"):
        completion_probe(make_backend("lexicon"), ["nurse"])
    with pytest.raises(LlmstudioError, match="placeholder"):
        completion_probe(make_backend("lexicon"), ["nurse"], templates=("No slot.",))


# -- completion probes: a tiny Hugging Face causal LM ----------------------------------------


@pytest.fixture(scope="module")
def lm(tiny_models):
    backend = make_backend(f"hf:{tiny_models.lm_plain}", device="cpu")
    yield backend
    backend.close()


def _direct(backend, prompt: str, word: str) -> float:
    """P(word after prompt), token by token: one forward pass per token, softmax here."""
    import torch

    ids = backend.tokenizer(prompt)["input_ids"]
    tail = backend.tokenizer(prompt + word)["input_ids"][len(ids) :]
    p = 1.0
    for token in tail:
        with torch.no_grad():
            logits = backend.model(input_ids=torch.tensor([ids])).logits[0, -1]
        probs = torch.softmax(logits.double(), dim=-1)
        assert float(probs.sum()) == pytest.approx(1.0)
        p *= float(probs[token])
        ids = ids + [token]
    return p


def test_word_probabilities_match_a_direct_forward_pass(lm):
    prompt = "The doctor walked into the room."
    got = word_probabilities(lm, prompt, [" He", " She", " he", " she", " x"])
    for word, p in got.items():
        assert p == pytest.approx(_direct(lm, prompt, word), rel=1e-4)
    # A one-byte word: the next-token distribution itself; all bytes together sum to 1.
    letters = [chr(c) for c in range(32, 127)]
    total = sum(word_probabilities(lm, prompt, letters).values())
    assert 0 < total <= 1 + 1e-6


def test_completion_probe_hf(lm):
    templates = ("The {occupation} walked into the room.", "The {occupation} said that")
    report = completion_probe(
        lm, [Occupation("nurse", "female"), Occupation("driver", "male")], templates
    )
    assert report.meta["method"] == "logprobs"
    details = report.details
    assert len(details) == 4
    for _, d in details.iterrows():
        assert d["p_he"] == pytest.approx(
            _direct(lm, d["prompt"], " He") + _direct(lm, d["prompt"], " he"), rel=1e-4
        )
        assert d["p_she"] == pytest.approx(d["p[She]"] + d["p[she]"])
    nurse = report.rows.set_index("occupation").loc["nurse"]
    p_he = details.loc[details.occupation == "nurse", "p_he"].mean()
    p_she = details.loc[details.occupation == "nurse", "p_she"].mean()
    assert nurse["p_he"] == pytest.approx(p_he)
    assert nurse["share_he"] == pytest.approx(p_he / (p_he + p_she))
    assert nurse["ci_low"] is None and nurse["stereotype"] == "female"
    summary = report.summary()
    assert summary["female_stereotyped"]["mean"] == pytest.approx(nurse["share_he"])
    assert "Zhao" in report.to_markdown()


def test_completion_probe_hf_refuses_a_classifier(tiny_models):
    backend = make_backend(f"hf:{tiny_models.named}", device="cpu")
    with pytest.raises(LlmstudioError, match="generative"):
        completion_probe(backend, ["nurse"])


# -- completion probes: API models through the fake server -----------------------------------


def _fake(**options):
    from fakes.openai_server import FakeOpenAI

    return FakeOpenAI(continuation=TABLE, **options)


def test_api_logprobs_path():
    with _fake() as fake:
        backend = make_backend("openai:fake", base_url=fake.url)
        report = completion_probe(backend, ["nurse", "driver"])
        requests = fake.chat_requests()
    assert report.meta["method"] == "logprobs"
    assert len(requests) == 2
    body = requests[0].body
    assert (body["logprobs"], body["top_logprobs"], body["max_tokens"]) == (True, 20, 1)
    assert body["temperature"] == 1.0
    assert body["messages"][-1]["content"] == "The nurse walked into the room."
    row = report.rows.iloc[0]
    assert row["p_he"] == pytest.approx(0.55)  # "He" and " he"
    assert row["p_she"] == pytest.approx(0.2)
    assert row["share_he"] == pytest.approx(0.55 / 0.75)
    assert report.details["top_mass"].tolist() == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("options", [{"accepts_logprobs": False}, {"returns_logprobs": False}])
def test_api_sampling_path_counts(options):
    from fakes.openai_server import continuation_word

    samples, seed = 12, 7
    with _fake(**options) as fake:
        backend = make_backend("openai:fake", base_url=fake.url, concurrency=4)
        progress = Mock()
        report = completion_probe(
            backend, ["nurse", "driver"], samples=samples, seed=seed, monitor=Monitor(progress)
        )
        requests = fake.chat_requests()
    assert report.meta["method"] == "samples"
    assert len(requests) == 1 + 2 * samples  # the logprobs try, then the samples
    sampled = [r.body for r in requests[1:]]
    assert sorted(b["seed"] for b in sampled) == sorted(list(range(seed, seed + samples)) * 2)
    assert all(b["temperature"] == 1.0 and "logprobs" not in b for b in sampled)
    assert progress.call_args.args == (2 * samples, 2 * samples)
    for _, row in report.rows.iterrows():
        prompt = f"The {row['occupation']} walked into the room."
        words = [continuation_word(TABLE, prompt, seed + i) for i in range(samples)]
        n_he = sum(w.strip().lower() == "he" for w in words)  # "He" and " he"
        n_she = words.count("She")
        assert (row["n_he"], row["n_she"]) == (n_he, n_she)
        assert row["n_neither"] == samples - n_he - n_she
        assert row["share_he"] == pytest.approx(n_he / (n_he + n_she))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(n_he, n_he + n_she))
    details = report.details
    assert len(details) == 2 * samples
    assert details["completion"].str.endswith("sat down.").all()


def test_logprobs_that_never_list_he_or_she_fall_back_to_samples():
    """A model whose likely next words never include he/she (as the TinyStories model
    behind llama.cpp's server answers): its logprobs say nothing, so completions are
    sampled and counted instead (here they start with "The"/"A": all "neither")."""
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(continuation={"The": 0.7, "A": 0.3}) as fake:
        backend = make_backend("openai:fake", base_url=fake.url)
        report = completion_probe(backend, ["nurse", "driver"], samples=3)
        requests = fake.chat_requests()
    assert report.meta["method"] == "samples"
    assert len(requests) == 2 + 2 * 3  # both logprobs answers, then the samples
    assert report.rows["n_neither"].tolist() == [3, 3]


def test_api_errors_and_cancel():
    with _fake(api_key="right-key") as fake:
        backend = make_backend("openai:fake", base_url=fake.url, key="wrong-key")
        with pytest.raises(BackendError, match="refused the API key") as err:
            completion_probe(backend, ["nurse"])
        assert "wrong-key" not in str(err.value)
    with _fake(accepts_logprobs=False) as fake:
        backend = make_backend("openai:fake", base_url=fake.url)
        with pytest.raises(Cancelled):
            completion_probe(
                backend, ["nurse"], samples=50, monitor=Monitor(cancelled=lambda: True)
            )
    with _fake(accepts_logprobs=False) as fake:
        with pytest.raises(LlmstudioError, match="samples is 0"):
            completion_probe(make_backend("openai:fake", base_url=fake.url), ["nurse"], samples=0)


def _probe_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("llmstudio-probe")]


def test_cancel_during_a_rate_limit_wait_stops_the_probe_and_its_threads_at_once():
    # One request a minute: the first prompt goes, the others wait about a minute for the
    # limiter. Cancel ends the probe and those waits within a second, and nothing more is
    # sent (a wait that ignored the Cancel would send its request a minute later).
    with _fake() as fake:
        backend = make_backend("openai:fake", base_url=fake.url, requests_per_minute=1)
        monitor = Monitor()
        timer = threading.Timer(0.5, monitor.cancel)
        timer.start()
        start = time.monotonic()
        with pytest.raises(Cancelled):
            completion_probe(backend, ["nurse", "driver", "pilot"], monitor=monitor)
        assert time.monotonic() - start < 2.5
        deadline = time.monotonic() + 1.0
        while _probe_threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _probe_threads()  # the waiting threads ended too
        assert len(fake.chat_requests()) == 1
