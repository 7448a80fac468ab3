"""Digits typed in the coding panel -> code numbers (Qt-free, so the rule is tested alone).

With up to nine codes each digit is a code at once (0: "none of these"). With ten or
more, a digit that begins a longer code number ("1" when there are codes 10-19) waits for
the next digit: "1" then "2" gives code 12; "1" then a pause, or any other key, gives
code 1. Digits that cannot start a longer number still act at once, so a short codebook
never waits.
"""

from __future__ import annotations

WAIT_MS = 700  # how long a digit that may begin a two-digit code number waits


class CodeKeys:
    def __init__(self):
        self.pending = ""  # digits typed that may still grow into a longer number

    def press(self, digit: str, count: int) -> tuple[list[int], bool]:
        """``digit`` typed with ``count`` codes in the codebook: the code numbers to give
        now, in order (0: "none of these"), and whether a digit now waits for more."""
        if not self.pending and digit == "0":
            return [0], False
        typed = self.pending + digit
        if 1 <= int(typed) <= count:
            if int(typed) * 10 <= count:  # some longer number begins with it: wait
                self.pending = typed
                return [], True
            self.pending = ""
            return [int(typed)], False
        if self.pending:  # not a code number: what waited is given, this digit starts anew
            given = [int(self.pending)]
            self.pending = ""
            more, waiting = self.press(digit, count)
            return given + more, waiting
        return [], False  # a digit with no code (7 with five codes)

    def flush(self) -> int | None:
        """The number still waiting (a pause, or another key): given now."""
        number = int(self.pending) if self.pending else None
        self.pending = ""
        return number
