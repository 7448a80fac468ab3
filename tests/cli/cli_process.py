"""What a command run as users run it needs: this checkout and the environment it runs in.

A module of its own (not conftest) so that test files can import it by a name no other
folder's module has.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli_env(tmp_path) -> dict[str, str]:
    """The environment a command runs in: no API key or base URL of the machine's, its
    own config and state folders, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(
        {
            "LLMSTUDIO_CONFIG_DIR": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            ),
        }
    )
    return env
