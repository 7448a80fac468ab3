"""Memos of every kind (project, code, row, passage) in one list: made, edited with
their earlier versions kept, searched and filtered, following a renamed or merged code;
schema 8 on a schema 7 file; and a kill while a memo is being typed loses at most the
text since the last save."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from llmstudio.core import code_tree, memos
from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.coding_session import CodingSession
from llmstudio.core.errors import ProjectError
from llmstudio.core.methods import build_record
from llmstudio.core.project import Project
from llmstudio.core.store.migrations import MIGRATIONS

from helpers.memos import BOOK, corpus, fill


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "memos.llmstudio", corpus()) as p:
        yield p


def test_every_kind_is_in_one_list_with_author_and_place(project):
    fill(project)
    every = memos.all_memos(project)
    assert [m.kind for m in every] == ["project", "project", "code", "row", "passage"]
    by_kind = {m.kind: m for m in every}
    assert (by_kind["code"].codebook, by_kind["code"].code, by_kind["code"].author) == (
        "Issues",
        "Rents",
        "ana",
    )
    assert (by_kind["row"].row_id, by_kind["row"].author) == (0, "ana")
    assert by_kind["row"].text == "landlords blamed; bus cuts too"
    p = by_kind["passage"]
    assert (p.row_id, p.code, p.author, p.text) == (0, "Rents", "ana", "the word 'doubled' matters")
    assert memos.first_line(every[0]) == "Sampling"
    assert memos.count(project) == {"project": 2, "code": 1, "row": 1, "passage": 1}


def test_a_code_memo_is_not_its_description_and_is_one_per_author(project):
    fill(project)
    first = memos.code_memo(project, "Issues", "Rents", "ana")
    again = memos.set_code_memo(project, "Issues", "Rents", "ana", "second thoughts")
    assert again.id == first.id and again.text == "second thoughts"
    other = memos.set_code_memo(project, "Issues", "Rents", "ben", "ben's view")
    assert other.id != first.id
    assert project.codebook("Issues").code("Rents").description == "What people pay to live"
    with pytest.raises(ProjectError, match="has no code 'Rent'"):
        memos.set_code_memo(project, "Issues", "Rent", "ana", "x")
    with pytest.raises(ProjectError, match="coder"):
        memos.set_code_memo(project, "Issues", "Rents", "  ", "x")


def test_saving_keeps_every_earlier_version(project):
    made = fill(project)
    memo = made["project"]
    memos.save(project, memo, "draft one")
    memos.save(project, memo, "draft one")  # unchanged: no version
    now = memos.save(project, memo, "draft two", title="Sampling plan")
    assert (now.title, now.text) == ("Sampling plan", "draft two")
    assert now.modified >= memo.modified
    kept = memos.versions(project, now)
    assert [(t, x) for _, t, x in kept] == [
        ("Sampling", "We coded every answer from the north first.\nThen the south."),
        ("Sampling", "draft one"),
        ("Sampling plan", "draft two"),
    ]


def test_a_row_memo_saves_a_click_with_the_same_codes(project):
    made = fill(project)
    now = memos.save(project, made["row"], "landlords, not rents")
    assert now.id != made["row"].id and now.text == "landlords, not rents"
    latest = hc.coding_of(project, "Issues", "ana", 0)
    assert latest.codes == ("Housing", "Transport") and latest.memo == "landlords, not rents"
    earlier = [c.memo for c in hc.history(project, "Issues", 0)]
    assert earlier == ["landlords blamed; bus cuts too", "landlords, not rents"]  # kept


def test_a_passage_memo_saves_a_successor_and_keeps_the_old(project):
    made = fill(project)
    now = memos.save(project, made["passage"], "doubled: the size of the rise")
    assert now.passage_id != made["passage"].passage_id
    old = ps.get(project, made["passage"].passage_id)
    assert not old.in_force and old.memo == "the word 'doubled' matters"
    new = ps.get(project, now.passage_id)
    assert (new.start, new.end, new.code, new.replaces) == (0, 5, "Rents", old.id)


def test_search_and_filters_narrow_the_list(project):
    fill(project)
    every = memos.all_memos(project)
    assert {m.kind for m in memos.filter_memos(every, text="BUS")} == {"project", "row"}
    assert [m.title for m in memos.filter_memos(every, text="north south")] == ["Sampling"]
    assert memos.filter_memos(every, text="nowhere") == []
    assert {m.kind for m in memos.filter_memos(every, kinds=["code", "passage"])} == {
        "code",
        "passage",
    }
    assert [m.title for m in memos.filter_memos(every, author="ben")] == ["Doubts"]
    assert {m.kind for m in memos.filter_memos(every, code="Rents")} == {"code", "passage"}
    assert len(memos.filter_memos(every)) == len(every)


def test_a_deleted_project_memo_leaves_the_list_but_not_the_file(project):
    made = fill(project)
    memos.delete(project, made["project2"])
    assert "Doubts" not in [m.title for m in memos.all_memos(project)]
    assert memos.versions(project, made["project2"])[0][1] == "Doubts"
    assert any("deleted project memo" in d for _, a, d in project.history() if a == "memo")


def test_code_memos_follow_a_renamed_and_a_merged_code(project):
    fill(project)
    code_tree.rename(project, "Issues", "Rents", "Rent levels")
    assert memos.code_memo(project, "Issues", "Rent levels", "ana") is not None
    code_tree.merge(project, "Issues", "Rent levels", "Housing")
    kept = memos.code_memo(project, "Issues", "Housing", "ana")
    assert kept.text == "Rents overlaps with Housing: keep it as a child."


def test_bad_input_is_refused_with_a_message(project):
    fill(project)
    with pytest.raises(ProjectError, match="title must be text"):
        memos.add_project_memo(project, "ana", 3)
    with pytest.raises(ProjectError, match="no project memo 999"):
        memos.get(project, "project", 999)
    with pytest.raises(ProjectError, match="no kind of memo called 'rows'"):
        memos.get(project, "rows", 1)


def test_a_schema_7_project_gets_the_memos_table(tmp_path):
    path = tmp_path / "old.llmstudio"
    with Project.create(path, corpus(), migrations=MIGRATIONS[:7]) as p:
        assert p.schema_version == 7
        p.save_codebook(BOOK)
        hc.record(p, p.codebook("Issues"), "ana", 0, ["Housing"], "an old memo")
    with Project.open(path) as p:
        assert p.schema_version == len(MIGRATIONS) >= 8
        assert [m.text for m in memos.all_memos(p)] == ["an old memo"]  # kept
        memos.add_project_memo(p, "ana", "After the upgrade", "works")
        assert memos.count(p)["project"] == 1


def test_a_schema_8_file_is_refused_by_schema_7_code(tmp_path):
    path = tmp_path / "new.llmstudio"
    Project.create(path, corpus(), migrations=MIGRATIONS[:8]).close()
    with pytest.raises(
        ProjectError, match=r"newer llmstudio \(schema 8; this version reads up to 7\)"
    ):
        Project.open(path, migrations=MIGRATIONS[:7])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_kill_while_typing_a_memo_loses_at_most_the_last_pause(tmp_path):
    """A process saves a project memo and a code memo after each pause of typing (one
    more word each time) and says when each save returned; killed, the file is intact and
    each memo holds the text of its last save acknowledged or a later one."""
    path = tmp_path / "killed.llmstudio"
    with Project.create(path, corpus()) as p:
        fill(p)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import sys
        from llmstudio.core import memos
        from llmstudio.core.project import Project
        p = Project.open(sys.argv[1])
        project = [m for m in memos.all_memos(p) if m.title == "Sampling"][0]
        code = memos.code_memo(p, "Issues", "Rents", "ana")
        text = ""
        for i in range(100000):
            text += f" word{i}"
            memos.save(p, project if i % 2 else code, text)
            print(i, flush=True)
        """),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    said = -1
    for line in child.stdout:
        said = int(line)
        if said >= 150:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Project.open(path) as p:
        project = next(m for m in memos.all_memos(p) if m.title == "Sampling")
        code = memos.code_memo(p, "Issues", "Rents", "ana")
        last_odd = said if said % 2 else said - 1
        last_even = said if said % 2 == 0 else said - 1
        for memo, last in ((project, last_odd), (code, last_even)):
            words = memo.text.split()
            assert len(words) >= last + 1  # every word acknowledged is there
            assert words[last] == f"word{last}"
        assert len(memos.versions(p, project)) >= last_odd // 2 + 2


