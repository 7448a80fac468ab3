# The two commands that matter: `make run` and `make test` (both set up .venv if needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch 2.13.0 is installed first: a CPU build (from this machine's disk where it lies there);
# an unpinned torch would pull a multi-GB CUDA build.
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: run test test-fast lint venv demo bench check-llama package clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@bash scripts/ensure_system_libs.sh
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e '.[test]'
	@touch $(STAMP)

# Opens the window on the bundled sample corpus; with no display, runs the headless demo.
run: $(STAMP)
	@bash scripts/ensure_system_libs.sh
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/llmstudio llmstudio/resources/sample_corpus.csv; \
	else \
		echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo instead."; \
		QT_QPA_PLATFORM=offscreen $(BIN)/llmstudio demo --out demo-output; \
	fi

demo: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/llmstudio demo --out demo-output

# pytest exits 5 when it collected no test: that is a failure here, as is any other non-zero.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen LLMSTUDIO_CONFIG_DIR=$$(mktemp -d) $(BIN)/python -m pytest -q -p no:cacheprovider

# The edit loop: everything but the tests marked slow (model training, real models).
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen LLMSTUDIO_CONFIG_DIR=$$(mktemp -d) $(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

# Lint, format check and the import contracts of pyproject.toml (core Qt-free, layers inside
# core, no cycles). `ruff check --fix .` and `ruff format .` fix most of what the first two say.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python benchmarks/import_speed.py
	$(BIN)/python benchmarks/gui_responsiveness.py
	$(BIN)/python benchmarks/api_throughput.py
	$(BIN)/python benchmarks/local_throughput.py
	$(BIN)/python benchmarks/coding_speed.py

# The models-and-jobs checks against a real third-party server (llama-cpp-python's, built
# into .venv-llama on first use: a few minutes). Not part of `make test`.
check-llama: $(STAMP)
	bash scripts/check_llama_server.sh

# The Linux desktop app (PyInstaller one-folder, dist/llmstudio/), then its smoke checks
# (packaging/linux/smoke.sh: a failed check fails the build). CPU-heavy (minutes); not part
# of `make test`. Recipes for Windows and macOS: packaging/README.md.
package: $(STAMP)
	$(PIP_INSTALL) -e '.[package]'
	rm -rf build/pyinstaller dist/llmstudio
	$(BIN)/python -m PyInstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/llmstudio.spec
	bash packaging/linux/smoke.sh dist/llmstudio
	@echo "Built dist/llmstudio/ ($$(du -sh dist/llmstudio | cut -f1)); add it to the desktop menu with packaging/linux/install.sh"

clean:
	rm -rf $(VENV) .venv-llama demo-output .pytest_cache build dist
