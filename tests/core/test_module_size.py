"""No module over 600 lines (issue 15): a module that long holds more than one thing and is
split into modules named for what they do (ARCHITECTURE.md).

The allow-list names the modules being split now; it may only shrink. A listed module
that is gone or no longer too long fails too, so that its entry is removed with the split.
"""

from __future__ import annotations

from pathlib import Path

import llmstudio

ROOT = Path(llmstudio.__file__).parent
MAX_LINES = 600

# Empty: every module is under the limit now (a module being split is listed here).
ALLOWED: set[str] = set()


def line_count(path: Path) -> int:
    """Lines of a source file, as ``wc -l`` counts them (a last line without a newline
    counts too)."""
    return len(path.read_text(encoding="utf-8").splitlines())


def too_long(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Each ``.py`` file under ``root`` over ``limit`` lines -> its line count, keyed by
    its path relative to ``root`` (with ``/``)."""
    return {
        path.relative_to(root).as_posix(): n
        for path in sorted(root.rglob("*.py"))
        if (n := line_count(path)) > limit
    }


def test_no_module_is_over_600_lines_but_those_being_split():
    over = {name: n for name, n in too_long(ROOT).items() if name not in ALLOWED}
    assert not over, (
        f"modules over {MAX_LINES} lines (split each into modules named for what they do): "
        + ", ".join(f"llmstudio/{name} ({n})" for name, n in over.items())
    )


def test_the_allow_list_only_names_modules_still_too_long():
    long_now = too_long(ROOT)
    stale = sorted(name for name in ALLOWED if name not in long_now)
    assert not stale, (
        "split or gone, remove from ALLOWED in tests/core/test_module_size.py: "
        + ", ".join(f"llmstudio/{name}" for name in stale)
    )


def test_the_check_finds_a_long_module_and_counts_as_wc(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    (tmp_path / "pkg" / "edge.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (tmp_path / "no_newline.py").write_text("x = 1\n" * MAX_LINES + "y = 2", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x\n" * (MAX_LINES + 5), encoding="utf-8")
    assert too_long(tmp_path) == {"no_newline.py": MAX_LINES + 1, "pkg/long.py": MAX_LINES + 1}
