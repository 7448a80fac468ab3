"""The one log: a file under the log folder, every record redacted, libraries kept off the
terminal, and the CLI's caught errors logged with their tracebacks."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from llmstudio import log as applog
from llmstudio.core.secrets import remember

from cli_process import cli_env


@pytest.fixture
def log_path(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    path = applog.setup_logging()
    yield path
    for name in (applog.LOGGER, *applog.LIBRARIES):  # leave no handler on a tmp folder
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, applog._FileHandler):
                logger.removeHandler(handler)
                handler.close()
        logger.propagate = True
    logging.captureWarnings(False)  # setup_logging routed Python warnings to the file


def flushed(path) -> str:
    for handler in logging.getLogger(applog.LOGGER).handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_the_log_lies_under_the_config_override(log_path, tmp_path):
    assert log_path == tmp_path / "config" / "logs" / "llmstudio.log"
    assert not log_path.parent.exists()  # nothing logged yet: no folder, no file


def test_no_key_reaches_the_log_file(log_path):
    known = "plain-looking-secret-1234"  # a stored key of no telltale shape
    remember(known)
    shaped = "sk-abcdefghijklmnopqrstuvwxyz012345"
    try:
        raise RuntimeError(
            f"server said no to {shaped} and {known} at http://ann:hunter2pass@10.0.0.1/v1"
        )
    except RuntimeError:
        logging.getLogger("llmstudio.gui").exception("failed with %s", known)
    text = flushed(log_path)
    assert "Traceback" in text and "RuntimeError: server said no to ***" in text
    for secret in (known, shaped, "hunter2pass"):
        assert secret not in text


def test_library_warnings_go_to_the_file_not_the_terminal(log_path, capfd):
    logging.getLogger("transformers.modeling_utils").warning("some weights were not used")
    out, err = capfd.readouterr()
    assert "some weights" not in out + err
    assert "some weights were not used" in flushed(log_path)


def test_setting_up_twice_keeps_one_handler(log_path):
    applog.setup_logging()
    ours = [
        h for h in logging.getLogger(applog.LOGGER).handlers if isinstance(h, applog._FileHandler)
    ]
    assert len(ours) == 1


def test_a_cli_error_is_logged_with_its_traceback(tmp_path):
    missing = tmp_path / "nowhere.csv"
    done = subprocess.run(
        [sys.executable, "-m", "llmstudio", "inspect", str(missing)],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    text = (tmp_path / "config" / "logs" / "llmstudio.log").read_text(encoding="utf-8")
    assert "Traceback" in text and "nowhere.csv" in text


def test_notices_are_printed_once_as_notes_redacted_and_logged(log_path):
    import io

    from llmstudio.core.notices import NOTICES, notice

    stream = io.StringIO()
    logger = logging.getLogger(NOTICES)
    try:
        applog.show_notices(stream)
        applog.show_notices(stream)  # a second call adds nothing
        remember("sk-notice-secret-123456")
        notice.info("converting m for ONNX Runtime (key sk-notice-secret-123456)")
        assert stream.getvalue().count("note: converting m for ONNX Runtime") == 1
        assert "sk-notice-secret" not in stream.getvalue()
        assert "converting m for ONNX Runtime" in flushed(log_path)
    finally:
        for handler in list(logger.handlers):
            if getattr(handler, "llmstudio_notes", False):
                logger.removeHandler(handler)