def test_the_methods_record_counts_memos_and_never_quotes_them(project):
    made = fill(project)
    text = build_record(project, n_resamples=10).markdown()
    assert "Memos: 2 project, 1 code, 1 row, 1 passage memos." in text
    assert "may be private" in text
    for memo in made.values():
        assert memo.text.splitlines()[0] not in text


def test_the_rows_a_memo_is_about(project):
    made = fill(project)
    assert memos.rows_of(project, made["row"]) == [0]
    assert memos.rows_of(project, made["passage"]) == [0]
    assert memos.rows_of(project, made["project"]) == []
    transport = memos.set_code_memo(project, "Issues", "Transport", "ben", "buses")
    # row 0 by ana's row code, row 2 by ben's passage
    assert memos.rows_of(project, transport) == [0, 2]
    assert memos.rows_of(project, transport, coder="ben") == [2]  # ben's own codes only


def test_the_memo_table_names_what_each_memo_is_on(project, tmp_path):
    fill(project)
    path = memos.export_memos(memos.all_memos(project), tmp_path / "memos.xlsx")
    got = pd.read_excel(path, dtype=str, keep_default_na=False)
    assert got.columns.tolist() == list(memos.TABLE_COLUMNS)
    assert got["kind"].tolist() == ["project", "project", "code", "row", "passage"]
    assert got["row"].tolist() == ["", "", "", "1", "1"]  # 1-based, as the window shows
    assert got["code"].tolist() == ["", "", "Rents", "", "Rents"]
    assert got["passage"].tolist()[4] != "" and got["title"][0] == "Sampling"


def test_a_passage_memo_changed_in_a_coding_session_is_undone_and_redone(project):
    made = fill(project)
    book = project.codebook("Issues")
    session = CodingSession(lambda *a: True, passages=ps.ProjectPassages(project, book, "ana"))
    old = made["passage"].passage_id
    new = session.memo_passage(0, old, "rewritten")
    assert ps.get(project, new).memo == "rewritten" and not ps.get(project, old).in_force
    session.undo()
    assert ps.get(project, old).in_force and not ps.get(project, new).in_force
    session.redo()
    assert [m.text for m in memos.all_memos(project) if m.kind == "passage"] == ["rewritten"]
