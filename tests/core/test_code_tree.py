"""Codebooks as a tree with colours: ``children:`` and ``color:`` in YAML/JSON (older files
still load), the default colour-blind-safe palette, and rename / merge / move / recolour
in a project with every row code and passage going along and the history recording it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core import code_tree
from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.code_colors import OKABE_ITO, PALETTE, TOL_MUTED, default_color
from llmstudio.core.codebook import Code, Codebook, load, loads, save
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import CodebookError, ProjectError
from llmstudio.core.project import Project

TREE_YAML = """\
name: Issues
multi_label: true
codes:
  - name: Housing
    color: "#0072b2"
    description: Homes
    children:
      - name: Rents
        children:
          - Landlords
      - name: Homelessness
  - name: Transport
  - name: Health
"""


def test_a_yaml_tree_loads_flat_in_order_with_parents_and_colours():
    book = loads(TREE_YAML)
    assert book.names == ("Housing", "Rents", "Landlords", "Homelessness", "Transport", "Health")
    assert [c.parent for c in book.codes] == ["", "Housing", "Rents", "Housing", "", ""]
    assert book.children() == ("Housing", "Transport", "Health")
    assert book.children("Housing") == ("Rents", "Homelessness")
    assert book.descendants("Housing") == ("Housing", "Rents", "Landlords", "Homelessness")
    assert book.ancestors("Landlords") == ("Rents", "Housing")
    assert book.color_of("Housing") == "#0072B2"  # stored upper case
    assert book.color_of("Rents") == PALETTE[1] and book.color_of("Health") == PALETTE[5]


def test_a_tree_round_trips_through_yaml_json_and_the_project(tmp_path):
    book = loads(TREE_YAML)
    for name in ("tree.yaml", "tree.json"):
        assert load(save(book, tmp_path / name)) == book
    written = json.loads(book.to_json())
    assert written["codes"][0]["children"][0]["children"] == [{"name": "Landlords"}]
    assert written["codes"][0]["color"] == "#0072B2"
    with Project.create(tmp_path / "p.llmstudio", _corpus()) as project:
        project.save_codebook(book)
        assert project.codebook("Issues") == book


def test_older_codebook_files_and_projects_still_load_unchanged(tmp_path):
    # the documented example (docs/models-and-runs.md) and a body as schema 6 stored it
    docs = Path(__file__).parents[2] / "docs" / "models-and-runs.md"
    block = docs.read_text("utf-8").split("codes:\n", 1)[1].split("```", 1)[0]
    documented = loads("name: Local issues\ncodes:\n" + block, "docs")
    assert documented.names == ("Housing", "Transport")
    old_body = json.dumps(
        {
            "name": "Sentiment",
            "multi_label": False,
            "none_option": True,
            "codes": [{"name": "positive", "description": "Pleased."}, {"name": "negative"}],
        },
        indent=2,
    )
    path = tmp_path / "six.llmstudio"
    from llmstudio.core.store.migrations import MIGRATIONS

    Project.create(path, _corpus(), migrations=MIGRATIONS[:6]).close()
    with Project.open(path, migrations=MIGRATIONS[:6]) as six:
        six.save_codebook(loads(old_body, json_format=True))
    with Project.open(path) as project:  # upgraded to 7
        book = project.codebook("Sentiment")
    for old in (documented, book):
        assert all(c.parent == "" and c.color == "" for c in old.codes)
        # what they write is what they wrote before: no tree or colour keys appear
        assert "children" not in old.to_json() and "color" not in old.to_json()
    assert book.to_json() == old_body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("codes:\n  - name: A\n    color: red\n", "code 1 (A): colour 'red' is not of the form"),
        ("codes:\n  - name: A\n    color: '#12345'\n", "is not of the form #RRGGBB"),
        ("codes:\n  - name: A\n    children: B\n", "code 1 (A): 'children' must be a list"),
        (
            "codes:\n  - name: A\n    children:\n      - name: B\n        colour: '#000000'\n",
            "code 1 (A) > child 1: unknown key(s) colour",
        ),
        (
            "codes:\n  - name: A\n    children:\n      - name: a\n",
            "code 2 (a) has the same name as 'A'",
        ),
    ],
)
def test_bad_trees_and_colours_are_named_where_they_are(text, message):
    with pytest.raises(CodebookError) as err:
        loads(text, "book.yaml")
    assert message in str(err.value) and "book.yaml" in str(err.value)


def test_a_tree_built_in_python_is_checked():
    with pytest.raises(CodebookError, match="code 'B' is under 'X', which is no code"):
        Codebook(codes=(Code("A"), Code("B", parent="X")))
    with pytest.raises(CodebookError, match="code 'A' is under itself"):
        Codebook(codes=(Code("A", parent="B"), Code("B", parent="A")))
    with pytest.raises(CodebookError, match="colour 'blue'"):
        Codebook(codes=(Code("A", color="blue"),))
    with pytest.raises(CodebookError, match="has no code 'Z'"):
        Codebook(codes=(Code("A"),)).color_of("Z")


def test_the_default_palette_is_okabe_ito_then_tol_muted():
    assert len(OKABE_ITO) == 8 and "#000000" not in OKABE_ITO
    assert PALETTE == OKABE_ITO + TOL_MUTED and len(set(PALETTE)) == len(PALETTE)
    assert default_color(0) == "#E69F00" and default_color(8) == TOL_MUTED[0]
    assert default_color(len(PALETTE)) == default_color(0)


# -- changing the tree in a project ---------------------------------------------------------


def _corpus() -> Corpus:
    texts = [f"Rents and landlords and buses, answer {i}." for i in range(6)]
    return Corpus(
        frame=pd.DataFrame({"text": pd.array(texts, dtype="str")}),
        text_column="text",
        source="answers.csv",
    )


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "tree.llmstudio", _corpus()) as p:
        p.save_codebook(loads(TREE_YAML))
        yield p


def _codes_now(project, row):
    return hc.coding_of(project, "Issues", "ana", row).codes


def test_rename_takes_row_codes_passages_and_children_along(project):
    book = project.codebook("Issues")
    hc.record(project, book, "ana", 0, ["Rents", "Health"])
    hc.record(project, book, "ana", 1, ["Transport"])
    p = ps.add(project, book, "ana", 0, 0, 5, "Rents")
    gone = ps.add(project, book, "ben", 1, 0, 5, "Rents")
    ps.remove(project, gone.id)
    renamed = code_tree.rename(project, "Issues", "Rents", "Rent levels")
    assert project.codebook("Issues") == renamed
    assert renamed.children("Housing") == ("Rent levels", "Homelessness")
    assert renamed.children("Rent levels") == ("Landlords",)
    assert _codes_now(project, 0) == ("Rent levels", "Health")  # the order kept
    assert hc.history(project, "Issues", 0)[0].codes == ("Rent levels", "Health")
    assert _codes_now(project, 1) == ("Transport",)
    assert ps.get(project, p.id).code == "Rent levels"
    assert ps.get(project, gone.id).code == "Rent levels"  # the removed one too
    action, detail = project.history()[-1][1:]
    assert action == "code"
    assert detail == "renamed 'Rents' to 'Rent levels' in 'Issues' (1 row-code click, 2 passages)"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Rents", "health", "already has a code called 'health'"),
        ("Rents", "  ", "the new name is empty"),
        ("Rents", "None", "cannot be called 'none'"),
        ("Sport", "Games", "has no code 'Sport'"),
    ],
)
def test_a_bad_rename_is_named_and_changes_nothing(project, old, new, message):
    book = project.codebook("Issues")
    hc.record(project, book, "ana", 0, ["Rents"])
    lines = len(project.history())
    with pytest.raises(ProjectError, match=message):
        code_tree.rename(project, "Issues", old, new)
    assert project.codebook("Issues") == book and _codes_now(project, 0) == ("Rents",)
    assert len(project.history()) == lines


def test_merge_moves_codes_children_and_passages_and_keeps_each_once(project):
    book = project.codebook("Issues")
    hc.record(project, book, "ana", 0, ["Housing", "Rents"])  # both: Housing once after
    hc.record(project, book, "ana", 1, ["Rents", "Transport"])
    kept = ps.add(project, book, "ana", 0, 0, 5, "Housing")
    same = ps.add(project, book, "ana", 0, 0, 5, "Rents")  # the same stretch: a repeat
    other = ps.add(project, book, "ana", 0, 10, 19, "Rents")
    merged = code_tree.merge(project, "Issues", "Rents", "Housing")
    assert "Rents" not in merged.names
    assert merged.children("Housing") == ("Landlords", "Homelessness")
    assert _codes_now(project, 0) == ("Housing",)
    assert _codes_now(project, 1) == ("Housing", "Transport")  # in the codebook's order
    assert ps.get(project, other.id).code == "Housing"
    assert ps.get(project, same.id).removed is not None  # marked, not deleted
    assert [x.id for x in ps.of_code(project, merged, "Housing", children=False)] == [
        kept.id,
        other.id,
    ]
    detail = project.history()[-1][2]
    assert detail.startswith(
        "merged 'Rents' into 'Housing' in 'Issues' (2 row-code clicks, 2 passages, "
        "1 repeated passage removed); 'Rents' was {"
    )


def test_merging_a_parent_into_its_child_keeps_the_tree_whole(project):
    merged = code_tree.merge(project, "Issues", "Rents", "Landlords")
    assert merged.code("Landlords").parent == "Housing"
    assert merged.children("Housing") == ("Landlords", "Homelessness")


def test_bad_merges_are_named(project):
    with pytest.raises(ProjectError, match="cannot be merged into itself"):
        code_tree.merge(project, "Issues", "Rents", "Rents")
    with pytest.raises(ProjectError, match="has no code 'Sport'"):
        code_tree.merge(project, "Issues", "Sport", "Rents")
    with pytest.raises(ProjectError, match="no codebook named 'Nope'"):
        code_tree.merge(project, "Nope", "Rents", "Housing")


def test_move_puts_a_branch_under_another_code_and_codes_stay(project):
    book = project.codebook("Issues")
    p = ps.add(project, book, "ana", 0, 0, 5, "Rents")
    moved = code_tree.move(project, "Issues", "Rents", "Transport")
    assert moved.children("Housing") == ("Homelessness",)
    assert moved.children("Transport") == ("Rents",)
    assert moved.children("Rents") == ("Landlords",)  # the branch went along
    assert moved.names == (
        "Housing",
        "Homelessness",
        "Transport",
        "Rents",
        "Landlords",
        "Health",
    )
    assert ps.get(project, p.id).code == "Rents"
    assert [x.id for x in ps.of_code(project, moved, "Transport")] == [p.id]
    assert project.history()[-1][2] == "moved 'Rents' under 'Transport' in 'Issues'"
    top = code_tree.move(project, "Issues", "Rents")
    assert top.children() == ("Housing", "Transport", "Health", "Rents")
    assert project.history()[-1][2] == "moved 'Rents' to the top in 'Issues'"


def test_a_code_cannot_move_under_itself_or_its_own_branch(project):
    with pytest.raises(ProjectError, match="cannot go under itself"):
        code_tree.move(project, "Issues", "Housing", "Housing")
    with pytest.raises(ProjectError, match="cannot go under 'Landlords', which is under it"):
        code_tree.move(project, "Issues", "Housing", "Landlords")
    with pytest.raises(ProjectError, match="has no code 'Sport'"):
        code_tree.move(project, "Issues", "Housing", "Sport")


def test_recolor_and_back_to_the_palette(project):
    book = code_tree.recolor(project, "Issues", "Health", "#cc79a7")
    assert book.color_of("Health") == "#CC79A7" == project.codebook("Issues").color_of("Health")
    assert project.history()[-1][2] == "colour of 'Health' in 'Issues': #CC79A7"
    back = code_tree.recolor(project, "Issues", "Health", "")
    assert back.color_of("Health") == PALETTE[back.names.index("Health")]
    with pytest.raises(ProjectError, match="colour 'teal' is not of the form"):
        code_tree.recolor(project, "Issues", "Health", "teal")


def test_usage_counts_what_a_change_would_carry(project):
    book = project.codebook("Issues")
    assert not code_tree.usage(project, "Issues", "Rents").in_use
    assert code_tree.usage(project, "Issues", "Rents").text() == "no coded rows or passages"
    hc.record(project, book, "ana", 0, ["Rents"])
    hc.record(project, book, "ana", 0, ["Health"])  # row 0 no longer Rents for ana
    hc.record(project, book, "ana", 1, ["Rents", "Health"])
    hc.record(project, book, "ben", 2, ["Rents"])
    ps.add(project, book, "cy", 3, 0, 5, "Rents")
    ps.remove(project, ps.add(project, book, "cy", 4, 0, 5, "Rents").id)
    use = code_tree.usage(project, "Issues", "Rents")
    assert (use.rows, use.passages, use.coders, use.clicks) == (2, 1, 3, 3)
    assert use.text() == "2 coded rows and 1 passage by 3 coders"


def test_merge_and_move_keep_the_colour_each_code_shows(project):
    before = project.codebook("Issues")
    shown = {name: before.color_of(name) for name in before.names}
    code_tree.merge(project, "Issues", "Rents", "Homelessness")  # Landlords moves too
    code_tree.move(project, "Issues", "Health", "Transport")
    after = project.codebook("Issues")
    assert all(after.color_of(n) == shown[n] for n in after.names)
    # only the codes whose place changed got their colour as their own
    assert after.names == ("Housing", "Homelessness", "Landlords", "Transport", "Health")
    assert after.code("Landlords").color == ""  # third before and after
    assert after.code("Transport").color == shown["Transport"] == PALETTE[4]
