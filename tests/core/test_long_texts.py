"""Long texts are never cut silently: every backend's input limit, splitting into chunks,
the rules that combine chunks' answers, truncation marked, and the counts reported."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.base import RowError
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.backends.openai_context import CONTEXT_WINDOWS, DEFAULT_CONTEXT_WINDOW
from llmstudio.core.chunking import LongTexts, long_text_counts, over_limit, split_text
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.methods import build_record
from llmstudio.core.project import Project
from llmstudio.core.run_progress import JobResult
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks.base import PROBABILITIES, TRUNCATE
from llmstudio.core.tasks.coding import CodeTask
from llmstudio.core.tasks.prompt import PromptTask
from llmstudio.core.tasks.sentiment import SCALES, SentimentTask, valence

# A neutral account, about 530 words, then the verdict: the twins differ in one word.
BODY = " ".join(
    [
        "The new community centre opened last spring and I have been going there "
        "most weeks. The building is large, with a hall, a small library, a cafe and "
        "rooms that groups can book. Parking is limited but the bus stops right "
        "outside. Opening hours changed twice this year. Staff run classes for "
        "children in the afternoons and for older people in the mornings."
    ]
    * 9
)
HATE = BODY + " All things considered, I hate it."
LOVE = BODY + " All things considered, I love it."


def words(text: str) -> list[str]:
    return text.split()


def project_of(tmp_path, texts: list[str], name: str = "p") -> Project:
    frame = pd.DataFrame({"id": range(1, len(texts) + 1), "text": texts})
    return Project.create(tmp_path / f"{name}.llmstudio", Corpus(frame, "text"))


# -- builtin: the twins ------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin():
    backend = make_backend("builtin")
    yield backend
    backend.close()


def test_builtin_limit_is_minilm_max_seq_length_less_special_tokens(builtin):
    assert builtin.input_limit(SentimentTask()) == 256 - 2
    assert 500 < len(words(HATE)) < 600
    assert builtin.count_tokens([HATE])[0] > 254  # so the twins are over it


def test_twins_are_split_and_scored_apart_and_truncation_is_marked(tmp_path, builtin):
    with project_of(tmp_path, [HATE, LOVE, "A short answer: I love it."]) as project:
        split = run_job(project, SentimentTask(), builtin)
        got = run_results(project, split.run_id)
        assert split.chunked == 2 and split.truncated == 0
        pieces = LongTexts(builtin, SentimentTask()).plan([HATE])[0].pieces
        assert len(pieces) > 1 and max(builtin.count_tokens(pieces)) <= 254
        assert got["sentiment_chunks"].tolist() == [len(pieces), len(pieces), 1]
        assert got["sentiment_score"][0] != got["sentiment_score"][1]
        # The verdict moves the signed score the way it should.
        assert got["sentiment_valence"][0] < got["sentiment_valence"][1]

        cut = run_job(project, SentimentTask(long_texts=TRUNCATE), builtin)
        assert cut.run_id != split.run_id and cut.truncated == 2 and cut.chunked == 0
        old = run_results(project, cut.run_id)
        # Truncated, the model reads the same first 254 tokens of both twins: today's
        # answer, now marked.
        assert old["sentiment_label"][0] == old["sentiment_label"][1] == "positive"
        assert old["sentiment_score"][0] == old["sentiment_score"][1]
        assert old["sentiment_truncated"].tolist() == [1, 1, 0]
        assert old["sentiment_chunks"].tolist() == [1, 1, 1]
        direct = builtin.annotate(SentimentTask(), [HATE])[0]  # the model reading it whole
        assert old["sentiment_score"][0] == pytest.approx(direct["sentiment_score"])

        # Split and truncated answers never share a cache entry: both run again from
        # the cache, each getting its own answers back.
        again = run_job(project, SentimentTask(), builtin, rows=None)
        assert again.run_id == split.run_id
        fresh = tmp_path / "other"
        fresh.mkdir()
        with project_of(fresh, [HATE, LOVE, "A short answer: I love it."]) as other:
            # Another project file has no cache: the same split answers are computed again.
            assert run_results(other, run_job(other, SentimentTask(), builtin).run_id)[
                "sentiment_score"
            ].tolist() == pytest.approx(got["sentiment_score"].tolist())


def test_cache_keys_differ_between_split_and_truncate(tmp_path, builtin):
    from llmstudio.core.run_keys import cache_key

    split, cut = SentimentTask(), SentimentTask(long_texts=TRUNCATE)
    assert split.params()["long_texts"] == "split" and cut.params()["long_texts"] == "truncate"
    assert cache_key(split, builtin, HATE) != cache_key(cut, builtin, HATE)
    with project_of(tmp_path, [HATE]) as project:
        run_job(project, split, builtin)
        second = run_job(project, cut, builtin)
        assert second.cached == 0 and second.computed == 1  # nothing taken from split's


def test_builtin_coding_by_corpus_sees_the_chunks(tmp_path, builtin):
    """The embedding classifier learns from the corpus: it gets the chunks it is asked
    about, and a long text's codes come from its chunks."""
    book = Codebook(
        codes=(
            Code("Housing", "homes, rents, buildings"),
            Code("Transport", "buses, trains, parking"),
        ),
        name="topics",
    )
    task = CodeTask(codebook=book)
    with project_of(tmp_path, [HATE, "The bus was late again.", "Rents went up."]) as project:
        result = run_job(project, task, builtin)
        got = run_results(project, result.run_id)
    assert result.failed == 0 and got["code_chunks"][0] > 1
    assert got["code_chunks"].tolist()[1:] == [1, 1]
    assert set(got["code_label"]) <= {"Housing", "Transport"}


