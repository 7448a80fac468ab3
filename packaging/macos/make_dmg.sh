#!/usr/bin/env bash
# The macOS disk image around the .app that packaging/llmstudio.spec builds (BUNDLE):
#     packaging/macos/make_dmg.sh [dist/llmstudio.app]
# Writes dist/llmstudio-<version>-macos-<arch>.dmg: the app beside a link to /Applications,
# so the user drags one onto the other. Runs on macOS only (hdiutil). The app is not signed
# or notarised: on first start the user right-clicks it and chooses Open (packaging/README.md).
set -euo pipefail
APP=${1:-dist/llmstudio.app}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/llmstudio/__init__.py")
[ -d "$APP" ] || { echo "make_dmg.sh: no app at $APP: build it first (packaging/README.md)" >&2; exit 1; }
command -v hdiutil >/dev/null || { echo "make_dmg.sh: hdiutil not found (macOS only)" >&2; exit 1; }
OUT="$(dirname "$APP")/llmstudio-$VERSION-macos-$(uname -m).dmg"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$OUT"
hdiutil create -volname "llmstudio $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$OUT"
echo "wrote $OUT"
