#!/usr/bin/env bash
# Qt needs a few system libraries even offscreen (EGL, xkbcommon, fontconfig, a font).
# Install them with apt when they are missing and we may (root on Debian/Ubuntu);
# otherwise say which are missing and carry on (macOS and Windows ship their own).
set -u
[ "$(uname)" = Linux ] || exit 0
missing=()
for lib in libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3 libGL.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
fc-list 2>/dev/null | grep -qi dejavu || missing+=("fonts")
[ ${#missing[@]} -eq 0 ] && exit 0
pkgs="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core libglib2.0-0"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system libraries Qt needs (missing: ${missing[*]})"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
else
  echo "warning: Qt may need: ${missing[*]}; on Debian/Ubuntu: sudo apt-get install $pkgs" >&2
fi
exit 0
