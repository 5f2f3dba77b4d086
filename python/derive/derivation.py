"""Flow's `using: python` derivation model: a class with one method per transform.

`flow-sdk generate` writes, per derived collection, a module with typed pydantic models and an
`IDerivation` class that subclasses `Derivation` here: one abstract method per transform, named
in snake_case of the transform name, taking the transform's `Read{Transform}` wrapper (its
`.doc` typed by the source collection's schema) and returning the documents to publish. The
user's module defines `class Derivation(IDerivation)`; `DerivationConnector` serves it.

Besides the transforms a derivation may override `flush` (documents held back until the end of
the transaction), `start_commit` (a state to persist with the transaction, handed back as
`Open.state` when the derivation starts again) and `reset`. Each may be `async def` or `def`.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import pydantic

from ..errors import ConfigError
from .connector import Connector, Documents, Flushed


class Open(pydantic.BaseModel):
    """The `open` request a derivation starts from; `state` is what `start_commit` last persisted."""

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True)

    collection: dict[str, Any] | None = None
    version: str = ""
    range: dict[str, Any] | None = None
    state: Any = None


class StartCommit(pydantic.BaseModel):
    """The runtime is committing the transaction whose progress this checkpoint records."""

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True)

    runtime_checkpoint: Any = pydantic.Field(
        default=None,
        validation_alias=pydantic.AliasChoices("runtimeCheckpoint", "runtime_checkpoint"),
        serialization_alias="runtimeCheckpoint",
    )


class ConnectorState(pydantic.BaseModel):
    """A state update: `updated` replaces the state, or is merged into it (RFC 7396) with `merge_patch`."""

    model_config = pydantic.ConfigDict(populate_by_name=True)

    updated: Any = None
    merge_patch: bool = pydantic.Field(
        default=False,
        validation_alias=pydantic.AliasChoices("mergePatch", "merge_patch"),
        serialization_alias="mergePatch",
    )


class StartedCommit(pydantic.BaseModel):
    """What `start_commit` returns: the state to persist with this transaction, if any."""

    state: ConnectorState | None = None


class Transform(NamedTuple):
    """One transform of a generated `IDerivation`: its Flow name, method name and Read wrapper."""

    name: str
    method: str
    read: type[pydantic.BaseModel]


class Derivation(ABC):  # noqa: B024 (generated subclasses declare the abstract methods)
    """Base of every generated `IDerivation`.

    `TRANSFORMS` (set by the generated class) lists each transform's name, method and Read
    wrapper; the connector finds the method for each transform of the opened derivation by name.
    """

    TRANSFORMS: ClassVar[tuple[Transform, ...]] = ()

    def __init__(self, open: Open) -> None:
        """Start from an `open` request; `open.state` is the state last committed (or None)."""
        self.open = open

    def flush(self) -> list[Any] | Awaitable[list[Any]]:
        """Documents to publish at the end of the transaction (for derivations that hold some back).

        May be overridden with `async def` or `def`, as may `reset`.
        """
        return []

    def start_commit(self, start_commit: StartCommit) -> StartedCommit:
        """The state to persist with the committing transaction (none by default)."""
        return StartedCommit()

    def reset(self) -> Awaitable[None] | None:
        """Forget internal state, as if just constructed (Flow's catalog tests)."""
        return None


class _Bound(NamedTuple):
    method: Callable[[Any], Documents | Awaitable[Documents]]
    read: Callable[[Any], pydantic.BaseModel]


class DerivationConnector(Connector):
    """Serves a `Derivation` subclass through the derive protocol.

    `open` constructs the derivation and binds each transform of the opened collection, in the
    order reads index them, to its method; a transform without a method is a ConfigError.
    """

    def __init__(self, derivation: type[Derivation]) -> None:
        self.derivation_class = derivation
        self.derivation: Derivation | None = None
        self._transforms: list[_Bound] = []

    def validate(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any]:
        """One `readOnly: false` per transform, after checking each has its method."""
        names = [str(t.get("name", "")) for t in request.get("transforms") or []]
        self._methods(names)
        return {"transforms": [{"readOnly": False} for _ in names]}

    def _methods(self, names: list[str]) -> list[_Bound]:
        table = {t.name: t for t in self.derivation_class.TRANSFORMS}
        bound: list[_Bound] = []
        for name in names:
            transform = table.get(name)
            if transform is None:
                known = ", ".join(sorted(table)) or "none"
                raise ConfigError(
                    f"derivation {self.derivation_class.__qualname__} has no transform {name!r} "
                    f"(its generated types know: {known}); re-run `flow-sdk generate`"
                )
            method = getattr(self.derivation, transform.method, None) if self.derivation else None
            bound.append(_Bound(method or _missing(transform.method), transform.read.model_validate))
        return bound

    def open(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any]:
        """Construct the derivation from the `open` request and bind its transforms."""
        try:
            self.derivation = self.derivation_class(Open.model_validate(dict(request)))
        except TypeError as exc:
            if "abstract" not in str(exc):
                raise
            raise ConfigError(f"derivation {self.derivation_class.__qualname__} is incomplete: {exc}") from None
        transforms = ((request.get("collection") or {}).get("derivation") or {}).get("transforms") or []
        self._transforms = self._methods([str(t.get("name", "")) for t in transforms])
        return {}

    def read(self, transform: int, read: Mapping[str, Any]) -> Documents | Awaitable[Documents]:
        """Call the transform's method with the typed Read wrapper of the document."""
        method, wrap = self._transforms[transform]
        return method(wrap({"doc": read["doc"]}))

    async def flush(self, state_patches: Any) -> Flushed:
        """Publish what the derivation's `flush` returns."""
        assert self.derivation is not None
        result = self.derivation.flush()
        documents = await result if isinstance(result, Awaitable) else result
        return Flushed(documents=list(documents))

    def start_commit(self, runtime_checkpoint: Any) -> dict[str, Any] | None:
        """The state the derivation's `start_commit` returns, in Flow JSON form."""
        assert self.derivation is not None
        started = self.derivation.start_commit(StartCommit(runtime_checkpoint=runtime_checkpoint))
        if started.state is None:
            return None
        state: dict[str, Any] = {"updated": started.state.updated}
        if started.state.merge_patch:
            state["mergePatch"] = True
        return state

    async def reset(self) -> None:
        """Reset the derivation."""
        assert self.derivation is not None
        result = self.derivation.reset()
        if isinstance(result, Awaitable):
            await result


def _missing(method: str) -> Callable[[Any], Documents]:
    def fail(read: Any) -> Documents:
        raise NotImplementedError(f"the derivation does not implement {method}()")

    return fail
