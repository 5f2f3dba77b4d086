#!/usr/bin/env bash
# Regenerate the Python protobuf/gRPC modules (and .pyi stubs) of
# python/proto/*.proto as flow_sdk.proto.<name>_pb2[_grpc].
#
# The .proto files import each other as "flow_sdk/proto/<name>.proto", so we
# compile from a temporary tree laid out that way: protoc then emits imports
# like `from flow_sdk.proto import flow_pb2`, which resolve in the installed
# package. Output is copied back next to the sources; running twice is a no-op.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
src="$repo/python/proto"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/in/flow_sdk/proto" "$work/out"
cp "$src"/*.proto "$work/in/flow_sdk/proto/"

protos=()
for f in "$work"/in/flow_sdk/proto/*.proto; do
  protos+=("flow_sdk/proto/$(basename "$f")")
done

# Only files declaring a service get a _pb2_grpc module.
grpc_protos=()
for p in "${protos[@]}"; do
  if grep -q '^service ' "$work/in/$p"; then
    grpc_protos+=("$p")
  fi
done

cd "$work/in"
"$python" -m grpc_tools.protoc -I . \
  --python_out="$work/out" --pyi_out="$work/out" \
  "${protos[@]}"
"$python" -m grpc_tools.protoc -I . \
  --grpc_python_out="$work/out" \
  "${grpc_protos[@]}"

# Drop stale generated files (e.g. of a removed .proto) before copying.
rm -f "$src"/*_pb2.py "$src"/*_pb2.pyi "$src"/*_pb2_grpc.py
cp "$work"/out/flow_sdk/proto/*.py "$work"/out/flow_sdk/proto/*.pyi "$src/"
echo "generated: $(cd "$src" && ls *_pb2*.py* | tr '\n' ' ')"