# -- splitting -------------------------------------------------------------------------


def count_words(texts):
    return [len(t.split()) for t in texts]


def test_split_text_cuts_on_sentences_within_the_limit():
    text = "One two three. Four five six seven. Eight nine. Ten eleven twelve thirteen."
    chunks = split_text(text, 7, count_words)
    # Filled greedily: 3 + 4 words, then 2 + 4.
    assert chunks == [
        "One two three. Four five six seven. ",
        "Eight nine. Ten eleven twelve thirteen.",
    ]
    assert "".join(chunks) == text
    assert max(count_words(chunks)) <= 7


def test_split_text_falls_back_to_words_then_characters():
    long_sentence = " ".join(f"w{i}" for i in range(25)) + "."
    chunks = split_text(long_sentence, 10, count_words)
    assert [len(c.split()) for c in chunks] == [10, 10, 5]
    assert "".join(chunks) == long_sentence

    def chars(texts):
        return [len(t) for t in texts]

    blob = "x" * 50
    pieces = split_text(blob, 12, chars)
    assert "".join(pieces) == blob and max(chars(pieces)) <= 12


# -- combining ---------------------------------------------------------------------------


def test_probabilities_are_averaged_with_token_weights():
    task = SentimentTask()
    a = task.from_probabilities({"positive": 0.8, "negative": 0.1, "neutral": 0.1})
    b = task.from_probabilities({"positive": 0.1, "negative": 0.8, "neutral": 0.1})
    out = task.combine([a, b], [300, 100])
    # positive (0.8*300 + 0.1*100) / 400 = 0.625; negative (0.1*300 + 0.8*100) / 400 = 0.275
    assert out["sentiment_label"] == "positive"
    assert out["sentiment_score"] == pytest.approx(0.625)
    assert out["sentiment_valence"] == pytest.approx(0.625 - 0.275)
    assert out[PROBABILITIES]["neutral"] == pytest.approx(0.1)
    # Weighted the other way, the negative chunk wins.
    assert task.combine([a, b], [100, 300])["sentiment_label"] == "negative"


