"""Model settings: local folders and endpoints kept in models.json, never a key; keys in
the OS keyring (or a clear message where there is none); the Hugging Face cache; prices."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring

from llmstudio.core.cost import price_table
from llmstudio.core.model_config import (
    Endpoint,
    ModelConfig,
    cached_models,
    load_config,
    model_choices,
)
from llmstudio.core.secrets import KEYRING_SERVICE, api_key
from llmstudio.gui.runs import model_settings
from llmstudio.gui.runs.model_settings import ModelSettingsDialog
from llmstudio.gui.runs.run_dialog import RunDialog

KEY = "sk-test-0123456789abcdef"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (the library's interface), kept in memory."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def use_keyring():
    """Install a keyring backend for the test, and put the system's back after."""
    before = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(before)


def open_settings(qtbot) -> ModelSettingsDialog:
    dialog = ModelSettingsDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_cache_scanned, timeout=20_000):
        pass  # the scan was started by the dialog; its answer comes in the event loop
    return dialog


def config_text(config_folder) -> str:
    """Everything written in the config folder, as text (for grepping)."""
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in config_folder.rglob("*")
        if p.is_file()
    )


def listed(widget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_added_folder_and_endpoint_persist_and_are_offered_for_runs(
    qtbot, isolated_config, tmp_path
):
    folder = tmp_path / "my-model"
    folder.mkdir()
    dialog = open_settings(qtbot)
    dialog.add_folder(str(folder))
    dialog.api_model.setText("llama3.2")
    dialog.base_url.setText("http://localhost:11434/v1")
    dialog.add_endpoint()
    saved = json.loads((isolated_config / "models.json").read_text(encoding="utf-8"))
    assert saved == {
        "folders": [str(folder)],
        "endpoints": [{"model": "llama3.2", "base_url": "http://localhost:11434/v1"}],
    }
    again = open_settings(qtbot)
    assert f"Folder: {folder}" in listed(again.local)
    assert listed(again.endpoints)[0].startswith("llama3.2 at localhost:11434")
    run = RunDialog("text", 10)
    qtbot.addWidget(run)
    labels = [run.model.itemText(i) for i in range(run.model.count())]
    assert f"Local folder: {folder}" in labels and "API: llama3.2 at localhost:11434" in labels
    run.set_model(f"hf:{folder}")
    assert run.spec().model == f"hf:{folder}" and run.hf_path.text() == str(folder)
    run.set_model("openai:llama3.2", "http://localhost:11434/v1")
    spec = run.spec()
    assert (spec.model, spec.base_url) == ("openai:llama3.2", "http://localhost:11434/v1")


def test_removing_a_folder(qtbot, isolated_config, tmp_path):
    dialog = open_settings(qtbot)
    dialog.add_folder(str(tmp_path))
    row = listed(dialog.local).index(f"Folder: {tmp_path}")
    dialog.local.setCurrentRow(row)
    dialog.remove_folder.click()
    assert load_config().folders == []


def test_without_a_keyring_the_key_is_refused_with_advice_and_never_written(
    qtbot, isolated_config, use_keyring
):
    use_keyring(NoKeyring())  # what headless Linux has
    dialog = open_settings(qtbot)
    dialog.api_model.setText("gpt-4o-mini")
    dialog.add_endpoint()
    dialog.key.setText(KEY)
    dialog.store_key()
    status = dialog.key_status.text()
    assert "no keyring" in status and "OPENAI_API_KEY" in status and KEY not in status
    assert KEY not in config_text(isolated_config)
    assert (isolated_config / "models.json").exists()


def test_with_a_keyring_the_key_goes_there_and_nowhere_else(qtbot, isolated_config, use_keyring):
    ring = use_keyring(MemoryKeyring())
    dialog = open_settings(qtbot)
    dialog.api_model.setText("gpt-4o-mini")
    dialog.add_endpoint()
    dialog.key.setText(KEY)
    dialog.store_key()
    assert ring.store == {(KEYRING_SERVICE, "api.openai.com"): KEY}
    assert dialog.key.text() == ""  # not left in the field
    assert "stored in the system keyring" in dialog.key_status.text()
    assert api_key(None) == KEY
    assert KEY not in config_text(isolated_config)
    assert load_config().endpoints == [Endpoint("gpt-4o-mini", "")]


def test_the_hugging_face_cache_is_listed_and_its_absence_is_fine(qtbot, tmp_path, monkeypatch):
    assert cached_models(tmp_path / "no-such-cache") == []
    cache = tmp_path / "hub"
    repo = cache / "models--org--tiny-sentiment"
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / "abc").write_text("{}", encoding="utf-8")
    snapshot = repo / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").symlink_to(repo / "blobs" / "abc")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd", encoding="utf-8")
    assert cached_models(cache) == ["org/tiny-sentiment"]
    choices = model_choices(ModelConfig(), cached_models(cache))
    assert ("Hugging Face cache: org/tiny-sentiment", "hf:org/tiny-sentiment") in [
        (c.label, c.spec) for c in choices
    ]
    monkeypatch.setattr(model_settings, "cached_models", lambda: cached_models(cache))
    dialog = open_settings(qtbot)
    assert "Hugging Face cache: org/tiny-sentiment" in listed(dialog.local)
    assert dialog.cache_note.text().startswith("1 model(s) found")


