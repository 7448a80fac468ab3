"""One label per text from a fixed set: what sentiment and single-label coding share.

Generative models are asked for JSON (``label``, ``score`` and, with ``explain``, a
one-sentence ``explanation``) and their answers are read robustly: prose around the JSON,
wrong case, synonyms, truncated JSON. A label outside the set is a parse error (the runner
asks again, then records the row's error), never a silently wrong value. Coded examples
(few-shot) go into the prompt as earlier turns of the conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .base import PROBABILITIES, SPLIT, ParseError, Task, json_object


@dataclass(frozen=True)
class ChoiceTask(Task):
    labels: tuple[str, ...] = ()
    name: str = "choice"
    explain: bool = False  # ask generative models for a one-sentence explanation
    examples: tuple[tuple[str, str], ...] = ()  # (text, label) coded examples, few-shot
    # The researcher's own wording of the instruction's first line (a replicate run that
    # changes the prompt); "" keeps llmstudio's. The codebook and answer format stay.
    wording: str = ""
    long_texts: str = SPLIT  # texts longer than the model reads: SPLIT or TRUNCATE

    # -- what subclasses say ----------------------------------------------------------

    def instruction(self) -> str:
        """The system prompt's first part: what to do."""
        return "You classify texts for social-science research."

    def synonyms(self) -> dict[str, str]:
        """Words models use for this task's labels (lower case)."""
        return {}

    def prompt_version(self) -> int:
        return 1

    def hypothesis(self, label: str, template: str = "This text is {}.") -> str:
        """The sentence an NLI (zero-shot) model checks a text against for ``label``."""
        return template.format(label)

    def label_descriptions(self) -> dict[str, list[str]]:
        """Sentences describing each label, for models that compare a text with its labels
        (sentence embeddings). Labels left out are described by their name."""
        return {}

    def definitions(self) -> dict[str, list[str]]:
        """What the researcher wrote about each label (descriptions, rules, examples),
        without sentences made from the label's name; a classifier that builds its own
        name sentences takes these."""
        return self.label_descriptions()

    # -- the task ---------------------------------------------------------------------

    def params(self) -> dict:
        out = {
            "task": self.name,
            "labels": list(self.labels),
            "prompt_version": self.prompt_version(),
        }
        if self.explain:
            out["explain"] = True
        if self.examples:
            out["examples"] = [list(e) for e in self.examples]
        if self.wording:
            out["wording"] = self.wording
        out["long_texts"] = self.long_texts
        return out

    def columns(self) -> list[str]:
        return self.output_columns() + self.long_text_columns()

    def output_columns(self) -> list[str]:
        """The model's answer's columns (:meth:`columns` less the long-text marks)."""
        columns = [f"{self.name}_label", f"{self.name}_score"]
        return columns + [f"{self.name}_explanation"] if self.explain else columns

    def answer_format(self) -> str:
        labels = ", ".join(self.labels)
        fields = f'"label": one of [{labels}], "score": your confidence from 0 to 1'
        if self.explain:
            fields += ', "explanation": one sentence saying why'
        return f"Answer with JSON only: {{{fields}}}."

    def example_answer(self, label: str) -> dict:
        """The answer a coded example shows the model (the same shape as the schema's:
        a model shown answers without a field learns to leave it out)."""
        answer: dict = {"label": label, "score": 1.0}
        if self.explain:
            answer["explanation"] = "A coded example."
        return answer

    def messages(self, text: str) -> list[dict]:
        messages = [{"role": "system", "content": self.system_prompt()}]
        for example, label in self.examples:
            messages += [
                {"role": "user", "content": f"Text:\n{example}"},
                {"role": "assistant", "content": json.dumps(self.example_answer(label))},
            ]
        messages.append({"role": "user", "content": f"Text:\n{text}"})
        return messages

    def expected_output_tokens(self) -> int:
        per_label = 8 * len(self.labels) if self.multi_label else 20
        return per_label + (30 if self.explain else 0)

    def system_prompt(self) -> str:
        instruction = self.instruction().strip()
        if self.wording.strip():
            _, newline, rest = instruction.partition("\n")
            instruction = self.wording.strip() + newline + rest
        return (
            f"{instruction}{chr(10) * 2 if chr(10) in instruction else ' '}{self.answer_format()}"
        )

    def json_schema(self) -> dict:
        properties = {
            "label": {"type": "string", "enum": list(self.labels)},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
        }
        if self.explain:
            properties["explanation"] = {"type": "string"}
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def label_of(self, word: str) -> str | None:
        """This task's label for a model's word (case, synonyms), or None."""
        key = word.strip().strip(".\"'").strip().lower()
        for label in self.labels:
            if key == label.lower():
                return label
        mapped = self.synonyms().get(key)
        return mapped if mapped in self.labels else None

    def parse(self, raw: str) -> dict:
        label_col, score_col = self.columns()[:2]
        obj = json_object(raw)
        if obj is not None and isinstance(obj.get("label"), str):
            label = self.label_of(obj["label"])
            if label is None:
                raise ParseError(f"label {obj['label']!r} is not one of {list(self.labels)}")
            out = {label_col: label, score_col: _unit(obj.get("score"))}
            if self.explain:
                explanation = obj.get("explanation")
                out[self.columns()[2]] = (
                    explanation.strip() if isinstance(explanation, str) else None
                )
            return out
        # Prose: accept it only when exactly one label is named. Longer labels first, and
        # blanked out once found: "very positive" does not also name "positive".
        found, rest = set(), raw
        for label in sorted(self.labels, key=len, reverse=True):
            pattern = re.compile(rf"(?<!\w){re.escape(label)}(?!\w)", re.IGNORECASE)
            if pattern.search(rest):
                found.add(label)
                rest = pattern.sub(" ", rest)
        if len(found) == 1:
            out = {label_col: found.pop(), score_col: None}
            if self.explain:
                out[self.columns()[2]] = None
            return out
        raise ParseError(f"no label of {list(self.labels)} in the answer {raw[:120]!r}")

    def from_scores(self, scores: dict[str, float]) -> dict:
        label = max(scores, key=scores.get)
        out = {self.columns()[0]: label, self.columns()[1]: float(scores[label])}
        if self.explain:
            out[self.columns()[2]] = None
        return out

    def from_probabilities(self, probabilities: dict[str, float]) -> dict:
        """:meth:`from_scores` for a model that gives a probability for every label: the
        output also carries them (:data:`PROBABILITIES`), so that a long text's chunks
        can be averaged (:meth:`combine`)."""
        out = self.from_scores(probabilities)
        out[PROBABILITIES] = {label: float(p) for label, p in probabilities.items()}
        return out

    def combine(self, outputs: list[dict], weights: list[int]) -> dict:
        """A long text's answer from its chunks' (``weights``: their token counts).

        Probabilities from every chunk: their token-weighted mean, whose largest is the
        label and its score (what one look at the whole text would give, were the
        evidence spread evenly). Otherwise (a generative model's answers): a vote, each
        chunk's label counting tokens x score (a missing score counts 1); the label with
        the most, and as its score that sum over all the chunks' tokens (so 0.9 when
        every chunk says it at 0.9, less when they disagree). Ties go to the earlier
        chunk. The explanation is that of the chunk that weighed most for the label."""
        probabilities = [o.get(PROBABILITIES) for o in outputs]
        if all(probabilities):
            return self.from_probabilities(weighted_mean(probabilities, weights, self.labels))
        label_col, score_col = self.output_columns()[:2]
        tally: dict[str, float] = {}
        strongest: dict[str, tuple[float, dict]] = {}
        for out, weight in zip(outputs, weights, strict=True):
            label, score = out.get(label_col), out.get(score_col)
            mass = weight * (1.0 if score is None else float(score))
            tally[label] = tally.get(label, 0.0) + mass
            if label not in strongest or mass > strongest[label][0]:
                strongest[label] = (mass, out)
        label = max(tally, key=tally.get)  # insertion order: ties go to the earlier chunk
        combined = dict.fromkeys(self.output_columns())
        combined[label_col] = label
        combined[score_col] = round(tally[label] / max(1, sum(weights)), 6)
        if self.explain:
            explanation_col = self.output_columns()[2]
            combined[explanation_col] = strongest[label][1].get(explanation_col)
        return combined


def weighted_mean(
    rows: list[dict[str, float]], weights: list[int], labels: tuple[str, ...]
) -> dict[str, float]:
    """``{label: mean probability}`` over ``rows`` weighted by ``weights``."""
    total = sum(weights) or 1
    pairs = list(zip(weights, rows, strict=True))
    return {
        label: sum(w * float(row.get(label, 0.0)) for w, row in pairs) / total for label in labels
    }


def _unit(value) -> float | None:
    """A score clipped to [0, 1]; None when it is not a number."""
    try:
        return None if value is None else min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return None