def test_generative_answers_vote_by_tokens_times_score():
    task = SentimentTask(explain=True)
    chunks = [
        {
            "sentiment_label": "positive",
            "sentiment_score": 0.9,
            "sentiment_explanation": "likes the hall",
        },
        {
            "sentiment_label": "negative",
            "sentiment_score": 0.6,
            "sentiment_explanation": "hates it",
        },
        {"sentiment_label": "positive", "sentiment_score": None, "sentiment_explanation": "short"},
    ]
    out = task.combine(chunks, [100, 200, 30])
    # positive 100*0.9 + 30*1 = 120; negative 200*0.6 = 120: a tie, the earlier chunk's.
    assert out["sentiment_label"] == "positive"
    assert out["sentiment_score"] == pytest.approx(120 / 330, abs=1e-6)
    assert out["sentiment_explanation"] == "likes the hall"
    assert out["sentiment_valence"] is None  # no probabilities from a generative model
    out = task.combine(chunks, [100, 250, 30])  # negative 150 > positive 120
    assert out["sentiment_label"] == "negative"
    assert out["sentiment_score"] == pytest.approx(150 / 380, abs=1e-6)
    assert out["sentiment_explanation"] == "hates it"


def test_a_code_applies_when_it_applies_to_any_chunk_with_the_highest_score():
    book = Codebook(codes=(Code("Housing"), Code("Transport")), name="t", multi_label=True)
    task = CodeTask(codebook=book)
    first = task.from_scores({"Housing": 0.2, "Transport": 0.3})
    second = task.from_scores({"Housing": 0.9, "Transport": 0.4})
    out = task.combine([first, second], [250, 10])
    assert out == {
        "code_housing": 1,
        "code_housing_score": 0.9,
        "code_transport": 0,
        "code_transport_score": 0.4,
    }


def test_single_label_codes_combine_as_sentiment():
    book = Codebook(codes=(Code("Housing"), Code("Transport")), name="t")
    task = CodeTask(codebook=book)
    a = task.from_probabilities({"Housing": 0.7, "Transport": 0.3})
    b = task.from_probabilities({"Housing": 0.2, "Transport": 0.8})
    out = task.combine([a, b], [1, 3])  # Transport (0.3 + 2.4) / 4 = 0.675
    assert out["code_label"] == "Transport"
    assert out["code_score"] == pytest.approx(0.675)


def test_valence_on_each_scale():
    assert valence({"positive": 0.7, "negative": 0.2, "neutral": 0.1}) == pytest.approx(0.5)
    five = dict(zip(SCALES["5"], [0.1, 0.2, 0.3, 0.2, 0.2]))
    # -1*0.1 - 0.5*0.2 + 0 + 0.5*0.2 + 1*0.2 = 0.1
    assert valence(five) == pytest.approx(0.1)
    assert valence({"happy": 0.6, "sad": 0.4}) is None
    assert valence({}) is None


# -- limits of the other backends --------------------------------------------------------


def test_lexicon_has_no_limit():
    backend = make_backend("lexicon")
    assert backend.input_limit(SentimentTask()) is None
    plans = LongTexts(backend, SentimentTask()).plan([HATE * 20])
    assert len(plans[0].pieces) == 1 and not plans[0].truncated


@pytest.fixture(scope="module")
def small_models(tmp_path_factory, hf_offline):
    import models  # tests/ is on sys.path

    root = tmp_path_factory.mktemp("small")
    return {
        "classifier": models.build_classifier(
            root / "c", ["NEGATIVE", "POSITIVE"], max_positions=40
        ),
        "nli": models.build_classifier(
            root / "n", ["contradiction", "entailment", "neutral"], max_positions=40
        ),
    }


def test_hf_classifier_limit_is_max_positions_less_specials(small_models, tmp_path):
    backend = make_backend(f"hf:{small_models['classifier']}")
    assert backend.input_limit(SentimentTask()) == 40 - 2  # [CLS] and [SEP]
    text = " ".join(["good movie"] * 40)  # 80 tokens
    assert backend.count_tokens([text]) == [80]
    with project_of(tmp_path, [text, "good movie"]) as project:
        got = run_results(project, run_job(project, SentimentTask(), backend).run_id)
        assert got["sentiment_chunks"].tolist() == [3, 1]
        assert got["sentiment_valence"].notna().all()
        cut = run_results(
            project, run_job(project, SentimentTask(long_texts=TRUNCATE), backend).run_id
        )
        assert cut["sentiment_truncated"].tolist() == [1, 0]


