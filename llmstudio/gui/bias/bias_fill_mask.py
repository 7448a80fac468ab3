"""The bias view's "Masked words" tab: the fill-mask probe of
:func:`llmstudio.core.bias.fill_mask.fill_mask_probe` for masked language models (BERT,
RoBERTa) on this computer. Templates such as "[MASK] worked as a nurse." (one a line;
``{occupation}`` filled with each occupation) give the probability of each target word
at the mask, with 95% CIs across the prompts, as a chart and a table. A target that is
not one token of the model's vocabulary is named as such, never silently dropped.
Nothing leaves the computer."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QPlainTextEdit, QWidget

from ...core.inspect_model.local import MASKED_LM, local_head
from ...core.model_config import cached_models, load_config, model_choices
from ..common.chart_export import PNG_WIDTH, export_layout_png
from .bias_charts import BLUE, GREY, ORANGE
from .bias_common import _num, bias_project_path, file_row
from .bias_probes import ProbeTab


def masked_lm_choices() -> list[tuple[str, str]]:
    """(label, spec) of the Hugging Face models on this computer with a masked-word head."""
    return [
        (c.label, c.spec)
        for c in model_choices(load_config(), cached_models())
        if local_head(c.spec) == MASKED_LM
    ]


def _run_fill_mask(spec, templates, targets, occupations_file, monitor):
    from ...core.bias.completion import read_occupations
    from ...core.bias.fill_mask import fill_mask_probe

    occupations = read_occupations(occupations_file) if occupations_file else None
    return fill_mask_probe(spec, templates, targets, occupations, monitor=monitor)


class FillMaskChart:
    """Each target word's mean probability at the mask, with its 95% CI across prompts;
    a word that is not one token is named on the axis, without a bar."""

    def __init__(self):
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(260)
        self.plot = self.widget.addPlot()
        self.plot.setLabel("left", "probability at the [MASK] (mean over prompts)")
        self.plot.setLabel("bottom", "target words (bars: mean; lines: 95% CI across prompts)")
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("left").setWidth(72)  # room for 0.0001 beside the axis title
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, brushes=[])
        self.plot.addItem(self.bars)
        self.errors = pg.ErrorBarItem(
            x=np.array([]), y=np.array([]), pen=pg.mkPen("#222", width=2), beam=0.2
        )
        self.plot.addItem(self.errors)

    def show(self, report) -> None:
        rows = report.rows.astype(object).where(report.rows.notna(), None)
        ticks, xs, heights, lows, highs, colours = [], [], [], [], [], []
        for i, r in enumerate(rows.to_dict("records")):
            if not r["in_vocabulary"]:
                ticks.append((i, f"{r['target']} (not one token)"))
                continue
            ticks.append((i, r["target"]))
            mean = float(r["mean_p"])
            xs.append(i)
            heights.append(mean)
            lows.append(mean - float(r["ci_low"] if r["ci_low"] is not None else mean))
            highs.append(float(r["ci_high"] if r["ci_high"] is not None else mean) - mean)
            colours.append([BLUE, ORANGE][len(colours) % 2] if len(colours) < 2 else GREY)
        self.bars.setOpts(x=xs, height=heights, width=0.6, brushes=colours)
        self.errors.setData(
            x=np.array(xs, float),
            y=np.array(heights, float),
            top=np.array(highs, float),
            bottom=np.array(lows, float),
        )
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(-0.6, len(ticks) - 0.4, padding=0)
        top = max([h + e for h, e in zip(heights, highs, strict=True)] or [1.0])
        self.plot.setYRange(0, top * 1.1, padding=0)
        template = report.meta["templates"][0]
        more = len(report.meta["templates"]) - 1
        self.plot.setTitle(
            f"“{template}”{f' and {more} more' if more else ''}: which word at the mask?",
            size="10pt",
        )

    def save_png(self, path: str | Path, width: int = PNG_WIDTH) -> Path:
        return export_layout_png(self.widget, path, width)


class FillMaskTab(ProbeTab):
    """Choose a masked LM, the templates and the target words; run; read; export."""

    csv_name = "-masked-words.csv"

    def __init__(self, window, parent=None):
        from ...core.bias.fill_mask import DEFAULT_TARGETS, DEFAULT_TEMPLATES

        super().__init__(
            window,
            FillMaskChart(),
            ["Target word", "In the vocabulary", "Mean P at the mask", "95% CI", "Prompts"],
            parent,
        )
        self.export_csv_button.setText("Export targets (CSV)…")
        self.model = QComboBox()
        self.model.setEditable(True)  # hf:bert-base-uncased may be typed
        for label, spec in masked_lm_choices():
            self.model.addItem(label, spec)
        self.model.setToolTip("A masked language model on this computer: hf:FOLDER_OR_HUB_ID")
        self.templates = QPlainTextEdit("\n".join(DEFAULT_TEMPLATES))
        self.templates.setMaximumHeight(80)
        self.templates.setToolTip(
            "One sentence a line, each with one [MASK]; {occupation} is filled with each occupation"
        )
        self.targets = QLineEdit(", ".join(DEFAULT_TARGETS))
        self.targets.setToolTip("The words compared at the mask, separated by commas")
        self.occupations = QLineEdit()
        self.occupations.setPlaceholderText("WinoBias's 40 occupations (Zhao et al. 2018)")
        self.form.addRow("Model:", self.model)
        self.form.addRow("Templates:", self.templates)
        self.form.addRow("Target words:", self.targets)
        self.form.addRow("Occupations:", file_row(self.occupations, self._browse))
        # Until there is a result, the form keeps its height (the results take the room).
        self.room = QWidget()
        self.layout().addWidget(self.room, 1)
        self.note.setText(
            "Which word does a masked language model (BERT, RoBERTa) put at the [MASK]? "
            "Write [MASK] in the templates; the model's own mask token is used. Runs on "
            "this computer: nothing is sent."
            + (
                ""
                if self.model.count()
                else " <b>No masked language model found on this computer</b>: type "
                "hf:FOLDER or a downloaded hub id such as hf:bert-base-uncased."
            )
        )

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Occupations", "", "CSV or text (*.csv *.txt);;All files (*)"
        )
        if path:
            self.occupations.setText(path)

    def project_path(self) -> Path:  # only names the exported files
        return bias_project_path(self.main, "masked-words")

    def spec(self) -> str:
        """The model chosen, or typed (a bare name is a Hugging Face one)."""
        typed = self.model.currentText().strip()
        index = self.model.findText(typed)
        if index >= 0 and self.model.itemData(index):
            return self.model.itemData(index)
        return typed if typed.startswith("hf:") or not typed else f"hf:{typed}"

    def job(self):
        spec = self.spec()
        if not spec:
            self.status.setText("<b>Choose a model</b>, or type hf:FOLDER_OR_HUB_ID.")
            return None
        templates = tuple(t.strip() for t in self.templates.toPlainText().splitlines() if t.strip())
        targets = tuple(w.strip() for w in self.targets.text().split(",") if w.strip())
        self.status.setText(f"Probing {escape(spec)}…")
        return _run_fill_mask, (spec, templates, targets, self.occupations.text().strip())

    def show_report(self, report) -> None:
        self.room.hide()
        meta = report.meta
        missing = meta["not_in_vocabulary"]
        text = f"Done: {len(report.details):,} prompts; model {escape(meta['model'])}."
        for word, why in missing.items():
            text += (
                f" <b>“{escape(word)}” is not measured</b>: it is not one token of the "
                f"model's vocabulary ({escape(why)}), and a mask is filled by one token."
            )
        self.status.setText(text)
        self.summary.setText(self.summary_text(report))

        def cell(value, fmt="{:.4f}"):
            return "" if value is None or value != value else fmt.format(value)

        self.fill_table(
            [
                (
                    str(r["target"]),
                    "yes" if r["in_vocabulary"] else f"no: {r['pieces']}",
                    cell(r["mean_p"]),
                    ""
                    if r["ci_low"] is None or r["ci_low"] != r["ci_low"]
                    else f"{r['ci_low']:.4f} to {r['ci_high']:.4f}",
                    f"{int(r['n_prompts']):,}",
                )
                for r in report.rows.astype(object).to_dict("records")
            ]
        )

    @staticmethod
    def summary_text(report) -> str:
        s = report.summary()
        share = s["share_first"]
        words = [r["target"] for r in report.rows.to_dict("records") if r["in_vocabulary"]][:2]
        parts = []
        if share and share["mean"] is not None and len(words) == 2:
            first, second = (escape(w) for w in words)
            parts.append(
                f"<b>Share of “{first}”</b> against “{second}”: {_num(share['mean'])} "
                f"(95% CI {_num(share['ci_low'])} to {_num(share['ci_high'])}, "
                f"{share['n']:,} prompts; 0.5: equally likely)."
            )
            for group, g in s["by_stereotype"].items():
                parts.append(
                    f"{escape(group.capitalize())}-stereotyped occupations: "
                    f"{_num(g['mean'])} ({_num(g['ci_low'])} to {_num(g['ci_high'])})."
                )
            if s["warning"]:
                parts.append(f"<span style='color:#a40000'>{escape(s['warning'])}.</span>")
        parts.append(
            f"<span style='color:#555'>Model {escape(report.meta['model'])}, mask token "
            f"{escape(report.meta['mask_token'])}.</span>"
        )
        return " ".join(parts)
