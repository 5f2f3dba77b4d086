"""One sans-I/O protocol core per connector protocol (capture, materialize, derive).

Each core knows the legal order of requests and responses and nothing about I/O or about which
side it serves: the connector frameworks feed it what they read and what they are about to
write, and the local runtime feeds it what it sends and what the connector answers, so the
order rules exist once. A violation raises `LocalProtocolError` when our own side broke the
order and `RemoteProtocolError` when the peer did; both name what was expected and what came.
"""

# The protocol version a connector's `spec` response declares: one for capture, materialize and derive.
PROTOCOL_VERSION = 3032023
