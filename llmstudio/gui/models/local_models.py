"""The models of LLM servers on this computer in a model picker, found in the background.

:class:`LocalModelsFinder` asks the default ports of Ollama, LM Studio, llama.cpp and
vLLM and the servers added in ``models.json`` (``core.local_servers``) when a dialog
opens, without freezing it, and adds each model found to the dialog's model list, marked
"on this computer: nothing leaves it". :func:`where_texts_go` is the run dialog's note for
an API model: a server on this computer is asked no consent and no key.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox
from shiboken6 import isValid

from ...core.local_servers import find_servers, local_models
from ...core.loopback import is_loopback_url
from ...core.model_config import ModelChoice, load_config, local_choices
from ...core.secrets import effective_base_url, endpoint_id
from ..common.background import BackgroundTask, RunningWork


def find_local_servers():
    """The servers on this computer and those the user added (a list of LocalServer)."""
    return find_servers(load_config().servers)


class LocalModelsFinder(QObject):
    """Fills ``combo`` (items holding :class:`ModelChoice`) with the models of the servers
    found, inserted before the first of ``before`` (the "Other…" entries), once per open.

    ``sig_found(servers)`` when the scan has answered and the list is filled."""

    sig_found = Signal(object)

    def __init__(self, combo: QComboBox, before: tuple[ModelChoice, ...] = (), parent=None):
        super().__init__(parent)
        self.combo = combo
        self.before = before
        self.servers: list = []
        self.background_work = RunningWork()
        # No parent: the dialog may close (and take this object with it) before the scan
        # answers; the task keeps itself alive and its answer is then dropped.
        self.task = BackgroundTask(keep_in=self.background_work, reports=False)
        self.task.sig_result.connect(
            lambda servers: self._found(servers) if isValid(self) else None
        )
        self.refresh()

    def refresh(self) -> None:
        """Ask again (the dialog opened, a server was started or added)."""
        if not self.task.running:
            self.task.start(find_local_servers)

    def _found(self, servers) -> None:
        if not isValid(self.combo):  # the dialog closed before the scan answered
            return
        self.servers = servers
        listed = {self.listed_at(i) for i in range(self.combo.count())}
        at = next(
            (i for i in range(self.combo.count()) if self.combo.itemData(i) in self.before),
            self.combo.count(),
        )
        for choice in local_choices(local_models(servers)):
            if (choice.spec, choice.base_url) not in listed:
                self.insert(at, choice)
                at += 1
        self.sig_found.emit(servers)

    # How the combo holds its models: a ModelChoice per item (the run dialog's). A picker
    # that holds them otherwise overrides these two.

    def listed_at(self, i: int) -> tuple[str, str] | None:
        """(spec, base URL) of the combo's item ``i``; None for an item that is no model."""
        c = self.combo.itemData(i)
        return (c.spec, c.base_url) if isinstance(c, ModelChoice) else None

    def insert(self, at: int, choice: ModelChoice) -> None:
        """Put ``choice`` in the combo at ``at``."""
        self.combo.insertItem(at, choice.label, choice)


def where_texts_go(base_url: str) -> str:
    """The run dialog's note for an API model at ``base_url`` (rich text)."""
    url = effective_base_url(base_url.strip() or None)
    host = html.escape(endpoint_id(url))
    if is_loopback_url(url):
        return (
            f"Runs on the server at <b>{host}</b>, on this computer: nothing leaves it "
            "(unless this address is a tunnel to another machine, as ssh -L makes one: "
            "then the texts go there), so no consent and no key are asked."
        )
    return (
        f"The texts will be sent to <b>{host}</b>. You will see what is sent and an "
        "estimate of the cost, and confirm, before anything leaves this computer."
    )
