"""The fast rule-based sentence splitter: abbreviations, decimals, quotes, dates."""

from __future__ import annotations

import pytest

from llmstudio.core.sentence_rules import sentence_spans


def _split(text):
    spans = sentence_spans(text)
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Dr. Smith came. He left.", ["Dr. Smith came.", "He left."]),
        (
            "The U.S. economy grew 3.5% in 2020. Prices rose.",
            ["The U.S. economy grew 3.5% in 2020.", "Prices rose."],
        ),
        (
            "She moved to Washington, D.C. She stayed.",
            ["She moved to Washington, D.C.", "She stayed."],
        ),
        ("The U.S. Army came. It left.", ["The U.S. Army came.", "It left."]),
        ("J. K. Rowling wrote it.", ["J. K. Rowling wrote it."]),
        ('He asked, "Why now?" Nobody answered.', ['He asked, "Why now?"', "Nobody answered."]),
        ("Wait... What? Yes!", ["Wait...", "What?", "Yes!"]),
        ("I waited... and left.", ["I waited... and left."]),
        (
            "Am 3. Mai kam Hr. Müller, z.B. mit Frau Lang. Dann ging er.",
            ["Am 3. Mai kam Hr. Müller, z.B. mit Frau Lang.", "Dann ging er."],
        ),
        (
            "Mme. Martin a dit : « Non ! » Puis elle est partie.",
            ["Mme. Martin a dit : « Non ! »", "Puis elle est partie."],
        ),
        ("¿Dónde está el Dr. Pérez? ¡No lo sé!", ["¿Dónde está el Dr. Pérez?", "¡No lo sé!"]),
        ("  ", []),
        ("No end", ["No end"]),
    ],
)
def test_sentences(text, want):
    assert _split(text) == want


def test_a_long_word_before_a_dot_is_read_only_near_the_dot():
    text = "x" * 100 + ". Next one."
    assert _split(text) == ["x" * 100 + ".", "Next one."]
