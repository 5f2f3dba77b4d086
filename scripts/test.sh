#!/usr/bin/env bash
# The project's test command: installs what it needs, then lint, format check, type-check and the test suite.
#
#   bash scripts/test.sh           everything (what CI runs)
#   bash scripts/test.sh --fast    the same checks, but only the unit tests: no test marked
#                                  campaign, e2e or peer (see [tool.pytest.ini_options] markers)
# Any other arguments go to pytest (e.g. `bash scripts/test.sh --fast tests/reduce -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
pytest_args=()
for arg in "$@"; do
    if [ "$arg" = "--fast" ]; then
        pytest_args+=(-m "not campaign and not e2e and not peer")
    else
        pytest_args+=("$arg")
    fi
done
bash scripts/bootstrap.sh
echo "== ruff (lint, complexity <= 15)"
.venv/bin/ruff check .
echo "== ruff format"
.venv/bin/ruff format --check .
echo "== mypy (strict: flow_sdk and the connectors)"
packages=(-p flow_sdk)
for link in .build/typecheck/source_* .build/typecheck/materialize_*; do
    [ -e "$link" ] && packages+=(-p "$(basename "$link")")
done
MYPYPATH=.build/typecheck .venv/bin/mypy "${packages[@]}"
echo "== pytest"
.venv/bin/pytest "${pytest_args[@]}"
