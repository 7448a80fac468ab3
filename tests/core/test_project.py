"""The project file: round trips, changes saved as they happen, migrations, kills."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core import project as project_module
from llmstudio.core.corpus import Corpus, read_table
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project, load_any
from llmstudio.core.store.migrations import MIGRATIONS, run_script

from helpers.corpora import string_corpus


def cells(frame: pd.DataFrame) -> list[list]:
    return [
        [None if pd.isna(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]


def run_python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


# -- round trips ----------------------------------------------------------------------------


def test_round_trip_of_a_read_csv(tmp_path, write_file):
    source = write_file(
        "in.csv",
        'id;text;score\n007;"multi\r\nline; text";1e5\n2;;NA\n3;"  padded  ";-3\n'.encode("cp1252"),
    )
    corpus = read_table(source)
    path = tmp_path / "p.llmstudio"
    with Project.create(path, corpus) as project:
        assert project.path == path and project.schema_version == len(MIGRATIONS)
    with Project.open(path) as project:
        stored = project.corpus()
        pd.testing.assert_frame_equal(stored.frame, corpus.frame)
        assert stored.columns == ["id", "text", "score"] == project.columns
        assert (stored.encoding, stored.delimiter, stored.text_column) == (
            corpus.encoding,
            ";",
            "text",
        )
        assert stored.source == str(source)


def test_round_trip_keeps_cells_dtypes_order_and_metadata(tmp_path):
    corpus = string_corpus()
    with Project.create(tmp_path / "p.llmstudio", corpus):
        pass
    with Project.open(tmp_path / "p.llmstudio") as project:
        stored = project.corpus()
    assert list(stored.frame.columns) == ["id", "text", "group"]
    assert cells(stored.frame) == cells(corpus.frame)
    assert stored.frame["group"].tolist()[1] == "" and pd.isna(stored.frame["group"][2])
    assert list(stored.frame.dtypes) == list(corpus.frame.dtypes)
    assert stored.text_column == "text"
    assert (stored.encoding, stored.header_row) == ("cp1252", 1)
    assert [(p.message, p.line) for p in stored.problems] == [
        (p.message, p.line) for p in corpus.problems
    ]


def test_round_trip_of_typed_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "n": [1, 2, 3],
            "x": [0.5, None, -2.0],
            "flag": [True, False, True],
            "when": pd.to_datetime(["2020-01-01", "2021-06-30", None]),
            "text": pd.array(["a", "b", None], dtype="str"),
        }
    )
    corpus = Corpus(frame=frame, text_column="text", format="parquet")
    with Project.create(tmp_path / "t.llmstudio", corpus) as project:
        stored = project.corpus().frame
    pd.testing.assert_frame_equal(stored, frame)


def test_row_ids_are_positions_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(project_module, "CHUNK_ROWS", 7)
    corpus = string_corpus(rows=30)
    with Project.create(tmp_path / "c.llmstudio", corpus) as project:
        chunks = project.db.execute(
            "SELECT chunk, first_row, n_rows FROM corpus_chunks ORDER BY chunk"
        ).fetchall()
        stored = project.corpus().frame
    assert [c[1] for c in chunks] == [0, 7, 14, 21, 28]
    assert sum(c[2] for c in chunks) == 30
    assert isinstance(stored.index, pd.RangeIndex) and list(stored.index) == list(range(30))
    assert stored["id"].tolist() == [f"{i:03d}" for i in range(30)]


def test_project_is_one_file_after_close(tmp_path):
    path = tmp_path / "one.llmstudio"
    with Project.create(path, string_corpus()) as project:
        project.set_text_column("group")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.llmstudio"]
    assert integrity(path) == "ok"


def test_create_replaces_an_existing_file(tmp_path):
    path = tmp_path / "p.llmstudio"
    path.write_bytes(b"old content")
    with Project.create(path, string_corpus()) as project:
        assert project.corpus().rows == 5


def test_failed_create_leaves_nothing(tmp_path):
    # A column pyarrow cannot store (text and a number) used to escape as ArrowInvalid.
    mixed = Corpus(frame=pd.DataFrame({"v": pd.Series(["text", 3], dtype=object)}), text_column="v")
    with pytest.raises(ProjectError) as info:
        Project.create(tmp_path / "m.llmstudio", mixed)
    assert "m.llmstudio" in str(info.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ProjectError) as info:
        Project.create(tmp_path / "no" / "such" / "p.llmstudio", string_corpus())
    assert "p.llmstudio" in str(info.value)


def test_closed_project_refuses_use(tmp_path):
    project = Project.create(tmp_path / "p.llmstudio", string_corpus())
    project.close()
    project.close()  # twice is fine
    with pytest.raises(ProjectError, match="closed"):
        project.set_text_column("id")


# -- changes ---------------------------------------------------------------------------------


def test_set_text_column_persists_and_writes_history(tmp_path):
    path = tmp_path / "p.llmstudio"
    with Project.create(path, string_corpus()) as project:
        before = len(project.history())
        project.set_text_column("group")
        project.set_text_column("id")
        assert project.corpus().text_column == "id"
    with Project.open(path) as project:
        assert project.text_column == "id" and project.corpus().text_column == "id"
        history = project.history()
    assert [h[1:] for h in history[before:]] == [("text_column", "group"), ("text_column", "id")]
    assert history[0][1] == "import"


def test_unknown_text_column_changes_nothing(tmp_path):
    path = tmp_path / "p.llmstudio"
    with Project.create(path, string_corpus()) as project:
        before = project.history()
        with pytest.raises(ProjectError) as info:
            project.set_text_column("nope")
        assert "nope" in str(info.value) and str(path) in str(info.value)
        assert project.history() == before and project.text_column == "text"


def test_save_as_copies_and_keeps_the_original_usable(tmp_path):
    original = Project.create(tmp_path / "a.llmstudio", string_corpus())
    try:
        original.set_text_column("group")
        copy = original.save_as(tmp_path / "b.llmstudio")
        try:
            assert copy.path == tmp_path / "b.llmstudio"
            pd.testing.assert_frame_equal(copy.corpus().frame, original.corpus().frame)
            assert copy.text_column == "group" and copy.history() == original.history()
            original.set_text_column("id")  # the original still works, on its own file
            copy.set_text_column("text")
            assert (original.text_column, copy.text_column) == ("id", "text")
        finally:
            copy.close()
    finally:
        original.close()
    with Project.open(tmp_path / "a.llmstudio") as a, Project.open(tmp_path / "b.llmstudio") as b:
        assert (a.text_column, b.text_column) == ("id", "text")
    assert integrity(tmp_path / "b.llmstudio") == "ok"


def test_save_as_same_path_returns_itself(tmp_path):
    with Project.create(tmp_path / "a.llmstudio", string_corpus()) as project:
        assert project.save_as(tmp_path / "a.llmstudio") is project


def test_load_any(tmp_path, write_file):
    csv_path = write_file("d.csv", "id,text\n1,hello there\n")
    corpus, project = load_any(csv_path)
    assert project is None and corpus.rows == 1
    Project.create(tmp_path / "d.llmstudio", corpus).close()
    corpus, project = load_any(tmp_path / "d.llmstudio")
    try:
        assert project is not None and cells(corpus.frame) == [["1", "hello there"]]
    finally:
        project.close()


# -- files that are not (our) projects ---------------------------------------------------------


def test_open_refuses_files_that_are_not_projects(tmp_path):
    text = tmp_path / "notes.llmstudio"
    text.write_text("id,text\n1,a\n")
    other = tmp_path / "other.llmstudio"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    cases = [
        (text, "not an SQLite database"),
        (other, "not an llmstudio project"),
        (tmp_path / "missing.llmstudio", "no such project file"),
    ]
    for path, reason in cases:
        with pytest.raises(ProjectError) as info:
            Project.open(path)
        assert str(path) in str(info.value) and reason in str(info.value)


def test_open_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "new.llmstudio"
    Project.create(path, string_corpus()).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 42")
    db.commit()
    db.close()
    with pytest.raises(ProjectError) as info:
        Project.open(path)
    assert "newer" in str(info.value) and "42" in str(info.value)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 42  # left untouched
    db.close()


# -- migrations ------------------------------------------------------------------------------


def add_codebooks(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE codebooks (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


def test_open_upgrades_an_older_project(tmp_path):
    path = tmp_path / "old.llmstudio"
    one, two = (MIGRATIONS[0],), (MIGRATIONS[0], add_codebooks)
    with Project.create(path, string_corpus(), migrations=one) as project:
        assert project.schema_version == 1
    assert "codebooks" not in tables(path)
    with Project.open(path, migrations=two) as project:
        assert project.schema_version == 2
        project.db.execute("INSERT INTO codebooks (name) VALUES ('frames')")
        assert project.corpus().rows == 5
    assert "codebooks" in tables(path)
    with Project.open(path, migrations=two) as project:  # nothing left to do
        assert project.schema_version == 2
    with pytest.raises(ProjectError, match="newer"):
        Project.open(path, migrations=one)


def test_failing_migration_rolls_back(tmp_path):
    path = tmp_path / "m.llmstudio"
    Project.create(path, string_corpus(), migrations=(MIGRATIONS[0],)).close()

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        db.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(ProjectError) as info:
        Project.open(path, migrations=(MIGRATIONS[0], broken))
    assert str(path) in str(info.value)
    assert "half_done" not in tables(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()
    assert not Path(f"{path}-wal").exists(), "the failed open left its connection open"
    with Project.open(path, migrations=(MIGRATIONS[0], add_codebooks)) as project:
        assert project.schema_version == 2  # and a fixed migration still applies


def test_failing_script_migration_rolls_back(tmp_path):
    # run_script (not executescript, which COMMITs first) keeps a multi-statement
    # migration in one transaction.
    path = tmp_path / "s.llmstudio"
    Project.create(path, string_corpus(), migrations=(MIGRATIONS[0],)).close()

    def broken(db):
        run_script(
            db,
            "CREATE TABLE first_table (x);\n-- a comment; with a semicolon\n"
            "CREATE TABLE second_table (x y z w);\nCREATE TABL oops (x);\n",
        )

    with pytest.raises(ProjectError):
        Project.open(path, migrations=(MIGRATIONS[0], broken))
    assert not {"first_table", "second_table"} & tables(path)


def test_a_migration_that_commits_by_itself_is_refused(tmp_path):
    path = tmp_path / "c.llmstudio"
    Project.create(path, string_corpus(), migrations=(MIGRATIONS[0],)).close()

    def commits(db):
        db.executescript("CREATE TABLE sneaky (x);")

    with pytest.raises(RuntimeError, match="migration 2"):
        Project.open(path, migrations=(MIGRATIONS[0], commits))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()


# -- a killed process ---------------------------------------------------------------------------

TOGGLE = """
    import sys
    from llmstudio.core.project import Project
    project = Project.open(sys.argv[1])
    columns = sys.argv[2:4]
    n = 0
    while True:
        project.set_text_column(columns[n % 2])
        n += 1
        print(n, flush=True)  # after the commit: n changes are saved
