"""Check captured documents against their collection's write schema, fast.

Each schema is compiled once. The check on the hot path is `jsonschema_rs` (a compiled Rust
validator, roughly 10x faster than `fastjsonschema` and 100x faster than `jsonschema` on typical
documents); only when a document fails is it explained, naming the JSON pointer of the first
violation. Without `jsonschema_rs` installed the pure-Python `jsonschema` package is used for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flow_sdk.errors import ConfigError, DocumentError
from flow_sdk.json_pointer import format_path, lookup, parse

_rs: Any
try:  # Optional: the speed of the runtime depends on it, its correctness does not.
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _rs = None

BACKEND = "jsonschema_rs" if _rs is not None else "jsonschema"


class SchemaValidator:
    """A compiled write schema of one collection, with its key for error messages."""

    def __init__(self, collection: str, schema: Any, key: Sequence[str] = ()) -> None:
        self.collection = collection
        self.key = list(key)
        self._key_tokens = [parse(ptr) for ptr in self.key]
        self._schema = schema
        # `is_valid` is the hot-path entry: a bound method of the compiled validator.
        self.is_valid: Callable[[Any], bool]
        self._rs: Any = None
        self._py: Any = None
        self._batch: Any = None
        if _rs is not None:
            compiled = _compile_rs(schema)
            self._rs = compiled
            self.is_valid = compiled.is_valid
            self._batch = _compile_batch(schema)
        else:
            import jsonschema

            cls = jsonschema.validators.validator_for(schema)
            self._py = cls(schema, format_checker=cls.FORMAT_CHECKER)
            self.is_valid = self._py.is_valid

    def first_invalid(self, docs: list[Any]) -> Any | None:
        """The first document of a batch that fails validation, or None when all are valid."""
        # One call for the whole batch saves the per-call overhead of the compiled validator.
        if self._batch is not None and self._batch.is_valid(docs):
            return None
        for doc in docs:
            if not self.is_valid(doc):
                return doc
        return None

    def explain(self, doc: Any) -> tuple[str, str] | None:
        """(JSON pointer, message) of the first violation, or None if the document is valid."""
        if self._rs is not None:
            try:
                self._rs.validate(doc)
            except _rs.ValidationError as exc:
                return format_path(exc.instance_path), str(exc.message)
            return None
        import jsonschema

        best = jsonschema.exceptions.best_match(self._py.iter_errors(doc))
        if best is None:
            return None
        return format_path(best.absolute_path), best.message

    def key_of(self, doc: Any) -> list[Any]:
        """The document's key values (None where absent), for error messages."""
        return [lookup(doc, tokens) for tokens in self._key_tokens]

    def error(self, doc: Any) -> DocumentError:
        """The error to raise for a document that failed `is_valid`."""
        found = self.explain(doc)
        pointer, message = found if found is not None else ("", "document failed schema validation")
        key = self.key_of(doc)
        return DocumentError(
            f"document of collection {self.collection!r} with key {key!r} does not match the collection's "
            f"write schema at {pointer or '(document root)'!r}: {message}",
            fields={"collection": self.collection, "key": key, "pointer": pointer, "reason": message},
        )

    def check(self, doc: Any) -> None:
        """Raise DocumentError unless the document is valid."""
        if not self.is_valid(doc):
            raise self.error(doc)


def _compile_rs(schema: Any) -> Any:
    assert _rs is not None
    try:
        # Flow validates formats (date-time, uuid, ...); never fetch remote references.
        return _rs.validator_for(schema, validate_formats=True, offline=True)
    except TypeError:  # older jsonschema_rs without `offline`
        return _rs.validator_for(schema, validate_formats=True)
    except Exception as exc:
        raise ConfigError(f"cannot compile JSON schema: {exc}") from exc


_BATCH_URI = "urn:flow-sdk:write-schema"


def _compile_batch(schema: Any) -> Any:
    """A validator of a whole array of documents, or None if the schema cannot be wrapped."""
    assert _rs is not None
    if not isinstance(schema, dict):
        return None
    uri = schema.get("$id") if isinstance(schema.get("$id"), str) else _BATCH_URI
    wrapper: dict[str, Any] = {"type": "array", "items": {"$ref": uri}}
    if isinstance(schema.get("$schema"), str):
        wrapper["$schema"] = schema["$schema"]
    try:
        # The schema is its own resource, so its internal `$ref`s resolve exactly as they do alone.
        registry = _rs.Registry([(uri, schema)])
        return _rs.validator_for(wrapper, registry=registry, validate_formats=True, offline=True)
    except Exception:
        return None  # per-document validation still applies
