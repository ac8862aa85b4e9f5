#!/usr/bin/env bash
# Installs, from Debian's packages, what the raylib window needs on a Debian/Ubuntu machine (CI too):
#   - to build .cache/raylib/libraylib.so: a C compiler and the X11 headers GLFW compiles against;
#   - to run it: libGL (GLFW opens it at run time) and, without a screen, Xvfb (+ xauth for
#     xvfb-run) and Mesa's software OpenGL (llvmpipe). No GL headers: raylib brings its own (glad).
# Runs apt-get as root (CI is root), through sudo otherwise. Does nothing when all is installed.
set -euo pipefail

BUILD_PACKAGES=(gcc libc6-dev libx11-dev libxrandr-dev libxinerama-dev libxcursor-dev libxi-dev)
RUN_PACKAGES=(libgl1 libgl1-mesa-dri xvfb xauth)
TEST_PACKAGES=(xdotool) # presses keys in the test window

missing=()
for pkg in "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "raylib deps: all Debian packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "raylib deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
