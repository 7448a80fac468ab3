"""What a classifier learns from: texts with their codes, from a project's hand codes or an
examples file, and the check that every label has enough of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..cells import as_text
from ..codebook import NONE_CODE, Codebook
from ..errors import TrainingError
from ..examples import read_examples
from ..human_codes import coders, current
from ..project import Project
from ..wording import counted

__all__ = ["TrainingData", "check_enough", "from_examples", "from_project", "needed_per_label"]

MIN_PER_LABEL = 5  # below this a held-out fold tells nothing about a label


@dataclass(frozen=True)
class TrainingData:
    """Texts and their codes (``targets``: one tuple of code names per text; single-label:
    one code each; multi-label: any number, empty when none applies), the labels the
    model will have (in the codebook's order) and where they came from."""

    texts: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]
    multi_label: bool
    codebook: str
    source: str  # "project FILE, coder C" or "examples FILE", for the model card
    coder: str | None = None
    left_out: tuple[str, ...] = field(default=())  # codebook codes nobody gave: not learnt

    def counts(self) -> dict[str, int]:
        """How many texts carry each label."""
        tally = Counter(code for codes in self.targets for code in codes)
        return {label: tally.get(label, 0) for label in self.labels}

    def __len__(self) -> int:
        return len(self.texts)


def _labels_of(book: Codebook, targets) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the labels to learn, the codebook's codes left out because no text has them)."""
    used = {code for codes in targets for code in codes}
    names = book.names if book.multi_label else book.labels()
    return tuple(n for n in names if n in used), tuple(n for n in names if n not in used)


def from_project(project: Project, book: Codebook, coder: str | None = None) -> TrainingData:
    """The texts coded in ``book`` by ``coder`` (None: the only coder; several coders need
    a choice) and their codes. Raises :class:`TrainingError` when nobody (or not that
    coder) coded a text in the codebook."""
    who = coders(project, book.name)
    if coder is None:
        if not who:
            raise TrainingError(f"nobody has coded a text in codebook {book.name!r} yet")
        if len(who) > 1:
            raise TrainingError(
                f"codebook {book.name!r} has codes by {len(who)} coders "
                f"({', '.join(who)}): say whose codes to learn from (--coder)"
            )
        coder = who[0]
    codings = [c for c in current(project, book.name, coder) if c.coded]
    if not codings:
        others = f" (coders: {', '.join(who)})" if who else ""
        raise TrainingError(f"coder {coder!r} has no codes in codebook {book.name!r}{others}")
    frame = project.corpus().frame
    column = project.text_column
    texts, targets = [], []
    for c in codings:
        text = as_text(frame[column].iloc[c.row_id])
        if not text.strip():
            continue  # an empty text teaches nothing; the codes stay in the project
        texts.append(text)
        # multi-label "none": seen, no code applies (an all-zero target)
        targets.append(
            tuple(code for code in c.codes if not (book.multi_label and code == NONE_CODE))
        )
    labels, left_out = _labels_of(book, targets)
    return TrainingData(
        tuple(texts),
        tuple(targets),
        labels,
        book.multi_label,
        book.name,
        f"project {Path(project.path).name}, coder {coder}",
        coder,
        left_out,
    )


def from_examples(path: str | Path, book: Codebook) -> TrainingData:
    """The ``text`` and ``label`` columns of an examples file (as ``annotate --examples``
    reads it; multi-label: codes separated by ``;``), checked against ``book``."""
    allowed = book.names if book.multi_label else book.labels()
    pairs = read_examples(path, allowed, multi_label=book.multi_label)
    texts = tuple(text for text, _ in pairs)
    targets = tuple(tuple(c for c in label.split(";") if c) for _, label in pairs)
    labels, left_out = _labels_of(book, targets)
    return TrainingData(
        texts,
        targets,
        labels,
        book.multi_label,
        book.name,
        f"examples {Path(path).name}",
        None,
        left_out,
    )


def needed_per_label(folds: int) -> int:
    """The fewest codes a label needs: one in each fold's held-out part, and no fewer than
    :data:`MIN_PER_LABEL`."""
    return max(MIN_PER_LABEL, int(folds))


def check_enough(data: TrainingData, folds: int) -> None:
    """Raise :class:`TrainingError` naming each label's count when a label has fewer codes
    than :func:`needed_per_label` or there is less than two labels to tell apart."""
    counts = data.counts()
    need = needed_per_label(folds)
    listing = ", ".join(f"{label} {n}" for label, n in counts.items())
    if not data.multi_label and len(counts) < 2:
        raise TrainingError(
            f"codebook {data.codebook!r}: the codes use {counted(len(counts), 'label')} "
            f"({listing or 'none'}); a classifier needs at least two to tell apart"
        )
    short = [label for label, n in counts.items() if n < need]
    if data.multi_label:
        # each code is its own yes/no: it needs texts without it too
        short += [label for label, n in counts.items() if len(data) - n < need]
    if short:
        raise TrainingError(
            f"too few codes to train and test on: {', '.join(dict.fromkeys(short))} "
            f"{'has' if len(short) == 1 else 'have'} fewer than {need} "
            f"(codes per label: {listing}; each label needs at least {need}"
            + (" texts with it and without it" if data.multi_label else "")
            + f" for {folds}-fold cross-validation). Code more texts"
            + (" or use fewer folds." if folds > MIN_PER_LABEL else ".")
        )
