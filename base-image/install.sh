#!/bin/sh
# Installs flow-sdk into a fresh virtualenv: the one install step of the images, which the test
# suite also runs (tests/shipping). Usage: install.sh VENV SOURCE [EXTRAS]
#   VENV    the virtualenv to create (it must not exist yet)
#   SOURCE  what pip installs: a checkout (directory with pyproject.toml) or a built wheel
#   EXTRAS  optional comma-separated extras, e.g. "postgres"
set -eu
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
    echo "usage: install.sh VENV SOURCE [EXTRAS]" >&2
    exit 2
fi
venv=$1
source=$2
extras=${3:-}
if [ -e "$venv" ]; then
    echo "install.sh: $venv already exists; the install goes into a fresh virtualenv" >&2
    exit 2
fi
if [ ! -e "$source" ]; then
    echo "install.sh: $source does not exist (expected a flow-sdk checkout or wheel)" >&2
    exit 2
fi
python=${PYTHON:-python3}
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --no-cache-dir --quiet --upgrade pip
"$venv/bin/python" -m pip install --no-cache-dir --quiet "$source${extras:+[$extras]}"
# The smoke test of every install: the console script answers.
"$venv/bin/flow-sdk" --version
