"""Counterfactual word swaps: he <-> she, John <-> Mary, Emily <-> Lakisha.

A swap list is pairs ``a,b``; every pair swaps both ways in one pass, so a text is never
swapped back ("he told her" -> "she told him"). Matching is on whole words only ("the
herald", "Sherlock", "history" are left alone), the case of each word is carried over
(he/He/HE -> she/She/SHE) and what follows a word is kept ("John's" -> "Mary's",
"Mr." -> "Ms."). A capitalised entry (a name, "Mr") matches capitalised words only, so
the name Ebony is swapped but the wood ebony is not.

A word with more than one partner (the gender list maps "her" to "him" and to "his",
and "his" to "her" and to "hers") is decided by its context:

* in a slash pair ("his/her", "him/her", "her/his") it takes the form of its partner
  word, so the pair stays a pair: "his/her book" -> "her/his book";
* otherwise by the next word. "her" followed by a word that can start a noun phrase
  (a noun or an adjective: "her book", "her old car") is possessive -> "his"; followed
  by the end of the text, punctuation or a word that cannot follow a possessive (an
  article, preposition, conjunction, pronoun, common adverb or a verb that is rarely a
  noun: "I saw her.", "gave her the book", "told her to go", "let her go") it is an
  object -> "him". "his" before a noun phrase is a determiner -> "her", otherwise it
  stands alone -> "hers" ("the book is his").

Limits of that rule: it reads one word ahead and knows no grammar, so a verb that is
also a noun after an object "her" is read as possessive ("made her smile" -> "made his
smile"), and a possessive before a word of the function-word list is read as an object
(rare: "her own" is handled). Any other word with several partners takes the first
pair listed. Check the swapped texts before running (``llmstudio bias --show-swaps``).

One compiled regular expression per list does all the matching: about a second for
100,000 short texts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LlmstudioError, SwapListError

__all__ = [
    "BUILTIN",
    "Span",
    "SwapList",
    "Swapped",
    "builtin_path",
    "load_swaps",
    "pairs_from",
    "swap",
    "swap_all",
]

BUILTIN = ("gender", "names", "names-race")
# A first row that names the columns instead of giving a pair.
_HEADERS = {
    ("a", "b"),
    ("from", "to"),
    ("word", "swap"),
    ("source", "target"),
    ("original", "swapped"),
}
# What a swap-list entry may hold: words (letters, digits, apostrophes, hyphens, a final
# dot) and single spaces between them (phrases such as "my dad").
_ENTRY = re.compile(r"^[^\W_](?:[\w'’.-]*[\w.])?(?: [^\W_](?:[\w'’.-]*[\w.])?)*$")


@dataclass(frozen=True)
class SwapList:
    """A named list of word pairs; each pair swaps both ways."""

    name: str
    pairs: tuple[tuple[str, str], ...]
    source: str = ""  # the file it came from
    note: str = ""  # the file's comment line: where the list comes from

    def words(self) -> set[str]:
        return {w for pair in self.pairs for w in pair}


@dataclass(frozen=True)
class Span:
    """One swap: ``old`` at ``start:end`` of the original text became ``new`` at
    ``new_start`` of the swapped text."""

    start: int
    end: int
    old: str
    new: str
    new_start: int


@dataclass(frozen=True)
class Swapped:
    text: str
    n: int
    spans: tuple[Span, ...]

    def describe(self) -> str:
        """``"he->she; his->her"``: the swaps made, for tables."""
        return "; ".join(f"{s.old}->{s.new}" for s in self.spans)


# -- lists ------------------------------------------------------------------------------


def builtin_path(name: str) -> Path:
    from ..paths import resources_dir

    return resources_dir() / "swaps" / f"{name}.csv"


def load_swaps(name_or_path: str | Path) -> SwapList:
    """A built-in list (``gender``, ``names``, ``names-race``) or a CSV/TXT file of pairs:
    one pair a line, separated by a comma, semicolon or tab (or, without any of those,
    two words separated by spaces); ``#`` starts a comment line; an optional first line
    ``a,b`` (or ``from,to``) is a header. Raises :class:`SwapListError` saying where a
    file is wrong, :class:`LlmstudioError` for an unknown name."""
    if str(name_or_path) in BUILTIN:
        return _read(builtin_path(str(name_or_path)), str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise LlmstudioError(
            f"unknown swap list {str(name_or_path)!r}: give one of "
            f"{', '.join(BUILTIN)} or a CSV/TXT file of word pairs"
        )
    return _read(path, path.stem)


def _read(path: Path, name: str) -> SwapList:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise SwapListError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SwapListError(path, f"cannot read the swap list ({exc.strerror})") from None
    pairs: list[tuple[str, str]] = []
    notes: list[str] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if stripped.startswith("#") and not pairs:
                notes.append(stripped.lstrip("#").strip())
            continue
        cells = _cells(stripped)
        if not pairs and tuple(c.lower() for c in cells) in _HEADERS:
            continue
        if len(cells) != 2:
            raise SwapListError(
                path,
                f"expected two words separated by a comma (a pair such "
                f"as he,she), got {len(cells)} cell(s): {stripped!r}",
                line=number,
            )
        for column, cell in enumerate(cells, 1):
            if not cell:
                raise SwapListError(path, "empty cell: each line needs two words", number, column)
            if not _ENTRY.match(cell):
                raise SwapListError(
                    path, f"{cell!r} is not a word or a phrase of words", number, column
                )
        if cells[0].lower() == cells[1].lower():
            raise SwapListError(path, f"{cells[0]!r} is paired with itself", line=number)
        pairs.append((cells[0], cells[1]))
    if not pairs:
        raise SwapListError(path, "no word pairs in the swap list (expected lines such as he,she)")
    return SwapList(name, tuple(pairs), str(path), " ".join(notes))


def _cells(line: str) -> list[str]:
    for separator in (",", ";", "\t"):
        if separator in line:
            return [" ".join(c.split()) for c in line.split(separator)]
    return line.split()


# -- swapping ---------------------------------------------------------------------------

# Words after which "her" is an object pronoun, not a possessive: they cannot start the
# noun phrase a possessive needs.
_NOT_AFTER_POSSESSIVE = frozenset(
    """
