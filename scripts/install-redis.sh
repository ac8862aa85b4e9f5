#!/usr/bin/env bash
# Installs Debian's redis-server, which step 11 runs as the fleet's shared store (`bun run fleet`, its
# tests and its bench start a private one on a free port, with nothing saved to disk). The service
# Debian starts on port 6379 is not needed: the step never uses it unless told (`--redis URL`).
# Runs apt-get as root (CI is root), through sudo otherwise. Does nothing when it is installed.
set -euo pipefail

if dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed"; then
  echo "redis: redis-server already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "redis: installing redis-server"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends redis-server
