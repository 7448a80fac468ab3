"""The command line, run as users run it: ``python -m llmstudio ...`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "llmstudio" / "resources" / "sample_corpus.csv"


def cli_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LLMSTUDIO_CONFIG_DIR": str(folder / "config"),
            "XDG_STATE_HOME": str(folder / "state"),  # a crash log would land here
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            ),
        }
    )
    return env


def cli_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "llmstudio", *map(str, args)]


@pytest.fixture
def cli(tmp_path):
    """``cli(*args)`` -> CompletedProcess, run in tmp_path with an isolated config."""
    env = cli_env(tmp_path)

    def run(*args: str | Path, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            cli_command(*args),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    return run


def cells(frame: pd.DataFrame) -> list[list]:
    return [
        [None if pd.isna(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]


# A cp1252, semicolon-separated file with a duplicate header, a multi-line cell and one
# row with a field too many on line 5 (line 3 holds a two-line cell).
SURVEY = (
    "id;answer;answer;wave\r\n"
    '1;"Le café, c\'est 2 €\r\ntrop cher";x;1\r\n'
    "2;Très bien;y;1\r\n"
    "3;Ça dépend;z;2;EXTRA\r\n"
    "4;;w;2\r\n"
)


@pytest.fixture
def survey(write_file) -> Path:
    return write_file("survey.csv", SURVEY.encode("cp1252"))


def test_inspect_json(cli, survey):
    done = cli("inspect", survey, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert {"rows", "columns", "encoding", "delimiter", "text_column", "problems"} <= set(info)
    assert info["rows"] == 4
    assert info["columns"] == ["id", "answer", "answer_2", "wave", "extra_1"]
    assert info["encoding"] == "cp1252"
    assert info["delimiter"] == ";"
    assert info["text_column"] == "answer"
    assert len(info["problems"]) == 1 and "line 5" in info["problems"][0]
    assert done.stderr == ""


def test_inspect_plain_text_is_readable(cli, survey):
    done = cli("inspect", survey)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in (
        "survey.csv",
        "cp1252",
        "semicolon",
        "rows:        4",
        "'answer_2'",
        "text column: 'answer'",
        "problems:    1",
        "line 5",
    ):
        assert expected in out, expected
    assert not out.lstrip().startswith("{")


def test_inspect_with_overrides(cli, write_file):
    path = write_file("notes.txt", "first\tsecond\nthird\tfourth\n")
    done = cli("inspect", path, "--json", "--delimiter", "tab", "--no-header")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert (info["delimiter"], info["has_header"], info["rows"]) == ("\t", False, 2)
    done = cli(
        "inspect", path, "--json", "--delimiter", "none", "--no-header", "--text-column", "column_1"
    )
    assert json.loads(done.stdout)["columns"] == ["column_1"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_convert_then_inspect_gives_the_same_cells(cli, survey, tmp_path, suffix):
    out = tmp_path / f"converted{suffix}"
    done = cli("convert", survey, "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # the report goes to stderr, the data to the file
    assert str(out.name) in done.stderr and "note:" in done.stderr  # the ragged row
    original = read_table(survey)
    converted = read_table(out)
    assert converted.columns == original.columns
    expected = cells(original.frame)
    if suffix == ".csv":  # CSV has no missing value: the cells of the short rows are empty
        expected = [["" if v is None else v for v in row] for row in expected]
    assert cells(converted.frame) == expected
    info = json.loads(cli("inspect", out, "--json").stdout)
    assert info["rows"] == 4 and info["columns"] == original.columns
    assert info["text_column"] == "answer"


def test_convert_formula_guard_and_bom(cli, write_file, tmp_path):
    path = write_file("f.csv", "id,text\n1,=1+1\n2,-3.5\n3,@cmd\n")
    guarded, raw = tmp_path / "g.csv", tmp_path / "r.csv"
    assert cli("convert", path, "--out", guarded, "--bom").returncode == 0
    assert cli("convert", path, "--out", raw, "--no-formula-guard").returncode == 0
    assert guarded.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not raw.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_table(guarded).frame["text"].tolist() == ["'=1+1", "-3.5", "'@cmd"]
    assert read_table(raw).frame["text"].tolist() == ["=1+1", "-3.5", "@cmd"]


def test_inspect_a_project(cli, survey, tmp_path):
    path = tmp_path / "survey.llmstudio"
    with Project.create(path, read_table(survey)) as project:
        project.set_text_column("wave")
    done = cli("inspect", path, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["rows"] == 4 and info["text_column"] == "wave"
    assert info["columns"] == ["id", "answer", "answer_2", "wave", "extra_1"]
    assert info["file"] == str(survey)  # where the corpus came from
    assert len(info["problems"]) == 1
    converted = tmp_path / "from_project.parquet"
    assert cli("convert", path, "--out", converted).returncode == 0
    assert cells(read_table(converted).frame) == cells(read_table(survey).frame)


# -- errors: one line on stderr, naming the file; no traceback ---------------------------


def _not_a_project(tmp_path: Path) -> Path:
    path = tmp_path / "fake.llmstudio"
    path.write_text("id,text\n1,a\n")
    return path


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    return path


def _good(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text("id,text\n1,hello\n")
    return path


ERRORS = {
    "missing file": (lambda t: ["inspect", t / "missing.csv"], "missing.csv"),
    "empty file": (lambda t: ["inspect", _empty(t)], "empty.csv"),
    "binary file": (lambda t: ["inspect", _png(t), "--json"], "picture.csv"),
    "bad text column": (lambda t: ["inspect", _good(t), "--text-column", "nope"], "good.csv"),
    "unknown output extension": (
        lambda t: ["convert", _good(t), "--out", t / "out.docx"],
        "out.docx",
    ),
    "not a project": (lambda t: ["inspect", _not_a_project(t)], "fake.llmstudio"),
    "unknown encoding": (lambda t: ["inspect", _good(t), "--encoding", "klingon"], "good.csv"),
    "missing output folder": (
        lambda t: ["convert", _good(t), "--out", t / "no" / "x.csv"],
        "x.csv",
    ),
    "convert a missing file": (
        lambda t: ["convert", t / "gone.xlsx", "--out", t / "o.csv"],
        "gone.xlsx",
    ),
}


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Every error case, each in its own folder, run at the same time (start-up dominates)."""
    started = {}
    for case, (make_args, _) in ERRORS.items():
        folder = tmp_path_factory.mktemp("error")
        started[case] = (
            folder,
            subprocess.Popen(
                cli_command(*make_args(folder)),
                cwd=folder,
                env=cli_env(folder),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            ),
        )
    done = {}
    for case, (folder, process) in started.items():
        out, err = process.communicate(timeout=120)
        done[case] = folder, subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_are_one_line_naming_the_file(error_runs, case):
    folder, done = error_runs[case]
    name = ERRORS[case][1]
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert name in lines[0] and lines[0].startswith("llmstudio: error: ")
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.stdout == ""
    assert not (folder / "state").exists()  # no crash log was needed


