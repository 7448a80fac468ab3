"""Coded passages in the project: stored at once, overlapping, removed and restored,
recoded, found by row / code (with its children) / coder, offsets checked against the
row's exact text, a session's undo and redo, schema 7 on old and newer files, and a kill
in the middle of marking passages loses none that was acknowledged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.coding_session import CodingSession
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project
from llmstudio.core.store.migrations import MIGRATIONS

TEXTS = [
    "Rents have doubled and the buses stopped running.",
    "Waiting lists 😡 at the hospital are too long.",  # an emoji: one str index
    "",
    "Potholes everywhere.",
]
BOOK = Codebook(
    codes=(
        Code("Housing"),
        Code("Rents", parent="Housing"),
        Code("Landlords", parent="Rents"),
        Code("Transport"),
        Code("Health"),
    ),
    name="Issues",
)


def corpus(texts=TEXTS, extra=None) -> Corpus:
    data = {"text": pd.array(texts, dtype="str")}
    data.update(extra or {})
    return Corpus(frame=pd.DataFrame(data), text_column="text", source="answers.csv")


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "passages.llmstudio", corpus()) as p:
        p.save_codebook(BOOK)
        yield p


def test_a_passage_is_stored_at_once_with_its_exact_text(project):
    p = ps.add(project, BOOK, " ana ", 0, 0, 5, "Rents", "rising", blind=True)
    assert (p.coder, p.row_id, p.start, p.end, p.code, p.memo) == (
        "ana",
        0,
        0,
        5,
        "Rents",
        "rising",
    )
    assert p.blind is True and p.in_force and p.text_column == "text"
    assert ps.text_of(project, p) == "Rents"
    # committed: another connection sees it
    other = sqlite3.connect(project.path)
    assert other.execute('SELECT code, start, "end" FROM passages').fetchall() == [("Rents", 0, 5)]
    other.close()
    assert ps.get(project, p.id) == p


def test_passages_overlap_and_one_stretch_carries_several_codes(project):
    a = ps.add(project, BOOK, "ana", 0, 0, 16, "Rents")
    b = ps.add(project, BOOK, "ana", 0, 6, 49, "Transport")
    c = ps.add(project, BOOK, "ana", 0, 0, 16, "Housing")
    d = ps.add(project, BOOK, "ben", 0, 0, 16, "Rents")  # another coder, same stretch
    assert [x.id for x in ps.of_row(project, "Issues", 0)] == [a.id, c.id, d.id, b.id]
    assert [x.id for x in ps.of_row(project, "Issues", 0, coder="ben")] == [d.id]
    assert ps.coders(project, "Issues") == ["ana", "ben"]


def test_retrieval_by_code_children_included_or_not_and_by_coder(project):
    housing = ps.add(project, BOOK, "ana", 0, 0, 5, "Housing")
    rents = ps.add(project, BOOK, "ana", 0, 0, 16, "Rents")
    landlords = ps.add(project, BOOK, "ben", 3, 0, 8, "Landlords")
    health = ps.add(project, BOOK, "ana", 1, 0, 13, "Health")
    ids = lambda found: [x.id for x in found]  # noqa: E731
    assert ids(ps.of_code(project, BOOK, "Housing")) == [housing.id, rents.id, landlords.id]
    assert ids(ps.of_code(project, BOOK, "Housing", children=False)) == [housing.id]
    assert ids(ps.of_code(project, BOOK, "Rents", coder="ben")) == [landlords.id]
    assert ids(ps.of_coder(project, "Issues", "ana")) == [housing.id, rents.id, health.id]
    with pytest.raises(ProjectError, match="has no code 'Sport'"):
        ps.of_code(project, BOOK, "Sport")


def test_offsets_count_characters_not_utf16_units(project):
    text = ps.row_text(project, 1)
    emoji = text.index("😡")
    p = ps.add(project, BOOK, "ana", 1, emoji, emoji + 1, "Health")
    assert ps.text_of(project, p) == "😡"
    # Qt's cursor counts the emoji as two units: converted both ways, and never split
    qt = ps.to_utf16(text, emoji + 1)
    assert qt == emoji + 2 and ps.from_utf16(text, qt) == emoji + 1
    assert ps.from_utf16(text, ps.to_utf16(text, len(text))) == len(text)
    with pytest.raises(ProjectError, match="falls inside character .* surrogate pair"):
        ps.from_utf16(text, emoji + 1)
    with pytest.raises(ProjectError, match="past the end"):
        ps.from_utf16(text, len(text) + 5)
    with pytest.raises(ProjectError, match="outside the text"):
        ps.to_utf16(text, len(text) + 1)


def test_document_positions_follow_qt_through_emoji_and_crlf():
    # Qt's document: UTF-16 units, and "\r\n" is one paragraph break
    text = "a😀\r\nb\r\n\r\n𝔘c\rd"
    shown = "a😀\nb\n\n𝔘c\rd"
    at = ps.DocumentPositions(text)
    assert at.shown == shown and at.length == len(shown) + 2
    for index in range(len(text) + 1):
        position = at.position(index)
        between = text[index - 1 : index + 1] == "\r\n"  # a "\r\n" is one step in Qt
        assert at.index(position) == (index - 1 if between else index)
        if not between:
            assert position == ps.to_utf16(shown, index - text[:index].count("\r\n"))
    assert at.index(at.position(text.index("b"))) == text.index("b")
    with pytest.raises(ProjectError, match="inside a character beyond"):
        at.index(2)  # between the emoji's two halves
    with pytest.raises(ProjectError, match="outside the text"):
        at.index(at.length + 1)
    with pytest.raises(ProjectError, match="outside the text"):
        at.position(len(text) + 1)


@pytest.mark.parametrize(
    ("row", "start", "end", "message"),
    [
        (0, 10, 60, "characters 10 to 60 are outside the text (it has 49 characters"),
        (0, -1, 3, "outside the text"),
        (0, 5, 5, "start (5) must come before end (5)"),
        (0, 7, 2, "start (7) must come before end (2)"),
        (0, 1.5, 3, "start must be a whole number, got 1.5"),
        (0, 1, True, "end must be a whole number, got True"),
        (2, 0, 1, "row 3 has no text in column 'text'"),
        (9, 0, 1, "row 9 is not in the corpus (rows 0 to 3"),
        (-1, 0, 1, "row -1 is not in the corpus"),
    ],
)
def test_bad_offsets_are_named_and_nothing_is_stored(project, row, start, end, message):
    with pytest.raises(ProjectError) as err:
        ps.add(project, BOOK, "ana", row, start, end, "Health")
    assert message in str(err.value)
    assert ps.find(project, "Issues", removed=True) == []


def test_a_split_surrogate_pair_is_refused():
    # a text holding a surrogate pair as two code points (decoded with surrogatepass;
    # a project's UTF-8 texts cannot hold one, a text from elsewhere can)
    text = "ab\ud83d\ude00cd"
    with pytest.raises(ProjectError, match=r"end \(3\) falls between the two halves"):
        ps.check_span(text, 0, 3)
    with pytest.raises(ProjectError, match=r"start \(3\) falls between"):
        ps.check_span(text, 3, 5)
    assert ps.check_span(text, 2, 4) == (2, 4)


def test_bad_code_coder_memo_and_column_are_named(project, tmp_path):
    with pytest.raises(ProjectError, match="codebook 'Issues' has no code 'none'"):
        ps.add(project, BOOK, "ana", 0, 0, 3, "none")
    with pytest.raises(ProjectError, match="a coder needs a name"):
        ps.add(project, BOOK, "  ", 0, 0, 3, "Health")
    with pytest.raises(ProjectError, match="memo must be text, got int"):
        ps.add(project, BOOK, "ana", 0, 0, 3, "Health", 5)
    with pytest.raises(ProjectError, match="has no column 'title'"):
        ps.row_text(project, 0, "title")
    with Project.create(
        tmp_path / "n.llmstudio", corpus(extra={"n": pd.array([1, 2, 3, 4], dtype="int64")})
    ) as other:
        with pytest.raises(ProjectError, match="column 'n' holds int64, not text|holds int"):
            ps.row_text(other, 0, "n")
    assert ps.find(project, "Issues", removed=True) == []


def test_removed_passages_stay_in_the_project_and_come_back(project):
    p = ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    gone = ps.remove(project, p.id)
    assert gone.removed is not None and ps.of_row(project, "Issues", 0) == []
    assert [x.id for x in ps.find(project, "Issues", removed=True)] == [p.id]
    with pytest.raises(ProjectError, match=f"passage {p.id} is already removed"):
        ps.remove(project, p.id)
    assert ps.restore(project, p.id).in_force
    with pytest.raises(ProjectError, match=f"passage {p.id} is already in force"):
        ps.restore(project, p.id)
    with pytest.raises(ProjectError, match="there is no passage 999"):
        ps.remove(project, 999)


def test_a_failed_switch_changes_nothing(project):
    a = ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    b = ps.add(project, BOOK, "ana", 0, 6, 10, "Rents")
    with pytest.raises(ProjectError, match="already in force"):
        ps.switch(project, take_out=(a.id,), put_back=(b.id,))
    assert ps.get(project, a.id).in_force  # the first half was rolled back


def test_changing_the_code_or_memo_keeps_the_old_passage(project):
    p = ps.add(project, BOOK, "ana", 0, 0, 5, "Rents", "first")
    q = ps.change(project, BOOK, p.id, code="Landlords")
    assert (q.code, q.memo, q.start, q.end, q.replaces) == ("Landlords", "first", 0, 5, p.id)
    r = ps.change(project, BOOK, q.id, memo="second")
    assert (r.code, r.memo, r.replaces) == ("Landlords", "second", q.id)
    assert [x.id for x in ps.of_row(project, "Issues", 0)] == [r.id]
    assert [x.removed is None for x in ps.find(project, "Issues", removed=True)] == [
        False,
        False,
        True,
    ]
    with pytest.raises(ProjectError, match="was removed: put it back"):
        ps.change(project, BOOK, p.id, code="Health")
    with pytest.raises(ProjectError, match="has no code 'Sport'"):
        ps.change(project, BOOK, r.id, code="Sport")
    other = Codebook(codes=(Code("x"),), name="Other")
    with pytest.raises(ProjectError, match="is in codebook 'Issues', not 'Other'"):
        ps.change(project, other, r.id, code="x")


def test_passages_follow_a_renamed_codebook_and_survive_a_deleted_one(project):
    p = ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    renamed = Codebook(codes=BOOK.codes, name="Local issues")
    project.save_codebook(renamed, replaces="Issues")
    assert [x.id for x in ps.of_row(project, "Local issues", 0)] == [p.id]
    project.delete_codebook("Local issues")
    assert [x.id for x in ps.of_row(project, "Local issues", 0)] == [p.id]


def test_offsets_keep_their_column_when_the_text_column_changes(tmp_path):
    extra = {"title": pd.array(["Short", "Another title", "x", "y"], dtype="str")}
    with Project.create(tmp_path / "c.llmstudio", corpus(extra=extra)) as project:
        project.save_codebook(BOOK)
        p = ps.add(project, BOOK, "ana", 0, 0, 16, "Rents")
        project.set_text_column("title")
        assert ps.text_of(project, ps.get(project, p.id)) == "Rents have doubl"
        q = ps.add(project, BOOK, "ana", 1, 0, 7, "Health")
        assert q.text_column == "title" and ps.text_of(project, q) == "Another"


def test_a_session_undoes_and_redoes_passages_beside_row_codes(project):
    saved = []
    store = ps.ProjectPassages(project, BOOK, "ana", blind=lambda: False)
    told = []
    session = CodingSession(
        lambda row, codes, memo: hc.record(project, BOOK, "ana", row, codes, memo) is not None,
        on_stored=told.append,
        passages=store,
    )
    assert session.click(0, ((), ""), (("Rents",), ""), "Rents")
    a = session.add_passage(0, 0, 5, "Rents")
    b = session.add_passage(0, 3, 16, "Landlords")  # overlapping
    c = session.recode_passage(0, b, "Housing")
    session.remove_passage(0, a)
    in_force = lambda: [x.id for x in ps.of_row(project, "Issues", 0)]  # noqa: E731
    assert in_force() == [c]
    assert session.undo() == 0 and in_force() == [a, c]  # the removal undone
    assert session.undo() == 0 and in_force() == [a, b]  # the recode undone
    assert session.undo() == 0 and in_force() == [a]
    assert session.undo() == 0 and in_force() == []
    assert session.undo() == 0 and hc.coding_of(project, "Issues", "ana", 0).codes == ()
    assert not session.can_undo
    for _ in range(5):
        session.redo()
    assert in_force() == [c] and hc.coding_of(project, "Issues", "ana", 0).codes == ("Rents",)
    assert all(not x.blind for x in ps.find(project, "Issues", removed=True))
    assert told and set(told) == {0}
    # nothing ever deleted: every passage made is still in the file
    assert len(ps.find(project, "Issues", removed=True)) == 3
    # a passage that cannot be stored leaves the history as it was
    with pytest.raises(ProjectError, match="outside the text"):
        session.add_passage(0, 0, 500, "Rents")
    assert not session.can_redo and session.can_undo
    session.undo()
    assert in_force() == [a, c]
    del saved


def test_a_session_without_a_passage_store_says_so():
    session = CodingSession(lambda *a: True)
    with pytest.raises(RuntimeError, match="no passage store"):
        session.add_passage(0, 0, 1, "a")


def test_an_older_project_gets_the_passages_table(tmp_path):
    path = tmp_path / "old.llmstudio"
    with Project.create(path, corpus(), migrations=MIGRATIONS[:6]) as p:
        assert p.schema_version == 6
        p.save_codebook(Codebook(codes=(Code("Health"),), name="Issues"))
        hc.record(p, p.codebook("Issues"), "ana", 0, ["Health"])
    with Project.open(path) as p:
        assert p.schema_version == len(MIGRATIONS)
        assert hc.coding_of(p, "Issues", "ana", 0).codes == ("Health",)  # kept
        p.save_codebook(BOOK)
        assert ps.add(p, BOOK, "ana", 0, 0, 5, "Rents").id == 1


def test_a_schema_7_file_is_refused_by_schema_6_code(tmp_path):
    path = tmp_path / "new.llmstudio"
    Project.create(path, corpus(), migrations=MIGRATIONS[:7]).close()
    with pytest.raises(ProjectError) as err:
        Project.open(path, migrations=MIGRATIONS[:6])
    assert "newer llmstudio (schema 7; this version reads up to 6)" in str(err.value)


def test_the_database_refuses_an_empty_passage_even_past_the_core(project):
    with pytest.raises(sqlite3.IntegrityError):
        project.db.execute(
            'INSERT INTO passages (codebook, coder, row_id, text_column, start, "end", code, '
            "created) VALUES ('Issues', 'ana', 0, 'text', 4, 4, 'Rents', 'now')"
        )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_kill_while_marking_passages_loses_none_acknowledged(tmp_path):
    """A coder's process marks passages as fast as it can and says after each that it
    returned; killed at some point, every passage it reported is in the project, and the
    file passes SQLite's integrity check."""
    path = tmp_path / "killed.llmstudio"
    with Project.create(path, corpus([f"answer number {i} about rents" for i in range(50)])) as p:
        p.save_codebook(BOOK)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import sys
        from llmstudio.core import passages as ps
        from llmstudio.core.project import Project
        p = Project.open(sys.argv[1])
        book = p.codebook("Issues")
        codes = ["Housing", "Rents", "Transport"]
        for i in range(100000):
            made = ps.add(p, book, "ana", i % 50, i % 7, 10 + i % 9, codes[i % 3])
            print(i, made.id, flush=True)
        """),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged = {}
    for line in child.stdout:
        i, made = map(int, line.split())
        acknowledged[made] = i
        if i >= 150:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    codes = ["Housing", "Rents", "Transport"]
    with Project.open(path) as p:
        stored = {x.id: x for x in ps.find(p, "Issues")}
    assert len(acknowledged) >= 151 and set(acknowledged) <= set(stored)
    for made, i in acknowledged.items():
        x = stored[made]
        assert (x.row_id, x.start, x.end, x.code) == (i % 50, i % 7, 10 + i % 9, codes[i % 3])


def test_an_undo_that_cannot_be_stored_stays_in_the_history(project):
    session = CodingSession(lambda *a: True, passages=ps.ProjectPassages(project, BOOK, "ana"))
    a = session.add_passage(0, 0, 5, "Rents")
    ps.remove(project, a)  # removed meanwhile (another window on the same project)
    with pytest.raises(ProjectError, match=f"passage {a} is already removed"):
        session.undo()
    assert session.can_undo and not session.can_redo
    ps.restore(project, a)
    assert session.undo() == 0 and not ps.get(project, a).in_force


def test_count_is_the_coders_passages_in_force(project):
    first = ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    ps.add(project, BOOK, "ana", 1, 0, 7, "Health")
    ps.add(project, BOOK, "ben", 0, 0, 5, "Rents")
    assert ps.count(project, "Issues", "ana") == 2
    ps.remove(project, first.id)
    assert ps.count(project, "Issues", "ana") == 1
    assert ps.count(project, "Issues", "cleo") == 0 and ps.count(project, "Other", "ana") == 0