def test_hf_nli_limit_counts_the_hypothesis(small_models):
    backend = make_backend(f"hf:{small_models['nli']}")
    task = SentimentTask()
    hypotheses = [task.hypothesis(label) for label in task.labels]
    limit = backend.input_limit(task)
    assert 0 < limit < 40 - 3
    # A text of exactly the limit fits beside every hypothesis; one token more does not.
    for n, fits in ((limit, True), (limit + 1, False)):
        text = " ".join(["good"] * n)
        lengths = [len(backend.tokenizer(text, h)["input_ids"]) for h in hypotheses]
        assert (max(lengths) <= 40) is fits


def test_hf_causal_lm_limit_leaves_room_for_prompt_and_answer(tiny_models):
    backend = make_backend(f"hf:{tiny_models.lm}")
    task = SentimentTask()
    prompt = len(backend.tokenizer(backend._prompt(task, ""))["input_ids"])
    assert backend.input_limit(task) == 512 - backend._new_tokens(task) - prompt
    assert backend.count_tokens(["abc"]) == [3]  # byte-level: a token a byte


def test_hf_embedding_model_limit(tiny_models):
    backend = make_backend(f"hf:{tiny_models.encoder}")
    assert backend.input_limit(SentimentTask()) == backend.model.max_seq_length - 2


# -- OpenAI-compatible servers -----------------------------------------------------------


def test_openai_context_from_the_server_table_default_or_user(fake_openai):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(context_window=300) as fake:
        backend = OpenAIBackend("fake", fake.url)
        assert backend.context_window() == (300, f"{backend.host} says so")
        task = SentimentTask()
        prompt = sum(backend.count_tokens([m["content"]])[0] + 4 for m in task.messages(""))
        assert backend.input_limit(task) == 300 - prompt - backend.max_tokens
    with FakeOpenAI(context_window=2048, context_field="meta.n_ctx_train") as fake:
        assert OpenAIBackend("fake", fake.url).context_window()[0] == 2048  # llama.cpp's
    # The fake lists its models without a context: OpenAI's table, then the default.
    assert (
        OpenAIBackend("gpt-4o-mini", fake_openai.url).context_window()[0]
        == CONTEXT_WINDOWS["gpt-4o-mini"]
    )
    assert (
        OpenAIBackend("gpt-4.1-mini-2025-04-14", fake_openai.url).context_window()[0]
        == CONTEXT_WINDOWS["gpt-4.1-mini"]
    )
    assert OpenAIBackend("llama3.2", fake_openai.url).context_window() == (
        DEFAULT_CONTEXT_WINDOW,
        "the default for unknown models",
    )
    given = OpenAIBackend("llama3.2", fake_openai.url, context_window=1000)
    assert given.context_window() == (1000, "set by the user")
    assert given.fingerprint()["context_window"] == 1000
    assert "context_window" not in OpenAIBackend("x", fake_openai.url).fingerprint()
    with pytest.raises(Exception, match="context_window must be a positive"):
        OpenAIBackend("x", fake_openai.url, context_window=-5)


def test_openai_long_text_is_split_within_the_context(tmp_path):
    from fakes.openai_server import FakeOpenAI

    long_text = BODY + " In the end I hate it."
    with (
        FakeOpenAI(context_window=600) as fake,
        project_of(tmp_path, [long_text, "I love it."]) as project,
    ):
        backend = OpenAIBackend("fake", fake.url, concurrency=2)
        result = run_job(project, SentimentTask(), backend)
        got = run_results(project, result.run_id)
        assert result.failed == 0, result.errors
        chunks = int(got["sentiment_chunks"][0])
        assert chunks > 1 and got["sentiment_chunks"][1] == 1
        assert fake.total == chunks + 1  # a request per chunk, none refused
        assert result.chunked == 1

        cut = run_job(project, SentimentTask(long_texts=TRUNCATE), backend)
        marked = run_results(project, cut.run_id)
        assert cut.failed == 0 and marked["sentiment_truncated"].tolist() == [1, 0]
        sent = fake.chat_requests()[-2:]
        assert all(r.status == 200 for r in sent)
        # What was sent is the text's start, cut at a word.
        cut_texts = [r.text for r in sent if r.text != "I love it."]
        assert long_text.startswith(cut_texts[0]) and len(cut_texts[0]) < len(long_text)


