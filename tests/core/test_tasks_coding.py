"""Coding, sentiment and prompt tasks: columns, prompts, schemas, reading messy answers,
and building tasks from options (make_task)."""

from __future__ import annotations

import json

import pytest

from llmstudio.core.codebook import NONE_CODE, Code, Codebook
from llmstudio.core.errors import CodebookError, ExamplesError, LlmstudioError, TemplateError
from llmstudio.core.lexicon import vader_label
from llmstudio.core.tasks import SCALES, CodeTask, ParseError, PromptTask, SentimentTask
from llmstudio.core.tasks.build import TaskOptions, make_task, parse_labels
from llmstudio.core.tasks.coding import APPLIES_AT
from llmstudio.core.tasks.prompt import placeholders

CODES = (
    Code(
        "Housing",
        description="Rents, house prices, homelessness.",
        include="Complaints about landlords.",
        exclude="Traffic on estates.",
        examples=("Rents have doubled.",),
    ),
    Code("Transport", description="Buses, trains, roads."),
    Code("Law & Order"),
)
SINGLE = Codebook(codes=CODES, name="Local issues", none_option=True)
MULTI = Codebook(codes=CODES, name="Local issues", multi_label=True)


def single(**kw) -> CodeTask:
    return CodeTask(codebook=kw.pop("codebook", SINGLE), **kw)


def multi(**kw) -> CodeTask:
    return CodeTask(codebook=kw.pop("codebook", MULTI), **kw)


# -- CodeTask, single-label --------------------------------------------------------------


def test_single_label_columns_labels_and_schema():
    task = single()
    assert task.labels == ("Housing", "Transport", "Law & Order", NONE_CODE)
    assert task.columns() == ["code_label", "code_score", "code_chunks"]
    assert single(explain=True).output_columns() == ["code_label", "code_score", "code_explanation"]
    schema = task.json_schema()
    assert schema["properties"]["label"]["enum"] == list(task.labels)
    assert schema["required"] == ["label", "score"] and schema["additionalProperties"] is False
    assert single(explain=True).json_schema()["required"] == ["label", "score", "explanation"]
    without_none = single(codebook=Codebook(codes=CODES))
    assert NONE_CODE not in without_none.labels
    assert without_none.json_schema()["properties"]["label"]["enum"] == [c.name for c in CODES]


def test_a_coding_task_needs_a_codebook():
    with pytest.raises(ValueError, match="needs a codebook"):
        CodeTask()


def test_single_label_messages_carry_the_codebook_and_few_shot_turns():
    examples = (("The landlord doubled the rent", "Housing"), ("Buses late again", "Transport"))
    task = single(examples=examples)
    messages = task.messages("The new tram line opens")
    system = messages[0]
    assert system["role"] == "system"
    for piece in (
        "Local issues",
        "Choose the one code",
        SINGLE.prompt_text(),
        "Include: Complaints about landlords.",
        "Exclude: Traffic on estates.",
        "Example: Rents have doubled.",
        "one of [Housing, Transport, Law & Order, none]",
    ):
        assert piece in system["content"], piece
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[1]["content"] == "Text:\nThe landlord doubled the rent"
    assert json.loads(messages[2]["content"]) == {"label": "Housing", "score": 1.0}
    assert json.loads(messages[4]["content"])["label"] == "Transport"
    assert messages[-1] == {"role": "user", "content": "Text:\nThe new tram line opens"}
    # Each few-shot answer is one the task itself reads back as its label.
    assert task.parse(messages[2]["content"])["code_label"] == "Housing"
    assert "A coded example." in single(examples=examples, explain=True).messages("x")[2]["content"]


