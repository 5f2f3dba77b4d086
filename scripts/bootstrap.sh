#!/usr/bin/env bash
# Creates (or refreshes) the project virtualenv at .venv with every extra the tests need.
# Safe to run repeatedly: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.flow-sdk-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    mkdir -p .build
    if ! .venv/bin/python -m pip install --quiet -e '.[dev,postgres]' > .build/pip-install.log 2>&1; then
        cat .build/pip-install.log >&2
        echo "bootstrap: pip install failed (log above)" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
# mypy resolves `flow_sdk` through this link to the mapped source folder, and checks each
# connector folder (named like Flow's connectors, with a hyphen) under an importable alias.
mkdir -p .build/typecheck
ln -sfn ../../python .build/typecheck/flow_sdk
for dir in source-* materialize-*; do
    [ -f "$dir/__init__.py" ] && ln -sfn "../../$dir" ".build/typecheck/${dir//-/_}"
done
