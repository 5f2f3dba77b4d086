# A connector image: one connector folder of this repository on the flow-sdk base, run as
# `python -m <folder>` by the unprivileged user `flow`. Flow's runtime reads the two labels:
# which protocol the connector speaks (capture, materialize or derive) and its codec (json).
# build-local.sh passes CONNECTOR, PROTOCOL and BASE; copy this file into a connector folder as
# its own Dockerfile to add system packages or files.
ARG BASE=flow-sdk/base:local
FROM ${BASE}
ARG CONNECTOR
ARG PROTOCOL
COPY ${CONNECTOR} /opt/connector/${CONNECTOR}
ENV FLOW_SDK_CONNECTOR=${CONNECTOR}
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL} \
      FLOW_RUNTIME_CODEC=json
USER flow
# `exec` replaces the shell, so the connector gets the runtime's signals directly.
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"$FLOW_SDK_CONNECTOR\" \"$@\"", "connector"]
