#!/usr/bin/env bash
# Smoke checks of the built Linux app, run by `make package` after the build: any failed
# check fails the build. The app runs with an empty environment (no virtual environment,
# no PYTHONPATH, only /usr/bin:/bin on PATH), as a user's double-click would start it.
#     packaging/linux/smoke.sh [APP_FOLDER]     (default: dist/llmstudio)
set -euo pipefail
APP=$(cd "${1:-dist/llmstudio}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WANT=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/llmstudio/__init__.py")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failed=0

fail() { echo "smoke: FAILED: $*" >&2; failed=1; }
ok() { echo "smoke: ok: $*"; }
# The app in a bare environment; settings and log go to a throwaway folder.
bare() {
    ${LIMIT:+timeout "$LIMIT"} env -i HOME="$HOME" PATH=/usr/bin:/bin LLMSTUDIO_CONFIG_DIR="$WORK/config" \
        QT_QPA_PLATFORM=offscreen "$APP/llmstudio" "$@"
}
# width and height from a PNG's IHDR chunk (bytes 16-23, big-endian)
png_size() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || { echo "not-a-png"; return; }
    od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'
}

# 1. --version: the interpreter, the package and its metadata load from the bundle.
if out=$(bare --version 2>&1) && [ "$out" = "llmstudio $WANT" ]; then
    ok "--version prints '$out'"
else
    fail "--version printed '$out' (expected 'llmstudio $WANT')"
fi

# 2. The headless demo: the sample corpus, the builtin model (torch, transformers, the
#    bundled MiniLM), the exports and an offscreen screenshot.
if bare demo --out "$WORK/demo" >"$WORK/demo.log" 2>&1; then
    ok "demo ran ($(wc -l <"$WORK/demo.log") lines of output)"
else
    fail "demo exited with an error:"; tail -20 "$WORK/demo.log" >&2
fi
for f in inspect.json sample.llmstudio sample_export.csv \
         sample_export.xlsx sample_export.parquet main_window.png; do
    [ -s "$WORK/demo/$f" ] || fail "demo wrote no $f"
done
if [ -s "$WORK/demo/sample_export.csv" ]; then
    header=$(head -1 "$WORK/demo/sample_export.csv")
    case "$header" in
        *sentiment_label*) ok "demo's sample_export.csv has the model's labels" ;;
        *) fail "demo's sample_export.csv has no sentiment_label column (header: $header)" ;;
    esac
    # Every one of the sample's 300 rows got the model's label, score and valence, then
    # VADER's label and the chunk count (the coders' columns follow, often empty).
    L='(positive|negative|neutral)'; N='-?[0-9][0-9.e-]*'
    labels=$(grep -cE ",$L,$N,$N,$L,[0-9]+," "$WORK/demo/sample_export.csv" || true)
    [ "$labels" -eq 300 ] && ok "demo labelled the sample's 300 rows" \
        || fail "demo's sample_export.csv holds $labels labelled rows (expected 300)"
fi
grep -q '"rows": 300' "$WORK/demo/inspect.json" 2>/dev/null && ok "inspect.json: 300 rows" \
    || fail "demo's inspect.json does not say 300 rows"

# 2b. The demo's run used the default runtime: ONNX Runtime in float32 (the bundle's torch
#     is the CPU build, so automatic picks it on any Linux computer), the model converted
#     inside the app by torch.onnx's exporter. A bundle without ONNX Runtime, or whose
#     exporter fails, still labels the rows (with PyTorch): only this check says so.
if [ -s "$WORK/demo/sample.llmstudio" ] \
        && bare export "$WORK/demo/sample.llmstudio" --methods "$WORK/methods.md" \
        >"$WORK/methods.log" 2>&1 && grep -q "run with ONNX Runtime, float32" "$WORK/methods.md"; then
    ok "demo ran the builtin model with ONNX Runtime (float32), converted in the app"
else
    fail "demo's methods record names no ONNX Runtime run:"
    grep -E "^note:|ONNX|PyTorch" "$WORK/demo.log" "$WORK/methods.log" >&2 || true
fi

