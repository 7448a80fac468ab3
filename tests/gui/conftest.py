"""Fixtures for the GUI tests: real widgets, real worker threads, an isolated config folder.

Run offscreen: ``QT_QPA_PLATFORM=offscreen`` (set here too, before Qt starts, so a plain
``pytest tests/gui`` never needs a display).
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


LOAD_TIMEOUT_MS = 20_000

# 5,000 characters on 40 lines, ending in a marker that a truncated view would lose.
LONG_TEXT = "\n".join(f"Line {i:03d}: " + "the full answer keeps going " * 3 for i in range(40))
LONG_TEXT = LONG_TEXT + "\n" + "x" * (5000 - len(LONG_TEXT) - 5) + " END"
assert len(LONG_TEXT) == 5000


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """Never read or write the user's real recent-files list, nor send the machine's
    OpenAI key (API tests serve from 127.0.0.1 and give their own)."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(config))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return config


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(qapp):
    """As the app does (``gui.app.application``): garbage holding Qt objects is collected
    on the GUI thread only (``gui.common.gc_guard``); a test's own garbage, when it ends."""
    from llmstudio.gui.common import gc_guard

    gc_guard.install(qapp)
    yield
    gc.collect()


@pytest.fixture
def fake_openai(monkeypatch):
    """The fake OpenAI-compatible server as a server elsewhere (``llm.example.test:PORT``,
    resolved to 127.0.0.1 in this process): the window asks consent before sending to it,
    as to any API. A server named by a loopback address is on this computer and is asked
    nothing (tests/gui/test_gui_local_servers.py)."""
    from fakes.openai_server import FakeOpenAI
    from helpers.remote import REMOTE_HOST, resolve_to_loopback

    resolve_to_loopback(monkeypatch)
    server = FakeOpenAI(host_name=REMOTE_HOST).start()
    try:
        yield server
    finally:
        server.stop()
    assert server.threads_alive == 0, "the fake server left handler threads running"


@pytest.fixture
def long_text() -> str:
    return LONG_TEXT


@pytest.fixture
def small_frame() -> pd.DataFrame:
    """Five rows: a long multi-line text, metadata, a formula-like cell, a missing cell."""
    return pd.DataFrame(
        {
            "id": ["r1", "r2", "r3", "r4", "r5"],
            "party": ["Green", "Labour", "Green", "Reform", "Labour"],
            "text": [
                LONG_TEXT,
                "Buses are late every day.",
                "Rent is too high\nand rising.",
                '=HYPERLINK("http://x")',
                "potholes on the high street",
            ],
            "note": ["a", "", "c", "@mention", "-dash"],
        },
        dtype="str",
    )


@pytest.fixture
def small_csv(tmp_path, small_frame):
    path = tmp_path / "answers.csv"
    small_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def new_window(qtbot):
    """Make shown MainWindows that pytest-qt closes after the test."""
    from llmstudio.gui.main_window import MainWindow

    def make():
        win = MainWindow()
        # pytest-qt closes and deletes the window before fixtures are torn down; first let
        # every background job end and report, or it would signal into a deleted window.
        qtbot.addWidget(win, before_close_func=lambda w: settle(qtbot, w))
        win.show()
        qtbot.waitExposed(win)
        return win

    return make


@pytest.fixture
def window(new_window):
    """A shown MainWindow with nothing open."""
    return new_window()


def settle(qtbot, window) -> None:
    """Wait until the window's background jobs have finished and reported back."""
    qtbot.waitUntil(lambda: not window.background_work, timeout=LOAD_TIMEOUT_MS)
    from llmstudio.gui.common.workers import wait_for_all

    assert wait_for_all(LOAD_TIMEOUT_MS), "background work still running"


def open_and_wait(qtbot, window, path, options=None, timeout: int = LOAD_TIMEOUT_MS):
    """``window.open_path`` in its background worker, returning once ``sig_loaded`` fired."""
    with qtbot.waitSignal(window.sig_loaded, timeout=timeout):
        window.open_path(path, options)
    return window.corpus


@pytest.fixture
def open_file(qtbot, window):
    return lambda path, options=None, timeout=LOAD_TIMEOUT_MS: open_and_wait(
        qtbot, window, path, options, timeout
    )


def shown_row_ids(window) -> list[int]:
    """The frame rows the table shows, in view order."""
    model = window.model
    return [model.row_id(r) for r in range(model.rowCount())]


@pytest.fixture
def shown_rows(window):
    return lambda: shown_row_ids(window)


@pytest.fixture
def paced_vader(monkeypatch):
    """VADER in small, paced batches (4 texts, 0.05 s each): it answers 256 texts in a
    blink, so a test's Cancel could land after the last batch (where "done" is right);
    paced, the Cancel lands mid-run."""
    import time

    from llmstudio.core.backends.lexicon import LexiconBackend

    annotate = LexiconBackend.annotate

    def paced(self, task, texts):
        time.sleep(0.05)
        return annotate(self, task, texts)

    monkeypatch.setattr(LexiconBackend, "batch_size", 4)
    monkeypatch.setattr(LexiconBackend, "annotate", paced)