"""


@needs_sigkill
@pytest.mark.timeout(120)
def test_kill_during_changes_loses_nothing_committed(tmp_path):
    path = tmp_path / "k.llmstudio"
    Project.create(path, string_corpus()).close()
    child = run_python(TOGGLE, str(path), "group", "id")
    printed = []
    try:
        while not printed or int(printed[-1]) < 50:
            line = child.stdout.readline()
            assert line, f"the child stopped early: {child.stderr.read()}"
            printed.append(line.strip())
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    counts = [int(x) for x in printed + rest.split() if x.isdigit()]
    last = counts[-1]
    assert Path(f"{path}-wal").exists()  # really killed mid-use, not closed cleanly
    with Project.open(path) as project:
        changes = [h for h in project.history() if h[1] == "text_column"]
        assert len(changes) >= last
        assert project.text_column in {"group", "id"}
        assert project.text_column == changes[-1][2]  # meta and history agree
        assert project.corpus().rows == 5
    assert integrity(path) == "ok"


STALE_WAL = """
    import os, sys
    from llmstudio.core.project import Project
    project = Project.open(sys.argv[1])
    for i in range(20):
        project.set_text_column("group" if i % 2 else "id")
    os._exit(0)  # like a kill: no close, the write-ahead log stays beside the file
