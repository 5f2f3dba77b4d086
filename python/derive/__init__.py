"""flow_sdk.derive: write Estuary Flow derivations in Python.

High level (Flow's `using: python` model): `flow-sdk generate` writes an `IDerivation` per
derived collection; subclass it with one method per transform and serve it with
`DerivationConnector`. Low level: subclass `Connector` and implement `read` (and `open`,
`flush`, `start_commit`, `reset` as needed); run it with `Connector.main()` or `run()`.
"""

from .connector import PROTOCOL_VERSION, Connector, DeriveSession, Flushed, encode_document, run, serve
from .derivation import (
    ConnectorState,
    Derivation,
    DerivationConnector,
    Open,
    StartCommit,
    StartedCommit,
    Transform,
)
from .naming import pascal_case, snake_case

__all__ = [
    "PROTOCOL_VERSION",
    "Connector",
    "ConnectorState",
    "Derivation",
    "DerivationConnector",
    "DeriveSession",
    "Flushed",
    "Open",
    "StartCommit",
    "StartedCommit",
    "Transform",
    "encode_document",
    "pascal_case",
    "run",
    "serve",
    "snake_case",
]
