"""Fixtures shared by the core, CLI and GUI tests.

The public test data lives in ``shared/data`` beside the repository (``../shared/data``
from the checkout root), both here and in CI; tests that need it skip, with the reason,
only when that folder is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MESSY_CSV = SHARED_DATA / "messy_csv"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (public data sets with their SOURCE.md)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (expected beside the repo)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def messy_csv(shared_data: Path) -> Path:
    folder = shared_data / "messy_csv"
    if not folder.is_dir():
        pytest.skip(f"messy CSV collection not found at {folder}")
    return folder


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """``write_file(name, data)`` writes ``data`` (bytes, or str as UTF-8) under tmp_path."""

    def write(name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return path

    return write


@pytest.fixture
def config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty LLMSTUDIO_CONFIG_DIR, so no test touches the user's recent-files list."""
    # Beside tmp_path, not in it: tests count the files they leave in tmp_path.
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _own_config_dir(config_dir: Path) -> Path:
    """Every test gets an empty config folder: what one test's run learns about an
    endpoint (``endpoints.json``), its prices or recent files never reach another."""
    return config_dir


@pytest.fixture
def onnx_sessions_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the threads each new ONNX Runtime session is made in, in order
    (onnx_runtime/sessions.py); the sessions begun early are forgotten afterwards."""
    import threading

    from llmstudio.core.backends.onnx_runtime import sessions

    threads: list[str] = []
    new = sessions._new_session

    def recording(path, threads_each):
        threads.append(threading.current_thread().name)
        return new(path, threads_each)

    monkeypatch.setattr(sessions, "_new_session", recording)
    yield threads
    sessions._begun.clear()


@pytest.fixture
def hf_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache (``HF_HUB_CACHE``, for this process and the CLI's), so
    that no test's default model depends on what this computer has downloaded; a test puts
    a model in it with ``helpers.hf_cache.put_in_hf_cache``."""
    import sys

    folder = tmp_path_factory.mktemp("hf_cache")
    monkeypatch.setenv("HF_HUB_CACHE", str(folder))
    if "huggingface_hub.constants" in sys.modules:  # read once, at import: set it too
        monkeypatch.setattr(sys.modules["huggingface_hub.constants"], "HF_HUB_CACHE", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _own_hf_cache(hf_cache: Path) -> Path:
    """Every test gets an empty Hugging Face cache (defaults follow what is downloaded)."""
    return hf_cache


@pytest.fixture
def fake_openai():
    """A started fake OpenAI-compatible server on 127.0.0.1 (``tests/fakes/openai_server.py``);
    stopped, with every handler thread joined, after the test."""
    from fakes.openai_server import FakeOpenAI  # tests/ is on sys.path (rootdir conftest)

    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
    assert server.threads_alive == 0, "the fake server left handler threads running"


@pytest.fixture(scope="session")
def tiny_hub_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sentiment classifier's files, as the fake hub serves them, with 3 MB of
    padding in ``extra.bin`` so that a download lasts over several chunks."""
    from helpers.hub import build_tiny_repo

    return build_tiny_repo(tmp_path_factory.mktemp("tiny-hub-model"), padding_bytes=3_000_000)


@pytest.fixture
def fake_hub(tiny_hub_folder: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch):
    """A fake Hugging Face hub on 127.0.0.1 serving ``helpers.hub.TINY_ID``, with
    huggingface_hub pointed at it and at an empty cache of its own."""
    from helpers.hub import TINY_ID, hub_serving

    cache = tmp_path_factory.mktemp("hf-cache")
    with hub_serving({TINY_ID: tiny_hub_folder}, cache, monkeypatch) as hub:
        yield hub


def pytest_configure(config: pytest.Config) -> None:
    """Local models run with PyTorch unless a test asks for another runtime: the default
    (automatic) converts a model to ONNX on its first run, some 12 s for MiniLM, and every
    test has its own empty cache folder. Set for the whole session, before any fixture
    (a module's backend is made before a test's fixtures) and for every process a test
    starts. ``LLMSTUDIO_RUNTIME`` is the setting a user has for the same choice; the tests
    of the automatic runtime take it away (tests/core/test_auto_runtime.py,
    tests/cli/test_runtime_cli.py, tests/gui/test_gui_onnx_runtime.py)."""
    os.environ["LLMSTUDIO_RUNTIME"] = "torch"
