"""``llmstudio replicate`` and ``llmstudio agree --run N --run M`` as users run them, and
``annotate``'s checks before it spends (issue 13, items 5 and 7): against the fake
OpenAI-compatible server on 127.0.0.1, which counts every request."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from cli.conftest import cli_runner

from fakes.openai_server import label_for

STARTS = ["I love the new park", "I hate the traffic", "The bus comes at nine"]
TEXTS = [f"{STARTS[i % 3]}, remark {i}" for i in range(12)]


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(
        "id,answer\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS)) + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def run(tmp_path):
    """``run(COMMAND, *args)`` -> CompletedProcess of ``python -m llmstudio COMMAND ...``."""
    return lambda command, *args: cli_runner(tmp_path, command)(*args)


def api(fake) -> tuple[str, ...]:
    return ("--model", "openai:fake-model", "--base-url", fake.url)


def runs(project: Path) -> list[tuple]:
    with sqlite3.connect(project) as db:
        return db.execute(
            "SELECT id, replicate_of, status, fingerprint FROM runs ORDER BY id"
        ).fetchall()


def test_a_project_made_from_another_table_is_refused_not_used(run, source, tmp_path, fake_openai):
    """--project naming a project of another file, or a file edited since its project
    beside it was made: the run would annotate the project's table, not FILE's."""
    assert run("annotate", source, *api(fake_openai)).returncode == 0
    made = fake_openai.total
    other = tmp_path / "other.csv"
    other.write_text("id,answer\n1,I love it\n2,I hate it\n", encoding="utf-8")
    done = run("annotate", other, *api(fake_openai), "--project", source.with_suffix(".llmstudio"))
    assert done.returncode == 1, done.stderr
    assert (
        f"holds another table (survey.csv, {len(TEXTS)} rows) than {other} (2 rows)" in done.stderr
    )
    assert "llmstudio annotate " in done.stderr
    # the same file, edited since: said so, nothing asked
    with source.open("a", encoding="utf-8") as fh:
        fh.write('99,"a new answer"\n')
    done = run("annotate", source, *api(fake_openai))
    assert done.returncode == 1, done.stderr
    assert f"{source} changed since" in done.stderr
    assert f"({len(TEXTS)} rows then, {len(TEXTS) + 1} now)" in done.stderr
    assert fake_openai.total == made and len(runs(source.with_suffix(".llmstudio"))) == 1


def test_annotate_without_out_or_project_keeps_the_run_beside_the_input(run, source, fake_openai):
    done = run("annotate", source, *api(fake_openai))
    assert done.returncode == 0, done.stderr
    project = source.with_suffix(".llmstudio")
    assert f"the run is kept in {project}" in done.stderr
    assert [r[2] for r in runs(project)] == ["done"] and fake_openai.total == len(TEXTS)
    again = run("annotate", source, *api(fake_openai))  # its own project: reused
    assert again.returncode == 0, again.stderr
    assert fake_openai.total == len(TEXTS) and len(runs(project)) == 1
    assert not source.with_name("survey_2.llmstudio").exists()


@pytest.mark.slow
def test_annotate_reads_a_project_and_stores_its_codebook(run, source, tmp_path, fake_openai):
    book = tmp_path / "book.yaml"
    book.write_text("name: Mood\ncodes:\n  - name: Happy\n  - name: Unhappy\n", "utf-8")
    project = tmp_path / "p.llmstudio"
    first = run("annotate", source, *api(fake_openai), "--project", project, "--limit", "2")
    assert first.returncode == 0, first.stderr
    done = run(
        "annotate", project, "--task", "code", "--codebook", book, *api(fake_openai), "--limit", "3"
    )
    assert done.returncode == 0, done.stderr
    assert "SQLite" not in done.stderr and f"stored codebook 'Mood' in {project}" in done.stderr
    with sqlite3.connect(project) as db:
        (body,) = db.execute("SELECT body FROM codebooks WHERE name = 'Mood'").fetchone()
    assert [c["name"] for c in json.loads(body)["codes"]] == ["Happy", "Unhappy"]
    assert len(runs(project)) == 2


@pytest.mark.parametrize(
    "args, message, status",
    [
        (("--out", "table.sav"), "unknown export format '.sav'", 2),
        (("--out", "no/such/folder/table.csv"), "no folder 'no/such/folder'", 1),
        (("--text-column", "comment"), "no column named 'comment' (columns: id, answer)", 1),
        (("--project", "no/such/folder/p.llmstudio"), "cannot write the project here", 1),
        (("--limit", "0"), "--limit is a number of rows", 2),
        (("--limit", "-1"), "--limit is a number of rows", 2),
        (("--task", "code", "--labels", "a"), "needs at least two labels", 2),
        (("--labels", ""), "--labels is empty", 2),
        (("--labels", "good,bad,good"), "'good' is given twice", 2),
    ],
)
def test_annotate_fails_before_any_request(run, source, fake_openai, args, message, status):
    done = run("annotate", source, *api(fake_openai), *args)
    assert done.returncode == status, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert fake_openai.total == 0  # nothing was asked (the server counts every request)
    assert not source.with_suffix(".llmstudio").exists()


def test_an_out_that_is_a_folder_fails_before_any_request(run, source, tmp_path, fake_openai):
    (tmp_path / "table.csv").mkdir()
    done = run("annotate", source, *api(fake_openai), "--out", tmp_path / "table.csv")
    assert done.returncode == 1, done.stderr
    assert "table.csv: is a folder; give a file name" in done.stderr
    assert fake_openai.total == 0


@pytest.mark.slow
def test_labels_a_classifier_cannot_give_fail_before_the_first_row(run, source, tmp_path):
    from models import build_classifier

    folder = build_classifier(tmp_path / "clf", ["sports", "politics"])
    project = tmp_path / "p.llmstudio"
    done = run("annotate", source, "--model", f"hf:{folder}", "--project", project)
    assert done.returncode == 1
    assert "cannot map the labels" in done.stderr and "Traceback" not in done.stderr
    assert runs(project) == []  # no run was started


@pytest.mark.slow
def test_replicate_at_temperature_07_asks_again_and_compares(run, source, tmp_path, fake_openai):
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, *api(fake_openai), "--project", project).returncode == 0
    # Sampled at 0.7, the model answers "neutral" to everything this time.
    fake_openai.add_rule("content", times=None, content='{"label": "neutral", "score": 0.5}')
    done = run(
        "replicate",
        project,
        "--run",
        "1",
        "--temperature",
        "0.7",
        "--base-url",
        fake_openai.url,
        "--bootstrap",
        "100",
    )
    assert done.returncode == 0, done.stderr
    assert fake_openai.total == 2 * len(TEXTS)  # asked again, nothing from the cache
    assert {r.body["temperature"] for r in fake_openai.chat_requests()[len(TEXTS) :]} == {0.7}
    (one, _, _, fp1), (two, of, status, fp2) = runs(project)
    assert (two, of, status) == (2, 1, "done")
    assert json.loads(fp2)["temperature"] == 0.7 and json.loads(fp1)["temperature"] == 0.0
    assert "run 2 replicates run 1; changed: temperature 0.0 → 0.7" in done.stdout
    changed = sum(label_for(t) != "neutral" for t in TEXTS)
    assert 0 < changed < len(TEXTS)
    assert f"sentiment label{' ' * 14}{len(TEXTS):>6}  {changed / len(TEXTS):.3f} [" in done.stdout

    agree = run("agree", project, "--run", "1", "--run", "2", "--json", "--bootstrap", "50")
    assert agree.returncode == 0, agree.stderr
    (result,) = json.loads(agree.stdout)
    assert result["n"] == len(TEXTS) and result["changed"] == changed
    assert (
        result["changed_share_ci"]["low"]
        < changed / len(TEXTS)
        < result["changed_share_ci"]["high"]
    )

    # The replicate never takes the plain column names: it keeps _run2.
    out = tmp_path / "out.csv"
    assert run("export", project, "--out", out).returncode == 0
    table = pd.read_csv(out)
    assert list(table["sentiment_label"]) == [label_for(t) for t in TEXTS]
    assert set(table["sentiment_label_run2"]) == {"neutral"}


@pytest.mark.parametrize(
    "args, message, status",
    [
        (("missing.llmstudio", "--run", "1"), "missing.llmstudio: no such file", 1),
        (("{project}", "--run", "9"), "no run 9 (the runs are: 1)", 1),
        (("{project}", "--run", "1", "--temperature", "3"), "--temperature is from 0 to 2", 2),
        (("{project}", "--run", "1", "--temperature", "0.5"), "lexicon has no temperature", 1),
        (("{project}",), "required: --run", 2),
    ],
)
def test_replicate_errors(run, source, tmp_path, args, message, status):
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, "--model", "lexicon", "--project", project).returncode == 0
    done = run("replicate", *[project if a == "{project}" else a for a in args])
    assert done.returncode == status, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(runs(project)) == 1


def test_a_replicate_names_its_model_once(run, source, tmp_path):
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, "--model", "lexicon", "--project", project).returncode == 0
    done = run("replicate", project, "--run", "1", "--bootstrap", "0")
    assert done.returncode == 0, done.stderr
    assert (
        done.stderr.splitlines()[0]
        == f"replicate of run 1 (sentiment, {len(TEXTS)} rows), changed: nothing; model lexicon"
    )
    # the run's own model is no change: refused, not recorded as "changed: model lexicon"
    done = run("replicate", project, "--run", "1", "--model", "lexicon", "--bootstrap", "0")
    assert done.returncode == 1 and "lexicon is the model of run 1 already" in done.stderr
    assert len(runs(project)) == 2


def test_agree_runs_usage_errors_are_usage(run, source, tmp_path):
    """A run given once, or the same run twice, is the command line's error (2), as a
    column named twice is."""
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, "--model", "lexicon", "--project", project).returncode == 0
    for args, message in (
        (("--run", "1", "--run", "1"), "--run 1 given twice"),
        (("--run", "1"), "give it twice (got 1)"),
    ):
        done = run("agree", project, *args)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr


def test_a_deterministic_model_is_said_to_measure_nothing_before_it_runs(run, source, tmp_path):
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, "--model", "lexicon", "--project", project).returncode == 0
    done = run("replicate", project, "--run", "1", "--bootstrap", "20")
    assert done.returncode == 0, done.stderr
    note = done.stderr.index(
        "a deterministic model gives the same answers; the replicate measures nothing"
    )
    assert note < done.stderr.index("run 2 (replicate of run 1): done")
    assert "0.000 [0.000," in done.stdout


@pytest.mark.slow
def test_a_project_is_accepted_wherever_a_data_file_is(run, source, tmp_path):
    project = tmp_path / "p.llmstudio"
    assert run("annotate", source, "--model", "lexicon", "--project", project).returncode == 0
    renamed = tmp_path / "p.db"  # a project by its content, whatever its name
    renamed.write_bytes(project.read_bytes())
    for command, args in [
        ("inspect", [project]),
        ("inspect", [renamed]),
        ("convert", [project, "--out", tmp_path / "c.csv"]),
        ("bias", [project, "--swap", "gender", "--show-swaps"]),
        ("annotate", [project, "--model", "lexicon", "--limit", "2"]),
    ]:
        done = run(command, *args)
        assert done.returncode == 0, (command, done.stderr)
        assert "SQLite" not in done.stderr
    assert pd.read_csv(tmp_path / "c.csv")["answer"].tolist() == TEXTS
