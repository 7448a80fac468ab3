"""Tests write only under their temporary folders (pytest's ``tmp_path``), never to a fixed
path such as ``/tmp/x.png``: two runs at once would overwrite each other's files, and a
test must not leave files behind on the machine that runs it."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
FIXED_TMP = re.compile(r"""["'](/tmp/|/var/tmp/)""")


def test_no_test_names_a_fixed_temporary_path():
    found = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FIXED_TMP.search(line)
    ]
    assert found == [], "use tmp_path instead:\n" + "\n".join(found)