def test_params_cover_the_codebook_and_the_examples():
    base = single().params()
    assert base["task"] == "code" and base["codebook"] == SINGLE.to_dict()
    described = Codebook(
        codes=(Code("Housing", description="Other words"),) + CODES[1:],
        name="Local issues",
        none_option=True,
    )
    # A changed description changes the prompt: it must change the cache key too.
    assert single(codebook=described).params() != base
    assert single(examples=(("t", "Housing"),)).params() != base
    assert single(explain=True).params() != base
    assert multi().params() != base


@pytest.mark.parametrize(
    "raw, label, score",
    [
        ('{"label": "Housing", "score": 0.9}', "Housing", 0.9),
        (
            'Sure, here you go:\n```json\n{"label": "transport", "score": 0.7}\n```\n'
            "Hope it helps!",
            "Transport",
            0.7,
        ),
        ('{"label": "LAW & ORDER", "score": "0.6"}', "Law & Order", 0.6),
        ('{"label": "None of the above.", "score": 0.8}', NONE_CODE, 0.8),
        ('{"label": "other", "score": 0.8}', NONE_CODE, 0.8),
        ('{"label": "N/A", "score": 0.4}', NONE_CODE, 0.4),
        ('{"label": "Housing", "score": 0.95', "Housing", 0.95),  # truncated: brace missing
        ('{"label": "Housing", "score": 3}', "Housing", 1.0),  # clipped
        ('{"label": "Housing", "score": "high"}', "Housing", None),  # not a number: no score
        (
            'My answer: {"label": "Housing", "score": 0.5}. (Braces {like these} are prose.)',
            "Housing",
            0.5,
        ),
        ("This is clearly about transport.", "Transport", None),  # prose naming one code
    ],
)
def test_single_label_parses_messy_answers(raw, label, score):
    out = single().parse(raw)
    assert out["code_label"] == label
    assert out["code_score"] == (pytest.approx(score) if score is not None else None)
    assert set(out) == {"code_label", "code_score"}


@pytest.mark.parametrize(
    "raw, why",
    [
        ('{"label": "Education", "score": 0.9}', "'Education' is not one of"),
        ('{"label": "Hous', "'Hous' is not one of"),  # cut inside the label
        ("It is about housing and transport.", "no label"),  # two codes named
        ("", "no label"),
        ('{"label": null}', "no label"),
    ],
)
def test_single_label_unreadable_answers_raise(raw, why):
    with pytest.raises(ParseError, match=why):
        single().parse(raw)


def test_none_synonyms_only_when_the_codebook_offers_none():
    plain = single(codebook=Codebook(codes=CODES))
    with pytest.raises(ParseError, match="not one of"):
        plain.parse('{"label": "other", "score": 0.5}')
    with pytest.raises(ParseError, match="not one of"):
        plain.parse('{"label": "none", "score": 0.5}')


def test_a_code_called_other_is_not_taken_for_none():
    book = Codebook(codes=(Code("Housing"), Code("Other")), none_option=True)
    assert single(codebook=book).parse('{"label": "other", "score": 1}')["code_label"] == "Other"


def test_single_label_explanation():
    task = single(explain=True)
    out = task.parse('{"label": "Housing", "score": 0.8, "explanation": "  Rent is named. "}')
    assert out == {"code_label": "Housing", "code_score": 0.8, "code_explanation": "Rent is named."}
    assert task.parse('{"label": "Housing", "score": 0.8}')["code_explanation"] is None
    assert "explanation" in task.messages("x")[0]["content"]


def test_single_label_from_scores_picks_the_best_code():
    out = single().from_scores({"Housing": 0.2, "Transport": 0.5, "none": 0.3})
    assert out == {"code_label": "Transport", "code_score": pytest.approx(0.5)}


# -- CodeTask, multi-label ---------------------------------------------------------------


def test_multi_label_columns_one_pair_per_code():
    task = multi()
    assert task.labels == ("Housing", "Transport", "Law & Order")  # no "none"
    assert task.output_columns() == [
        "code_housing",
        "code_housing_score",
        "code_transport",
        "code_transport_score",
        "code_law_order",
        "code_law_order_score",
    ]
    assert task.columns()[-1] == "code_chunks"
    assert multi(explain=True).output_columns()[-1] == "code_explanation"
    named = CodeTask(codebook=MULTI, name="topic")
    assert named.columns()[0] == "topic_housing"