def test_xlsx_too_long_cell_is_a_clean_error(cli, write_file, tmp_path):
    path = write_file("long.csv", "id,text\n1," + "x" * 40_000 + "\n")
    done = cli("convert", path, "--out", tmp_path / "long.xlsx")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "long.xlsx" in lines[0] and "32,767" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert not (tmp_path / "long.xlsx").exists()


# -- the headless demo ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_demo_writes_the_files_it_prints(cli, tmp_path):
    from llmstudio.core.human_codes import current, record
    from llmstudio.core.sample_project import SAMPLE_CODEBOOK, SAMPLE_CODER

    if not SAMPLE.exists():
        pytest.skip(f"the sample corpus {SAMPLE} is not there yet")
    out = tmp_path / "demo"
    done = cli("demo", "--out", out, timeout=150)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # The sample's model is the builtin: one line on how well it reads sentiment
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: The builtin")]
    assert len(notes) == 1 and "71.7%" in notes[0], done.stderr
    wrote = done.stdout.split("Wrote:")[1].split("What next:")[0]
    listed = [Path(line.strip()) for line in wrote.splitlines() if line.startswith("  ")]
    assert listed, done.stdout
    for path in listed:
        assert path.is_file() and path.stat().st_size > 0, path
        assert path.parent == out.resolve()
    names = {p.name for p in listed}
    assert {
        "inspect.json",
        "sample.llmstudio",
        "sample_export.csv",
        "sample_export.xlsx",
        "sample_export.parquet",
    } <= names
    if "main_window.png" not in names:
        assert "(no screenshot" in done.stderr
    # It ends saying what to do next: open the project in the window, the walkthrough.
    after = done.stdout.split("What next:")[1]
    assert f'llmstudio "{(out / "sample.llmstudio").resolve()}"' in after
    assert "Getting started" in after and "not a coder's judgement" in after

    sample = read_table(SAMPLE)
    info = json.loads((out / "inspect.json").read_text(encoding="utf-8"))
    assert info["rows"] == sample.rows > 0 and info["columns"] == sample.columns
    with Project.open(out / "sample.llmstudio") as project:
        pd.testing.assert_frame_equal(project.corpus().frame, sample.frame)
    model_columns = ["sentiment_label", "sentiment_score", "sentiment_lexicon"]
    coder_column = "human_sentiment_sample_author_s_intent"
    for suffix in (".csv", ".xlsx", ".parquet"):
        exported = read_table(out / f"sample_export{suffix}")
        assert exported.columns[: len(sample.columns)] == sample.columns
        assert {*model_columns, coder_column} <= set(exported.columns), suffix
        assert exported.rows == sample.rows
        # The builtin model ran offline: every row has a label, and VADER's beside it.
        frame = exported.frame
        assert set(frame["sentiment_label"]) <= {"positive", "negative", "neutral"}, suffix
        assert frame["sentiment_label"].notna().all() and frame["sentiment_lexicon"].notna().all()
        assert (frame[coder_column].fillna("").astype(str) != "").sum() == 40, suffix
    exported = read_table(out / "sample_export.parquet").frame
    assert cells(exported[sample.columns]) == cells(sample.frame)

    # Again into the same folder: the project is reused, the codes given since are kept,
    # the finished run is not made again.
    with Project.open(out / "sample.llmstudio") as project:
        record(project, SAMPLE_CODEBOOK, "ana", 0, ["negative"])
    again = cli("demo", "--out", out, timeout=150)
    assert again.returncode == 0, again.stderr
    assert "Running the builtin sentiment model" not in again.stderr
    with Project.open(out / "sample.llmstudio") as project:
        assert [c.codes for c in current(project, SAMPLE_CODEBOOK.name, "ana")] == [("negative",)]
        assert len(current(project, SAMPLE_CODEBOOK.name, SAMPLE_CODER)) == 40
    assert read_table(out / "sample_export.csv").frame["human_sentiment_ana"][0] == "negative"


def test_a_closed_pipe_is_not_an_error(tmp_path):
    """``llmstudio inspect data.csv | head -0``: the reader is gone before anything is
    written; the command ends quietly (exit 0), with no "internal error" and no crash log."""
    data = tmp_path / "data.csv"
    data.write_text("id,text\n1,hello\n")
    child = subprocess.Popen(
        cli_command("inspect", data),
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()  # hang up at once
    err = child.stderr.read()
    assert child.wait(timeout=120) == 0, err
    assert b"internal error" not in err and b"BrokenPipe" not in err, err
    assert not list(tmp_path.rglob("crash*"))


def test_the_process_entry_point_leaves_the_garbage_collector_out_of_the_exit(survey, tmp_path):
    # The interpreter's last collections walked torch's and transformers' objects for 1-2 s
    # after the work was done; the entry point freezes what is alive instead. In a process
    # of its own: main() sets up logging for the whole process.
    script = (
        "import gc, sys\n"
        "from llmstudio.cli import process_main\n"
        f"code = process_main(['inspect', {str(survey)!r}, '--json'])\n"
        "print('frozen', gc.get_freeze_count(), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] > 0
    assert int(done.stderr.split("frozen")[-1]) > 1000  # every object alive at the end