"""


@pytest.mark.parametrize("how", ["create", "save_as"])
def test_new_project_over_a_killed_sessions_file(tmp_path, how):
    # SQLite replays a -wal file onto whatever file has the name: a new project renamed
    # over a killed session's project must not inherit that session's last changes.
    path = tmp_path / "reused.llmstudio"
    Project.create(path, string_corpus()).close()
    child = run_python(STALE_WAL, str(path))
    child.communicate(timeout=60)
    assert child.returncode == 0 and Path(f"{path}-wal").exists()
    fresh = Corpus(
        frame=pd.DataFrame({"speech": pd.array(["new text"], dtype="str")}), text_column="speech"
    )
    if how == "create":
        Project.create(path, fresh).close()
    else:
        with Project.create(tmp_path / "other.llmstudio", fresh) as other:
            other.save_as(path).close()
    with Project.open(path) as project:
        assert project.columns == ["speech"]
        assert project.text_column == "speech"
        assert [h[1] for h in project.history()] == ["import"]
    assert integrity(path) == "ok"


CREATE_BIG = """
    import os, sys
    import pandas as pd
    from llmstudio.core import project as pj
    from llmstudio.core.corpus import Corpus
    n = int(sys.argv[2])
    frame = pd.DataFrame({"id": pd.array([str(i) for i in range(n)], dtype="str"),
                          "text": pd.array([f"text number {i} " * 3 for i in range(n)],
                                           dtype="str")})
    chunks, replace = pj._chunks, os.replace
    def announced_chunks(frame):
        for item in chunks(frame):
            print("chunk", item[0], flush=True)
            yield item
    def announced_replace(a, b):
        print("replace", flush=True)
        replace(a, b)
    pj._chunks, pj.os.replace = announced_chunks, announced_replace
    print("start", flush=True)
    pj.Project.create(sys.argv[1], Corpus(frame=frame, text_column="text")).close()
    print("done", flush=True)
    import signal
    signal.pause()  # wait here to be killed
"""


@needs_sigkill
@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("kill_at", ["start", "chunk 0", "chunk 2", "replace", "done"])
def test_kill_during_create_never_leaves_a_broken_file(tmp_path, kill_at):
    path = tmp_path / "big.llmstudio"
    rows = 300_000
    child = run_python(CREATE_BIG, str(path), str(rows))
    seen = []
    try:
        while True:
            line = child.stdout.readline()
            assert line, f"the child ended before {kill_at!r}: {child.stderr.read()}"
            seen.append(line.strip())
            if seen[-1] == kill_at:
                os.kill(child.pid, signal.SIGKILL)
                break
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert "start" in seen
    if kill_at == "done":
        assert path.exists()
    if path.exists():  # either the whole project or nothing
        assert integrity(path) == "ok"
        with Project.open(path) as project:
            frame = project.corpus().frame
            assert len(frame) == rows and frame["id"].iloc[-1] == str(rows - 1)
    else:
        assert not Path(f"{path}-wal").exists()
    # A killed create never blocks the next one, which also clears its temporary files.
    with Project.create(path, string_corpus()) as project:
        assert project.corpus().rows == 5
    assert not list(tmp_path.glob(".big.llmstudio.*")), list(tmp_path.iterdir())
