"""``llmstudio agree``, run as users run it: ``python -m llmstudio agree ...``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmstudio.core.stats import agreement

# Row 4 lacks the human code, row 8 has one code only; 'notes' holds no codes at all.
CODES = """id,text,human,model,second,notes
1,great stuff,pos,pos,pos,
2,awful,neg,pos,neg,
3,meh,neu,neu,neu,
4,fine,,pos,pos,
5,bad,neg,neg,neg,
6,good,pos,pos,neu,
7,terrible,neg,neg,neg,
8,ok,neu,,,
9,nice,pos,neu,pos,
10,poor,neg,neg,,
"""
COLUMNS = {
    "human": ["pos", "neg", "neu", None, "neg", "pos", "neg", "neu", "pos", "neg"],
    "model": ["pos", "pos", "neu", "pos", "neg", "pos", "neg", None, "neu", "neg"],
    "second": ["pos", "neg", "neu", "pos", "neg", "neu", "neg", None, "pos", None],
}


@pytest.fixture
def agree(cli):
    """``agree(*args)`` -> CompletedProcess of ``python -m llmstudio agree``, in tmp_path."""
    return cli("agree")


@pytest.fixture
def codes_csv(write_file) -> Path:
    return write_file("codes.csv", CODES)


def core_json(names, **options) -> dict:
    report = agreement([COLUMNS[n] for n in names], names, **options)
    return json.loads(json.dumps(report.to_dict()))


def test_two_columns_json_matches_core(agree, codes_csv):
    done = agree(
        codes_csv, "--columns", "human", "model", "--json", "--seed", "3", "--bootstrap", "300"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == core_json(["human", "model"], seed=3, n_resamples=300)
    assert (out["rows"], out["n"], out["skipped"]) == (10, 8, 2)
    for key in ("percent_agreement", "cohen_kappa", "krippendorff_alpha", "accuracy", "macro_f1"):
        assert {"value", "ci_low", "ci_high", "n"} <= set(out[key]), key
        assert out[key]["ci_low"] <= out[key]["value"] <= out[key]["ci_high"]
    assert out["percent_agreement"]["value"] == pytest.approx(6 / 8)
    assert out["reference"] == "human"
    assert out["confusion_matrix"]["labels"] == ["neg", "neu", "pos"]
    assert out["confusion_matrix"]["counts"] == [[3, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert "fleiss_kappa" not in out


def test_three_columns_json(agree, codes_csv):
    done = agree(codes_csv, "--columns", "human", "model", "second", "--json", "--bootstrap", "0")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == core_json(["human", "model", "second"], n_resamples=0)
    assert "cohen_kappa" not in out
    assert out["n"] == 9 and out["fleiss_kappa"]["n"] == 7  # rows 4, 8, 10 lack a code
    assert [p["columns"] for p in out["pairwise_cohen_kappa"]] == [
        ["human", "model"],
        ["human", "second"],
        ["model", "second"],
    ]
    assert out["krippendorff_alpha"]["ci_low"] is None  # no resamples, no interval


def test_readable_table(agree, codes_csv):
    done = agree(codes_csv, "--columns", "human", "model", "--bootstrap", "200")
    assert done.returncode == 0, done.stderr
    for text in (
        "percent agreement",
        "Krippendorff's alpha",
        "Cohen's kappa",
        "macro-F1",
        "confusion matrix",
        "2 skipped",
        "95% CI",
    ):
        assert text in done.stdout, text
    # percent agreement is accuracy with two columns: one row, not two names
    assert "percent agreement (= accuracy)" in done.stdout
    assert "  accuracy " not in done.stdout
    # n = 8: the interval is too wide to be useful, and the notes say so with the n needed
    assert "notes:" in done.stdout and "n = 8 is too small" in done.stdout


@pytest.mark.parametrize(
    "args, message, status",
    [
        (["missing.csv", "--columns", "a", "b"], "missing.csv: no such file", 1),
        (
            ["{csv}", "--columns", "human", "coder9"],
            "no column 'coder9'; the columns are 'id', 'text', 'human', 'model', 'second', 'notes'",
            1,
        ),
        (["{csv}", "--columns", "human"], "at least two columns", 2),
        (["{csv}", "--columns", "human", "notes"], "column 'notes' has no codes", 1),
        (["{csv}", "--columns", "human", "human"], "named twice", 2),
        (["{csv}"], "give --columns A B", 2),
    ],
)
def test_errors_exit_with_their_status_and_one_clear_line(agree, codes_csv, args, message, status):
    done = agree(*[str(codes_csv) if a == "{csv}" else a for a in args])
    assert done.returncode == status  # 1: the input; 2: the command line (exit_codes.py)
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_project_gives_its_coders_and_model_columns(agree, tmp_path):
    """``agree project.llmstudio``: the coders' codes (``human_<codebook>_<coder>``) and
    the latest runs' columns are there, as an export has them."""
    import pandas as pd

    from llmstudio.core import human_codes as hc
    from llmstudio.core.backends.lexicon import LexiconBackend
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job, run_results
    from llmstudio.core.tasks import SentimentTask

    texts = ["great stuff", "awful", "meh", "fine", "bad", "good", "terrible", "ok"]
    book = Codebook(codes=(Code("positive"), Code("negative"), Code("neutral")), name="Tone")
    human = ["positive", "negative", "neutral", None, "negative", "positive", "negative", "neutral"]
    path = tmp_path / "coded.llmstudio"
    frame = pd.DataFrame({"text": pd.array(texts, dtype="str")})
    with Project.create(path, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(book)
        for row, label in enumerate(human):
            if label:
                hc.record(p, book, "Ana", row, [label])
        # the clicks made well before the run (not in the same second as it)
        p.db.execute("UPDATE human_codes SET time = '2026-01-01T00:00:00.000+00:00'")
        p.db.commit()
        model = run_results(p, run_job(p, SentimentTask(), LexiconBackend()).run_id)
    done = agree(
        path, "--columns", "human_tone_ana", "sentiment_label", "--json", "--bootstrap", "0"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    expected = agreement([human, model["sentiment_label"].tolist()], ["a", "b"], n_resamples=0)
    assert out["n"] == 7 == expected.n
    assert out["percent_agreement"]["value"] == pytest.approx(expected.percent_agreement.value)
    # coded before any model run existed: counted, but no warning
    assert out["human_codes"]["blind"][0]["not_recorded_early"] == 7
    assert out["human_codes"]["warning"] is None and "Warning" not in done.stderr


def test_a_project_prints_the_blind_counts_and_warns(agree, tmp_path):
    """Codes made after the run: 3 blind, 2 with blind coding off, 2 of unrecorded mode;
    the table says so, and the warning names both kinds."""
    import pandas as pd

    from llmstudio.core import human_codes as hc
    from llmstudio.core.backends.lexicon import LexiconBackend
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask

    texts = ["great stuff", "awful", "meh", "fine", "bad", "good", "terrible", "ok"]
    book = Codebook(codes=(Code("positive"), Code("negative"), Code("neutral")), name="Tone")
    path = tmp_path / "blind.llmstudio"
    frame = pd.DataFrame({"text": pd.array(texts, dtype="str")})
    with Project.create(path, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(book)
        run_job(p, SentimentTask(), LexiconBackend())
        modes = [True, True, True, False, False, None, None]
        for row, mode in enumerate(modes):
            hc.record(p, book, "Ana", row, ["positive"], blind=mode)
    done = agree(path, "--columns", "human_tone_ana", "sentiment_label", "--bootstrap", "0")
    assert done.returncode == 0, done.stderr
    assert "Ana: 3 blind, 2 not blind, 2 not recorded" in done.stdout
    assert "Warning: 2 of Ana's 7 codes compared were made with blind coding off" in done.stdout
    assert "for 2 of Ana's codes it was not recorded" in done.stdout
    assert "'sentiment_label'" in done.stdout
    # JSON: the counts in the document, the warning on stderr
    done = agree(
        path, "--columns", "human_tone_ana", "sentiment_label", "--json", "--bootstrap", "0"
    )
    out = json.loads(done.stdout)
    assert out["human_codes"]["blind"][0] | {"coder": "Ana"} == {
        "coder": "Ana",
        "blind": 3,
        "not_blind": 2,
        "not_recorded": 2,
        "not_blind_early": 0,
        "not_recorded_early": 0,
        "total": 7,
    }
    assert "blind coding off" in out["human_codes"]["warning"] and "Warning" in done.stderr
    # a project renamed (here to .db) is still read as one: the warning is not lost
    renamed = path.rename(tmp_path / "blind.db")
    done = agree(renamed, "--columns", "human_tone_ana", "sentiment_label", "--bootstrap", "0")
    assert done.returncode == 0, done.stderr
    assert "Warning: 2 of Ana's 7 codes compared were made with blind coding off" in done.stdout


def test_three_columns_table_names_each_pair_in_full(agree, write_file):
    """Column names sharing their first letters (a run and its _run1) stay apart in the
    pairwise rows: each pair is named in full, on one line with its value."""
    csv = write_file(
        "runs.csv",
        "text,sentiment_label,sentiment_label_run1,sentiment_lexicon\n"
        "a,pos,pos,neg\nb,neg,neg,neg\nc,pos,neg,pos\nd,neu,neu,neu\n",
    )
    done = agree(
        csv,
        "--columns",
        "sentiment_label",
        "sentiment_label_run1",
        "sentiment_lexicon",
        "--bootstrap",
        "0",
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("notes:")[0]
    pairs = [line for line in table.splitlines() if "Cohen's kappa" in line]
    assert [line.split()[2:5] for line in pairs] == [
        ["sentiment_label", "/", "sentiment_label_run1"],
        ["sentiment_label", "/", "sentiment_lexicon"],
        ["sentiment_label_run1", "/", "sentiment_lexicon"],
    ]
    # the values line up under the header's 'value'
    header = next(line for line in table.splitlines() if "statistic" in line)
    assert {line.index(line.split()[5]) + len(line.split()[5]) for line in pairs} == {
        header.index("value") + len("value")
    }
