#!/usr/bin/env bash
# The project's test command: installs what it needs, then lint, type-check and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict: flow_sdk and the connectors)"
packages=(-p flow_sdk)
for link in .build/typecheck/source_* .build/typecheck/materialize_*; do
    [ -e "$link" ] && packages+=(-p "$(basename "$link")")
done
MYPYPATH=.build/typecheck .venv/bin/mypy "${packages[@]}"
echo "== pytest"
.venv/bin/pytest "$@"
