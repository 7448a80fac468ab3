"""The core and the CLI's modules never import Qt, torch or transformers.

Each check runs in a fresh interpreter: in this one pytest-qt or another test may already
have imported Qt, which would hide an import that the core pulls in.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import llmstudio.cli
import llmstudio.core

FORBIDDEN_QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2", "shiboken2")
FORBIDDEN_HEAVY = ("torch", "transformers")


def core_modules() -> list[str]:
    """Every module under llmstudio.core, found by walking the package (not a fixed list)."""
    return sorted(
        m.name for m in pkgutil.walk_packages(llmstudio.core.__path__, prefix="llmstudio.core.")
    )


def cli_modules() -> list[str]:
    """The CLI package and every module in it (one per command, and what they share)."""
    found = pkgutil.walk_packages(llmstudio.cli.__path__, prefix="llmstudio.cli.")
    return ["llmstudio.cli", *sorted(m.name for m in found)]


def imported_after(modules: list[str]) -> set[str]:
    """Top-level names of all modules loaded by importing ``modules`` in a new interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_walk_finds_the_core_modules():
    found = core_modules()
    for expected in (
        "corpus",
        "delimited",
        "sniff",
        "project",
        "export",
        "recent",
        "store.migrations",
        "readers",
        "errors",
    ):
        assert f"llmstudio.core.{expected}" in found


def test_core_and_cli_never_import_qt():
    modules = core_modules() + cli_modules()
    loaded = imported_after(modules)
    assert "llmstudio" in loaded  # the probe really imported something
    leaked = sorted(name for name in loaded if name.startswith(FORBIDDEN_QT))
    assert not leaked, f"importing {modules} pulled in {leaked}"


def test_cli_import_is_light():
    modules = cli_modules()
    assert "llmstudio.cli.annotate" in modules  # the walk found the command modules
    loaded = imported_after(modules)
    heavy = sorted(name for name in loaded if name in FORBIDDEN_HEAVY)
    assert not heavy, f"importing {modules} pulled in {heavy} (slow start-up)"
    assert not any(name.startswith(FORBIDDEN_QT) for name in loaded)
