#!/usr/bin/env bash
# Runs scripts/check_openai_server.py against a real third-party OpenAI-compatible server:
# llama-cpp-python's, serving the 1.2 MB TinyStories model from ../shared/data/tiny_lm.
# llama-cpp-python is built from source into .venv-llama the first time (a few minutes:
# it compiles llama.cpp), so this is not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=../shared/data/tiny_lm/stories260K/stories260K.gguf
PORT=${PORT:-18765}
if [ ! -x .venv-llama/bin/python ]; then
    python3 -m venv .venv-llama
    .venv-llama/bin/python -m pip install --disable-pip-version-check -q 'llama-cpp-python[server]==0.3.36'
fi
.venv-llama/bin/python -m llama_cpp.server --model "$MODEL" --model_alias stories260K \
    --host 127.0.0.1 --port "$PORT" --n_ctx 512 > .venv-llama/server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/v1/models" > /dev/null && break
    sleep 0.1
done
.venv/bin/python scripts/check_openai_server.py --base-url "http://127.0.0.1:$PORT/v1" \
    --model stories260K "$@"
