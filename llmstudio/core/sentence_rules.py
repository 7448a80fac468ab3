"""llmstudio's own sentence rules (``sentence:rules``; the default splitter before sentencex).

pysbd (``core.units``) is the careful splitter but reads ~3,000 sentences a second; this
one reads hundreds of thousands (benchmarks/units.py: speed, and quality beside pysbd,
syntok and blingfire on a hand-made set with abbreviations, decimals, quotes, ellipses
and German, French and Spanish text). A sentence ends at ``.``, ``!``, ``?`` or ``…``
(with any closing quotes or brackets) followed by white space and a sentence start (an
upper-case letter, a digit, an opening quote or ``¿``/``¡``), except after

- a known abbreviation (``Dr.``, ``e.g.``, ``z.B.``, ``Mme.``, ``Sra.``; :data:`ABBREVIATIONS`),
- a dotted abbreviation or initial (``U.S.``, ``J.``) unless a word that starts
  sentences follows (``in Washington, D.C. He left``), and
- a day's number before a month (``am 3. Mai``: a German date).

Returns ``(start, end)`` spans into the text given, never changing a character.
"""

from __future__ import annotations

import re

# Lower-cased, without the final dot. Titles and the like are followed by a name (never
# the end of a sentence in practice); "etc." and "Inc." often end one, so they are not here.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st sr jr rev gen col capt lt sgt gov sen rep hon pres fr
    mt ft no nos nr vol vols fig figs eq ch sec art para pp p approx ca cf vs viz al
    jan feb mar apr jun jul aug sep sept oct nov dec dept univ assn bros corp est
    e.g i.e a.m p.m
    z.b bzw usw ggf evtl vgl hr hrn fr frl dipl ing inkl sog u.a d.h s.o s.u abs
    mme mlle mm me cie av bd env
    sra srta dra ud uds pág núm
    """.split()
)
_END = re.compile(r"[.!?…]+(?:\s?[\"'”’»)\]])*(?=\s+[\"'“‘«(\[¿¡]*[A-ZÀ-ÖØ-Þ0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_LONGEST = 40  # characters looked at before a dot: longer "words" are no abbreviation
_WORD_AFTER = re.compile(r"\s+[\"'“‘«(\[]*(\w+)")
# Words that start sentences far more often than they follow "U.S." inside one.
_STARTERS = frozenset(
    "the a an he she it they we i you this that these there his her its our their but "
    "and so yet however then in on at after before when if as der die das er sie es wir "
    "ich le la les il elle ils nous je el los las ella ellos".split()
)
_MONTHS = frozenset(
    "januar jänner februar märz april mai juni juli august september oktober november "
    "dezember".split()
)
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?$")  # U.S, e.g, J (an initial)


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the ``.`` at ``dot`` ends an abbreviation, not a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - _LONGEST), dot)  # not the whole text again
    if not m:
        return False
    word = m.group(1).lstrip("\"'“‘«([")
    low = word.lower()
    if low in ABBREVIATIONS:
        return True
    after = _WORD_AFTER.match(text, dot + 1)
    following = after.group(1).lower() if after else ""
    if word.isdigit() and len(word) <= 2:
        return following in _MONTHS
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith"
    if "." in word and _DOTTED.fullmatch(word + "."):
        return following not in _STARTERS
    return False


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` (one paragraph) as ``(start, end)`` spans, white space
    around each left out."""
    spans, at = [], 0
    for m in _END.finditer(text):
        if m.group().startswith(".") and _is_abbreviation(text, m.start()):
            continue
        spans.append((at, m.end()))
        at = m.end()
    spans.append((at, len(text)))
    out = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out
