"""`flow-sdk discover`: ask a capture's connector what it can capture and write it into the catalog.

The file that defines the capture is rewritten in place. A YAML file is edited round trip
(ruamel.yaml): its comments, key order, quoting, indentation and flow-style mappings stay as
they were (ruamel writes `{ a: b }` as `{a: b}`), and only the additions below appear. A JSON
file is written back as indented JSON.

* each discovered binding whose resource path is not yet bound is added to the capture as
  `{resource, target}` (`disable: true` when the connector recommends it); bindings already
  present are kept untouched;
* a new target collection `<capture prefix>/<recommendedName>` is added with the discovered
  `key` and its `schema` written to `<recommendedName>.schema.yaml` next to the catalog
  (or inline with `inline_schemas`). Existing collections are left as they are.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from flow_sdk.capture.response import Discovered, Spec
from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog, read_document
from flow_sdk.runtime.connectors.raw import starter, unary


@dataclass
class DiscoverResult:
    """What discovery changed."""

    added_bindings: list[str] = field(default_factory=list)
    kept_bindings: int = 0
    added_collections: list[str] = field(default_factory=list)
    schema_files: list[Path] = field(default_factory=list)


def _safe_file_stem(name: str) -> str:
    """A file name stem for a recommended name (no path separators or odd characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "collection"


def collection_name(capture: str, recommended: str) -> str:
    """The collection a discovered binding targets: the capture's prefix + the recommended name."""
    prefix = capture.rsplit("/", 1)[0] if "/" in capture else capture
    return f"{prefix}/{recommended}"


def discover(
    catalog: Catalog, name: str, *, timeout: float | None = None, inline_schemas: bool = False
) -> DiscoverResult:
    """Run Discover for a catalog capture and merge the result into the file that defines it."""
    capture = catalog.capture(name)
    start = starter(catalog, name, timeout=timeout)
    spec = Spec.from_flow_json(unary(start, specs.spec_request(catalog, name)))
    pointers = spec.resource_path_pointers or None
    discovered = Discovered.from_flow_json(unary(start, specs.discover_request(catalog, name))).bindings

    path = capture.source
    edited = _load_for_edit(path)
    doc = edited.doc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a catalog mapping")
    task = doc.get("captures", {}).get(name)
    if not isinstance(task, dict):
        raise ConfigError(f"{path}: capture {name!r} not found in the file that defines it")
    bindings: list[Any] = task.setdefault("bindings", []) or []
    task["bindings"] = bindings
    collections: dict[str, Any] = doc.setdefault("collections", {}) or {}
    doc["collections"] = collections

    bound = {tuple(specs.resource_path(b.resource, pointers)) for b in capture.bindings}
    result = DiscoverResult(kept_bindings=len(capture.bindings))
    for item in discovered:
        resource = item.resource_config or {}
        rpath = tuple(item.resource_path or specs.resource_path(resource, pointers))
        if rpath in bound:
            continue
        bound.add(rpath)
        recommended = item.recommended_name or "_".join(rpath) or "collection"
        target = collection_name(name, recommended)
        entry: dict[str, Any] = {"resource": resource, "target": target}
        if item.disable:
            entry["disable"] = True
        bindings.append(entry)
        result.added_bindings.append(target)
        if target in catalog.collections or target in collections:
            continue
        schema = item.document_schema or {}
        collection: dict[str, Any] = {"key": list(item.key)}
        if inline_schemas:
            collection["schema"] = schema
        else:
            schema_path = path.parent / f"{_safe_file_stem(recommended)}.schema.yaml"
            schema_path.write_text(yaml.safe_dump(schema, sort_keys=False), encoding="utf-8")
            collection["schema"] = schema_path.name
            result.schema_files.append(schema_path)
        collections[target] = collection
        result.added_collections.append(target)
    if not collections:
        del doc["collections"]
    _write_edited(path, edited)
    return result


def _round_trip(mapping: int = 2, sequence: int = 2, offset: int = 0) -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never fold long lines the author wrote on one
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    return rt


@dataclass
class _Edited:
    """A catalog file loaded for editing, with the indentation to write it back in."""

    doc: Any
    mapping: int = 2
    sequence: int = 2
    offset: int = 0


def _mapping_indent(text: str) -> int:
    """The indentation of the file's first nested mapping key (2 when there is none)."""
    for line in text.splitlines():
        content = line.lstrip(" ")
        depth = len(line) - len(content)
        if depth and content and not content.startswith(("#", "- ", "-\t")) and content != "-":
            return depth
    return 2


def _load_for_edit(path: Path) -> _Edited:
    """The catalog file as a document that can be edited and written back with its comments."""
    if path.suffix.lower() == ".json":
        return _Edited(read_document(path))
    text = path.read_text(encoding="utf-8")
    try:
        # ruamel's guess describes block sequences: item content indent and the dash's offset.
        _, sequence, offset = load_yaml_guess_indent(text)
        doc = _round_trip().load(text)  # loaded again: the guess does not keep quotes
    except YAMLError as exc:
        raise ConfigError(f"{path}: cannot parse file: {exc}") from None
    mapping = _mapping_indent(text)
    return _Edited(doc, mapping, sequence or mapping, offset or 0)


def _write_edited(path: Path, edited: _Edited) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(edited.doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    out = io.StringIO()
    _round_trip(edited.mapping, edited.sequence, edited.offset).dump(edited.doc, out)
    path.write_text(out.getvalue(), encoding="utf-8")
