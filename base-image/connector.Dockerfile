# A connector image on the flow-sdk base: copies one connector folder of this repo
# and runs it as `python -m <folder>`. Flow's runtime reads the two labels below.
ARG BASE=flow-sdk/base:local
FROM ${BASE}
ARG CONNECTOR
ARG PROTOCOL
COPY ${CONNECTOR} /opt/connector/${CONNECTOR}
ENV CONNECTOR=${CONNECTOR}
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL}
LABEL FLOW_RUNTIME_CODEC=json
CMD ["sh", "-c", "exec python -m \"$CONNECTOR\""]