def test_multi_label_schema_and_messages():
    task = multi(examples=(("Rent and buses", "Housing;Transport"), ("Lovely weather", "")))
    schema = task.json_schema()
    assert list(schema["properties"]) == ["Housing", "Transport", "Law & Order"]
    assert all(
        p == {"type": "number", "minimum": 0, "maximum": 1} for p in schema["properties"].values()
    )
    assert schema["required"] == list(task.labels) and schema["additionalProperties"] is False
    messages = task.messages("The tram is late")
    system = messages[0]["content"]
    assert "any number, possibly none" in system and "every code present" in system
    assert MULTI.prompt_text() in system and "none of the codes" not in system
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[1]["content"] == "Text:\nRent and buses"
    assert json.loads(messages[2]["content"]) == {
        "Housing": 1.0,
        "Transport": 1.0,
        "Law & Order": 0.0,
    }
    assert json.loads(messages[4]["content"]) == {
        "Housing": 0.0,
        "Transport": 0.0,
        "Law & Order": 0.0,
    }
    assert messages[-1]["content"] == "Text:\nThe tram is late"
    # The few-shot answers are what the task reads back.
    assert task.parse(messages[2]["content"])["code_transport"] == 1


def test_multi_label_with_explanations_asks_for_one_everywhere():
    task = multi(explain=True, examples=(("Rent", "Housing"),))
    assert task.json_schema()["required"][-1] == "explanation"
    assert "explanation" in json.loads(task.messages("x")[2]["content"])


@pytest.mark.parametrize(
    "raw, applied, scores",
    [
        ('{"Housing": 0.9, "Transport": 0.1, "Law & Order": 0.5}', (1, 0, 1), (0.9, 0.1, 0.5)),
        (
            '```json\n{"housing": "yes", "TRANSPORT": "no", "law & order": "0.8"}\n```',
            (1, 0, 1),
            (1.0, 0.0, 0.8),
        ),
        (
            'Here: {"Housing": true, "Transport": false, "Law & Order": 0} -- done {ok}',
            (1, 0, 0),
            (1.0, 0.0, 0.0),
        ),
        ('{"Housing": 1, "Transport": 2.5, "Law & Order": -1}', (1, 1, 0), (1.0, 1.0, 0.0)),
        (
            '{"Housing": 0.49, "Transport": "applies", "Law & Order": ".5"',  # truncated
            (0, 1, 1),
            (0.49, 1.0, 0.5),
        ),
    ],
)
def test_multi_label_parses_messy_answers(raw, applied, scores):
    out = multi().parse(raw)
    names = ("housing", "transport", "law_order")
    assert tuple(out[f"code_{n}"] for n in names) == applied
    assert tuple(out[f"code_{n}_score"] for n in names) == pytest.approx(scores)
    assert list(out) == multi().output_columns()


@pytest.mark.parametrize(
    "raw, why",
    [
        ('{"Housing": 0.9, "Transport": 0.1}', "leaves out 'Law & Order'"),
        (
            '{"Housing": 0.9, "Transport": "maybe", "Law & Order": 0.2}',
            "confidence for 'Transport' is not a number: 'maybe'",
        ),
        ('{"Housing": 0.9, "Transport": null, "Law & Order": 0.2}', "not a number: None"),
        ('{"Housing": 0.9, "Transport": "80%", "Law & Order": 0.2}', "not a number"),
        ('{"Housing": 0.9, "Transp', "no JSON object"),  # truncated mid-key
        ("Housing applies, transport does not.", "no JSON object"),
        ('{"label": "Housing", "score": 0.9}', "leaves out 'Housing'"),  # single-label answer
    ],
)
def test_multi_label_unreadable_answers_raise(raw, why):
    with pytest.raises(ParseError, match=why):
        multi().parse(raw)


