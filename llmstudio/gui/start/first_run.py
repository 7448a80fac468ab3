"""What the start page's buttons do: open the sample project (made once by
``core.sample_project``; its model run started in the background the first time, with its
progress in the Jobs panel; a chart shown), and the workflow's steps (each opens its place,
with the sample when nothing is open, and says in one line what to do there).

Registered on the main window through its narrow interface (``open_path``, ``start_work``,
``show_status``, ``sig_loaded``) and its features' actions (``files``, ``coding``,
``runs``, ``review``, ``charts``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from ...core.sample_project import open_sample_project
from ..runs.jobs import JobSpec
from .welcome import STEPS

HINTS = {key: hint for key, _title, hint in STEPS}
# What each step does, once a corpus is open (import needs none: it opens one).
STEP_ACTIONS = {
    "code": lambda w: w.coding.act_open,
    "run": lambda w: w.runs.act_run,
    "validate": lambda w: w.review.act_validate,
    "charts": lambda w: w.charts.act_open,
    "export": lambda w: w.files.act_export,
}
HINT_MS = 20_000


class FirstRun(QObject):
    """The sample project and the workflow steps, for one main window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._opening_sample: Path | None = None  # the sample asked for, not yet shown
        self._pending_step: str | None = None  # a step waiting for the sample to open
        # The sample's chart, until the model's mean by party could be shown: the run's and
        # the coders' columns arrive after the corpus (read in the background).
        self._chart_wanted = False
        window.sig_loaded.connect(self._on_loaded)
        window.model.sig_results_changed.connect(self._columns_arrived)

    # -- the sample project -----------------------------------------------------------

    def open_sample(self) -> None:
        """Open the user's sample project (made first, in the background, if missing)."""
        w = self.window

        def opened(result) -> None:
            path, _made = result
            self._opening_sample = path
            w.open_path(path)

        w.start_work(
            "Preparing the sample project…",
            _prepare_sample,
            on_done=opened,
            error_title="Cannot open the sample project",
        )

    def _on_loaded(self) -> None:
        # After the file actions' own "Opened …" message, which the hint must follow.
        QTimer.singleShot(0, self._after_loaded)

    def _after_loaded(self) -> None:
        w = self.window
        sample, self._opening_sample = self._opening_sample, None
        self._chart_wanted = False
        if sample is not None and w.project is not None and w.project.path == sample:
            self._sample_shown()
        step, self._pending_step = self._pending_step, None
        if step is not None:
            self.step(step)

    def _columns_arrived(self, rows=None) -> None:
        if self._chart_wanted and rows is None:  # new columns, not a batch of rows
            self.show_sample_chart()

    def _sample_shown(self) -> None:
        """The sample is on screen: its model run started if it has none yet, a chart."""
        from ...core.sample_project import SAMPLE_MODEL, SAMPLE_TASK, needs_model_run

        w = self.window
        job = None
        if needs_model_run(w.project) and not w.runs.running():
            job = w.runs.run(JobSpec(model=SAMPLE_MODEL, options=SAMPLE_TASK))
        self._chart_wanted = True
        self.show_sample_chart()
        if job is not None:
            w.show_status(
                "Sample project: the builtin model is reading its 300 answers (Jobs panel). "
                "Next: Help › Getting started",
                HINT_MS,
            )
        else:
            w.show_status("Sample project opened. Next: Help › Getting started", HINT_MS)

    def show_sample_chart(self) -> None:
        """The Charts dock on the sample: the model's mean sentiment by party once its
        columns are in the table (filling in while it runs), the pre-filled codes by party
        before."""
        from ..charts.chart_kinds import GROUP_MEANS, GROUP_SHARES

        w = self.window
        if w.corpus is None or "group" not in w.corpus.columns:
            return
        w.charts.open_panel()
        panel = w.charts.panel()
        for kind, prefix in ((GROUP_MEANS, "signed:"), (GROUP_SHARES, "column:human_")):
            panel.kind.setCurrentIndex(kind)  # refills the pickers
            keys = [panel.column.itemData(i) for i in range(panel.column.count())]
            chosen = next((k for k in keys if k and k.startswith(prefix)), None)
            if chosen is not None:
                panel.column.setCurrentIndex(keys.index(chosen))
                group = panel.second.findData("column:group")
                if group >= 0:
                    panel.second.setCurrentIndex(group)
                panel.schedule()
                if kind == GROUP_MEANS:
                    self._chart_wanted = False  # the chart wanted: the user's from now on
                return

    # -- the workflow's steps ---------------------------------------------------------

    def step(self, key: str) -> None:
        """Go to step ``key`` of the workflow, with a one-line hint of what to do there;
        with nothing open, the sample project is opened first."""
        w = self.window
        if key == "import":
            w.show_status(HINTS[key], HINT_MS)
            w.files.ask_open()
            return
        if w.corpus is None:
            self._pending_step = key
            self.open_sample()
            return
        w.show_status(HINTS[key], HINT_MS)
        action = STEP_ACTIONS[key](w)
        if action.isEnabled():
            action.trigger()
        else:
            w.show_status(
                f"{action.text().replace('&', '')} is not available here: {action.statusTip()}",
                HINT_MS,
            )


def _prepare_sample() -> tuple[Path, bool]:
    """The sample project's path, made now if missing (on a worker thread); whether made."""
    project, made = open_sample_project()
    project.close()  # the window opens it itself, as any other project
    return project.path, made
