"""The runtime's building blocks: merge patches, journal names and torn tails, batch validation."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from flow_sdk.errors import ProtocolError
from flow_sdk.merge_patch import merge_patch
from flow_sdk.runtime.progress import Progress
from flow_sdk.runtime.schema.validation import SchemaValidator
from flow_sdk.runtime.storage import journal
from flow_sdk.state import apply_connector_state


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # RFC 7396, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc7396(target: Any, patch: Any, result: Any) -> None:
    before = repr(target)
    assert merge_patch(target, patch) == result
    assert repr(target) == before, "the target is not modified"


def test_connector_state_replaces_or_merges_and_rejects_non_objects() -> None:
    state = {"a": 1, "b": {"c": 2}}
    assert apply_connector_state(state, {"updated": {"x": 1}}) == {"x": 1}
    assert apply_connector_state(state, {"updated": {"b": {"c": None}}, "mergePatch": True}) == {"a": 1, "b": {}}
    assert apply_connector_state(state, None) is state
    with pytest.raises(ProtocolError, match="must be a JSON object"):
        apply_connector_state(state, {"updated": "nope", "mergePatch": True})


def test_journal_names_are_flat_and_reversible() -> None:
    for name in ["acmeCo/bigdata/users", "a/b c/ü", "x/../y", "weird%2F/name"]:
        file = journal.file_name(name)
        assert "/" not in file and file.endswith(".jsonl")
        assert journal.collection_of(file) == name


def test_writer_truncates_an_uncommitted_tail(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"id":1}\n{"id":2}\n{"id"')  # committed through the first line only
    writer = journal.JournalWriter(path, committed=9)
    writer.append(b'{"id":3}\n')
    writer.close()
    assert [doc for _, doc in journal.read_documents(path)] == [{"id": 1}, {"id": 3}]
    assert [doc for _, doc in journal.read_documents(path, 0, end=9)] == [{"id": 1}]


def test_batch_validation_agrees_with_per_document_and_follows_refs() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"$ref": "#/definitions/id"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "definitions": {"id": {"type": "integer"}},
    }
    validator = SchemaValidator("c/x", schema, ["/id"])
    good = [{"id": i, "tags": ["a"]} for i in range(50)]
    assert validator.first_invalid(good) is None
    bad = {"id": 7, "tags": ["a", 3]}
    assert validator.first_invalid([*good, bad, {"id": "z"}]) == bad
    error = validator.error(bad)
    assert error.fields["pointer"] == "/tags/1" and error.fields["key"] == [7]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_json_lines_otherwise() -> None:
    tty = _Terminal()
    progress = Progress("preview t", ["c/a", "c/b"], stream=tty, interval=0.0, expected=10)
    progress.add_transaction({0: 5}, 1)
    assert "[" + "#" * 15 + "." * 15 + "]" in tty.getvalue() and "c/a:" in tty.getvalue()

    plain = io.StringIO()
    progress = Progress("capture t", ["c/a", "c/b"], stream=plain, interval=0.0)
    progress.add_transaction({0: 3, 1: 4}, 2)
    progress.add_bytes(0, 100)
    record = json.loads(plain.getvalue().splitlines()[0])
    assert record["msg"] == "progress" and record["fields"]["documents"] == 7
    assert record["fields"]["bindings"]["c/b"]["documents"] == 4
    table = progress.summary().splitlines()
    assert table[1].split() == [
        "binding",
        "collection",
        "documents",
        "bytes",
        "docs/s",
        "checkpoints",
        "warnings",
        "errors",
    ]
    assert table[-1].split()[:3] == ["total", "7", "100"]


def _emitter(payload: bytes) -> Any:
    """A real child process that writes `payload` to stdout and exits."""
    import sys
    import tempfile

    from flow_sdk.runtime.connectors.process import ConnectorCommand, ConnectorProcess

    with tempfile.NamedTemporaryFile(delete=False, suffix=".out") as source:
        source.write(payload)
    script = f"import sys; sys.stdout.buffer.write(open({source.name!r}, 'rb').read()); sys.stdout.flush()"
    command = ConnectorCommand([sys.executable, "-c", script], description="emitter")
    return ConnectorProcess(command, "capture", forward_logs=False)


@pytest.mark.e2e
def test_read_messages_parses_batches_and_takes_the_slow_path_for_odd_lines() -> None:
    good = b"".join(b'{"captured":{"binding":0,"doc":{"n":%d}}}\n' % n for n in range(3000))
    proc = _emitter(good + b'{"checkpoint":{}}\n')
    seen: list[Any] = []
    while (batch := proc.read_messages()) is not None:
        seen.extend(batch)
    proc.wait()
    assert [m["captured"]["doc"]["n"] for m in seen[:-1]] == list(range(3000))
    assert seen[-1] == {"checkpoint": {}}
    assert proc.lines_read == 3001

    # A blank line and a line of two comma-separated values must not be taken for extra messages.
    proc = _emitter(b'{"checkpoint":{}}\n\n{"checkpoint":{}}\n')
    assert proc.read_messages() == [{"checkpoint": {}}, {"checkpoint": {}}]
    proc.wait()
    proc = _emitter(b'{"checkpoint":{}}\n{"a":1},{"b":2}\n')
    with pytest.raises(ProtocolError, match="line 2: malformed JSON"):
        proc.read_messages()


def test_decode_block_keeps_documents_as_written() -> None:
    """Documents come back as their exact text; other variants decode empty; anything odd gives None."""
    from flow_sdk.runtime.capture.decode import decode_block

    body = b'{"captured":{"binding":1,"doc":{"a": [1, {"b":null}]}}}\n{"sourcedSchema":{}}\n{"checkpoint":{"state":{}}}'
    decoded = decode_block(body)
    assert decoded is not None and len(decoded) == 3
    first, other, last = decoded
    assert first.captured is not None and first.captured.binding == 1
    assert bytes(first.captured.doc) == b'{"a": [1, {"b":null}]}'
    assert other.captured is None and not other.checkpoint
    assert last.captured is None and bytes(last.checkpoint) == b'{"state":{}}'
    for odd in [
        b'{"captured":{"binding":"1","doc":{}}}',  # a binding of another type
        b'{"captured":{"binding":0}}',  # no document
        b'{"checkpoint":{}},{"checkpoint":{}}',  # two values on one line
        b'{"checkpoint":{}}\n\n{"checkpoint":{}}',  # a blank line
        b'{"captured":{"doc":{}}',  # bad JSON
    ]:
        assert decode_block(odd) is None, odd