def test_multi_label_keys_that_are_not_codes_are_left_out():
    # A code the codebook does not have ("Education"), or "none" (a code only for
    # single-label codebooks offering it), never becomes a column or a wrong value; the
    # codes of the codebook must all be there.
    out = multi().parse(
        '{"Housing": 0.9, "Transport": 0.1, "Law & Order": 0.2, '
        '"Education": 0.7, "none": 1, "reasoning": "rent"}'
    )
    assert out == {
        "code_housing": 1,
        "code_housing_score": 0.9,
        "code_transport": 0,
        "code_transport_score": 0.1,
        "code_law_order": 0,
        "code_law_order_score": 0.2,
    }
    with pytest.raises(ParseError, match="leaves out 'Law & Order'"):
        multi().parse('{"Housing": 0.9, "Transport": 0.1, "Education": 0.7}')


def test_multi_label_explanation_parse():
    task = multi(explain=True)
    out = task.parse(
        '{"Housing": 0.7, "Transport": 0.2, "Law & Order": 0.1, "explanation": " Rent. "}'
    )
    assert out["code_explanation"] == "Rent." and out["code_housing"] == 1
    # An explanation key is not a code even without explain; it is not kept then.
    out = multi().parse(
        '{"Housing": 0.7, "Transport": 0.2, "Law & Order": 0.1, "explanation": "x"}'
    )
    assert "code_explanation" not in out


@pytest.mark.parametrize(
    "p, applies", [(APPLIES_AT - 1e-9, 0), (APPLIES_AT, 1), (0.0, 0), (1.0, 1), (0.73, 1)]
)
def test_multi_label_from_scores_threshold(p, applies):
    out = multi().from_scores({"Housing": p, "Transport": 1 - p})
    assert out["code_housing"] == applies and out["code_housing_score"] == pytest.approx(p)
    assert out["code_transport"] == int(1 - p >= APPLIES_AT)
    # A code the model gave no score for does not apply.
    assert out["code_law_order"] == 0 and out["code_law_order_score"] == 0.0


def test_multi_label_from_scores_with_explain_has_an_empty_explanation():
    out = multi(explain=True).from_scores({"Housing": 0.9})
    assert out["code_explanation"] is None and list(out) == multi(explain=True).output_columns()


def test_describe():
    assert "single-label" in single().describe() and "4 codes" not in single().describe()
    assert "3 codes, multi-label" in multi().describe()
    assert "2 examples" in single(examples=(("a", "Housing"), ("b", "none"))).describe()


# -- SentimentTask -----------------------------------------------------------------------


def test_five_point_scale():
    task = SentimentTask(labels=SCALES["5"])
    assert task.labels == ("very negative", "negative", "neutral", "positive", "very positive")
    assert task.json_schema()["properties"]["label"]["enum"] == list(SCALES["5"])
    assert (
        "one of [very negative, negative, neutral, positive, very positive]"
        in task.messages("x")[0]["content"]
    )
    assert (
        task.parse('{"label": "Very Negative", "score": 0.9}')["sentiment_label"] == "very negative"
    )
    assert task.parse('{"label": "neg", "score": 0.9}')["sentiment_label"] == "negative"
    # Prose naming "very positive" names that label, not also "positive" inside it.
    assert task.parse("Overall the tone is very positive.")["sentiment_label"] == "very positive"
    assert task.parse("Overall the tone is positive.")["sentiment_label"] == "positive"
    with pytest.raises(ParseError):
        task.parse("Positive, though not very positive.")  # two labels named
    assert SentimentTask(SCALES["3"]).params() != task.params()


