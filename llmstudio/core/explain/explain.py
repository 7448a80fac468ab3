"""One row's answer explained: the model loaded as the run had it, the plan (how many
requests, what it may cost, what leaves the computer) said before anything is asked,
then the words weighed. The window and ``llmstudio explain`` both go through
:class:`Explainer`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..backends import make_backend
from ..backends.base import Backend
from ..chunking import LongTexts
from ..cost import Estimate, estimate
from ..errors import ExplainError
from ..progress import Monitor
from ..project import Project
from ..runner import row_inputs
from ..runs import base_url_for
from ..secrets import endpoint_id
from ..send_plan import SendPlan, leaves_computer, sent_columns
from .answer import Question, question
from .attribution import GRADIENTS, METHODS, OCCLUSION, Attribution
from .gradients import gradients_refusal, integrated_gradients
from .occlusion import OcclusionPlan, occlude, plan_occlusion


@dataclass(frozen=True)
class ExplainPlan:
    """What explaining one row will ask, known before it asks anything."""

    requests: int  # texts the model is asked (occlusion), 0 for gradients
    estimate: Estimate | None  # an API model's tokens and cost (None: a local model)
    send: SendPlan | None  # what leaves the computer, to consent to (None: nothing)

    def describe(self) -> str:
        """One sentence for the window and the terminal."""
        if not self.requests:
            return "one pass of integrated gradients through the model on this computer"
        where = f"to {self.send.endpoint}" if self.send is not None else "on this computer"
        cost = f"; at most {self.estimate}" if self.estimate is not None else ""
        return f"{self.requests:,} texts asked of the model {where}{cost}"


class Explainer:
    """One row of one run, its model loaded and its plan made: :meth:`run` weighs the
    words, :meth:`close` lets the model go. Loading takes as long as the run's did."""

    def __init__(
        self,
        project: Project,
        run_id: int,
        row: int,
        *,
        method: str = OCCLUSION,
        window: int = 1,
        label: str | None = None,
        base_url: str | None = None,
        base_urls: Sequence[str] = (),
        concurrency: int = 4,
    ):
        if method not in METHODS:
            raise ExplainError(f"unknown method {method!r}; use {' or '.join(METHODS)}")
        self.question: Question = question(project, run_id, row, label)
        settings = self.question.settings
        # The project keeps an API run's host only: its base URL given, or found among
        # the servers configured (Model settings).
        if base_url is None and settings.endpoint:
            base_url = next((u for u in base_urls if endpoint_id(u) == settings.endpoint), None)
        self.base_url = base_url_for(settings, base_url)
        self.method, self.window = method, window
        self.backend: Backend = make_backend(
            settings.model,
            base_url=self.base_url,
            concurrency=concurrency,
            **settings.backend_options,
        )
        try:
            if method == GRADIENTS and (why := gradients_refusal(self.backend)):
                raise ExplainError(why)
            if not self.backend.supports(self.question.task):
                raise ExplainError(self.backend.refusal(self.question.task))
            self.occlusion: OcclusionPlan | None = (
                plan_occlusion(self.question.text, window) if method == OCCLUSION else None
            )
            self.plan = self._plan()
            # A model that learns from the whole corpus (transductive) answers only texts
            # it was fitted on: it is fitted again on the corpus and the texts asked.
            self._corpus: list[str] | None = None
            if self.occlusion is not None and self.backend.transductive(self.question.task):
                frame = project.corpus().frame
                self._corpus = row_inputs(self.question.task, frame, settings.text_column)
        except BaseException:
            self.backend.close()
            raise

    def _plan(self) -> ExplainPlan:
        if self.occlusion is None:
            return ExplainPlan(0, None, None)
        texts = self.occlusion.texts
        task, settings = self.question.task, self.question.settings
        if not self.backend.remote:
            return ExplainPlan(len(texts), None, None)
        pieces = LongTexts(self.backend, task).pieces
        est = estimate(task, texts, self.backend.model, pieces=pieces)
        send = None
        if leaves_computer(settings.model, self.base_url):
            send = SendPlan(
                endpoint=self.backend.host,
                model=self.backend.model,
                columns=sent_columns(task, [settings.text_column]),
                rows=1,
                empty=0,
                inputs=len(texts),
                estimate=est,
                texts=f"the text of row {self.question.row + 1:,}, {len(texts):,} times: whole, "
                f"then with each {self._left_out()} left out",
            )
        return ExplainPlan(est.requests, est, send)

    def _left_out(self) -> str:
        """What each text asked leaves out, in words."""
        window = self.occlusion.window if self.occlusion is not None else 1
        return "word" if window == 1 else f"{window} words in a row"

    def run(self, monitor: Monitor | None = None) -> Attribution:
        """The words weighed (progress and Cancel through ``monitor``)."""
        q = self.question
        refitted = []
        if self._corpus is not None:
            texts = LongTexts(self.backend, q.task).pieces(self._corpus + self.occlusion.texts)
            self.backend.prepare(q.task, list(dict.fromkeys(texts)), monitor=monitor)
            refitted = [
                "this model learns from the whole corpus: it was fitted again on the corpus "
                "with the texts asked added, so its scores may differ slightly from the run's"
            ]
        if self.occlusion is not None:
            score, kind, words, notes = occlude(
                self.backend, q.task, self.occlusion, q.label, monitor
            )
        else:
            score, kind, words, notes = integrated_gradients(
                self.backend, q.task, q.text, q.label, monitor
            )
        notes = refitted + notes
        if not words:
            notes = [*notes, "the text has no words to weigh"]
        return Attribution(
            text=q.text,
            words=words,
            method=self.method,
            model=self.backend.describe(),
            run_title=q.run_title,
            row=q.row,
            label=q.label,
            score=score,
            score_kind=kind,
            requests=self.plan.requests,
            window=self.occlusion.window if self.occlusion is not None else 1,
            notes=notes,
        )

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Explainer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
