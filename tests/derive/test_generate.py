"""`flow-sdk generate`: typed models for Python derivations, their determinism, and their types."""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pydantic
import pytest

from flow_sdk.derive import DerivationConnector, serve
from flow_sdk.derive.typed_module import module_file, module_name
from flow_sdk.errors import ConfigError
from flow_sdk.runtime.derive.generate import generate

REPO = Path(__file__).resolve().parents[2]

CATALOG = """
collections:
  acme/events:
    key: [/id]
    schema:
      $defs:
        address:
          $anchor: Address
          type: object
          required: [city]
          properties:
            city: {type: string}
            zip: {type: [string, "null"]}
        tree:
          type: object
          properties:
            label: {type: string}
            children: {type: array, items: {$ref: "#/$defs/tree"}}
        named:
          allOf:
            - {type: object, required: [first], properties: {first: {type: string}}}
            - {properties: {last: {type: string}}}
      type: object
      required: [id, kind, user]
      properties:
        id: {type: integer}
        kind: {enum: [click, view, buy]}
        amount: {type: number}
        user:
          type: object
          title: The user who acted
          required: [name]
          properties:
            name: {type: string}
            home: {$ref: "#Address"}
            work: {$ref: "#/$defs/address"}
            tags: {type: array, items: {type: string}}
            names: {$ref: "#/$defs/named"}
        payload:
          oneOf:
            - {type: object, required: [a], properties: {a: {type: integer}}}
            - {type: string}
        tree: {$ref: "#/$defs/tree"}
        odd-name: {type: boolean}
        class: {const: 3}
        json: {type: object, additionalProperties: {type: integer}}
  acme/names:
    key: [/n]
    schema: {type: string}
  acme/user-stats:
    key: [/user]
    schema:
      type: object
      required: [user, count]
      properties:
        user: {type: string}
        count: {type: integer, reduce: {strategy: sum}}
        last: {type: [integer, "null"]}
        mixed: {anyOf: [{type: integer}, {type: string, format: date-time}]}
      reduce: {strategy: merge}
    derive:
      using:
        python:
          module: stats.py
      transforms:
        - name: fromEvents
          source: acme/events
          shuffle: {key: [/user/name]}
        - name: from-names
          source: {name: acme/names}
          shuffle: any
  acme/inline:
    key: [/k]
    schema: {type: object, required: [k], properties: {k: {type: string}}}
    derive:
      using:
        python:
          module: |
            from acme.inline import IDerivation
      transforms:
        - {name: copy, source: acme/names, shuffle: any}
"""

IMPLEMENTATION = """
from __future__ import annotations

from acme.user_stats import (
    ConnectorState,
    Document,
    IDerivation,
    Open,
    ReadFromEvents,
    ReadFromNames,
    StartCommit,
    StartedCommit,
)


class Derivation(IDerivation):
    def __init__(self, open: Open) -> None:
        super().__init__(open)
        self.seen: int = (open.state or {}).get("seen", 0)

    async def from_events(self, read: ReadFromEvents) -> list[Document]:
        self.seen += 1
        home = read.doc.user.home.city if read.doc.user.home else "?"
        return [Document(user=read.doc.user.name, count=1, last=read.doc.id, mixed=home)]

    def from_names(self, read: ReadFromNames) -> list[Document]:
        return [Document(user=read.doc, count=0)]

    def start_commit(self, start_commit: StartCommit) -> StartedCommit:
        return StartedCommit(state=ConnectorState(updated={"seen": self.seen}))
"""

