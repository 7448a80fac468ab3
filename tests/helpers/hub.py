"""A fake Hugging Face hub (``tests/fakes/hub_server.py``) that huggingface_hub talks to,
and a cache of its own, for the download tests of the core, the CLI and the window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakes.hub_server import FakeHub

TINY_ID = "llmstudio-tests/tiny-sentiment"
TINY_LABELS = ["negative", "positive"]


def build_tiny_repo(folder: Path, *, padding_bytes: int = 0) -> Path:
    """A tiny sentiment classifier's folder (tests/models.py), with ``padding_bytes`` of
    extra weights-like data in a file of its own where a test needs a bigger download."""
    from models import build_classifier

    build_classifier(folder, TINY_LABELS)
    if padding_bytes:
        (folder / "extra.bin").write_bytes(bytes(range(256)) * (padding_bytes // 256))
    return folder


@contextmanager
def hub_serving(
    repos: dict[str, Path], cache: Path, monkeypatch: pytest.MonkeyPatch, **options
) -> Iterator[FakeHub]:
    """A started :class:`FakeHub` with huggingface_hub pointed at it and at ``cache``.

    huggingface_hub reads ``HF_ENDPOINT`` and ``HF_HUB_CACHE`` once, at import, into
    ``huggingface_hub.constants`` (and builds its file URL template from the endpoint), so
    in this process those constants are set as the variables would have set them; the
    variables themselves are set for child processes (the CLI tests)."""
    from huggingface_hub import constants

    hub = FakeHub(repos, **options).start()
    try:
        monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
        monkeypatch.setattr(
            constants,
            "HUGGINGFACE_CO_URL_TEMPLATE",
            hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}",
        )
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_HUB_CACHE", str(cache))
        monkeypatch.setenv("HF_TOKEN", "")  # never the user's token
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
            monkeypatch.delenv(name, raising=False)
        yield hub
    finally:
        hub.stop()
    assert hub.threads_alive == 0, "the fake hub left handler threads running"
