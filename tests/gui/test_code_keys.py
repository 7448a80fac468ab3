"""The coding panel's digits -> code numbers rule, alone."""

from __future__ import annotations

import pytest

from llmstudio.gui.coding.code_keys import CodeKeys


def typed(digits: str, count: int) -> tuple[list[int], str]:
    keys, given = CodeKeys(), []
    for d in digits:
        given += keys.press(d, count)[0]
    return given, keys.pending


@pytest.mark.parametrize(
    "digits, count, given, pending",
    [
        ("123", 5, [1, 2, 3], ""),  # up to nine codes: every digit at once
        ("90", 9, [9, 0], ""),  # 0 is "none of these"
        ("7", 5, [], ""),  # no code 7: nothing
        ("12", 12, [12], ""),  # two digits typed quickly
        ("1", 12, [], "1"),  # 1 may begin 10-12: it waits
        ("10", 12, [10], ""),
        ("13", 12, [1, 3], ""),  # no code 13: code 1, then 3 at once
        ("2", 12, [2], ""),  # 2 begins no longer number: at once
        ("0", 12, [0], ""),
        ("1", 9, [1], ""),
        ("25", 25, [25], ""),
        ("2", 25, [], "2"),
        ("3", 25, [3], ""),
    ],
)
def test_digits_give_code_numbers(digits, count, given, pending):
    assert typed(digits, count) == (given, pending)


def test_a_waiting_digit_is_given_by_flush():
    keys = CodeKeys()
    assert keys.press("1", 15) == ([], True)
    assert keys.flush() == 1 and keys.pending == ""
    assert keys.flush() is None