a an the this that these those some any every each either neither no my your his her its
our their whose which what whom who
to in on at for with about from by into onto upon up down out off over under back away as
than like through after before around across along behind beside between near since until
till toward towards without within against among during per via of
and or but nor so yet because if when while whereas although though unless once where why
how whether then
i you he she it we they me him us them myself yourself himself herself itself ourselves
themselves there here
too again now today tomorrow yesterday tonight already also even just never always often
still soon later anyway anymore instead either ever not very really quite rather well
dearly deeply truly sincerely quickly slowly gently softly warmly badly greatly madly
tightly closely firmly strongly directly immediately personally publicly privately
repeatedly regularly properly completely
be go come do know feel think leave stay win get make take give say tell find want try
become seem keep let put understand speak sit stand wait die live eat sleep see hear
believe remember forget decide lose pay meet bring buy send know is was are were has had
have will would can could should must might may shall am been being did does
""".split()
)

# What decides a word with several partners: the partners' lower-case forms, and the one
# to take before a noun phrase and otherwise.
_BY_NEXT_WORD = {
    frozenset({"him", "his"}): ("his", "him"),  # her book -> his book; saw her -> saw him
    frozenset({"her", "hers"}): ("her", "hers"),  # his book -> her book; is his -> is hers
}
_NEXT_WORD = re.compile(r"\s*([^\W_][\w'’-]*)?")  # a digit starts a noun phrase too
_WORD = re.compile(r"[^\W\d_]+")
_WORD_BEFORE = re.compile(r"[^\W\d_]+$")


@functools.lru_cache(maxsize=16)
def _engine(
    pairs: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern, dict[str, list[str]], set[str], dict[str, str]]:
    """The compiled pattern, each word's partners (lower case -> as listed, in order),
    the capitalised (proper-name) entries and a memo of context-free replacements (as
    written -> new), made once per list."""
    partners: dict[str, list[str]] = {}
    proper = set()
    for a, b in pairs:
        for word, other in ((a, b), (b, a)):
            targets = partners.setdefault(word.lower(), [])
            if other not in targets:
                targets.append(other)
            if word[:1].isupper():
                proper.add(word.lower())
    # Longest first, so a phrase wins over a word it starts with; whole words only: no
    # letter, digit or underscore on either side.
    pattern = re.compile(rf"(?<!\w){_trie(partners)}(?!\w)", re.IGNORECASE)
    return pattern, partners, proper, {}


def _trie(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, as a trie ("h(?:e(?:r(?:s)?)?)"):
    Python's re tries a flat alternation's branches one by one at every word, which is
    ten times slower with a hundred words."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        # The longest word first (greedy), then the shorter ones ending here.
        return f"(?:{body})?" if "" in node else body

    return render(root)


def _with_case(source: str, target: str) -> str:
    if len(source) > 1 and source.isupper():
        return target.upper()
    if source[:1].isupper():
        return target[:1].upper() + target[1:]
    return target


def _choose(text: str, match: re.Match, targets: list[str]) -> str:
    if len(targets) == 1:
        return targets[0]
    rule = _BY_NEXT_WORD.get(frozenset(t.lower() for t in targets))
    if rule is None:
        return targets[0]
    start, end = match.span()
    # A slash pair ("his/her", "her/his"): the word takes the form of its partner on the
    # other side of the slash, and the next word is the one after the pair.
    partner, resume = None, end
    if text.startswith("/", end):
        found = _WORD.match(text, end + 1)
        if found:
            partner, resume = found.group(), found.end()
    elif start and text[start - 1] == "/":
        found = _WORD_BEFORE.search(text, 0, start - 1)
        partner = found.group() if found else None
    for target in targets:
        if partner is not None and partner.lower() == target.lower():
            return target
    before_noun, alone = rule
    following = _NEXT_WORD.match(text, resume).group(1)
    if following is None or following.lower() in _NOT_AFTER_POSSESSIVE:
        return alone
    return before_noun


def swap(text: str, swaps: SwapList) -> Swapped:
    """``text`` with every listed word swapped for its partner (see the module's notes)."""
    pattern, partners, proper, fixed = _engine(swaps.pairs)
    spans: list[Span] = []
    shift = 0

    def replace(match: re.Match) -> str:
        nonlocal shift
        old = match.group()
        new = fixed.get(old)
        if new is None:
            key = " ".join(old.split()).lower()
            if key in proper and not old[:1].isupper():
                return old  # "ebony" the wood, not the name
            targets = partners[key]
            new = _with_case(old, _choose(text, match, targets))
            if len(targets) == 1:  # context-free: remember it (most words are)
                fixed[old] = new
        spans.append(Span(match.start(), match.end(), old, new, match.start() + shift))
        shift += len(new) - len(old)
        return new

    out = pattern.sub(replace, text)
    return Swapped(out, len(spans), tuple(spans))


def swap_all(texts: Iterable[str], swaps: SwapList) -> list[Swapped]:
    """:func:`swap` over many texts (the pattern is compiled once)."""
    return [swap(t, swaps) for t in texts]


def pairs_from(rows: Sequence[tuple[str, str]], name: str = "custom") -> SwapList:
    """A swap list from pairs given in code or typed into the window."""
    return SwapList(name, tuple((str(a), str(b)) for a, b in rows))
