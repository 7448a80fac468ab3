"""Tasks: what to ask of a model for one text, and how to read its answer.

A task knows nothing of threads, Qt or which backend runs it: it builds prompts (for
generative backends), maps classifier scores onto its labels, and parses answers.
"""

from .base import ParseError, Task
from .choice import ChoiceTask
from .coding import CodeTask
from .prompt import PromptTask
from .sentiment import SCALES, SentimentTask

__all__ = [
    "SCALES",
    "ChoiceTask",
    "CodeTask",
    "ParseError",
    "PromptTask",
    "SentimentTask",
    "Task",
]
