"""No SQL outside ``core/store``: the schema and every query live there (ARCHITECTURE.md).

Read statically (the source, not imports): a call of ``execute``/``executemany``/
``executescript`` or a string that starts like an SQL statement, anywhere in
``llmstudio/`` but ``core/store/``, is a finding.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import llmstudio

ROOT = Path(llmstudio.__file__).parent
STORE = ROOT / "core" / "store"
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|"
    r"REPLACE|VACUUM|ATTACH)\s"
)
CALLS = {"execute", "executemany", "executescript"}


def _leading_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def findings(path: Path) -> list[str]:
    """Each SQL call or SQL string in the file, as "line N: what"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    inside_fstring = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CALLS
        ):
            out.append(f"line {node.lineno}: .{node.func.attr}(...)")
        elif id(node) not in inside_fstring:
            text = _leading_text(node)
            if text is not None and SQL.match(text):
                out.append(f"line {node.lineno}: SQL string {text.strip()[:40]!r}")
    return out


def _sql_by_module() -> dict[str, list[str]]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        if STORE in path.parents:
            continue
        found = findings(path)
        if found:
            out[path.relative_to(ROOT).as_posix()] = found
    return out


def test_no_sql_outside_the_store():
    stray = _sql_by_module()
    assert not stray, (
        "SQL outside llmstudio/core/store (add a function to a store module and call it): "
        + "; ".join(f"{m}: {', '.join(f)}" for m, f in stray.items())
    )


def test_the_check_finds_sql_calls_and_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'db.execute("SELECT 1")\n'
        'q = f"UPDATE runs SET name = {x}"\n'
        'words = "Select a run"\n'
        "db.executemany(query, rows)\n",
        encoding="utf-8",
    )
    assert sorted(findings(sample)) == [
        "line 1: .execute(...)",
        "line 1: SQL string 'SELECT 1'",
        "line 2: SQL string 'UPDATE runs SET name ='",
        "line 4: .executemany(...)",
    ]


def test_the_store_holds_the_schema():
    assert findings(STORE / "migrations.py")  # the scan does find SQL where it lives


def test_the_annotations_module_is_importable_by_name():
    # A ``from __future__ import annotations`` in store/__init__.py once shadowed it.
    from llmstudio.core.store import annotations

    assert annotations.__name__ == "llmstudio.core.store.annotations"
