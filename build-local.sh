#!/usr/bin/env bash
# Builds a connector image tagged ghcr.io/estuary/<connector>:local, the tag flowctl treats as
# local and never pulls, on the flow-sdk base image (base-image/Dockerfile).
#
#   ./build-local.sh <connector> [Dockerfile]     build (needs a running Docker engine)
#   ./build-local.sh --print <connector> [Dockerfile]   print the docker commands, build nothing
#
# <connector> is a folder of this repository run as `python -m <connector>`. Its protocol comes
# from its name (source-* capture, materialize-* materialize, derive-* derive) or $PROTOCOL.
# The Dockerfile defaults to <connector>/Dockerfile if there is one, else the template
# base-image/connector.Dockerfile. The base gets the flow-sdk extras in $EXTRAS (default: what
# the connector needs, e.g. "postgres" for materialize-postgres).
set -euo pipefail
cd "$(dirname "$0")"

usage() {
    echo "usage: ./build-local.sh [--print] <connector> [Dockerfile]" >&2
    exit 2
}
print_only=false
if [ "${1:-}" = "--print" ]; then
    print_only=true
    shift
fi
[ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
connector=${1%/}
if [ ! -f "$connector/__main__.py" ]; then
    echo "build-local.sh: '$connector' is not a connector folder of this repository (no $connector/__main__.py)" >&2
    exit 2
fi
dockerfile=${2:-}
if [ -z "$dockerfile" ]; then
    if [ -f "$connector/Dockerfile" ]; then dockerfile="$connector/Dockerfile"; else dockerfile=base-image/connector.Dockerfile; fi
fi
if [ ! -f "$dockerfile" ]; then
    echo "build-local.sh: Dockerfile '$dockerfile' does not exist" >&2
    exit 2
fi
if [ -z "${PROTOCOL:-}" ]; then
    case "$connector" in
        source-*) PROTOCOL=capture ;;
        materialize-*) PROTOCOL=materialize ;;
        derive-*) PROTOCOL=derive ;;
        *)
            echo "build-local.sh: cannot tell the protocol of '$connector' from its name;" \
                 "set PROTOCOL=capture, materialize or derive" >&2
            exit 2
            ;;
    esac
fi
if [ -z "${EXTRAS+set}" ]; then
    case "$connector" in
        materialize-postgres) EXTRAS=postgres ;;
        *) EXTRAS="" ;;
    esac
fi
base="flow-sdk/base${EXTRAS:+-${EXTRAS//,/-}}:local"
tag="ghcr.io/estuary/$connector:local"
commands=(
    "docker build -f base-image/Dockerfile --build-arg EXTRAS=$EXTRAS -t $base ."
    "docker build -f $dockerfile --build-arg BASE=$base --build-arg CONNECTOR=$connector --build-arg PROTOCOL=$PROTOCOL -t $tag ."
)
if $print_only; then
    printf '%s\n' "${commands[@]}"
    exit 0
fi
if ! command -v docker >/dev/null 2>&1; then
    echo "build-local.sh: no docker command on PATH; install Docker (or run the connector with a" \
         "'local' endpoint in your catalog instead)" >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "build-local.sh: no Docker engine answers ('docker info' failed); start the Docker daemon," \
         "or run the connector with a 'local' endpoint in your catalog instead" >&2
    exit 1
fi
for command in "${commands[@]}"; do
    echo "+ $command" >&2
    $command
done
echo "built $tag" >&2
