"""Protocol requests for a catalog derivation: its CollectionSpec, and `validate` / `open` requests.

The derived collection's spec carries a `derivation` whose transforms inline their source
collections' specs, each read through journal suffix `derive/<collection>/<transform>` and
shuffled by the transform's key. A `using: python` derivation runs Flow's PYTHON connector
type with config `{module, dependencies}` (a module file as an absolute path); `using: local`
is LOCAL with the catalog's `config`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flow_sdk.runtime.catalog.loader import Catalog
from flow_sdk.runtime.catalog.specs import collection_spec
from flow_sdk.runtime.derive.spec import DerivationDef


def connector_config(derivation: DerivationDef) -> Any:
    """The config the derivation's connector gets."""
    if derivation.connector == "python":
        path = derivation.module_path
        return {"module": str(path) if path is not None else derivation.module, "dependencies": derivation.dependencies}
    return derivation.config


def derivation_spec(catalog: Catalog, derivation: DerivationDef) -> dict[str, Any]:
    """The CollectionSpec of a derived collection, its `derivation` included, in Flow JSON form."""
    transforms = []
    for transform in derivation.transforms:
        spec: dict[str, Any] = {
            "name": transform.name,
            "collection": collection_spec(catalog, transform.source),
            "journalReadSuffix": f"derive/{derivation.name}/{transform.name}",
        }
        if transform.shuffle_key:
            spec["shuffleKey"] = list(transform.shuffle_key)
        if transform.lambda_ is not None:
            spec["lambdaConfig"] = transform.lambda_
        transforms.append(spec)
    collection = collection_spec(catalog, derivation.name)
    collection["derivation"] = {
        "connectorType": "PYTHON" if derivation.connector == "python" else "LOCAL",
        "config": connector_config(derivation),
        "transforms": transforms,
    }
    return collection


def validate_request(catalog: Catalog, derivation: DerivationDef, project_root: Path) -> dict[str, Any]:
    """A `validate` request for the derivation (transforms inline their source collections)."""
    spec = derivation_spec(catalog, derivation)
    body = spec["derivation"]
    transforms = [
        {key: t[key] for key in ("name", "collection", "lambdaConfig") if key in t} for t in body["transforms"]
    ]
    return {
        "validate": {
            "connectorType": body["connectorType"],
            "config": body["config"],
            "collection": spec,
            "transforms": transforms,
            "projectRoot": project_root.resolve().as_uri() + "/",
        }
    }


def open_request(catalog: Catalog, derivation: DerivationDef, state: Any = None) -> dict[str, Any]:
    """An `open` request over the whole key range, with the last committed connector state."""
    body: dict[str, Any] = {
        "collection": derivation_spec(catalog, derivation),
        "range": {"keyEnd": 0xFFFFFFFF, "rClockEnd": 0xFFFFFFFF},
    }
    if state is not None:
        body["state"] = state
    return {"open": body}
