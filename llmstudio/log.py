"""llmstudio's one log: a rotating file in the user log folder, set up once by the CLI entry
and by the window, with every record passed through the one redaction (no key, token or
URL password ever reaches the file).

Code logs to ``logging.getLogger("llmstudio")`` (or a child: ``llmstudio.gui``). Model
libraries (transformers, sentence-transformers, the Hugging Face hub) log to the same file
and not to the terminal, Python warnings (torch's, scikit-learn's, ...) go there too, and the
libraries' progress bars are off: this is the one place that quiets them.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from .core.notices import NOTICES
from .core.paths import log_dir
from .core.secrets import redact

LOGGER = "llmstudio"
FILE_NAME = "llmstudio.log"
MAX_BYTES = 1_000_000
BACKUPS = 3  # llmstudio.log.1 .. .3: a few MB at most
# Libraries whose records go to our file instead of the terminal.
LIBRARIES = (
    "transformers",
    "sentence_transformers",
    "huggingface_hub",
    "filelock",
    "urllib3",
    "httpx",
    "openai",
    "pypdf",  # "EOF marker not found" and the like, for a damaged PDF it reports itself
    "py.warnings",  # Python warnings, once logging.captureWarnings routes them here
)
# Read by the libraries when they load. Set, not defaulted: a researcher's shell may carry
# settings made for other tools, and a progress bar or an advisory line in the middle of
# llmstudio's own output reads as part of it. The log file still gets their warnings.
QUIET_ENVIRONMENT = {
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # also transformers' "Loading weights" bar
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    # tokenizers warns on every fork after its thread pool started (scikit-learn's and
    # joblib's workers fork); llmstudio batches itself, so its own threads are not needed.
    "TOKENIZERS_PARALLELISM": "false",
}
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger(LOGGER)


def log_file() -> Path:
    """The current log file (it exists once something was logged)."""
    return log_dir() / FILE_NAME


class RedactFilter(logging.Filter):
    """Passes every record through :func:`core.secrets.redact`: its message, arguments
    merged in, and its traceback (an exception message may quote a key or a URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _FileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file opened on the first record, its folder made then: a run that logs
    nothing leaves no file and no folder behind."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def setup_logging(level: int = logging.INFO) -> Path:
    """Send llmstudio's records and the model libraries' to the log file (once per log
    folder: calling it again is harmless, and follows a changed ``LLMSTUDIO_CONFIG_DIR``),
    and keep the libraries' warnings and progress bars off the terminal. Returns the file."""
    path = log_file()
    quiet_libraries()
    for name in (LOGGER, *LIBRARIES):
        logger = logging.getLogger(name)
        ours = [h for h in logger.handlers if isinstance(h, _FileHandler)]
        if any(h.baseFilename == str(path.absolute()) for h in ours):
            continue
        for old in ours:
            logger.removeHandler(old)
            old.close()
        handler = _FileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        handler.addFilter(RedactFilter())
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False  # nothing of ours or theirs reaches the terminal this way
        if name == LOGGER:
            logger.setLevel(level)
        elif logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    return path


def show_notices(stream=None) -> None:
    """Print llmstudio's notices (core.notices) on ``stream`` (stderr) as ``note: ...``
    lines, as the command line's other notes; once, however often it is called."""
    logger = logging.getLogger(NOTICES)
    if any(getattr(h, "llmstudio_notes", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.llmstudio_notes = True
    handler.addFilter(RedactFilter())
    handler.setFormatter(logging.Formatter("note: %(message)s"))
    logger.addHandler(handler)


def quiet_libraries() -> None:
    """Keep the model libraries' progress bars, advisories and warnings off the terminal:
    the environment they read when they load, and, for one already loaded, its own
    switches. Python warnings are routed to the log (see :data:`LIBRARIES`)."""
    os.environ.update(QUIET_ENVIRONMENT)
    logging.captureWarnings(True)
    # Only when already imported: importing them here would cost seconds at start-up.
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        # Its own terminal handler; its records still reach the file through ours.
        transformers_logging.disable_default_handler()
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
