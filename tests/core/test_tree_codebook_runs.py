"""A model run with a tree codebook: the child codes stored in the run's parameters (its
codebook as ``Codebook.to_dict`` nests them) count as codes wherever a run's codes are
read back: column names, the question runs answer (replicates), the annotated export."""

from __future__ import annotations

from llmstudio.core.codebook import Code, Codebook, flat_codes
from llmstudio.core.results import code_names
from llmstudio.core.stability import _question

TREE = Codebook(
    codes=(Code("Housing"), Code("Rent costs", parent="Housing"), Code("Health")),
    name="Themes",
    multi_label=True,
)


def params(book: Codebook) -> dict:
    return {"task": "code", "codebook": book.to_dict()}


def test_every_code_of_the_tree_in_its_order():
    assert [c["name"] for c in flat_codes(TREE.to_dict())] == list(TREE.names)
    assert flat_codes({}) == [] and flat_codes({"codes": None}) == []


def test_a_child_codes_column_is_named_by_the_code():
    assert code_names(params(TREE)) == {
        "housing": "Housing",
        "rent_costs": "Rent costs",
        "health": "Health",
    }


def test_runs_whose_child_codes_differ_answer_another_question():
    other = Codebook(
        codes=(Code("Housing"), Code("Mortgages", parent="Housing"), Code("Health")),
        name="Themes",
        multi_label=True,
    )
    assert _question("code", params(TREE)) != _question("code", params(other))