def test_sentiment_explanation_column_and_parse():
    task = SentimentTask(explain=True)
    assert task.output_columns() == [
        "sentiment_label",
        "sentiment_score",
        "sentiment_explanation",
        "sentiment_valence",
    ]
    assert task.json_schema()["required"] == ["label", "score", "explanation"]
    out = task.parse('{"label": "positive", "score": 0.9, "explanation": "Says love."}')
    assert out["sentiment_explanation"] == "Says love."
    assert (
        task.parse('{"label": "positive", "score": 0.9, "explanation": 5}')["sentiment_explanation"]
        is None
    )
    assert task.parse("It reads as negative.")["sentiment_explanation"] is None
    assert task.from_scores({"positive": 0.6, "negative": 0.4})["sentiment_explanation"] is None
    assert task.params()["explain"] is True and "explain" not in SentimentTask().params()


TEXTS = [
    "I love this wonderful park!",
    "This is terrible, awful service.",
    "The bus comes at nine.",
    "Absolutely the best day of my life, I am so happy!!!",
    "I hate it, the worst, horrible and disgusting.",
]


@pytest.mark.parametrize("scale", ["3", "5"])
def test_sentiment_baseline_is_vaders_label(scale):
    task = SentimentTask(labels=SCALES[scale], baseline=True)
    assert task.output_columns()[-1] == "sentiment_lexicon"
    assert task.params()["baseline"] == "vader"
    got = [task.complete(t, {"sentiment_label": "x"}) for t in TEXTS]
    assert [g["sentiment_lexicon"] for g in got] == [vader_label(t, task) for t in TEXTS]
    assert all(g["sentiment_label"] == "x" for g in got)  # the model's answer is kept
    lexicon = [g["sentiment_lexicon"] for g in got]
    assert set(lexicon) <= set(task.labels) and len(set(lexicon)) >= 3
    if scale == "5":
        assert {"very positive", "very negative"} <= set(lexicon)


def test_no_baseline_no_column():
    task = SentimentTask()
    assert "sentiment_lexicon" not in task.columns() and "baseline" not in task.params()
    assert task.complete("I love it", {"a": 1}) == {"a": 1}


# -- PromptTask --------------------------------------------------------------------------


def test_prompt_placeholders_render_and_columns():
    task = PromptTask("Party {party}, wave {wave}: summarise {text} ({{literal}}) {party}")
    assert placeholders(task.template) == ["party", "wave", "text"]
    assert task.inputs() == ["party", "wave"]
    assert (
        task.render("the text", {"party": "Greens", "wave": "3"})
        == "Party Greens, wave 3: summarise the text ({literal}) Greens"
    )
    assert task.columns() == ["prompt_output", "prompt_chunks"]
    assert task.json_schema() is None and task.generative_only
    # Text is put in as it is: braces in it are not placeholders.
    assert PromptTask("Say: {text}").render("{party} {0}", {}) == "Say: {party} {0}"


def test_prompt_columns_with_odd_names():
    task = PromptTask("{first name} / {a.b} / {x[0]}: {text}")
    assert task.inputs() == ["first name", "a.b", "x[0]"]
    assert task.render("T", {"first name": "Ann", "a.b": "B", "x[0]": "X"}) == "Ann / B / X: T"


def test_prompt_messages_and_parse():
    assert PromptTask("{text}").messages("hi") == [{"role": "user", "content": "hi"}]
    with_system = PromptTask("{text}", system="Be brief.").messages("hi")
    assert with_system == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    assert PromptTask().parse("  An answer.\n") == {"prompt_output": "An answer."}
    with pytest.raises(ParseError, match="empty"):
        PromptTask().parse(" \n ")
    with pytest.raises(ParseError, match="writes text"):
        PromptTask().from_scores({"a": 1.0})


def test_prompt_params_change_with_template_and_system():
    base = PromptTask("Summarise: {text}").params()
    assert PromptTask("Summarise briefly: {text}").params() != base
    assert PromptTask("Summarise: {text}", system="s").params() != base
    assert base == PromptTask("Summarise: {text}").params()


