#!/usr/bin/env bash
# Qt needs a few system libraries: EGL, xkbcommon, fontconfig and a font even offscreen,
# and the xcb family (icccm, keysyms, cursor, ...) to open a window on an X display.
# When some are missing: as root on Debian/Ubuntu, say in one line which packages and why,
# then install them with apt; with LLMSTUDIO_NO_SYSTEM_INSTALL=1 (or when not root, or
# without apt) print the command instead and carry on. macOS and Windows ship their own.
set -u
[ "$(uname)" = Linux ] || exit 0
command -v ldconfig >/dev/null || exit 0
have() { ldconfig -p 2>/dev/null | grep -q "$1"; }
missing=()
pkgs=()
need() { have "$1" || { missing+=("$1"); pkgs+=("$2"); }; }
need libEGL.so.1 libegl1
need libGL.so.1 libgl1
need libxkbcommon.so.0 libxkbcommon0
need libfontconfig.so.1 libfontconfig1
need libdbus-1.so.3 libdbus-1-3
need libglib-2.0.so.0 libglib2.0-0
fc-list 2>/dev/null | grep -qi . || { missing+=("a font"); pkgs+=(fonts-dejavu-core); }
# The libraries of Qt's xcb platform plugin (what `make run` uses on an X11 desktop).
need libxcb-icccm.so.4 libxcb-icccm4
need libxcb-keysyms.so.1 libxcb-keysyms1
need libxcb-cursor.so.0 libxcb-cursor0
need libxcb-shape.so.0 libxcb-shape0
need libxcb-render-util.so.0 libxcb-render-util0
need libxcb-image.so.0 libxcb-image0
need libxcb-randr.so.0 libxcb-randr0
need libxcb-xinerama.so.0 libxcb-xinerama0
need libxkbcommon-x11.so.0 libxkbcommon-x11-0
[ ${#missing[@]} -eq 0 ] && exit 0
install_cmd=(apt-get install -y "${pkgs[@]}")
if [ "${LLMSTUDIO_NO_SYSTEM_INSTALL:-0}" != 0 ] || [ "$(id -u)" != 0 ] \
    || ! command -v apt-get >/dev/null; then
  [ "$(id -u)" = 0 ] || install_cmd=(sudo "${install_cmd[@]}")
  echo "Qt needs system libraries that are missing (${missing[*]}) to open the window;" \
    "on Debian/Ubuntu install them with: ${install_cmd[*]}" >&2
  exit 0
fi
echo "Installing system packages Qt needs to open the window (missing: ${missing[*]}):" \
  "apt-get install ${pkgs[*]}; LLMSTUDIO_NO_SYSTEM_INSTALL=1 prints the command instead"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null; }; then
  echo "warning: could not install ${pkgs[*]}; the window may not open (tests run offscreen)" >&2
fi
exit 0
