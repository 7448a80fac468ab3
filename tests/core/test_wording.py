"""Counts in sentences: the singular for one, the plural otherwise, thousands separated."""

from llmstudio.core.wording import counted


def test_singular_for_one_plural_otherwise():
    assert counted(1, "passage") == "1 passage"
    assert counted(0, "passage") == "0 passages"
    assert counted(12_345, "row-code click") == "12,345 row-code clicks"
    assert counted(2, "coder or model run", "coders and model runs") == "2 coders and model runs"
    assert counted(1, "coder or model run", "coders and model runs") == "1 coder or model run"
