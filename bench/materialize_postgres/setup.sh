#!/usr/bin/env bash
# Installs meltanolabs-target-postgres (the Singer target this benchmark compares against) into its own venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venvs="$here/../.venvs"
venv="$venvs/target-postgres"
mkdir -p "$venvs"
if [ ! -x "$venv/bin/target-postgres" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "meltanolabs-target-postgres==0.8.1"
fi
"$venv/bin/target-postgres" --about --format=json >/dev/null
echo "target-postgres ready: $venv/bin/target-postgres"
