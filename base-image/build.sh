#!/usr/bin/env bash
# Builds flow-sdk/base:local and the reference connectors' images, tagged :local.
# Needs a running Docker engine (`docker info` must succeed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
    echo "base-image/build.sh: no Docker engine answers (docker info failed); start one, or run the" \
         "connectors with a 'local' endpoint in your catalog instead" >&2
    exit 1
fi
docker build -f base-image/Dockerfile -t flow-sdk/base:local .
docker build -f base-image/Dockerfile --build-arg EXTRAS=postgres -t flow-sdk/base-postgres:local .
docker build -f base-image/connector.Dockerfile --build-arg CONNECTOR=source-bigdata --build-arg PROTOCOL=capture \
    -t flow-sdk/source-bigdata:local .
docker build -f base-image/connector.Dockerfile --build-arg BASE=flow-sdk/base-postgres:local \
    --build-arg CONNECTOR=materialize-postgres --build-arg PROTOCOL=materialize \
    -t flow-sdk/materialize-postgres:local .
