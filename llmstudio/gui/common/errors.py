"""The one place where exceptions from workers become messages for the researcher."""

from __future__ import annotations

import logging

from ...core.errors import LlmstudioError

log = logging.getLogger("llmstudio.gui")


def describe(exc: BaseException, failed: str | None = None) -> str:
    """A sentence for a message box: what went wrong, where, and what to do.

    ``failed`` ("Could not compare") goes before a message that is not one of ours, which
    does not say what was being done. Every exception that passes here is logged with its
    traceback (redacted: see :mod:`llmstudio.log`).
    """
    expected = isinstance(exc, (LlmstudioError, MemoryError, OSError))
    log.log(
        logging.WARNING if expected else logging.ERROR,
        "shown as a message: %s",
        failed or type(exc).__name__,
        exc_info=exc,
    )
    return _sentence(exc, failed)


def _sentence(exc: BaseException, failed: str | None) -> str:
    if isinstance(exc, LlmstudioError):
        return str(exc)
    if failed:
        return f"{failed}: {_sentence(exc, None)}"
    if isinstance(exc, MemoryError):
        return (
            "Not enough memory for this file. Close other programs, or open a smaller part of it."
        )
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}. Choose a folder you can write to."
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return (
        f"Unexpected error ({type(exc).__name__}: {exc}). Please report it with the file "
        "that caused it."
    )
