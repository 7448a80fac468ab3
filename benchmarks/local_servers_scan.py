#!/usr/bin/env python3
"""How long finding the LLM servers on this computer takes (the run dialog and Model
settings do it each time they open, in the background).

Goal (issue 17, item 3): the whole scan well under a second. Baseline: the same
addresses probed one after another (what a loop over ``probe`` would take).

    .venv/bin/python benchmarks/local_servers_scan.py            # 5 repeats each

Cases: (a) nothing added, nothing running on the default ports (every port closed:
refused at once); (b) added: a fake OpenAI-compatible server, a fake Ollama and two servers
that accept connections and never answer (each probe then waits its timeout, 0.4 s).
The fakes are tests/fakes/ on 127.0.0.1.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from llmstudio.core.local_servers import KNOWN_SERVERS, find_servers, probe  # noqa: E402

from fakes.ollama_server import FakeOllama  # noqa: E402
from fakes.openai_server import FakeOpenAI  # noqa: E402
from fakes.silent_server import SilentServer  # noqa: E402

REPEAT = 5


def sequential(added: list[str]) -> list:
    targets = [(k.name, k.base_url) for k in KNOWN_SERVERS] + [(u, u) for u in added]
    return [s for s in (probe(n, u) for n, u in targets) if s is not None]


def timed(func, *args) -> tuple[float, int]:
    runs, found = [], 0
    for _ in range(REPEAT):
        started = time.perf_counter()
        found = len(func(*args))
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), found


def main() -> int:
    print(f"| case | servers found | parallel scan (median of {REPEAT}) | one after another |")
    print("|---|---:|---:|---:|")
    cases = {"(a) nothing added": []}
    with (
        FakeOpenAI(models=("m",)) as fake,
        FakeOllama(installed=("llama3.2:3b",)) as ollama,
        SilentServer() as silent,
        SilentServer() as hung,
    ):
        cases["(b) 2 servers and 2 silent ones added"] = [
            fake.url,
            ollama.url,
            silent.url,
            hung.url,
        ]
        for name, added in cases.items():
            fast, found = timed(find_servers, added)
            slow, _ = timed(sequential, added)
            print(f"| {name} | {found} | {1000 * fast:.0f} ms | {1000 * slow:.0f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
