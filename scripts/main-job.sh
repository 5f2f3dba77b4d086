#!/usr/bin/env bash
# The main job: source-bigdata -> local journals -> PostgreSQL, as one `flow-sdk run` pipeline.
# Bootstraps .venv, starts an embedded PostgreSQL kept under .state/main-job/ (unless
# FLOW_SDK_POSTGRES_DSN or --postgres DSN names a server), runs the pipeline with a progress
# display, and prints the row count of every table. Run it again: it resumes where it stopped.
# Options: --postgres DSN, --records-per-stream N (grow the volume), --state DIR, --no-progress.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python examples/main_job.py "$@"