def test_check_columns_names_unknown_placeholders():
    task = PromptTask("{party} and {year}: {text}")
    task.check_columns(["text", "party", "year"])  # fine
    with pytest.raises(TemplateError) as err:
        task.check_columns(["id", "text", "party"])
    assert str(err.value) == (
        "prompt template: {year} is not a column; the columns are id, text, party"
    )
    with pytest.raises(TemplateError, match=r"\{party\}, \{year\} are not columns"):
        task.check_columns(["text"])
    PromptTask("{text}").check_columns([])  # {text} is always there


@pytest.mark.parametrize(
    "template, why",
    [
        ("Summarise {0}", "placeholder {0} is not a column name"),
        ("Summarise {}", "placeholder {} is not a column name"),
        ("Pad {x:>3} {text}", r"placeholder {x:>3} is not a column name"),
        ("Show {text!r}", r"placeholder {text!r} is not a column name"),
        ("Summarise {text", "write {{ and }} for literal braces"),
        ("Summarise text}", "write {{ and }} for literal braces"),
        ("Summarise this text", "it has no placeholder"),
        ("Only {{literal}} braces", "it has no placeholder"),
    ],
)
def test_template_errors(template, why):
    with pytest.raises(TemplateError) as err:
        PromptTask(template)
    assert str(err.value).startswith("prompt template: ")
    assert why in str(err.value)
    assert isinstance(err.value, LlmstudioError)


def test_a_template_of_columns_only_is_allowed():
    task = PromptTask("Describe the party {party}")
    assert (
        task.inputs() == ["party"]
        and task.render("ignored", {"party": "X"}) == "Describe the party X"
    )


# -- make_task ---------------------------------------------------------------------------


def test_parse_labels():
    assert parse_labels(" a, b ,,c ,") == ("a", "b", "c")
    assert parse_labels(None) == ()  # not given; "" given is refused (test_label_options)


def test_make_task_builds_each_task(tmp_path):
    assert make_task(TaskOptions()) == SentimentTask()
    assert make_task(TaskOptions(scale="5")).labels == SCALES["5"]
    assert make_task(
        TaskOptions(labels=("pro", "contra"), explain=True, baseline=True)
    ) == SentimentTask(labels=("pro", "contra"), explain=True, baseline=True)
    coded = make_task(TaskOptions(task="code", labels=("a", "b")))
    assert isinstance(coded, CodeTask) and coded.labels == ("a", "b")
    assert make_task(TaskOptions(task="code", labels=("a", "b"), none_option=True)).labels == (
        "a",
        "b",
        NONE_CODE,
    )
    one = make_task(TaskOptions(task="code", labels=("a",), multi_label=True))
    assert one.multi_label and one.output_columns() == ["code_a", "code_a_score"]
    path = tmp_path / "book.yaml"
    path.write_text("name: mine\ncodes: [Housing, Transport]\n", "utf-8")
    from_file = make_task(TaskOptions(task="code", codebook=str(path), multi_label=True))
    assert from_file.codebook.name == "mine" and from_file.multi_label
    from_book = make_task(TaskOptions(task="code", codebook=SINGLE, explain=True))
    assert from_book.codebook == SINGLE and from_book.explain
    prompt = make_task(TaskOptions(task="prompt", prompt="Summarise {text}", system="Be brief"))
    assert prompt == PromptTask("Summarise {text}", system="Be brief")


