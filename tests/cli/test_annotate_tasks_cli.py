"""``llmstudio annotate`` with --task code / prompt and the sentiment options, as users run
it (``python -m llmstudio`` in a subprocess), against the fake OpenAI-compatible server
and offline with the lexicon."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROWS = [
    ("I love the new park", "Greens"),
    ("I hate the traffic", "Labour"),
    ("The bus comes at nine", "Greens"),
    ("Rents doubled this year", "Tories"),
    ("What a wonderful day", "Labour"),
    ("Awful service again", "Tories"),
    ("Police patrols are back", "Greens"),
    ("Meeting minutes attached", "Labour"),
]
TEXTS = [t for t, _ in ROWS]
CODES = ("Housing", "Transport", "Crime and safety")
BOOK = """name: Local issues
codes:
  - name: Housing
    description: Rents, house prices, homelessness.
  - name: Transport
    description: Buses, trains, roads.
    include: Traffic complaints.
  - name: Crime and safety
    examples: ["Police patrols are back"]
"""


@pytest.fixture
def annotate(annotate_cli):
    """``annotate(*args)`` -> CompletedProcess."""
    return lambda *args, timeout=60: annotate_cli(*args, timeout=timeout)[0]


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "texts.csv"
    path.write_text(
        "id,text,group\n" + "\n".join(f'{i},"{t}",{g}' for i, (t, g) in enumerate(ROWS)) + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(BOOK, encoding="utf-8")
    return path


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


def api(fake) -> tuple[str, ...]:
    return ("--model", "openai:fake-model", "--base-url", fake.url)


def test_code_with_a_codebook_writes_labels_of_the_codebook(
    annotate, source, book, tmp_path, fake_openai
):
    out = tmp_path / "out.csv"
    done = annotate(source, "--task", "code", "--codebook", book, *api(fake_openai), "--out", out)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    table = pd.read_csv(out)
    assert list(table.columns) == [
        "id",
        "text",
        "group",
        "code_label",
        "code_score",
        "code_chunks",
        "code_error",
    ]
    assert table["code_label"].isin(CODES).all() and len(table) == len(ROWS)
    assert table["code_label"].nunique() >= 2
    assert fake_openai.total == len(ROWS)
    system = fake_openai.chat_requests()[0].body["messages"][0]["content"]
    assert "Local issues" in system and "Include: Traffic complaints." in system


def test_code_with_none_option_and_labels(annotate, source, tmp_path, fake_openai):
    out = tmp_path / "out.csv"
    done = annotate(
        source,
        "--task",
        "code",
        "--labels",
        "economy, health",
        "--none-option",
        *api(fake_openai),
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["code_label"].isin(["economy", "health", "none"]).all()
    enum = fake_openai.chat_requests()[0].body["response_format"]
    assert "none" in str(enum) and "economy" in str(enum)


def test_multi_label_writes_a_column_per_code(annotate, source, book, tmp_path, fake_openai):
    out = tmp_path / "out.csv"
    done = annotate(
        source,
        "--task",
        "code",
        "--codebook",
        book,
        "--multi-label",
        *api(fake_openai),
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    applies = ["code_housing", "code_transport", "code_crime_and_safety"]
    assert list(table.columns[3:]) == [c for a in applies for c in (a, f"{a}_score")] + [
        "code_chunks",
        "code_error",
    ]
    for column in applies:
        assert set(table[column]) <= {0, 1}
    assert (table[applies].sum(axis=1) == 1).all()  # the fake is sure of one code a text


def test_prompt_writes_prompt_output(annotate, source, tmp_path, fake_openai):
    out, project = tmp_path / "out.csv", tmp_path / "p.llmstudio"
    args = (
        source,
        "--task",
        "prompt",
        "--prompt",
        "Party {group}; summarise: {text}",
        "--system",
        "Be brief.",
        *api(fake_openai),
        "--project",
        project,
        "--out",
        out,
    )
    done = annotate(*args)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert "sending columns 'text', 'group'" in done.stderr  # both leave the computer
    table = pd.read_csv(out)
    filled = [f"Party {g}; summarise: {t}" for t, g in ROWS]
    assert list(table["prompt_output"]) == [f"Answer about: {f[:60]}" for f in filled]
    assert all(
        r.body["messages"][0] == {"role": "system", "content": "Be brief."}
        for r in fake_openai.chat_requests()
    )
    again = annotate(*args)
    assert again.returncode == 0, again.stderr
    assert fake_openai.total == len(ROWS)


def test_an_unknown_placeholder_is_one_error_line(annotate, source, fake_openai):
    done = annotate(source, "--task", "prompt", "--prompt", "{party}: {text}", *api(fake_openai))
    assert done.returncode == 1
    no_traceback(done)
    lines = error_lines(done)
    assert lines[-1] == (
        "llmstudio: error: prompt template: {party} is not a column; the "
        "columns are id, text, group"
    )
    assert fake_openai.total == 0


def test_examples_with_a_bad_label_exit_1_naming_file_and_row(
    annotate, source, book, tmp_path, fake_openai
):
    examples = tmp_path / "examples.csv"
    examples.write_text("text,label\nRents are up,Housing\nTrains late,Trains\n", "utf-8")
    done = annotate(
        source, "--task", "code", "--codebook", book, "--examples", examples, *api(fake_openai)
    )
    assert done.returncode == 1
    no_traceback(done)
    lines = error_lines(done)
    assert len(lines) == 1
    assert lines[0].startswith("llmstudio: error: ")
    assert f"{examples}, example row 2: label 'Trains' is not one of" in lines[0]
    assert fake_openai.total == 0


def test_good_examples_go_into_the_requests(annotate, source, book, tmp_path, fake_openai):
    examples = tmp_path / "examples.csv"
    examples.write_text("text,label\nRents are up,housing\n", "utf-8")
    done = annotate(
        source,
        "--task",
        "code",
        "--codebook",
        book,
        "--examples",
        examples,
        *api(fake_openai),
        "--limit",
        "2",
    )
    assert done.returncode == 0, done.stderr
    for request in fake_openai.chat_requests():
        turns = request.body["messages"]
        assert turns[1] == {"role": "user", "content": "Text:\nRents are up"}
        assert '"Housing"' in turns[2]["content"]


def test_explain_with_the_lexicon_is_refused(annotate, source, tmp_path):
    out = tmp_path / "out.csv"
    done = annotate(source, "--explain", "--model", "lexicon", "--out", out)
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert "needs a model that writes text" in error_lines(done)[-1]
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message, status",
    [
        (("--task", "code"), "the coding task needs codes", 2),
        (("--task", "prompt"), "the prompt task needs a template", 2),
        (("--scale", "5", "--labels", "a,b"), "give --labels or --scale, not both", 2),
        (("--task", "code", "--labels", "a,b", "--baseline"), "--baseline", 2),
        (("--prompt", "{text}"), "--prompt is for --task prompt", 2),
        (("--task", "prompt", "--prompt", "Pad {text:>9}"), "is not a column name", 1),
        (("--task", "code", "--codebook", "missing.yaml"), "missing.yaml: no such file", 1),
    ],
)
def test_option_errors_are_one_line(annotate, source, args, message, status):
    done = annotate(source, *args, "--model", "lexicon")
    assert done.returncode == status  # 2: options that do not go together; 1: a file
    no_traceback(done)
    lines = error_lines(done)
    assert len(lines) == 1 and lines[0].startswith("llmstudio: error: ") and message in lines[0]


def test_a_broken_codebook_names_line_and_column(annotate, source, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - Housing\n  - [Transport\n", "utf-8")
    done = annotate(source, "--task", "code", "--codebook", bad, "--model", "lexicon")
    assert done.returncode == 1
    lines = error_lines(done)
    assert len(lines) == 1 and f"{bad}, line " in lines[0] and ", column " in lines[0]


def test_code_task_with_the_lexicon_says_why(annotate, source, book):
    done = annotate(source, "--task", "code", "--codebook", book, "--model", "lexicon")
    assert done.returncode == 1
    no_traceback(done)
    assert "cannot run coding with 'Local issues'" in error_lines(done)[-1]


def test_five_point_scale_with_baseline_offline(annotate, source, tmp_path):
    from llmstudio.core.lexicon import vader_label
    from llmstudio.core.tasks import SCALES, SentimentTask

    out = tmp_path / "out.csv"
    done = annotate(source, "--scale", "5", "--model", "lexicon", "--baseline", "--out", out)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    table = pd.read_csv(out)
    assert list(table.columns[3:]) == [
        "sentiment_label",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_lexicon",
        "sentiment_chunks",
        "sentiment_error",
    ]
    task = SentimentTask(labels=SCALES["5"], baseline=True)
    assert table["sentiment_label"].isin(SCALES["5"]).all()
    assert list(table["sentiment_lexicon"]) == [vader_label(t, task) for t in TEXTS]
    assert list(table["sentiment_lexicon"]) == list(table["sentiment_label"])
    assert table["sentiment_label"].nunique() >= 3


def test_labels_given_empty_or_twice_are_one_usage_error(annotate, source, tmp_path):
    out = tmp_path / "out.csv"
    for labels, message in (
        ("", "llmstudio: error: --labels is empty"),
        ("positive,Positive ,negative", "llmstudio: error: --labels: 'Positive' is given twice"),
    ):
        done = annotate(
            source, "--task", "sentiment", "--labels", labels, "--model", "lexicon", "--out", out
        )
        assert done.returncode == 2, done.stderr
        assert len(error_lines(done)) == 1 and error_lines(done)[0].startswith(message)
        no_traceback(done)
    assert not out.exists()


def test_one_code_with_none_option_runs(annotate, source, tmp_path, fake_openai):
    out = tmp_path / "out.csv"
    done = annotate(
        source,
        "--task",
        "code",
        "--labels",
        '"Law, order"',
        "--none-option",
        *api(fake_openai),
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["code_label"].isin(["Law, order", "none"]).all()
    assert "Law, order" in str(fake_openai.chat_requests()[0].body["response_format"])
