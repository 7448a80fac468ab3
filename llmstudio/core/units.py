"""Texts split into units: paragraphs, sentences, or windows of N words with an overlap.

Each :class:`Unit` keeps its place: ``index`` (0-based, in the document), ``start`` and
``end`` (Python ``str`` offsets, end excluded) with ``document[start:end] == unit.text``,
so a unit can always be found again in its document, and codes on a unit can be shown in
context. Whitespace around a unit is not part of it.

- paragraphs: blocks separated by one or more blank lines (what the document import
  writes; a text without blank lines is one paragraph);
- sentences, within each paragraph (a sentence never spans two), by one of three
  splitters: ``sentencex`` (the default: Wikimedia's sentence segmenter, compiled Rust,
  abbreviation lists and rules of its own for 31 languages and a fallback chain to a
  related language for others; boundary F1 0.92 on paragraphs never used to tune any
  splitter here, ~600,000 sentences a second: benchmarks/units.py), ``rules``
  (``sentence:rules``; ``core.sentence_rules``: regular expressions with an abbreviation
  list for English, German, French and Spanish; F1 0.92, ~200,000 a second; kept so that
  units made with it can be made again) or ``pysbd`` (``sentence:pysbd``: F1 0.93, 23
  languages, ~2,000 sentences a second; its time grows faster than the length of the
  text, so it is never given a whole document);
- words:N[:overlap]: windows of N words (runs of non-space characters), each starting
  N - overlap words after the one before; the last window may be shorter.

Qt-free; ``core.unit_corpus`` splits a whole corpus with it (issue 19, item 2).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .errors import UsageError

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """One unit of a document: its position, its offsets in the document and its text."""

    index: int
    start: int
    end: int
    text: str


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start, end`` moved inward past whitespace; None when only whitespace is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for gap in _BLANK_LINES.finditer(text):
        span = _trimmed(text, at, gap.start())
        if span:
            spans.append(span)
        at = gap.end()
    span = _trimmed(text, at, len(text))
    if span:
        spans.append(span)
    return spans


def _units(text: str, spans) -> list[Unit]:
    return [Unit(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def paragraphs(text: str) -> list[Unit]:
    """The paragraphs of ``text``: blocks separated by blank lines."""
    return _units(text, _paragraph_spans(text))


LANGUAGES = (
    "am ar bg da de el en es fa fr hi hy it ja kk mr my nl pl ru sk ur zh".split()
)  # pysbd's
# The languages sentencex has rules of its own for (its src/languages/*.rs, 1.0.32); any
# other ISO 639 code is taken (it follows a fallback chain to a related language, else
# generic punctuation rules) and the methods record says so.
SENTENCEX_LANGUAGES = (
    "am ar bg bn ca da de el en es fi fr gu hi hy it ja kk kn ml mr my nl pa pl pt ru sk "
    "ta te uk".split()
)
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


@functools.cache
def _segmenter(language: str):
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


SPLITTERS = ("sentencex", "rules", "pysbd")


def _sentencex_spans(text: str, language: str) -> list[tuple[int, int]]:
    from sentencex import get_sentence_boundaries

    spans = []
    for p_start, p_end in _paragraph_spans(text):
        for b in get_sentence_boundaries(language, text[p_start:p_end]):
            # its offsets count code points, as Python's do; the white space after a
            # sentence is part of its span there, never of a unit here
            span = _trimmed(text, p_start + b["start_index"], p_start + b["end_index"])
            if span:
                spans.append(span)
    return spans


def sentences(text: str, language: str = "en", splitter: str = "sentencex") -> list[Unit]:
    """The sentences of ``text``, each within one paragraph: by ``splitter``
    "sentencex" (in ``language``, an ISO 639 code), "rules" (:mod:`.sentence_rules`) or
    "pysbd" (in ``language``: an ISO 639-1 code it knows)."""
    if splitter == "sentencex":
        check_sentencex_language(language)
        return _units(text, _sentencex_spans(text, language))
    if splitter == "rules":
        from .sentence_rules import sentence_spans

        return _units(
            text,
            [
                (p_start + s, p_start + e)
                for p_start, p_end in _paragraph_spans(text)
                for s, e in sentence_spans(text[p_start:p_end])
            ],
        )
    if splitter != "pysbd":
        raise UsageError(f"no sentence splitter {splitter!r}; one of {', '.join(SPLITTERS)}")
    if language not in LANGUAGES:
        raise UsageError(
            f"no sentence rules for language {language!r}; one of {', '.join(LANGUAGES)}"
        )
    segmenter = _segmenter(language)
    spans = []
    for p_start, p_end in _paragraph_spans(text):
        at = p_start
        for piece in segmenter.segment(text[p_start:p_end]):
            piece = piece.strip()
            if not piece:
                continue
            # pysbd (clean=False) returns the paragraph's own characters in order: each
            # sentence is found from where the last ended, so its offsets are exact.
            start = text.find(piece, at, p_end)
            if start < 0:  # pysbd changed a character after all: the rest as one unit
                spans.append((at, p_end))
                break
            spans.append((start, start + len(piece)))
            at = start + len(piece)
        else:
            tail = _trimmed(text, at, p_end)
            if tail:  # what pysbd left out (should be nothing) is not lost
                spans.append(tail)
    return _units(text, spans)


def check_sentencex_language(language: str) -> None:
    """A ``UsageError`` unless ``language`` reads as an ISO 639 code (``de``, ``fil``)."""
    if not _LANGUAGE_CODE.fullmatch(language):
        raise UsageError(
            f"{language!r} is not a language code: use an ISO 639 code such as en, de, fr "
            f"(sentencex has rules of its own for {', '.join(SENTENCEX_LANGUAGES)})"
        )


def word_windows(text: str, size: int, overlap: int = 0) -> list[Unit]:
    """Windows of ``size`` words, each starting ``size - overlap`` words after the last."""
    if size < 1:
        raise UsageError(f"a window holds at least 1 word; got {size}")
    if not 0 <= overlap < size:
        raise UsageError(
            f"the overlap must be from 0 to {size - 1} words (the window's size - 1); got {overlap}"
        )
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    step = size - overlap
    spans = []
    for first in range(0, len(words), step):
        last = min(first + size, len(words)) - 1
        spans.append((words[first][0], words[last][1]))
        if last == len(words) - 1:
            break
    return _units(text, spans)


@dataclass(frozen=True)
class UnitSpec:
    """A way to split: ``kind`` "paragraph", "sentence" or "words" (with size, overlap)."""

    kind: str
    size: int = 0
    overlap: int = 0
    splitter: str = "sentencex"  # sentences: one of SPLITTERS
    language: str = "en"  # sentencex's or pysbd's rules (pysbd: one of LANGUAGES)

    def split(self, text: str) -> list[Unit]:
        """``text`` split this way."""
        if self.kind == "paragraph":
            return paragraphs(text)
        if self.kind == "sentence":
            return sentences(text, self.language, self.splitter)
        return word_windows(text, self.size, self.overlap)


UNIT_HELP = (
    "paragraph, sentence[:LANG] (sentencex, e.g. sentence:de; sentence:rules or "
    "sentence:pysbd[:LANG] for the other splitters), or words:N[:overlap] "
    "(e.g. words:200:50)"
)


def parse_unit(spec: str) -> UnitSpec:
    """``paragraph``, ``sentence[:LANG]``, ``sentence:sentencex[:LANG]``,
    ``sentence:rules``, ``sentence:pysbd[:LANG]`` or ``words:N[:overlap]`` as a
    :class:`UnitSpec`."""
    value = spec.strip().lower()
    if value in ("paragraph", "paragraphs"):
        return UnitSpec("paragraph")
    parts = value.split(":")
    if parts[0] in ("sentence", "sentences") and len(parts) <= 3:
        splitter = parts[1] if len(parts) > 1 and parts[1] in SPLITTERS else "sentencex"
        rest = parts[2:] if len(parts) > 1 and parts[1] in SPLITTERS else parts[1:]
        language = rest[0] if rest else "en"
        if len(rest) > 1 or (splitter == "rules" and rest):
            raise UsageError(f"unknown unit {spec!r}; use {UNIT_HELP}")
        if splitter == "pysbd" and language not in LANGUAGES:
            raise UsageError(
                f"unit {spec!r}: pysbd has no rules for {language!r}; one of {', '.join(LANGUAGES)}"
            )
        if splitter == "sentencex":
            try:
                check_sentencex_language(language)
            except UsageError as exc:
                raise UsageError(f"unit {spec!r}: {exc}") from None
        return UnitSpec("sentence", splitter=splitter, language=language)
    if parts[0] in ("words", "word") and len(parts) in (2, 3):
        try:
            size, overlap = int(parts[1]), int(parts[2]) if len(parts) == 3 else 0
        except ValueError:
            raise UsageError(
                f"unit {spec!r}: N and overlap are whole numbers ({UNIT_HELP})"
            ) from None
        try:
            word_windows("", size, overlap)  # the same checks, the same messages
        except UsageError as exc:
            raise UsageError(f"unit {spec!r}: {exc}") from None
        return UnitSpec("words", size, overlap)
    raise UsageError(f"unknown unit {spec!r}; use {UNIT_HELP}")