WRONG = """
from __future__ import annotations

from acme.user_stats import Document, IDerivation, ReadFromEvents, ReadFromNames


class Derivation(IDerivation):
    async def from_events(self, read: ReadFromEvents) -> list[Document]:
        return [Document(user=read.doc.user.name, count="one")]

    def from_names(self, read: ReadFromNames) -> list[str]:
        return [read.doc.upper()]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.yaml").write_text(CATALOG)
    return tmp_path


@pytest.fixture
def generated(project: Path) -> Iterator[ModuleType]:
    """The generated `acme.user_stats`, imported."""
    generate(project / "flow.yaml")
    sys.path.insert(0, str(project / "flow_generated" / "python"))
    try:
        yield importlib.import_module("acme.user_stats")
    finally:
        sys.path.remove(str(project / "flow_generated" / "python"))
        for name in [n for n in sys.modules if n == "acme" or n.startswith("acme.")]:
            del sys.modules[name]


def test_files_are_written_once_and_rerunning_changes_nothing(project: Path) -> None:
    first = generate(project / "flow.yaml")
    types = project / "flow_generated/python/acme/user_stats.py"
    assert sorted(first.written) == sorted(
        [types, project / "flow_generated/python/acme/inline.py", project / "stats.py"]
    )
    text, mtime = types.read_text(), types.stat().st_mtime_ns
    (project / "stats.py").write_text("# the user's work\n")

    again = generate(project / "flow.yaml")
    assert again.written == [] and types in again.unchanged
    assert types.read_text() == text and types.stat().st_mtime_ns == mtime
    assert (project / "stats.py").read_text() == "# the user's work\n"


@pytest.mark.e2e
def test_output_is_deterministic_and_formatted(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    (other / "flow.yaml").write_text(CATALOG)
    generate(project / "flow.yaml")
    generate(other / "flow.yaml")
    relative = module_file("acme/user-stats")
    assert (project / relative).read_text() == (other / relative).read_text()
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--line-length", "120", str(project / relative)],
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


def test_names_follow_flow() -> None:
    assert module_name("acme/user-stats") == "acme.user_stats"
    assert module_file("patterns/sums") == Path("flow_generated/python/patterns/sums.py")


def test_models_follow_the_schemas(generated: ModuleType) -> None:
    doc = generated.SourceFromEvents.model_validate(
        {
            "id": 1,
            "kind": "view",
            "user": {"name": "ann", "home": {"city": "Oslo"}, "work": {"city": "Rome", "zip": None}},
            "payload": {"a": 5},
            "tree": {"label": "root", "children": [{"label": "leaf", "children": []}]},
            "odd-name": True,
            "class": 3,
            "json": {"x": 1},
            "extra": "kept",
        }
    )
    assert doc.user.home.city == "Oslo" and doc.user.work.zip is None
    # `#Address` and `#/$defs/address` are the same schema: one class.
    assert type(doc.user.home) is type(doc.user.work)
    assert doc.tree.children[0].label == "leaf" and type(doc.tree.children[0]) is type(doc.tree)
    assert doc.payload.a == 5 and doc.odd_name is True and doc.class_ == 3 and doc.json_ == {"x": 1}
    assert doc.amount is None and doc.user.tags is None
    assert doc.model_dump(by_alias=True, exclude_unset=True)["odd-name"] is True
    assert generated.SourceFromEvents.model_validate({"id": 2, "kind": "buy", "user": {"name": "b"}, "payload": "p"})

    names = generated.SourceFromEvents.model_validate(
        {"id": 3, "kind": "buy", "user": {"name": "c", "names": {"first": "C", "last": "D"}}}
    )
    assert (names.user.names.first, names.user.names.last) == ("C", "D")

    for bad, field in [
        ({"id": 1, "kind": "poke", "user": {"name": "a"}}, "kind"),
        ({"id": 1, "kind": "view", "user": {}}, "user.name"),
        ({"id": 1, "kind": "view", "user": {"name": "a", "home": {}}}, "user.home.city"),
        ({"id": 1, "kind": "view", "user": {"name": "a"}, "tree": {"children": [{"label": 5}]}}, "tree.children.0"),
        ({"id": 1, "kind": "view", "user": {"name": "a", "names": {"last": "x"}}}, "user.names.first"),
        ({"id": 1, "kind": "view", "user": {"name": "a"}, "class": 4}, "class"),
    ]:
        with pytest.raises(pydantic.ValidationError) as caught:
            generated.SourceFromEvents.model_validate(bad)
        assert field in str(caught.value)

    assert generated.ReadFromNames.model_validate({"doc": "x"}).doc == "x"
    assert generated.Document(user="u", count=1).model_dump(exclude_unset=True) == {"user": "u", "count": 1}
    assert [t.method for t in generated.IDerivation.TRANSFORMS] == ["from_events", "from_names"]
    assert generated.IDerivation.__abstractmethods__ == {"from_events", "from_names"}


def test_a_generated_derivation_runs_through_the_protocol(project: Path, generated: ModuleType) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(IMPLEMENTATION, "impl.py", "exec"), namespace)
    requests = [
        {
            "open": {
                "collection": {
                    "name": "acme/user-stats",
                    "derivation": {"transforms": [{"name": "fromEvents"}, {"name": "from-names"}]},
                },
                "state": {"seen": 4},
            }
        },
        {"read": {"transform": 0, "doc": {"id": 7, "kind": "buy", "user": {"name": "ann", "home": {"city": "Oslo"}}}}},
        {"read": {"transform": 1, "doc": "bob"}},
        {"flush": {}},
        {"startCommit": {"runtimeCheckpoint": {}}},
    ]
    stdout = io.BytesIO()
    serve(DerivationConnector(namespace["Derivation"]), io.BytesIO(b"\n".join(map(orjson.dumps, requests))), stdout)
    assert [orjson.loads(line) for line in stdout.getvalue().splitlines()] == [
        {"opened": {}},
        {"published": {"doc": {"user": "ann", "count": 1, "last": 7, "mixed": "Oslo"}}},
        {"published": {"doc": {"user": "bob", "count": 0}}},
        {"flushed": {}},
        {"startedCommit": {"state": {"updated": {"seen": 5}}}},
    ]


@pytest.mark.e2e
def test_generated_code_type_checks_under_mypy_strict(project: Path) -> None:
    generate(project / "flow.yaml")
    (project / "impl.py").write_text(textwrap.dedent(IMPLEMENTATION))
    (project / "wrong.py").write_text(textwrap.dedent(WRONG))
    env = {"MYPYPATH": f"{REPO / '.build/typecheck'}:{project / 'flow_generated/python'}", "PATH": "/usr/bin:/bin"}
    mypy = [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "--strict", "--no-incremental"]
    done = subprocess.run(
        [*mypy, "impl.py", "stats.py", "wrong.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    # Only the wrong implementation fails: its bad field type and its override's return type.
    assert errors and all(line.startswith("wrong.py:") for line in errors), done.stdout
    assert any('"count" to "Document" has incompatible type "str"' in line for line in errors), done.stdout
    assert any('"from_names" incompatible with return type' in line for line in errors), done.stdout


@pytest.mark.e2e
def test_cli_generate(project: Path) -> None:
    run = [sys.executable, "-m", "flow_sdk", "generate", "--source", str(project / "flow.yaml")]
    first = subprocess.run(run, capture_output=True, text=True, check=False, timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"wrote {project / 'flow_generated/python/acme/user_stats.py'}" in first.stdout
    second = subprocess.run(run, capture_output=True, text=True, check=False, timeout=120)
    assert second.stdout.strip() == "up to date (2 files)"


@pytest.mark.parametrize(
    ("derive", "problem"),
    [
        ("{using: {python: {module: m.py}}, transforms: [{name: flush, source: acme/names}]}", "Derivation already"),
        (
            "{using: {python: {module: m.py}}, transforms: [{name: fromA, source: acme/names}, "
            "{name: from_a, source: acme/names}]}",
            "both become method from_a",
        ),
        ("{using: {python: {module: m.py}}, transforms: [{name: t, source: acme/nope}]}", "unknown collection"),
        ("{using: {sqlite: {}}, transforms: [{name: t, source: acme/names}]}", "unsupported connector"),
        ("{using: {python: {}}, transforms: [{name: t, source: acme/names}]}", "module"),
        ("{using: {python: {module: m.py}}, transforms: []}", "non-empty list"),
        ("{using: {python: {module: m.py}}, transforms: [{name: t, source: acme/names, shuffle: {key: [a]}}]}", "JSON"),
    ],
)
def test_bad_derivations_are_config_errors(tmp_path: Path, derive: str, problem: str) -> None:
    (tmp_path / "flow.yaml").write_text(
        "collections:\n"
        "  acme/names: {key: [/n], schema: {type: string}}\n"
        f"  acme/out: {{key: [/k], schema: {{type: object}}, derive: {derive}}}\n"
    )
    with pytest.raises(ConfigError, match=problem):
        generate(tmp_path / "flow.yaml")
