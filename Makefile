# The two commands that matter: `make run` and `make test` (both set up .venv if needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What running needs (`pip install -e .`), then what testing adds (the test extras): two
# stamps, so `make test` after `make run` installs only the difference.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# torch 2.13.0 is installed first: a CPU build (from this machine's disk where it lies there);
# an unpinned torch would pull a multi-GB CUDA build.
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: run test test-fast lint venv demo bench check-llama package clean screenshots system-libs launcher

venv: $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e .
	@touch $@
	@echo "llmstudio is set up in $(VENV). To type \`llmstudio ...\` as the README does: \`source $(VENV)/bin/activate\` first, or run \`$(BIN)/llmstudio ...\`, or \`make launcher\` (links ~/.local/bin/llmstudio)."

$(TEST_STAMP): $(RUN_STAMP)
	$(PIP_INSTALL) -e '.[test]'
	@touch $@

# Qt's system libraries: says which packages it installs and why before it does;
# LLMSTUDIO_NO_SYSTEM_INSTALL=1 prints the command instead (scripts/ensure_system_libs.sh).
system-libs:
	@bash scripts/ensure_system_libs.sh

# Opens the window on the bundled sample corpus; with no display, runs the headless demo.
run: system-libs $(RUN_STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/llmstudio llmstudio/resources/sample_corpus.csv; \
	else \
		echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo instead."; \
		QT_QPA_PLATFORM=offscreen $(BIN)/llmstudio demo --out demo-output; \
	fi

# `llmstudio` on the PATH without activating .venv: a link in ~/.local/bin (the folder most
# Linux shells and pipx already put on the PATH).
launcher: $(RUN_STAMP)
	@mkdir -p $(HOME)/.local/bin
	@ln -sf "$(CURDIR)/$(BIN)/llmstudio" "$(HOME)/.local/bin/llmstudio"
	@echo "linked $(HOME)/.local/bin/llmstudio -> $(CURDIR)/$(BIN)/llmstudio"
	@case ":$$PATH:" in *":$(HOME)/.local/bin:"*) ;; \
		*) echo "$(HOME)/.local/bin is not on your PATH: add it (e.g. in ~/.profile) to type \`llmstudio\`";; esac

demo: system-libs $(RUN_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/llmstudio demo --out demo-output

# Every screenshot in README.md and docs/, made again from the current code (docs/images/).
screenshots: system-libs $(RUN_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/make_screenshots.py

# pytest exits 5 when it collected no test: that is a failure here, as is any other non-zero.
# The 15 slowest tests are listed at the end: where to look when the suite grows.
test: system-libs $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen LLMSTUDIO_CONFIG_DIR=$$(mktemp -d) $(BIN)/python -m pytest -q -p no:cacheprovider --durations=15

# The edit loop: everything but the tests marked slow (model training, real models).
test-fast: system-libs $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen LLMSTUDIO_CONFIG_DIR=$$(mktemp -d) $(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

# Lint, format check and the import contracts of pyproject.toml (core Qt-free, layers inside
# core, no cycles). `ruff check --fix .` and `ruff format .` fix most of what the first two say.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: system-libs $(TEST_STAMP)
	$(BIN)/python benchmarks/import_speed.py
	$(BIN)/python benchmarks/gui_responsiveness.py
	$(BIN)/python benchmarks/api_throughput.py
	$(BIN)/python benchmarks/local_throughput.py
	$(BIN)/python benchmarks/coding_speed.py
	$(BIN)/python benchmarks/wheel_install.py

# The models-and-jobs checks against a real third-party server (llama-cpp-python's, built
# into .venv-llama on first use: a few minutes). Not part of `make test`.
check-llama: $(RUN_STAMP)
	bash scripts/check_llama_server.sh

# The Linux desktop app (PyInstaller one-folder, dist/llmstudio/), then its smoke checks
# (packaging/linux/smoke.sh: a failed check fails the build). CPU-heavy (minutes); not part
# of `make test`. Recipes for Windows and macOS: packaging/README.md.
package: system-libs $(RUN_STAMP)
	$(PIP_INSTALL) -e '.[package]'
	rm -rf build/pyinstaller dist/llmstudio
	$(BIN)/python -m PyInstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/llmstudio.spec
	bash packaging/linux/smoke.sh dist/llmstudio
	@echo "Built dist/llmstudio/ ($$(du -sh dist/llmstudio | cut -f1)); add it to the desktop menu with packaging/linux/install.sh"

clean:
	rm -rf $(VENV) .venv-llama demo-output .pytest_cache build dist
