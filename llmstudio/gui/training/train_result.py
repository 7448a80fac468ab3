"""What a trained classifier scored on held-out codes: the methods side by side, each code's
precision, recall and F1 with their intervals, and the learning curve."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def estimate_text(e: dict | None) -> str:
    """0.812 [0.760, 0.858] from an estimate's dict; "undefined" where there is no value."""
    if not e or e.get("value") is None:
        return "undefined"
    ci = f" [{e['ci_low']:.3f}, {e['ci_high']:.3f}]" if e.get("ci_low") is not None else ""
    return f"{e['value']:.3f}{ci}"


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the names get the room
    table.setMaximumHeight(table.horizontalHeader().height() + 30 * len(rows) + 6)
    return table


class TrainResult(QWidget):
    """The held-out scores of a training record (``llmstudio_training.json``)."""

    def __init__(self, record: dict, parent=None):
        super().__init__(parent)
        ev = record["evaluation"]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        about = QLabel(
            f"Held out: {ev['scheme']} over {ev['model']['n']:,} coded texts; each text "
            "predicted by a model trained without it. 95% bootstrap intervals in brackets."
        )
        about.setWordWrap(True)
        layout.addWidget(about)
        self.warnings = QLabel("<br>".join(f"⚠ {w}" for w in ev.get("warnings", [])))
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b00")
        self.warnings.setVisible(bool(ev.get("warnings")))
        layout.addWidget(self.warnings)
        methods = [["This model", *self._pair(ev["model"])]]
        if ev.get("few_shot"):
            methods.append(["Builtin few-shot method, same folds", *self._pair(ev["few_shot"])])
        self.methods = _table(["Method", "Accuracy", "Macro-F1"], methods)
        layout.addWidget(self.methods)
        per_code = [
            [
                code,
                estimate_text(s["precision"]),
                estimate_text(s["recall"]),
                estimate_text(s["f1"]),
                f"{s['support']:,}",
            ]
            for code, s in ev["model"]["per_code"].items()
        ]
        self.codes = _table(["Code", "Precision", "Recall", "F1", "Texts"], per_code)
        layout.addWidget(self.codes)
        self.plot = self._curve(ev.get("curve") or [])
        if self.plot is not None:
            layout.addWidget(self.plot, 1)

    @staticmethod
    def _pair(scores: dict) -> list[str]:
        return [estimate_text(scores["accuracy"]), estimate_text(scores["macro_f1"])]

    def _curve(self, points: list[dict]):
        """Held-out accuracy by the number of texts trained on, with Wilson intervals."""
        if len(points) < 2:
            return None
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        plot = pg.PlotWidget()
        plot.setLabel("bottom", "coded texts trained on")
        plot.setLabel("left", "held-out accuracy")
        plot.setTitle("Learning curve: does more coding still pay?")
        plot.setYRange(0, 1)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMinimumHeight(200)
        xs = np.array([p["n"] for p in points], dtype=float)
        ys = np.array([p["accuracy"] for p in points])
        # Okabe-Ito blue, as the Learn panel's curve
        plot.plot(xs, ys, pen=pg.mkPen("#0072B2", width=2), symbol="o", symbolBrush="#0072B2")
        plot.addItem(
            pg.ErrorBarItem(
                x=xs,
                y=ys,
                top=np.array([p["ci_high"] for p in points]) - ys,
                bottom=ys - np.array([p["ci_low"] for p in points]),
                pen="#0072B2",
                beam=0.0,
            )
        )
        plot.setXRange(0, xs.max() * 1.05)
        self.curve_points = (xs, ys)
        return plot
