"""The `using: python` connector: a user's module file (or inline module) run as a process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.derive.generate import generate
from flow_sdk.runtime.derive.spec import derivations
from flow_sdk.runtime.derive.specs import open_request, validate_request
from tests.derive.harness import python_module

CATALOG = """
collections:
  acme/ints:
    key: [/Key]
    schema:
      type: object
      required: [Key, Int]
      properties:
        Key: {type: string}
        Int: {type: integer}
  acme/sums:
    key: [/Key]
    schema:
      type: object
      required: [Key, Sum]
      properties:
        Key: {type: string}
        Sum: {type: integer, reduce: {strategy: sum}}
      reduce: {strategy: merge}
    derive:
      using:
        python:
          module: MODULE
      transforms:
        - name: fromInts
          source: acme/ints
          shuffle: {key: [/Key]}
"""

MODULE = """\
from acme.sums import Document, IDerivation, Open, ReadFromInts, StartCommit, StartedCommit, ConnectorState


class Derivation(IDerivation):
    def __init__(self, open: Open) -> None:
        super().__init__(open)
        self.count = (open.state or {}).get("count", 0)

    async def from_ints(self, read: ReadFromInts) -> list[Document]:
        self.count += 1
        return [Document(Key=read.doc.Key, Sum=read.doc.Int)]

    def start_commit(self, start_commit: StartCommit) -> StartedCommit:
        return StartedCommit(state=ConnectorState(updated={"count": self.count}))
"""


def session() -> list[dict[str, Any]]:
    return [
        {"read": {"transform": 0, "doc": {"Key": "a", "Int": 2}}},
        {"read": {"transform": 0, "doc": {"Key": "b", "Int": 3}}},
        {"flush": {}},
        {"startCommit": {"runtimeCheckpoint": {}}},
    ]


EXPECTED = [
    {"opened": {}},
    {"published": {"doc": {"Key": "a", "Sum": 2}}},
    {"published": {"doc": {"Key": "b", "Sum": 3}}},
    {"flushed": {}},
    {"startedCommit": {"state": {"updated": {"count": 7}}}},
]


@pytest.mark.e2e
@pytest.mark.parametrize("inline", [False, True], ids=["module file", "inline module"])
def test_the_module_runs_from_the_open_request_alone(tmp_path: Path, inline: bool) -> None:
    module = "|\n" + "".join("            " + line + "\n" for line in MODULE.splitlines()) if inline else "sums.py"
    (tmp_path / "flow.yaml").write_text(CATALOG.replace("MODULE", module))
    (tmp_path / "sums.py").write_text(MODULE)
    catalog = load_catalog(tmp_path / "flow.yaml")
    (derivation,) = derivations(catalog)
    # No `flow-sdk generate` ran: the connector renders `acme.sums` from the request.
    assert not (tmp_path / "flow_generated").exists()
    done = python_module(tmp_path, [open_request(catalog, derivation, state={"count": 5}), *session()])
    assert done.returncode == 0, done.stderr.decode()
    assert [orjson.loads(line) for line in done.stdout.splitlines()] == EXPECTED


@pytest.mark.e2e
def test_validate_returns_what_generate_writes(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(CATALOG.replace("MODULE", "sums.py"))
    (tmp_path / "sums.py").write_text(MODULE)
    catalog = load_catalog(tmp_path / "flow.yaml")
    (derivation,) = derivations(catalog)
    done = python_module(tmp_path, [validate_request(catalog, derivation, tmp_path)])
    assert done.returncode == 0, done.stderr.decode()
    (validated,) = [orjson.loads(line)["validated"] for line in done.stdout.splitlines()]
    assert validated["transforms"] == [{"readOnly": False}]
    ((url, text),) = validated["generatedFiles"].items()
    written = tmp_path / "flow_generated/python/acme/sums.py"
    assert url == written.as_uri()
    generate(tmp_path / "flow.yaml")
    assert written.read_text() == text


@pytest.mark.e2e
def test_a_module_without_derivation_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(CATALOG.replace("MODULE", "sums.py"))
    (tmp_path / "sums.py").write_text("from acme.sums import IDerivation\n\nclass Sums(IDerivation):\n    pass\n")
    catalog = load_catalog(tmp_path / "flow.yaml")
    (derivation,) = derivations(catalog)
    done = python_module(tmp_path, [open_request(catalog, derivation)])
    assert done.returncode == 1
    record = orjson.loads(done.stderr.splitlines()[-1])
    assert "must define `class Derivation(IDerivation)`" in record["msg"]
    assert record["msg"].startswith("configuration error")


@pytest.mark.e2e
def test_a_missing_module_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(CATALOG.replace("MODULE", "missing.py"))
    catalog = load_catalog(tmp_path / "flow.yaml")
    (derivation,) = derivations(catalog)
    done = python_module(tmp_path, [open_request(catalog, derivation)])
    assert done.returncode == 1
    assert "missing.py" in orjson.loads(done.stderr.splitlines()[-1])["msg"]