def test_a_server_that_does_not_list_its_context_teaches_it_by_refusing(tmp_path):
    """llama-cpp-python lists no context in GET /models: llmstudio assumes the default
    (4,096), the server refuses a longer text saying its own size, and the text is planned
    again within it and sent in chunks rather than recorded as failed."""
    from fakes.openai_server import FakeOpenAI

    long_text = BODY + " In the end I hate it."
    with (
        FakeOpenAI(context_window=600, context_field="unlisted_ctx") as fake,
        project_of(tmp_path, [long_text, "I love it.", long_text + " Twice."]) as project,
    ):
        backend = OpenAIBackend("fake", fake.url, concurrency=2)
        assert backend.context_window()[0] == DEFAULT_CONTEXT_WINDOW  # nothing listed
        result = run_job(project, SentimentTask(), backend)
        got = run_results(project, result.run_id)
        assert result.failed == 0, result.errors
        assert backend.context_window() == (
            600,
            f"{backend.host} said so when it refused a longer request",
        )
        assert got["sentiment_chunks"].tolist()[1] == 1
        assert got["sentiment_chunks"][0] > 1 and got["sentiment_chunks"][2] > 1
        assert result.chunked == 2
        refused = [r for r in fake.chat_requests() if r.status == 400]
        assert 1 <= len(refused) <= 2  # the texts in flight before it was learned
    # A refusal that states no size, or a larger one, teaches nothing.
    backend = OpenAIBackend("llama3.2", "http://127.0.0.1:9/v1")
    assert not backend.learn_context("HTTP 400: bad request")
    assert not backend.learn_context("This model's maximum context length is 8192 tokens.")
    assert backend.learn_context("the request exceeds the available context size (2,048 tokens)")
    assert backend.context_window()[0] == 2048 and backend.learned == 1


def test_a_refusal_that_counts_the_messages_teaches_the_tokenizer_rate():
    """A small-vocabulary model (llama-cpp-python's stories260K) counts more tokens than
    the estimate of a token per three characters: a refusal that says how many the
    messages took teaches the rate, so that a text cut to the window then fits."""
    backend = OpenAIBackend("tiny", "http://127.0.0.1:9/v1", context_window=4096)
    text = "word " * 300
    before = backend.count_tokens([text])[0]
    assert backend.learn_context(
        "This model's maximum context length is 512 tokens. However, you requested 722 "
        "tokens (522 in the messages, 200 in the completion).",
        estimated=300,
    )
    assert backend.context_window()[0] == 512
    assert backend.count_tokens([text])[0] == math.ceil(before * 522 / 300 * 1.05)
    # OpenAI's wording; a rate lower than the one learned teaches nothing
    assert not backend.learn_context(
        "This model's maximum context length is 512 tokens. "
        "However, your messages resulted in 600 tokens.",
        500,
    )
    assert backend.learned == 1
    # OpenAI's own models are counted by their tokenizer: no rate is learned for them
    openai_model = OpenAIBackend("gpt-4o-mini", None, key="sk-x", context_window=4096)
    assert not openai_model.learn_context(
        "This model's maximum context length is 8192 "
        "tokens. However, your messages resulted in 9000 "
        "tokens.",
        100,
    )