def test_make_task_reads_examples(tmp_path):
    path = tmp_path / "ex.csv"
    path.write_text("text,label\nI adore it,POS\nDreadful,negative\n", "utf-8")
    task = make_task(TaskOptions(examples=path))
    # Labels written as the task's synonyms and in any case are the task's labels.
    assert task.examples == (("I adore it", "positive"), ("Dreadful", "negative"))
    pairs = (("t", "Housing"),)
    assert make_task(TaskOptions(task="code", codebook=SINGLE, examples=pairs)).examples == pairs
    multi_path = tmp_path / "multi.csv"
    multi_path.write_text('text,label\nRent and buses,"housing; transport"\nSun,\n', "utf-8")
    task = make_task(TaskOptions(task="code", codebook=MULTI, examples=multi_path))
    assert task.examples == (("Rent and buses", "Housing;Transport"), ("Sun", ""))
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nok,positive\nhmm,angry\n", "utf-8")
    with pytest.raises(ExamplesError, match=r"bad\.csv, example row 2: label 'angry'"):
        make_task(TaskOptions(examples=bad))


@pytest.mark.parametrize(
    "options, message",
    [
        (TaskOptions(task="summary"), "unknown task 'summary'; one of sentiment, code, prompt"),
        (TaskOptions(task="prompt"), "the prompt task needs a template (--prompt)"),
        (TaskOptions(task="prompt", prompt=""), "the prompt task needs a template (--prompt)"),
        (TaskOptions(prompt="{text}"), "--prompt is for --task prompt"),
        (
            TaskOptions(task="code", labels=("a", "b"), prompt="{text}"),
            "--prompt is for --task prompt",
        ),
        (TaskOptions(system="Be brief"), "--system is for --task prompt"),
        (TaskOptions(codebook="book.yaml"), "--codebook is for --task code"),
        (TaskOptions(multi_label=True), "--multi-label is for --task code"),
        (TaskOptions(none_option=True), "--none-option is for --task code"),
        (TaskOptions(labels=("a", "b"), scale="5"), "give --labels or --scale, not both"),
        (TaskOptions(scale="7"), "unknown scale '7'; one of 3, 5"),
        (TaskOptions(labels=("only",)), "a label set needs at least two labels, got ['only']"),
        (
            TaskOptions(task="code", labels=("a", "b"), baseline=True),
            "--baseline (the lexicon's sentiment) is for --task sentiment",
        ),
        (TaskOptions(task="code", labels=("a", "b"), scale="5"), "--scale is for --task sentiment"),
        (
            TaskOptions(task="code"),
            "the coding task needs codes: --codebook FILE or --labels a,b,c",
        ),
        (TaskOptions(task="code", labels=("a",)), "a label set needs at least two labels"),
        (
            TaskOptions(task="code", labels=("a", "b"), codebook=SINGLE),
            "give --codebook or --labels, not both",
        ),
        (
            TaskOptions(task="code", labels=("a", "b"), multi_label=True, none_option=True),
            "--none-option is for single-label coding",
        ),
        (
            TaskOptions(task="prompt", prompt="{text}", labels=("a", "b")),
            "--labels is for --task sentiment or --task code",
        ),
        (
            TaskOptions(task="prompt", prompt="{text}", explain=True),
            "--explain is for --task sentiment or --task code",
        ),
        (
            TaskOptions(task="prompt", prompt="{text}", examples="ex.csv"),
            "--examples is for --task sentiment or --task code",
        ),
        (TaskOptions(task="prompt", prompt="{text}", baseline=True), "--baseline"),
        (TaskOptions(task="prompt", prompt="no placeholder"), "it has no placeholder"),
    ],
)
def test_make_task_option_conflicts(options, message):
    with pytest.raises(LlmstudioError) as err:
        make_task(options)
    assert message in str(err.value)


def test_make_task_codebook_problems(tmp_path):
    with pytest.raises(CodebookError, match="no such file"):
        make_task(TaskOptions(task="code", codebook=tmp_path / "missing.yaml"))
    book = Codebook(codes=(Code("Housing"), Code("None")))
    with pytest.raises(CodebookError, match="the name of 'none of these'"):
        make_task(TaskOptions(task="code", codebook=book, none_option=True))
    with pytest.raises(CodebookError, match="same name"):
        make_task(TaskOptions(task="code", labels=("Yes", "yes")))
