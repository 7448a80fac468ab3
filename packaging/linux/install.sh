#!/usr/bin/env bash
# Adds the built app to the desktop menu of the current user (no root needed):
#     packaging/linux/install.sh [APP_FOLDER]     (default: dist/llmstudio)
# Writes ~/.local/share/applications/llmstudio.desktop with the app's full path and the
# icon into ~/.local/share/icons/hicolor/<size>/apps/; `install.sh --remove` takes both away.
# The app folder stays where it is: move it first (e.g. to ~/.local/opt/llmstudio) if dist/
# is not its home.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
SIZES="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$DATA/applications/llmstudio.desktop"
    for s in $SIZES; do rm -f "$DATA/icons/hicolor/${s}x${s}/apps/llmstudio.png"; done
    echo "llmstudio removed from the desktop menu (the app folder itself is untouched)."
    exit 0
fi

APP=$(cd "${1:-dist/llmstudio}" 2>/dev/null && pwd) || {
    echo "install.sh: no app folder at ${1:-dist/llmstudio}: build it first with 'make package'" >&2
    exit 1
}
[ -x "$APP/llmstudio" ] || { echo "install.sh: $APP/llmstudio is not an executable app" >&2; exit 1; }
ICONS="$APP/_internal/llmstudio/resources/icons"

mkdir -p "$DATA/applications"
for s in $SIZES; do
    mkdir -p "$DATA/icons/hicolor/${s}x${s}/apps"
    cp "$ICONS/llmstudio-$s.png" "$DATA/icons/hicolor/${s}x${s}/apps/llmstudio.png"
done
# The full path, quoted as the desktop entry spec asks (spaces in the folder name).
sed "s|^Exec=llmstudio %f|Exec=\"$APP/llmstudio\" %f|" "$HERE/llmstudio.desktop" \
    | grep -v '^# install.sh' > "$DATA/applications/llmstudio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
echo "llmstudio added to the desktop menu: $DATA/applications/llmstudio.desktop -> $APP/llmstudio"
