"""Analyse › Bias Checks… (Ctrl+Shift+B): a non-modal window with one tab per check:
counterfactual swaps on the open corpus (:mod:`.bias_counterfactual`), the template probe
on the Equity Evaluation Corpus (:mod:`.bias_probes`), the occupations completion probe
for generative models (:mod:`.bias_occupations`) and the masked-word probe for masked
language models (:mod:`.bias_fill_mask`)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout


class BiasView(QDialog):
    """The non-modal window of the bias checks (one tab per check)."""

    def __init__(self, window):
        # The tabs (and the core they call) load when the window first opens, not with
        # the main window.
        from .bias_common import LocalModelsInBox
        from .bias_counterfactual import CounterfactualTab
        from .bias_fill_mask import FillMaskTab
        from .bias_occupations import OccupationsTab
        from .bias_probes import EecTab

        super().__init__(window)
        self.main = window
        self.project = window.project
        self.corpus = window.corpus
        self.setWindowTitle("Bias checks — llmstudio")
        self.setModal(False)
        self.tabs = QTabWidget()
        self.counterfactual = CounterfactualTab(window, self)
        self.tabs.addTab(self.counterfactual, "Counterfactual swaps")
        self.eec = EecTab(window, self)
        self.tabs.addTab(self.eec, "Template probe (EEC)")
        self.occupations = OccupationsTab(window, self)
        self.tabs.addTab(self.occupations, "Occupations (He / She)")
        self.fill_mask = FillMaskTab(window, self)
        self.tabs.addTab(self.fill_mask, "Masked words ([MASK])")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(1100, 860)
        # Each tab's model list gets the models of LLM servers on this computer, asked in
        # the background each time the window opens, as the run dialog's does.
        # (Not the masked-word tab's: servers hold no masked language models.)
        self.local_models = [
            LocalModelsInBox(t.model, parent=self)
            for t in (self.counterfactual, self.eec, self.occupations)
        ]

    def refresh_local_models(self) -> None:
        """Ask the servers on this computer again (the window was opened again)."""
        for finder in self.local_models:
            finder.refresh()

    def tabs_(self) -> list:
        return [self.counterfactual, self.eec, self.occupations, self.fill_mask]

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.counterfactual.cancel()  # a hidden window does not run on
        self.eec.cancel()
        self.occupations.cancel()
        self.fill_mask.cancel()
        super().closeEvent(event)


class BiasChecks:
    """The Analyse menu's action and the one open window."""

    def __init__(self, window):
        self.main = window
        self.view: BiasView | None = None
        self.act_open = QAction("&Bias Checks…", window)
        self.act_open.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.act_open.setStatusTip(
            "Does the model's answer change when only who is spoken "
            "about changes? Counterfactual swaps (he/she, names)"
        )
        self.act_open.triggered.connect(self.open)

    def session_reports(self) -> list[tuple[str, dict]]:
        """``(kind, report dict)`` of each check run in this window for the open project
        and corpus (what the methods record includes): the dicts the CLI writes as
        report.json."""
        view, w = self.view, self.main
        if view is None or view.project is not w.project or view.corpus is not w.corpus:
            return []
        found = [
            ("counterfactual", view.counterfactual.result),
            ("template-probe", view.eec.report),
            ("occupations-probe", view.occupations.report),
            ("fill-mask-probe", view.fill_mask.report),
        ]
        return [(kind, result.to_dict()) for kind, result in found if result is not None]

    def open(self) -> BiasView | None:
        w = self.main
        if w.corpus is None:
            return None
        if self.view is not None and (
            self.view.corpus is not w.corpus or self.view.project is not w.project
        ):
            if not any(t.running() for t in self.view.tabs_()):
                self.view.close()
                self.view.deleteLater()
                self.view = None
        if self.view is None:
            self.view = BiasView(w)
        else:
            self.view.refresh_local_models()
        self.view.show()
        self.view.raise_()
        return self.view


__all__ = ["BiasChecks", "BiasView"]
