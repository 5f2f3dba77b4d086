#!/usr/bin/env bash
# The project's test command: installs what it needs, then lint, type-check and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict, flow_sdk)"
MYPYPATH=.build/typecheck .venv/bin/mypy -p flow_sdk
echo "== pytest"
.venv/bin/pytest "$@"
