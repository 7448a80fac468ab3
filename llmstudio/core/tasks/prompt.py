"""A free prompt: a template with ``{text}`` and ``{any_column}`` placeholders, whose answer
becomes a new column (``prompt_output``): rewrite, summarise, extract, translate.

The template is filled per row before anything is sent, so the cache and the run record
hold the exact prompt each row got. ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from ..errors import TemplateError
from .base import SPLIT, ParseError, Task


def placeholders(template: str) -> list[str]:
    """The field names of ``template`` in order, without repeats; raises TemplateError
    for a malformed one (an unclosed brace, a format spec, an index)."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"prompt template: {exc} (write {{{{ and }}}} for literal braces)"
        ) from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field or field.isdigit() or spec or conversion:
            raise TemplateError(
                f"prompt template: placeholder {{{field}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}} is not a column name; use "
                "{text} or {column_name}"
            )
        if field not in names:
            names.append(field)
    return names


@dataclass(frozen=True)
class PromptTask(Task):
    template: str = "{text}"
    name: str = "prompt"
    system: str = ""
    max_tokens_hint: int = 0  # not used by backends yet; part of the record
    long_texts: str = SPLIT  # a free answer cannot be combined: over-long texts fail in SPLIT
    generative_only = True

    def __post_init__(self):
        found = placeholders(self.template)
        if "text" not in found and not found:
            raise TemplateError(
                "prompt template: it has no placeholder; put {text} where each row's text goes"
            )

    def inputs(self) -> list[str]:
        return [name for name in placeholders(self.template) if name != "text"]

    def check_columns(self, columns) -> None:
        """Raise TemplateError naming any placeholder that is not a column."""
        unknown = [n for n in self.inputs() if n not in set(columns)]
        if unknown:
            raise TemplateError(
                f"prompt template: {', '.join('{' + n + '}' for n in unknown)} "
                f"{'is not a column' if len(unknown) == 1 else 'are not columns'}; the "
                f"columns are {', '.join(map(str, columns))}"
            )

    def render(self, text: str, row: dict[str, str]) -> str:
        # Filled field by field, not with str.format: a column named "a.b" or "x[0]" is a
        # placeholder here, where format would read an attribute or an index and fail.
        out = []
        for literal, field, _, _ in string.Formatter().parse(self.template):
            out.append(literal)
            if field is not None:
                out.append(text if field == "text" else str(row.get(field, "")))
        return "".join(out)

    def params(self) -> dict:
        return {
            "task": "prompt",
            "template": self.template,
            "system": self.system,
            "prompt_version": 1,
            "long_texts": self.long_texts,
        }

    def columns(self) -> list[str]:
        return [f"{self.name}_output"] + self.long_text_columns()

    def messages(self, text: str) -> list[dict]:
        # ``text`` is the filled template (see render).
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return messages + [{"role": "user", "content": text}]

    def json_schema(self) -> dict | None:
        return None  # free text: no structured output

    def parse(self, raw: str) -> dict:
        answer = raw.strip()
        if not answer:
            raise ParseError("the model's answer was empty")
        return {self.columns()[0]: answer}

    def from_scores(self, scores: dict[str, float]) -> dict:
        raise ParseError("a prompt task needs a model that writes text")

    def expected_output_tokens(self) -> int:
        return 150  # a rewrite or summary of a short text

    def describe(self) -> str:
        short = " ".join(self.template.split())
        return f"prompt “{short[:60]}{'…' if len(short) > 60 else ''}”"
