#!/bin/sh
# Runs a command with Bun and the project's dependencies ready, on a machine that has only Node
# and npm: Bun comes from the npm registry (the `bun` package ships the binary), into .tools/.
set -e
cd "$(dirname "$0")/.."
BUN_VERSION=1.4.4
if ! command -v bun >/dev/null 2>&1; then
  if [ ! -x .tools/node_modules/.bin/bun ]; then
    echo "bun not found: installing bun@$BUN_VERSION from the npm registry into .tools/" >&2
    npm install --silent --no-save --no-audit --no-fund --prefix .tools "bun@$BUN_VERSION" >&2
  fi
  PATH="$PWD/.tools/node_modules/.bin:$PATH"
  export PATH
fi
if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ bun.lock -nt node_modules ]; then
  bun install --frozen-lockfile >&2
  touch node_modules
fi
exec "$@"
