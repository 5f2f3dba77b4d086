#!/usr/bin/env bash
# Creates one virtualenv per competitor under bench/.venvs/ (they pin conflicting versions,
# so none of them goes into the project's own .venv). Safe to re-run: existing venvs are reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venvs="$root/bench/.venvs"
python="${PYTHON:-python3}"
mkdir -p "$venvs"

make_venv() {
    local name="$1"; shift
    local dir="$venvs/$name"
    if [[ ! -x "$dir/bin/python" ]]; then
        "$python" -m venv "$dir"
        "$dir/bin/python" -m pip install --quiet --upgrade pip
    fi
    "$dir/bin/python" -m pip install --quiet "$@"
    echo "ready: $dir ($*)"
}

make_venv estuary-cdk estuary-cdk orjson
make_venv airbyte-cdk airbyte-cdk orjson
make_venv singer-sdk singer-sdk orjson
