"""The coding panel's sample: a random or stratified sample of the rows drawn for a
codebook and kept in the project, so that every coder codes the same rows
(:mod:`llmstudio.core.sampling`); a validation sample is coded blind."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QDialog, QMessageBox

from ...core import human_codes
from ...core.errors import LlmstudioError
from ...core.sampling import Sample, random_sample, save_sample, stratified_sample
from .sample_dialog import SampleDialog


class CodingSamples:
    """Draw, keep or drop the sample of ``panel`` (a CodingPanel)'s codebook."""

    def __init__(self, panel):
        self.panel = panel

    def draw(self, kind: str, n: int, seed: int = 1, column: str | None = None) -> Sample:
        """Draw a sample and keep it in the project for this codebook (every coder)."""
        if kind == "stratified":
            sample = stratified_sample(
                self.panel.window.corpus.frame[column], n, seed, column=column
            )
        else:
            sample = random_sample(self.panel.window.corpus.rows, n, seed)
        self.set(sample)
        return sample

    def set(self, sample: Sample | None) -> None:
        self.panel.save_pending()
        save_sample(self.panel.project, self.panel.book.name, sample)
        self.panel.sample = sample
        if sample is not None and sample.purpose:
            self.panel.set_blind(True, remember=False)  # a validation sample is coded blind
        self.panel.show_sample(self.panel.sample)
        self.panel.rebuild_sequence(keep_row=sample is None)

    def drop(self) -> None:
        if self.panel.project is not None and self.panel.book is not None:
            self.set(None)

    def ask(self) -> None:
        if self.panel.project is None or self.panel.book is None:
            return
        if self.panel.sample is not None and human_codes.coders(
            self.panel.project, self.panel.book.name
        ):
            answer = QMessageBox.question(
                self.panel,
                "Replace the sample?",
                f"Coders have already worked on {self.panel.sample.describe()}. Draw a new sample? "
                "Their codes are kept.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        corpus = self.panel.window.corpus
        dialog = SampleDialog(
            list(corpus.columns),
            corpus.rows,
            self.panel,
            self.panel.sample,
            frame=corpus.frame,
            text_column=corpus.text_column,
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                try:
                    self.draw(*dialog.choice())
                except (LlmstudioError, sqlite3.Error, KeyError) as exc:
                    self.panel.window.show_error("Cannot draw the sample", exc)
        finally:
            dialog.deleteLater()
