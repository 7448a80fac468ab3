"""A codebook being edited, without a window: the codebook a draft makes and what must
be fixed before it is saved (the codebook editor's list)."""

import pytest

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.codebook_draft import book_of, draft_code, draft_of, draft_problems
from llmstudio.core.errors import CodebookError


def test_a_saved_codebook_comes_back_from_its_draft():
    book = Codebook((Code("Housing", description="homes"), Code("Transport")), name="Issues")
    assert book_of(draft_of(book)) == book


def test_what_a_draft_lacks_is_said():
    draft = {"name": " ", "multi_label": False, "none_option": False, "codes": []}
    with pytest.raises(CodebookError, match="no name"):
        book_of(draft)
    draft["name"] = "Issues"
    assert draft_problems(draft, set()) == ["add at least one code"]
    draft["codes"] = [draft_code("Housing"), draft_code("")]
    assert draft_problems(draft, set()) == ["code 2 has no name"]
    with pytest.raises(CodebookError, match="click New or Import"):
        book_of(None)


def test_a_name_taken_and_none_with_multi_label_are_refused():
    draft = {"name": "Issues", "multi_label": True, "none_option": True}
    draft["codes"] = [draft_code("Housing"), draft_code("Transport")]
    problems = draft_problems(draft, {"issues"})
    assert len(problems) == 2
    assert "another codebook of this project is called 'Issues'" in problems[0]
    assert "single-label" in problems[1]


def test_a_tree_and_its_colours_survive_the_editor():
    from llmstudio.core.codebook import loads

    book = loads(
        "name: Issues\ncodes:\n  - name: Housing\n    color: '#0072B2'\n    children:\n"
        "      - name: Rents\n        children: [Landlords]\n  - Transport\n"
    )
    draft = draft_of(book)
    assert [c["parent"] for c in draft["codes"]] == ["", "Housing", "Rents", ""]
    assert book_of(draft) == book
    from llmstudio.core.codebook_draft import rename_in_draft

    rename_in_draft(draft, draft["codes"][1], "Rent levels")
    renamed = book_of(draft)
    assert renamed.children("Rent levels") == ("Landlords",)
    assert renamed.code("Rent levels").parent == "Housing"
    assert renamed.color_of("Housing") == "#0072B2"


def test_a_draft_tree_that_cannot_be_is_named():
    draft = {"name": "b", "multi_label": False, "none_option": False}
    draft["codes"] = [draft_code("A"), draft_code("B", parent="Gone")]
    assert draft_problems(draft, set()) == ["code 'B' is under 'Gone', which is no code"]
    draft["codes"] = [draft_code("A", parent="B"), draft_code("B", parent="A"), draft_code("C")]
    assert draft_problems(draft, set()) == ["code 'A' is under itself (through 'B')"]


# -- the tree in a draft: the same shapes code_tree makes in a project ---------------------

TREE = "name: Issues\ncodes:\n  - name: Housing\n    children: [Rents, Homes]\n  - Transport\n"


def _tree():
    from llmstudio.core.codebook import loads

    return draft_of(loads(TREE))


def _shape(draft):
    return [(c["name"], c["parent"]) for c in draft["codes"]]


def test_moves_in_a_draft_keep_the_saved_order_and_refuse_rings():
    from llmstudio.core.codebook_draft import move_in_draft, parent_choices, step_in_draft

    draft = _tree()
    housing, rents, homes, transport = draft["codes"]
    assert parent_choices(draft, housing) == ["Transport"]
    assert parent_choices(draft, rents) == ["Homes", "Transport"]  # not its own parent again
    move_in_draft(draft, transport, "Housing")
    assert _shape(draft) == [
        ("Housing", ""),
        ("Rents", "Housing"),
        ("Homes", "Housing"),
        ("Transport", "Housing"),
    ]
    assert book_of(draft).children("Housing") == ("Rents", "Homes", "Transport")
    with pytest.raises(CodebookError, match="cannot go under 'Rents', which is under it"):
        move_in_draft(draft, housing, "Rents")
    with pytest.raises(CodebookError, match="cannot go under itself"):
        move_in_draft(draft, housing, "Housing")
    assert step_in_draft(draft, transport, -1) and not step_in_draft(draft, housing, -1)
    assert [c["name"] for c in draft["codes"]] == ["Housing", "Rents", "Transport", "Homes"]
    move_in_draft(draft, rents, "")
    assert _shape(draft)[-1] == ("Rents", "")


def test_remove_and_merge_in_a_draft_keep_the_children():
    from llmstudio.core.codebook_draft import merge_in_draft, remove_from_draft

    draft = _tree()
    assert remove_from_draft(draft, draft["codes"][0]) == ["Rents", "Homes"]
    assert _shape(draft) == [("Rents", ""), ("Homes", ""), ("Transport", "")]
    draft = _tree()
    merge_in_draft(draft, "Housing", "Transport")
    assert _shape(draft) == [("Transport", ""), ("Rents", "Transport"), ("Homes", "Transport")]
    draft = _tree()
    merge_in_draft(draft, "Housing", "Rents")  # a child taking its parent's place
    assert _shape(draft) == [("Rents", ""), ("Homes", "Rents"), ("Transport", "")]
    with pytest.raises(CodebookError, match="no code 'Sport'"):
        merge_in_draft(draft, "Sport", "Rents")


def test_a_new_code_gets_the_first_colour_no_code_shows():
    from llmstudio.core.code_colors import PALETTE
    from llmstudio.core.codebook_draft import color_in_draft, free_color

    draft = _tree()
    assert [color_in_draft(draft, c) for c in draft["codes"]] == list(PALETTE[:4])
    assert free_color(draft) == PALETTE[4]
    draft["codes"][0]["color"] = PALETTE[4]
    assert free_color(draft) == PALETTE[0]
    draft["codes"] = [draft_code(f"c{i}", color=c) for i, c in enumerate(PALETTE)]
    draft["codes"][0]["color"] = PALETTE[1]  # PALETTE[0] is shown by none now
    assert free_color(draft) == PALETTE[0]
