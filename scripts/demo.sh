#!/usr/bin/env bash
# The demo end to end: install, build a synthetic authority, load it, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh demo
export JOINEDUP_MODE=demo
exec .venv/bin/joinedup demo "$@"