def test_prices_are_saved_when_valid(qtbot, isolated_config):
    dialog = open_settings(qtbot)
    row = dialog.prices.rowCount()
    dialog.add_price.click()
    for column, text in enumerate(("my-model", "1.5", "oops")):  # as typed, cell by cell
        dialog.prices.item(row, column).setText(text)
    assert "Not saved" in dialog.price_note.text()
    assert "my-model" not in price_table()
    dialog.prices.item(row, 2).setText("6")
    assert dialog.price_note.text().startswith("Saved")
    assert price_table()["my-model"] == (1.5, 6.0)


def test_run_dialog_says_what_is_missing(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    run = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert run.isEnabled() and "nothing is sent" in dialog.note.text()
    assert "all-mpnet-base-v2" in dialog.note.text()  # builtin sentiment: a better model named
    dialog.set_model("lexicon")
    assert "nothing is sent" in dialog.note.text() and "mpnet" not in dialog.note.text()
    dialog.set_model("builtin")
    dialog.labels.setText("positive")
    assert not run.isEnabled() and "two labels" in dialog.note.text()
    dialog.labels.setText("good, bad, Good")  # read as --labels reads them: named, refused
    assert not run.isEnabled() and "&#x27;Good&#x27; is given twice" in dialog.note.text()
    dialog.labels.setText('good, "not bad, not good"')
    assert run.isEnabled() and dialog.spec().labels == ("good", "not bad, not good")
    dialog.set_model("hf:")
    assert not run.isEnabled() and "folder" in dialog.note.text()
    dialog.set_model("openai:", "http://localhost:11434/v1")
    assert not run.isEnabled()
    dialog.api_model.setText("llama3.2")
    assert run.isEnabled() and "localhost:11434" in dialog.note.text()


URL_SECRET = "SECRETMARKER"


def test_a_password_in_the_base_url_goes_to_the_keyring_and_still_reaches_the_server(
    qtbot, isolated_config, use_keyring, fake_openai, monkeypatch
):
    from urllib.parse import urlsplit

    from llmstudio.core import secrets

    monkeypatch.setattr(secrets, "_session", {})  # nothing given earlier in this process
    ring = use_keyring(MemoryKeyring())
    fake_openai.basic_auth = ("user", URL_SECRET)
    host = urlsplit(fake_openai.url).netloc
    dialog = open_settings(qtbot)
    dialog.api_model.setText("fake-model")
    dialog.base_url.setText(f"http://user:{URL_SECRET}@{host}/v1")
    dialog.add_endpoint()
    assert dialog.base_url.text() == fake_openai.url  # off the screen at once
    assert URL_SECRET not in config_text(isolated_config)
    assert load_config().endpoints == [Endpoint("fake-model", fake_openai.url)]
    assert URL_SECRET in ring.store[(KEYRING_SERVICE, f"{host} url-credentials")]
    assert all(URL_SECRET not in listed_text for listed_text in listed(dialog.endpoints))

    # Another session: the credentials come from the keyring, the server lets it in.
    monkeypatch.setattr(secrets, "_session", {})
    again = open_settings(qtbot)
    again.endpoints.setCurrentRow(0)
    again.test_connection()
    qtbot.waitUntil(lambda: again.test_button.isEnabled(), timeout=20_000)
    assert again.test_result.text().startswith("Connected"), again.test_result.text()
    assert fake_openai.chat_requests()[-1].headers["authorization"].startswith("Basic ")


def test_an_old_models_file_with_a_password_is_rewritten_without_it(
    isolated_config, use_keyring, monkeypatch
):
    from llmstudio.core import secrets

    monkeypatch.setattr(secrets, "_session", {})
    ring = use_keyring(MemoryKeyring())
    (isolated_config / "models.json").write_text(
        json.dumps(
            {
                "folders": [],
                "endpoints": [
                    {
                        "model": "m",
                        "base_url": f"https://u:{URL_SECRET}@gw.example/v1?key=TOKEN12345",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    assert load_config().endpoints == [Endpoint("m", "https://gw.example/v1")]
    assert URL_SECRET not in config_text(isolated_config)
    assert "TOKEN12345" not in config_text(isolated_config)
    kept = secrets.UrlCredentials.from_json(
        ring.store[(KEYRING_SERVICE, "gw.example url-credentials")]
    )
    assert kept == secrets.UrlCredentials("u", URL_SECRET, (("key", "TOKEN12345"),))
    monkeypatch.setattr(secrets, "_session", {})
    assert secrets.url_credentials("https://gw.example/v1") == kept


def test_without_a_keyring_a_password_in_the_url_is_used_this_session_and_said_so(
    qtbot, isolated_config, use_keyring, monkeypatch
):
    from llmstudio.core import secrets

    monkeypatch.setattr(secrets, "_session", {})
    use_keyring(NoKeyring())
    dialog = open_settings(qtbot)
    dialog.api_model.setText("m")
    dialog.base_url.setText(f"https://u:{URL_SECRET}@gw.example/v1")
    dialog._show_key_status()
    status = dialog.key_status.text()
    assert "could not be kept in the system keyring" in status and "OPENAI_BASE_URL" in status
    assert URL_SECRET not in status and dialog.base_url.text() == "https://gw.example/v1"
    assert secrets.url_credentials("https://gw.example/v1").password == URL_SECRET


def test_a_password_typed_in_the_run_dialog_leaves_the_field_and_the_spec(
    qtbot, isolated_config, monkeypatch
):
    from llmstudio.core import secrets

    monkeypatch.setattr(secrets, "_session", {})
    run = RunDialog("text", 10)
    qtbot.addWidget(run)
    run.set_model("openai:m", f"http://u:{URL_SECRET}@gw.example/v1")
    run.base_url.editingFinished.emit()
    assert run.base_url.text() == "http://gw.example/v1"
    assert run.spec().base_url == "http://gw.example/v1"
    assert secrets.url_credentials("http://gw.example/v1").password == URL_SECRET


def test_a_job_without_a_base_url_names_the_host_openai_base_url_sends_to(monkeypatch):
    from llmstudio.gui.runs.jobs import JobSpec

    monkeypatch.setenv("OPENAI_BASE_URL", f"http://u:{URL_SECRET}@gw.example:8080/v1")
    assert JobSpec(model="openai:m").endpoint == "gw.example:8080"
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert JobSpec(model="openai:m").endpoint == "api.openai.com"


def test_a_base_url_that_is_not_a_url_stops_the_run_with_a_reason(qtbot, isolated_config):
    run = RunDialog("text", 10)
    qtbot.addWidget(run)
    run.set_model("openai:llama3.2", "http://localhost:11434/v1")
    assert run.problem() == ""
    run.base_url.setText("http://[::1/v1")
    assert run.problem() == "The base URL is not a valid URL (Invalid IPv6 URL)."