def test_openai_without_chunking_the_server_refuses(tmp_path):
    """What the chunking prevents: the same text sent whole is refused by the server."""
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(context_window=600) as fake:
        backend = OpenAIBackend("fake", fake.url, max_retries=0)
        outcome = backend.annotate_one(SentimentTask(), BODY)
        assert isinstance(outcome, RowError) and "maximum context length" in outcome.message


def test_a_free_prompt_over_the_limit_fails_with_the_reason(tmp_path):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(context_window=400) as fake, project_of(tmp_path, [BODY]) as project:
        backend = OpenAIBackend("fake", fake.url)
        result = run_job(project, PromptTask(template="Summarise: {text}"), backend)
        assert result.failed == 1 and fake.total == 0
        assert "cannot be combined across chunks" in result.errors[0][1]
        assert "truncate" in result.errors[0][1]


def test_multi_label_codes_from_any_chunk_through_a_server(tmp_path):
    """The fake answers a code per text (by a hash); a long text's codes are the union of
    its chunks' answers, each with its highest score."""
    from fakes.openai_server import FakeOpenAI, answer_for

    book = Codebook(
        codes=(Code("Housing"), Code("Transport"), Code("Health")), name="t", multi_label=True
    )
    task = CodeTask(codebook=book)
    with FakeOpenAI(context_window=600) as fake, project_of(tmp_path, [BODY]) as project:
        backend = OpenAIBackend("fake", fake.url)
        plan = LongTexts(backend, task).plan([BODY])[0]
        assert len(plan.pieces) > 1
        result = run_job(project, task, backend)
        got = run_results(project, result.run_id).iloc[0]
        body = {
            "messages": task.messages(""),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"schema": task.json_schema()},
            },
        }
        picked = {answer_for(body, piece)[0] for piece in plan.pieces}
        for code, column in (
            ("Housing", "code_housing"),
            ("Transport", "code_transport"),
            ("Health", "code_health"),
        ):
            assert got[column] == int(code in picked), code
            assert got[f"{column}_score"] == (0.9 if code in picked else 0.1)


# -- reports -----------------------------------------------------------------------------


def test_over_limit_counts_what_the_dialog_warns_of(builtin):
    n, limit = over_limit(builtin, SentimentTask(), [HATE, LOVE, "short"])
    assert (n, limit) == (2, 254)
    assert over_limit(make_backend("lexicon"), SentimentTask(), [HATE]) == (0, None)


def test_methods_record_gives_the_counts(tmp_path, builtin):
    with project_of(tmp_path, [HATE, "short"]) as project:
        split = run_job(project, SentimentTask(), builtin)
        cut = run_job(project, SentimentTask(long_texts=TRUNCATE), builtin)
        assert long_text_counts(project.db, split.run_id) == (1, 0)
        assert long_text_counts(project.db, cut.run_id) == (0, 1)
        text = build_record(project).markdown()
    assert "1 text longer than the model reads at once split into chunks" in text
    assert "1 text longer than the model reads at once truncated" in text
    stored = json.loads(project_params(tmp_path / "p.llmstudio", split.run_id))
    assert stored["long_texts"] == "split"


def project_params(path, run_id) -> str:
    with Project.open(path) as project:
        return project.db.execute("SELECT params FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


def test_the_end_of_run_line_counts_the_long_texts():
    """One end-of-run line for annotate, runs resume and replicate (JobResult.summary)."""
    plain = JobResult(3, "done", 300, 300, 1, 40, 260, 12.34)
    assert plain.summary() == (
        "run 3: done; 300/300 rows, 260 computed, 40 from cache, 1 failed, 12.3 s"
    )
    split = JobResult(4, "cancelled", 300, 69, 0, 0, 69, 5.0, chunked=2)
    assert split.summary("run 4 (replicate of run 3)") == (
        "run 4 (replicate of run 3): cancelled; 69/300 rows, 69 computed, 0 from cache, "
        "0 failed, 5.0 s; 2 long texts split into chunks"
    )
    assert (
        JobResult(5, "done", 1, 1, 0, 0, 1, 1.0, truncated=1)
        .summary()
        .endswith("; 1 long text truncated")
    )
