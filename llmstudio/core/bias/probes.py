"""Template and completion probes: the public entry points (``eec.py`` and
``completion.py`` hold the work; the GUI and ``llmstudio probe`` import from here)."""

from ..stats.intervals import TInterval, t_interval, wilson
from .completion import (
    DEFAULT_TEMPLATES,
    CompletionReport,
    Occupation,
    completion_probe,
    default_occupations,
    first_pronoun,
    read_occupations,
    word_probabilities,
)
from .eec import EecReport, SignedSentimentTask, eec_probe, read_eec

__all__ = [
    "DEFAULT_TEMPLATES",
    "CompletionReport",
    "EecReport",
    "Occupation",
    "SignedSentimentTask",
    "TInterval",
    "completion_probe",
    "default_occupations",
    "eec_probe",
    "first_pronoun",
    "read_eec",
    "read_occupations",
    "t_interval",
    "wilson",
    "word_probabilities",
]
