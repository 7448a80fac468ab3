"""LLM servers on this computer, found without typing a URL: the default ports and the
servers the user added, asked in parallel with short timeouts."""

from __future__ import annotations

import socket
import time

from llmstudio.core.local_servers import (
    KNOWN_SERVERS,
    ON_THIS_COMPUTER,
    find_servers,
    local_models,
    probe,
)
from llmstudio.core.model_config import (
    ModelConfig,
    load_config,
    local_choices,
    model_choices,
    save_config,
)

from fakes.ollama_server import FakeOllama
from fakes.openai_server import FakeOpenAI
from fakes.silent_server import SilentServer


def closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mine(servers, *urls):
    return [s for s in servers if s.base_url in {u.rstrip("/") for u in urls}]


def test_the_default_ports_are_the_servers_documented_ones():
    ports = {k.name: int(k.base_url.rsplit(":", 1)[1].split("/")[0]) for k in KNOWN_SERVERS}
    assert ports == {"Ollama": 11434, "LM Studio": 1234, "llama.cpp server": 8080, "vLLM": 8000}
    assert all(k.base_url.startswith("http://127.0.0.1:") for k in KNOWN_SERVERS)


def test_an_openai_compatible_server_added_by_the_user_is_found_with_its_models():
    with FakeOpenAI(models=("qwen2.5-7b-instruct", "llama-3.2-3b")) as fake:
        [server] = mine(find_servers([fake.url]), fake.url)
    assert server.models == ("qwen2.5-7b-instruct", "llama-3.2-3b")
    assert server.name == f"Server at 127.0.0.1:{fake.port}" and not server.ollama
    assert server.on_this_computer and server.where == ON_THIS_COMPUTER
    first = local_models([server])[0]
    assert first.spec == "openai:qwen2.5-7b-instruct" and first.base_url == fake.url
    assert first.label == (
        f"Server at 127.0.0.1:{fake.port}: qwen2.5-7b-instruct "
        "(on this computer: nothing leaves it)"
    )


def test_an_ollama_is_known_by_its_own_api_and_lists_its_models():
    with FakeOllama(installed=("llama3.2:3b", "qwen2.5:7b")) as ollama:
        server = probe("Ollama", ollama.url)
    assert server is not None and server.ollama
    assert server.models == ("llama3.2:3b", "qwen2.5:7b")
    assert server.base_url == ollama.url  # runs go to its OpenAI-compatible API


def test_nothing_answering_is_no_server_and_the_scan_stays_short():
    with SilentServer() as silent, FakeOpenAI(models=("m",)) as other:
        # The fake answers 404 to Ollama's /api/tags and lists models at /v1/models only;
        # a closed port and a server that never answers are no servers at all.
        started = time.monotonic()
        found = find_servers(
            [f"http://127.0.0.1:{closed_port()}/v1", silent.url, other.url], timeout=0.3
        )
        took = time.monotonic() - started
    assert [s.base_url for s in mine(found, silent.url, other.url)] == [other.url]
    assert took < 1.5  # every address at once: one timeout, not one per address


def test_a_web_page_on_a_port_is_not_a_server(tmp_path):
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path)),
    )
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "models").write_text("<html>not json</html>")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        assert probe("x", url) is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_server_elsewhere_is_marked_so():
    from llmstudio.core.local_servers import LocalServer

    server = LocalServer("Server at 192.168.1.20:11434", "http://192.168.1.20:11434/v1", ("m",))
    assert not server.on_this_computer
    assert "texts leave this computer" in local_models([server])[0].label


def test_added_servers_are_kept_in_models_json_beside_the_endpoints():
    save_config(
        ModelConfig(servers=["http://127.0.0.1:5000/v1", "http://u:secret@127.0.0.1:5001/v1"])
    )
    config = load_config()
    assert config.servers == ["http://127.0.0.1:5000/v1", "http://127.0.0.1:5001/v1"]
    with FakeOpenAI(models=("m",)) as fake:
        choices = local_choices(local_models(mine(find_servers([fake.url]), fake.url)))
    assert [(c.spec, c.base_url) for c in choices] == [("openai:m", fake.url)]
    assert all(c not in model_choices(config, []) for c in choices)  # found, not configured
