"""`flow-sdk generate`: typed modules for the `using: python` derivations of a catalog.

For each one it writes `flow_generated/python/<collection as packages>.py` under the project
root (default: the directory of the root catalog file), rendered by `flow_sdk.derive.typed_module`
from the derived collection's write schema and each source collection's read schema. A
derivation whose module file does not exist yet gets a stub. Output is deterministic and files
are only rewritten when their content changes; module files that exist are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flow_sdk.derive.typed_module import DerivationTypes, TransformTypes, module_file, render_stub, render_types
from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import Catalog, load_catalog
from flow_sdk.runtime.derive.spec import DerivationDef, derivations


def derivation_types(catalog: Catalog, derivation: DerivationDef) -> DerivationTypes:
    """What the typed module of a catalog derivation is rendered from."""
    return DerivationTypes(
        derivation.name,
        derivation.collection.write_schema,
        [TransformTypes(t.name, t.source, catalog.collections[t.source].read_schema) for t in derivation.transforms],
    )


@dataclass
class Generated:
    """What one `generate` run did: files written, and files already up to date."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def _write(path: Path, text: str, result: Generated) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        result.unchanged.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    result.written.append(path)


def generate(source: str | Path, project_root: Path | None = None) -> Generated:
    """Write the types of every `using: python` derivation of the catalog at `source`, and missing stubs.

    Types go under `project_root` (default: the directory of the catalog file) in `flow_generated/python/`.
    """
    catalog = load_catalog(source, decrypt=False)
    root = project_root or catalog.root.parent
    result = Generated()
    for derivation in derivations(catalog):
        if derivation.connector != "python":
            continue
        types = derivation_types(catalog, derivation)
        try:
            _write(root / module_file(derivation.name), render_types(types), result)
            module = derivation.module_path
            if module is not None and not module.exists():
                _write(module, render_stub(types), result)
        except ConfigError as exc:
            raise ConfigError(f"{derivation.collection.source}: {exc.message}", fields=exc.fields) from None
    return result
