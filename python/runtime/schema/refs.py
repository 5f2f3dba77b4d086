"""The one resolver of `$ref`s in collection schemas, shared by projections and reductions.

A schema document is indexed once: every `$id` names a resource (relative `$id`s resolve
against the enclosing one, as bundled `$defs` do in Flow's built schemas), every `$anchor`
(or `$dynamicAnchor`) names a sub-schema of its resource, and schemas given through
`external` (for example `flow://write-schema`) are resources too. A `$ref` (or `$dynamicRef`,
followed statically) then resolves against the base URI in effect where it is written:
JSON-pointer fragments, anchors, relative and absolute URIs.

Nothing is fetched from the network: a reference to a resource that is neither in the
document nor in `external` does not resolve, and callers report it as a configuration error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from flow_sdk import json_pointer

JSON = Any

ROOT_URI = "flow://schema"

# Keywords whose values are literal JSON, never sub-schemas: their `$id`s and `$anchor`s name nothing.
_LITERAL_KEYWORDS = frozenset(("enum", "const", "default", "examples"))
# Keywords whose values map names to sub-schemas (so a property named `enum` is still a schema).
_SCHEMA_MAP_KEYWORDS = frozenset(("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"))
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MISSING = object()


def join_uri(base: str, ref: str) -> str:
    """Resolve `ref` against `base`, for any scheme (urljoin ignores unknown ones like flow://)."""
    if _SCHEME.match(ref):
        return ref
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    match = _SCHEME.match(base)
    if match is None:
        return urljoin(base, ref)
    # Borrow a scheme urljoin understands, then put the real one back.
    scheme = match.group(0)
    joined = urljoin("https:" + base[len(scheme) :], ref)
    return scheme + joined[len("https:") :]


@dataclass(frozen=True)
class Resolved:
    """Where a `$ref` leads: its absolute URI, the sub-schema there, and the base URI enclosing it.

    `enclosing` is the base in effect where the sub-schema is written: its own `$id`, if it has one,
    applies on top (`SchemaIndex.base_of`), exactly as for a sub-schema reached without a `$ref`.
    """

    uri: str
    schema: JSON
    enclosing: str


class SchemaIndex:
    """Resolves `$ref`s of one schema document: `$id`-named resources, anchors and pointers."""

    def __init__(self, schema: JSON, external: Mapping[str, JSON] | None = None) -> None:
        self.resources: dict[str, JSON] = {}
        self.anchors: dict[str, JSON] = {}
        # The base URI enclosing each indexed sub-schema, by identity, for the targets of `$ref`s.
        self._enclosing: dict[int, str] = {}
        for uri, doc in (external or {}).items():
            doc_uri = urldefrag(uri)[0]
            self.resources[doc_uri] = doc
            self._walk(doc, doc_uri)
        self.root_uri = self.base_of(schema, ROOT_URI)
        self.resources[self.root_uri] = schema
        self._walk(schema, self.root_uri)

    def _walk(self, node: JSON, base: str) -> None:
        """Index the resources and anchors below `node`, whose enclosing base URI is `base`."""
        if isinstance(node, list):
            for item in node:
                self._walk(item, base)
            return
        if not isinstance(node, dict):
            return
        self._enclosing.setdefault(id(node), base)
        if isinstance(node.get("$id"), str):
            base = self.base_of(node, base)
            self.resources.setdefault(base, node)
        for keyword in ("$anchor", "$dynamicAnchor"):  # Dynamic ones resolve statically too.
            if isinstance(node.get(keyword), str):
                self.anchors.setdefault(f"{base}#{node[keyword]}", node)
        for keyword, value in node.items():
            if keyword in _LITERAL_KEYWORDS:
                continue
            if keyword in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
                for sub in value.values():
                    self._walk(sub, base)
            else:
                self._walk(value, base)

    @staticmethod
    def base_of(node: JSON, base: str) -> str:
        """The base URI in effect inside `node`, given the enclosing base."""
        node_id = node.get("$id") if isinstance(node, dict) else None
        if isinstance(node_id, str):
            return urldefrag(join_uri(base, node_id))[0]
        return base

    def fetch(self, uri: str) -> JSON:
        """The schema an absolute URI names, or `None` when nothing in the index has it."""
        if uri in self.anchors:
            return self.anchors[uri]
        doc_uri, fragment = urldefrag(uri)
        doc = self.resources.get(doc_uri)
        if doc is None or not fragment:
            return doc
        if not fragment.startswith("/"):
            return None  # An anchor this resource does not define.
        try:
            tokens = json_pointer.parse(unquote(fragment))
        except ValueError:
            return None
        found = json_pointer.lookup(doc, tokens, _MISSING)
        return None if found is _MISSING else found

    def resolve(self, ref: str, base: str) -> Resolved | None:
        """Follow `ref`, written where `base` is in effect; `None` when it names nothing known."""
        uri = join_uri(base, ref)
        target = self.fetch(uri)
        if target is None:
            return None
        return Resolved(uri, target, self._enclosing.get(id(target), urldefrag(uri)[0]))


def unresolved(ref: str, base: str) -> str:
    """The message for a `$ref` that names no schema of the document or of the external ones."""
    uri = join_uri(base, ref)
    shown = f"{ref!r}" if uri == ref else f"{ref!r} (as {uri!r})"
    return f"$ref {shown} names no schema in the document, its bundled $defs or the schemas given with it"
