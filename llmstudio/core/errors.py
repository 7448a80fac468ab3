"""Exceptions that carry a message meant for the researcher.

Every error the user can cause (a bad file, a bad option) is one of these, so the CLI and
the GUI can show ``str(error)`` as it is: one line saying what is wrong and where.
"""

from __future__ import annotations

from pathlib import Path


class LlmstudioError(Exception):
    """Base class of all errors whose message is written for the user."""


class Cancelled(Exception):
    """Raised by a long core function when the caller's ``cancelled()`` returned True
    between two steps: the one cancel exception of the whole core."""


class BackendError(LlmstudioError):
    """A model could not be loaded or reached (the message says which and why)."""


class CorpusError(LlmstudioError):
    """A file could not be read as a table of texts."""

    def __init__(
        self,
        path: str | Path | None,
        reason: str,
        line: int | None = None,
        column: int | None = None,
    ):
        self.path = str(path) if path is not None else None
        self.reason = reason
        self.line = line
        self.column = column
        where = self.path or "<data>"
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {reason}")


class ProjectError(LlmstudioError):
    """A project file could not be created, opened or changed."""


class ExportError(LlmstudioError):
    """A table could not be written in the requested format."""


class UsageError(LlmstudioError):
    """The command line or the dialog's options themselves are wrong (a bad value, options
    that do not go together), found without reading any file: exit status 2 in the CLI."""


class ProjectExists(ProjectError):
    """A project file appeared at the path a new one was to be written to."""


class CodebookError(LlmstudioError):
    """A codebook that cannot be read or is not valid (the message says where)."""


class ExamplesError(LlmstudioError):
    """An examples file that cannot be used (the message says where and why)."""


class TemplateError(LlmstudioError):
    """A prompt template that cannot be filled (the message says what and where)."""


class SearchError(LlmstudioError):
    """The search pattern is not a valid regular expression."""


class StatsError(LlmstudioError, ValueError):
    """The codes given cannot be analysed (too few coders, no codes, ...)."""


class SwapListError(CorpusError):
    """A swap list that cannot be read; says file, line and column."""


class RunError(LlmstudioError):
    """An action on a run that cannot be done (no such run, wrong state...)."""


class ExplainError(LlmstudioError):
    """A row's answer that cannot be explained (no label, no text, a method the model
    does not allow, a refused consent)."""


class RunBusy(RunError):
    """The run a job would fill is being filled by another live job."""


class ReplicateError(LlmstudioError):
    """A replicate that cannot be made as asked (the message says why)."""


class ModelDownloadError(LlmstudioError):
    """A hub model that cannot be downloaded or removed (gated, missing, the hub failing,
    too little disk space, offline): the message says which model, why, and what to do."""


class PullError(BackendError):
    """A model a local server (Ollama) could not pull: none there, no such model, no disk
    space (the message says which, in llmstudio's words)."""


class TrainingError(LlmstudioError):
    """Training a classifier cannot start or go on: too few codes, no codes by that coder,
    an output folder that is not a model folder, a base model that is no encoder."""
