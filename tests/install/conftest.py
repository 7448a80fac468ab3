"""The package as users get it: llmstudio's wheel and sdist built from this checkout
(scripts/wheel_venv.py builds and installs them; one home for the test and the benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import wheel_venv  # noqa: E402  (scripts/ is not a package: put on the path above)


@pytest.fixture(scope="session")
def built_here(tmp_path_factory) -> wheel_venv.Built:
    """The wheel and sdist built with this environment's setuptools (no download)."""
    return wheel_venv.build(tmp_path_factory.mktemp("dist"), isolated=False)
