"""Human codes in the project: every click stored at once, latest click wins, undo as a
click, renames, bad input named, and a kill in the middle of coding loses no click."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project

BOOK = Codebook(
    codes=(Code("Housing"), Code("Transport"), Code("Health")), name="Issues", none_option=True
)
MULTI = Codebook(codes=BOOK.codes, name="Issues (multi)", multi_label=True)


def corpus(rows: int = 6) -> Corpus:
    frame = pd.DataFrame({"text": pd.array([f"text {i}" for i in range(rows)], dtype="str")})
    return Corpus(frame=frame, text_column="text", source="answers.csv")


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "coding.llmstudio", corpus()) as p:
        p.save_codebook(BOOK)
        p.save_codebook(MULTI)
        yield p


def test_latest_click_per_coder_and_row_is_the_coding(project):
    hc.record(project, BOOK, "ana", 0, ["Housing"])
    hc.record(project, BOOK, "ana", 0, ["Health"])  # changed her mind
    hc.record(project, BOOK, "ana", 2, ["none"])
    hc.record(project, BOOK, " ben ", 0, ["Housing"])  # names are stripped
    now = {(c.coder, c.row_id): c.codes for c in hc.current(project, "Issues")}
    assert now == {("ana", 0): ("Health",), ("ana", 2): ("none",), ("ben", 0): ("Housing",)}
    assert hc.coders(project, "Issues") == ["ana", "ben"] == hc.coders(project)
    assert [c.codes for c in hc.history(project, "Issues", 0)] == [
        ("Housing",),
        ("Health",),
        ("Housing",),
    ]
    table = hc.code_table(project, "Issues")
    assert list(table.columns) == ["ana", "ben"] and len(table) == 6
    assert table["ana"][0] == "Health" and pd.isna(table["ana"][1]) and table["ana"][2] == "none"
    assert table["ben"].isna().sum() == 5


def test_multi_label_codes_in_codebook_order_and_uncoding(project):
    c = hc.record(project, MULTI, "ana", 1, ["Health", "Housing", "Health"])
    assert c.codes == ("Housing", "Health") and c.label() == "Housing; Health"
    assert hc.code_table(project, "Issues (multi)")["ana"][1] == "Housing; Health"
    assert hc.record(project, MULTI, "ana", 2, ["none"]).label() == "none"  # read, none apply
    hc.record(project, MULTI, "ana", 1, [])  # uncoded again: kept as a click
    latest = hc.coding_of(project, "Issues (multi)", "ana", 1)
    assert latest.codes == () and not latest.coded and latest.label() is None
    assert pd.isna(hc.code_table(project, "Issues (multi)")["ana"][1])


def test_undo_is_a_click_that_restores_the_earlier_state(project):
    first = hc.record(project, BOOK, "ana", 3, ["Transport"], memo="mentions buses")
    hc.record(project, BOOK, "ana", 3, ["Health"])
    assert hc.coding_of(project, "Issues", "ana", 3).memo == "mentions buses"  # kept
    hc.record(project, BOOK, "ana", 3, first.codes, memo=first.memo)  # what undo does
    latest = hc.coding_of(project, "Issues", "ana", 3)
    assert (latest.codes, latest.memo) == (("Transport",), "mentions buses")
    assert latest.id > first.id and len(hc.history(project, "Issues", 3)) == 3


def test_codes_follow_a_renamed_codebook_and_survive_its_deletion(project):
    hc.record(project, BOOK, "ana", 0, ["Housing"])
    renamed = Codebook(codes=BOOK.codes, name="Local issues", none_option=True)
    project.save_codebook(renamed, replaces="Issues")
    assert hc.code_table(project, "Local issues")["ana"][0] == "Housing"
    assert hc.current(project, "Issues") == []
    project.delete_codebook("Local issues")
    assert [c.codes for c in hc.current(project, "Local issues")] == [("Housing",)]


@pytest.mark.parametrize(
    "book, coder, row, codes, message",
    [
        (
            BOOK,
            "ana",
            0,
            ["Parking"],
            "has no code 'Parking' (its codes: Housing, Transport, Health, none)",
        ),
        (BOOK, "ana", 0, ["Housing", "Health"], "single-label: one code per text, not 2"),
        (
            MULTI,
            "ana",
            0,
            ["Parking"],
            "has no code 'Parking' (its codes: Housing, Transport, Health, none)",
        ),
        (
            MULTI,
            "ana",
            0,
            ["Health", "none"],
            "'none' (no code applies) cannot go with other codes (Health)",
        ),
        (BOOK, "ana", 6, ["Housing"], "row 7 is not in the corpus (rows 1 to 6)"),
        (BOOK, "ana", -1, ["Housing"], "row 0 is not in the corpus"),
        (BOOK, "  ", 0, ["Housing"], "a coder needs a name"),
        (BOOK, "a\nb", 0, ["Housing"], "one line"),
    ],
)
def test_bad_clicks_are_refused_with_the_reason_and_store_nothing(
    project, book, coder, row, codes, message
):
    with pytest.raises(ProjectError) as err:
        hc.record(project, book, coder, row, codes)
    assert message in str(err.value)
    assert project.db.execute("SELECT COUNT(*) FROM human_codes").fetchone()[0] == 0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_kill_in_the_middle_of_coding_loses_no_click(tmp_path):
    """A coder's process clicks as fast as it can and says after each click that it
    returned; killed at some point, every click it reported is in the project."""
    path = tmp_path / "killed.llmstudio"
    with Project.create(path, corpus(200)) as p:
        p.save_codebook(BOOK)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import sys
        from llmstudio.core import human_codes as hc
        from llmstudio.core.project import Project
        p = Project.open(sys.argv[1])
        book = p.codebook("Issues")
        codes = ["Housing", "Transport", "Health"]
        for i in range(100000):
            hc.record(p, book, "ana", i % 200, [codes[i % 3]])
            print(i, flush=True)
        """),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    reported = -1
    for line in child.stdout:
        reported = int(line)
        if reported >= 150:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with Project.open(path) as p:
        stored = p.db.execute("SELECT COUNT(*) FROM human_codes").fetchone()[0]
        latest = {c.row_id: c.codes[0] for c in hc.current(p, "Issues", "ana")}
    assert stored >= reported + 1
    # the rows' latest codes are those of the last click stored on each
    codes = ["Housing", "Transport", "Health"]
    last = {i % 200: codes[i % 3] for i in range(stored)}
    assert latest == last


def test_an_older_project_gets_the_table(tmp_path):
    path = tmp_path / "old.llmstudio"
    from llmstudio.core.store.migrations import MIGRATIONS

    with Project.create(path, corpus(), migrations=MIGRATIONS[:4]) as p:
        assert p.schema_version == 4
    with Project.open(path) as p:
        assert p.schema_version == len(MIGRATIONS)
        p.save_codebook(BOOK)
        hc.record(p, BOOK, "ana", 0, ["Housing"])
        assert hc.code_table(p, "Issues")["ana"][0] == "Housing"