# 2c. ONNX Runtime int8, the run dialog's "faster, slightly less exact" choice: quantised
#     inside the app from the demo's float32 conversion (its quantiser imports modules of
#     onnxruntime.transformers by bare name, from their folder: packaging/llmstudio.spec).
SAMPLE="$APP/_internal/llmstudio/resources/sample_corpus.csv"
if bare annotate "$SAMPLE" --task sentiment --model builtin --runtime onnx-int8 --limit 20 \
        --out "$WORK/int8.csv" >"$WORK/int8.log" 2>&1 \
        && [ "$(grep -cE ',(positive|negative|neutral),-?[0-9][0-9.e-]*,' "$WORK/int8.csv")" -eq 20 ]; then
    ok "int8: the builtin model quantised and labelled 20 rows"
else
    fail "int8 run of the builtin model failed:"; tail -5 "$WORK/int8.log" >&2
fi

# 3. The bias commands on the bundled swap list and EEC-style probe set (resources/), with
#    the VADER lexicon model (fast; the builtin model ran in the demo).
if bare bias "$SAMPLE" --swap gender --model lexicon --limit 50 --out "$WORK/bias" \
        >"$WORK/bias.log" 2>&1 && grep -q "rows compared" "$WORK/bias.log"; then
    ok "bias: $(grep "rows compared" "$WORK/bias.log" | tr -s ' ')"
else
    fail "bias did not compare rows:"; tail -5 "$WORK/bias.log" >&2
fi
for f in report.json report.md rows.csv; do [ -s "$WORK/bias/$f" ] || fail "bias wrote no $f"; done
if bare probe --model lexicon --probe eec --out "$WORK/probe" >"$WORK/probe.log" 2>&1 \
        && grep -q "sentences scored" "$WORK/probe.log"; then
    ok "probe: $(grep -o "[0-9]* sentences scored" "$WORK/probe.log")"
else
    fail "probe did not score the EEC-style set:"; tail -5 "$WORK/probe.log" >&2
fi

# 4. --screenshot: the window rendered offscreen (Qt's platform plugins, fonts, the icon).
if ! bare "$SAMPLE" --screenshot "$WORK/shot.png" >"$WORK/shot.log" 2>&1; then
    fail "--screenshot exited with an error:"; tail -20 "$WORK/shot.log" >&2
elif [ ! -s "$WORK/shot.png" ]; then
    fail "--screenshot wrote no file (it said: $(tail -1 "$WORK/shot.log"))"
else
    size=$(png_size "$WORK/shot.png")
    bytes=$(wc -c <"$WORK/shot.png")
    # A blank window compresses to a few KB; the table of the sample is far more.
    if [ "$size" = "1360x820" ] && [ "$bytes" -gt 40000 ]; then
        ok "--screenshot wrote a $size PNG ($bytes bytes)"
    else
        fail "--screenshot wrote $size, $bytes bytes (expected 1360x820, > 40 KB)"
    fi
    [ -n "${SMOKE_KEEP:-}" ] && cp "$WORK/shot.png" "$SMOKE_KEEP/smoke_screenshot.png" \
        && cp "$WORK/demo/main_window.png" "$SMOKE_KEEP/smoke_demo_window.png" || true
fi

# 5. The window as a double-click opens it (no --screenshot): it must still be running when
#    stopped after 15 s (the model libraries are preloaded from 1.5 s on).
status=0
LIMIT=15 bare "$SAMPLE" >"$WORK/window.log" 2>&1 || status=$?
if [ "$status" -eq 124 ]; then
    ok "the window ran until stopped after 15 s"
else
    fail "the window exited with status $status within 15 s:"; tail -20 "$WORK/window.log" >&2
fi

# 6. Nothing printed a Python traceback (a caught import error would show one).
if grep -l "Traceback" "$WORK"/*.log >/dev/null 2>&1; then
    fail "a traceback was printed: $(grep -l Traceback "$WORK"/*.log)"
fi

if [ "$failed" -ne 0 ]; then
    echo "smoke: the built app at $APP failed its checks" >&2
    exit 1
fi
echo "smoke: all checks passed for $APP"
