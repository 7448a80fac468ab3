"""The model picker lists the models of LLM servers on this computer without typing a URL,
found in the background; a run with one asks no consent and no key. Real widgets, real
worker threads, the fake OpenAI-compatible server on 127.0.0.1 added as a user adds one
(``models.json``'s servers)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from llmstudio.core.methods_facts import run_records
from llmstudio.core.model_config import ModelConfig, save_config
from llmstudio.gui.runs.run_dialog import RunDialog

from fakes.openai_server import FakeOpenAI
from fakes.silent_server import SilentServer
from helpers.gui import consent, make_project, open_project, sample_frame, wait_job

ROWS = 12
LOCAL = "(on this computer: nothing leaves it)"


@pytest.fixture
def local_server():
    """The fake on 127.0.0.1 at a free port, added to the servers asked."""
    with FakeOpenAI(models=("local-llm",)) as fake:
        save_config(ModelConfig(servers=[fake.url]))
        yield fake


def labels(dialog) -> list[str]:
    return [dialog.model.itemText(i) for i in range(dialog.model.count())]


def test_the_picker_lists_a_local_servers_models_found_in_the_background(qtbot, local_server):
    with SilentServer() as silent:  # a server that never answers: the scan waits for it
        save_config(ModelConfig(servers=[local_server.url, silent.url]))
        dialog = RunDialog("text", ROWS)
        qtbot.addWidget(dialog)
        wanted = f"Server at 127.0.0.1:{local_server.port}: local-llm {LOCAL}"
        # The dialog is open before the scan answers: it never waits for the servers.
        assert dialog.local_models.task.running and wanted not in labels(dialog)
        with qtbot.waitSignal(dialog.local_models.sig_found, timeout=10_000):
            pass
    found = labels(dialog)
    assert wanted in found
    # Listed with the models on this computer, before the entries that take a typed URL.
    assert found.index(wanted) < found.index("Other OpenAI / OpenAI-compatible API…")
    dialog.model.setCurrentIndex(found.index(wanted))
    assert dialog.base_url.text() == local_server.url and dialog.api_model.text() == "local-llm"
    note = dialog.note.text()
    assert f"<b>127.0.0.1:{local_server.port}</b>, on this computer: nothing leaves it" in note
    assert "no consent and no key" in note and not dialog.problem()


def test_a_run_with_a_local_servers_model_asks_no_consent(
    qtbot, window, local_server, tmp_path, monkeypatch
):
    path = make_project(tmp_path / "local.llmstudio", sample_frame().head(ROWS))
    open_project(qtbot, window, path)
    shown = consent(monkeypatch, QDialog.DialogCode.Rejected)  # a consent asked would stop it
    wanted = f"Server at 127.0.0.1:{local_server.port}: local-llm {LOCAL}"

    def exec_(dialog):
        with qtbot.waitSignal(dialog.local_models.sig_found, timeout=10_000):
            pass
        dialog.model.setCurrentIndex(labels(dialog).index(wanted))  # chosen, not typed
        assert not dialog.problem()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RunDialog, "exec", exec_)
    window.runs.ask_run()
    [job] = window.runs.jobs
    wait_job(qtbot, job)
    assert shown == []  # no consent dialog
    assert local_server.total == ROWS
    assert all(
        "authorization" not in r.headers or "not-needed" in r.headers["authorization"]
        for r in local_server.chat_requests()
    )  # no key of the user's was sent
    assert not window.project.has_consent(f"127.0.0.1:{local_server.port}", ["text"])
    # The methods record still names the server and the model.
    [record] = run_records(window.project)
    assert (record.model, record.endpoint) == ("local-llm", f"127.0.0.1:{local_server.port}")


def test_a_server_elsewhere_still_asks_consent(qtbot, window, fake_openai, tmp_path, monkeypatch):
    """The same fake named by a host name (tests/gui/conftest.py's fake_openai) is not on
    this computer as the URL says: the consent is asked and, refused, nothing is sent."""
    path = make_project(tmp_path / "remote.llmstudio", sample_frame().head(ROWS))
    open_project(qtbot, window, path)
    shown = consent(monkeypatch, QDialog.DialogCode.Rejected)
    from helpers.gui import api_spec

    assert window.runs.run(api_spec(fake_openai)) is None
    assert len(shown) == 1 and fake_openai.total == 0


def test_model_settings_lists_local_models_and_takes_an_added_server(qtbot):
    from llmstudio.core.model_config import load_config
    from llmstudio.gui.runs.model_settings import ModelSettingsDialog

    with FakeOpenAI(models=("added-llm",)) as fake:
        settings = ModelSettingsDialog()
        qtbot.addWidget(settings)
        with qtbot.waitSignal(settings.sig_servers_found, timeout=10_000):
            pass
        listed = [settings.local.item(i).text() for i in range(settings.local.count())]
        label = f"Server at 127.0.0.1:{fake.port}: added-llm {LOCAL}"
        assert label not in listed
        settings.add_server("127.0.0.1:5000")  # not a URL: said, not kept
        assert "is not a base URL" in settings.server_note.text()
        assert load_config().servers == []
        with qtbot.waitSignal(settings.sig_servers_found, timeout=10_000):
            settings.add_server(fake.url)
        listed = [settings.local.item(i).text() for i in range(settings.local.count())]
    assert label in listed and load_config().servers == [fake.url]
    assert "LLM server(s) found (asked: Ollama, LM Studio" in settings.server_note.text()
    assert fake.url in settings.server_note.text()


def test_the_bias_checks_list_a_local_servers_models_too(qtbot, window, local_server, tmp_path):
    from llmstudio.gui.bias.bias_common import BASE_URL_ROLE

    path = make_project(tmp_path / "bias.llmstudio", sample_frame().head(ROWS))
    open_project(qtbot, window, path)
    wanted = f"Server at 127.0.0.1:{local_server.port}: local-llm {LOCAL}"
    view = window.bias.open()

    def listed(box) -> list[str]:
        return [box.itemText(i) for i in range(box.count())]

    # Every tab that asks a model for answers; the masked-word tab fills a [MASK] with a
    # local masked language model, which no chat server is.
    asking = [t for t in view.tabs_() if t is not view.fill_mask]
    qtbot.waitUntil(lambda: all(wanted in listed(t.model) for t in asking), timeout=10_000)
    assert wanted not in listed(view.fill_mask.model)
    for tab in asking:
        box = tab.model
        at = listed(box).index(wanted)
        assert box.itemData(at) == "openai:local-llm"
        assert box.itemData(at, BASE_URL_ROLE) == local_server.url
    # Opened again: asked again, listed once.
    with qtbot.waitSignal(view.local_models[0].sig_found, timeout=10_000):
        assert window.bias.open() is view
    box = view.counterfactual.model
    assert listed(box).count(wanted) == 1
    box.setCurrentIndex(listed(box).index(wanted))
    view.grab().save(str(tmp_path / "bias_local_model.png"))
