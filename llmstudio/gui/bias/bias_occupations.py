"""The bias view's "Occupations" tab: the completion probe of
:func:`llmstudio.core.bias.completion.completion_probe` for generative models. Each
template ("The {occupation} walked into the room.") is filled with each occupation
(WinoBias's 40 by default) and the model's next word is read: the probability of "He"
versus "She" from logprobs (Hugging Face causal LMs; API servers that give logprobs), or
the count of he/she pronouns in sampled completions where a server gives none.

Only the probe's own sentences are sent to an API model, never the researcher's data;
the tab still says how many requests go where before sending them.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox, QSpinBox

from ...core.backends import writes_text
from ...core.model_config import cached_models, load_config, model_choices
from ...core.send_plan import leaves_computer
from .bias_common import BASE_URL_ROLE, _num, bias_project_path, file_row, model_box
from .bias_probes import ProbeTab


def generative_choices() -> list:
    """The configured models that write text: local causal LMs and API models."""
    return [
        choice
        for choice in model_choices(load_config(), cached_models())
        if writes_text(choice.spec) is not False  # None: a model not yet downloaded
    ]


def _run_occupations(model, base_url, occupations_file, template, samples, monitor):
    from ...core.bias.completion import completion_probe, default_occupations, read_occupations

    occupations = read_occupations(occupations_file) if occupations_file else default_occupations()
    return completion_probe(
        model,
        occupations,
        (template,),
        samples=samples,
        base_url=base_url or None,
        monitor=monitor,
    )


class OccupationsTab(ProbeTab):
    """Choose a generative model, the occupations and the template; run; read; export."""

    csv_name = "-occupations.csv"

    def __init__(self, window, parent=None):
        from ...core.bias.completion import DEFAULT_TEMPLATES
        from .bias_charts import OccupationChart

        super().__init__(
            window,
            OccupationChart(),
            [
                "Occupation",
                "Stereotype",
                "Women's share",
                "P(He)",
                "P(She)",
                "Share of “He”",
                "95% CI",
                "Samples",
            ],
            parent,
        )
        self.export_csv_button.setText("Export occupations (CSV)…")
        self.model = model_box(generative_choices())
        self.occupations = QLineEdit()
        self.occupations.setPlaceholderText("WinoBias's 40 occupations (Zhao et al. 2018)")
        self.occupations.setToolTip(
            "A CSV with columns occupation[, stereotype][, women_share], or one occupation a line"
        )
        where = file_row(self.occupations, self._browse)
        self.template = QLineEdit(DEFAULT_TEMPLATES[0])
        self.template.setToolTip("The sentence before the next word; {occupation} is filled in")
        self.samples = QSpinBox()
        self.samples.setRange(1, 1000)
        self.samples.setValue(20)
        self.samples.setToolTip("Completions per occupation when the server gives no logprobs")
        self.form.addRow("Model:", self.model)
        self.form.addRow("Occupations:", where)
        self.form.addRow("Template:", self.template)
        self.form.addRow("Samples:", self.samples)
        if self.model.count():
            self.note.setText(
                "Does the model continue with “He” or “She” after naming an "
                "occupation? Only these template sentences are sent, none of your "
                "data. Generative models only: local causal LMs and API models."
            )
        else:
            self.note.setText(
                "<b>No generative model is configured.</b> Add a local causal "
                "language model folder or an API model in Analyse › Model "
                "Settings, then open this window again."
            )
            self.run_button.setEnabled(False)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Occupations", "", "CSV or text (*.csv *.txt);;All files (*)"
        )
        if path:
            self.occupations.setText(path)

    def project_path(self) -> Path:  # only names the exported files
        return bias_project_path(self.main, "occupations")

    def job(self):
        spec = self.model.currentData()
        if not spec:
            return None
        base_url = self.model.currentData(BASE_URL_ROLE) or ""
        if leaves_computer(spec, base_url):
            from ...core.bias.completion import default_occupations, read_occupations
            from ...core.secrets import endpoint_id

            try:
                path = self.occupations.text().strip()
                n = len(read_occupations(path) if path else default_occupations())
            except Exception as exc:
                self._on_error(exc)
                return None
            host = endpoint_id(base_url or None)
            answer = QMessageBox.question(
                self,
                f"Send the probe to {host}?",
                f"{n:,} sentences (the template filled with each occupation; none of your "
                f"data) go to {host}: one request each where the server gives logprobs, "
                f"otherwise {self.samples.value():,} each ({n * self.samples.value():,} "
                "requests).",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.status.setText("Not run: nothing was sent.")
                return None
        self.status.setText(f"Probing {self.model.currentText()}…")
        return _run_occupations, (
            spec,
            base_url,
            self.occupations.text().strip(),
            self.template.text(),
            self.samples.value(),
        )

    def show_report(self, report) -> None:
        meta = report.meta
        self.status.setText(
            f"Done: {len(report.rows):,} occupations; model {meta['model']}; "
            f"read by {meta['method']}."
        )
        self.summary.setText(self.summary_text(report))

        def cell(value, fmt="{:.3f}"):
            return "" if value is None or value != value else fmt.format(value)

        self.fill_table(
            [
                (
                    str(r["occupation"]),
                    str(r["stereotype"] or ""),
                    cell(r["women_share"], "{:.0%}"),
                    cell(r["p_he"]),
                    cell(r["p_she"]),
                    cell(r["share_he"]),
                    ""
                    if r["ci_low"] is None or r["ci_low"] != r["ci_low"]
                    else f"{r['ci_low']:.3f} to {r['ci_high']:.3f}",
                    cell(r["n_samples"], "{:,.0f}"),
                )
                for _, r in report.rows.astype(object).iterrows()
            ]
        )

    @staticmethod
    def summary_text(report) -> str:
        s = report.summary()
        parts = []
        for group in ("male", "female"):
            g = s[f"{group}_stereotyped"]
            if g["mean"] is not None:
                parts.append(
                    f"<b>{group.capitalize()}-stereotyped occupations</b>: share of "
                    f"“He” {_num(g['mean'])} (95% CI {_num(g['ci_low'])} to "
                    f"{_num(g['ci_high'])}, {g['n']:,} occupations)."
                )
        if s["difference"] is not None:
            parts.append(
                f"<b>Difference</b> (male- − female-stereotyped): {_num(s['difference'])}."
            )
        if s["correlation_with_women_share"] is not None:
            parts.append(
                f"Correlation with the women's share: {_num(s['correlation_with_women_share'])}."
            )
        method = report.meta["method"]
        parts.append(
            f"<span style='color:#555'>Model {escape(report.meta['model'])}; read by "
            f"{'next-word probabilities' if method == 'logprobs' else 'sampled completions'}"
            "; 0.5: He and She equally likely.</span>"
        )
        return " ".join(parts)
