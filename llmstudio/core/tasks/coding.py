"""Coding texts against a codebook: one code per text (single-label) or any number of
codes (multi-label), each with a confidence.

Output columns are named after the task: ``code_label`` and ``code_score`` for
single-label; for multi-label one ``code_<name>`` column per code (1 when the code applies,
0 when not) and ``code_<name>_score`` with its confidence.

Generative models get the codebook in the prompt (names, descriptions, inclusion and
exclusion rules, examples) and answer in JSON: ``{"label": ..., "score": ...}``, or for
multi-label ``{"<code>": confidence, ...}`` with every code present. A code is applied
when its confidence is at least 0.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..codebook import NONE_CODE, Codebook, column_slug
from .base import ParseError, json_object
from .choice import ChoiceTask

APPLIES_AT = 0.5


@dataclass(frozen=True)
class CodeTask(ChoiceTask):
    codebook: Codebook | None = None
    name: str = "code"
    labels: tuple[str, ...] = ()  # filled from the codebook

    def __post_init__(self):
        if self.codebook is None:
            raise ValueError("a coding task needs a codebook")
        # Frozen dataclass: set the derived label set once, here.
        object.__setattr__(
            self, "labels", self.codebook.labels() if not self.multi_label else self.codebook.names
        )

    @property
    def multi_label(self) -> bool:
        return self.codebook.multi_label

    def instruction(self) -> str:
        book = self.codebook
        how = (
            "Decide which of these codes apply to the text (any number, possibly none)."
            if self.multi_label
            else "Choose the one code that fits the text best."
        )
        return (
            "You code texts for social-science research with this codebook "
            f"({book.name}).\n{how}\n\nCodes:\n{book.prompt_text()}"
        )

    def synonyms(self) -> dict[str, str]:
        if self.codebook.none_option:
            return dict.fromkeys(
                ("none of these", "none of the above", "no code", "other", "n/a"), NONE_CODE
            )
        return {}

    def hypothesis(self, label: str, template: str = "This text is {}.") -> str:
        # Codes are topics, not adjectives: "This text is about Housing."
        if label == NONE_CODE:
            return "This text is about none of these topics."
        return f"This text is about {label}."

    def definitions(self) -> dict[str, list[str]]:
        out = {}
        for code in self.codebook.codes:
            written = [s for s in (code.description, code.include, *code.examples) if s]
            if written:
                out[code.name] = written
        if self.codebook.none_option and not self.multi_label:
            out[NONE_CODE] = ["This text is about something else.", "None of these topics apply."]
        return out

    def label_descriptions(self) -> dict[str, list[str]]:
        written = self.definitions()
        return {
            code: [f"This text is about {code}."] + written.get(code, []) for code in self.labels
        }

    def params(self) -> dict:
        out = super().params()
        out["task"] = "code"
        out["codebook"] = self.codebook.to_dict()
        return out

    def describe(self) -> str:
        kind = "multi-label" if self.multi_label else "single-label"
        extra = f", {len(self.examples)} examples" if self.examples else ""
        return (
            f"coding with {self.codebook.name!r} ({len(self.codebook.codes)} codes, {kind}{extra})"
        )

    # -- multi-label --------------------------------------------------------------------

    def code_columns(self) -> list[tuple[str, str, str]]:
        """(code, applies column, score column) per code."""
        return [
            (c, f"{self.name}_{column_slug(c)}", f"{self.name}_{column_slug(c)}_score")
            for c in self.codebook.names
        ]

    def output_columns(self) -> list[str]:
        if not self.multi_label:
            return super().output_columns()
        columns = [col for _, applies, score in self.code_columns() for col in (applies, score)]
        return columns + [f"{self.name}_explanation"] if self.explain else columns

    def combine(self, outputs: list[dict], weights: list[int]) -> dict:
        """Multi-label: a code applies when it applies to any chunk, its score the chunks'
        largest; the explanation is that of the chunk with the highest score of all.
        Single-label: as sentiment (:meth:`ChoiceTask.combine`)."""
        if not self.multi_label:
            return super().combine(outputs, weights)
        combined: dict = {}
        for _, applies, score in self.code_columns():
            combined[applies] = int(any(o.get(applies) for o in outputs))
            scores = [float(o[score]) for o in outputs if o.get(score) is not None]
            combined[score] = max(scores) if scores else None
        if self.explain:

            def top(out: dict) -> float:
                return max(
                    (float(out[s]) for _, _, s in self.code_columns() if out.get(s) is not None),
                    default=0.0,
                )

            explanation = f"{self.name}_explanation"
            combined[explanation] = max(outputs, key=top).get(explanation)
        return combined

    def answer_format(self) -> str:
        if not self.multi_label:
            return super().answer_format()
        fields = ", ".join(f'"{c}": confidence 0 to 1 that it applies' for c in self.labels)
        if self.explain:
            fields += ', "explanation": one sentence saying why'
        return f"Answer with JSON only, every code present: {{{fields}}}."

    def example_answer(self, label: str) -> dict:
        if not self.multi_label:
            return super().example_answer(label)
        applied = {c.strip() for c in label.split(";")}  # a multi-label example's codes
        answer: dict = {c: (1.0 if c in applied else 0.0) for c in self.labels}
        if self.explain:
            answer["explanation"] = "A coded example."
        return answer

    def json_schema(self) -> dict:
        if not self.multi_label:
            return super().json_schema()
        properties = {c: {"type": "number", "minimum": 0, "maximum": 1} for c in self.labels}
        if self.explain:
            properties["explanation"] = {"type": "string"}
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def parse(self, raw: str) -> dict:
        if not self.multi_label:
            return super().parse(raw)
        obj = json_object(raw)
        if obj is None:
            raise ParseError(f"no JSON object in the answer {raw[:120]!r}")
        scores: dict[str, float] = {}
        for key, value in obj.items():
            if key == "explanation":
                continue
            code = self.label_of(str(key))
            if code is None:
                # Extra fields ("reasoning", "score"): ignored. A misspelt code shows up
                # below as a code left out.
                continue
            score = _confidence(value)
            if score is None:
                raise ParseError(f"the confidence for {code!r} is not a number: {value!r}")
            scores[code] = score
        missing = [c for c in self.labels if c not in scores]
        if missing:
            raise ParseError(f"the answer leaves out {', '.join(map(repr, missing))}")
        out = self.from_scores(scores)
        if self.explain:
            explanation = obj.get("explanation")
            out[f"{self.name}_explanation"] = (
                explanation.strip() if isinstance(explanation, str) else None
            )
        return out

    def from_scores(self, scores: dict[str, float]) -> dict:
        """Single-label: the best code. Multi-label: ``scores`` are independent
        probabilities per code; each applies at 0.5 or more."""
        if not self.multi_label:
            return super().from_scores(scores)
        out: dict = {}
        for code, applies, score in self.code_columns():
            p = float(scores.get(code, 0.0))
            out[applies] = int(p >= APPLIES_AT)
            out[score] = round(p, 6)
        if self.explain:
            out[f"{self.name}_explanation"] = None
        return out


def _confidence(value) -> float | None:
    """A confidence from a model: a number, true/false, "yes"/"no", or "0.8"."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return min(1.0, max(0.0, float(value)))
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("yes", "true", "applies"):
            return 1.0
        if word in ("no", "false"):
            return 0.0
        if re.fullmatch(r"[0-9]*\.?[0-9]+", word):
            return min(1.0, max(0.0, float(word)))
    return None
