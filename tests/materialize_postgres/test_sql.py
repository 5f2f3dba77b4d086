"""The pure layers: identifier quoting, type mapping, COPY encoding, and rendered SQL (snapshots)."""

from __future__ import annotations

import orjson
import pytest

from flow_sdk.errors import ConfigError

from .conftest import connector_module
from .helpers import projection

sql = connector_module("sql")
mapping = connector_module("mapping")
encode = connector_module("encode")
ColumnSpec = mapping.ColumnSpec

COLUMNS = [
    ColumnSpec("id", "bigint", False, "key", "integer"),
    ColumnSpec('we"ird; DROP TABLE x', "text", True, "value", "string"),
    ColumnSpec("flow_document", "jsonb", False, "document", "object"),
]
TABLE = sql.Table("my schema", "select")


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("plain", '"plain"'),
        ("select", '"select"'),
        ('a"b', '"a""b"'),
        ("x; DROP TABLE t; --", '"x; DROP TABLE t; --"'),
        ("naïve ünïcode 表", '"naïve ünïcode 表"'),
        ("with space", '"with space"'),
    ],
)
def test_ident_quotes_every_name(name: str, quoted: str) -> None:
    """Quotes are doubled and the whole name is quoted, whatever it holds."""
    assert sql.ident(name) == quoted


@pytest.mark.parametrize("name", ["", "nul\x00", "x" * 64])
def test_ident_rejects_names_postgres_would_mangle(name: str) -> None:
    """Empty names, NULs and names PostgreSQL would truncate are configuration errors."""
    with pytest.raises(ConfigError):
        sql.ident(name)


def test_create_table_snapshot() -> None:
    """DDL of a standard binding: NOT NULL from nullability, a primary key over the keys."""
    assert sql.create_table(TABLE, COLUMNS, delta_updates=False) == (
        'CREATE TABLE IF NOT EXISTS "my schema"."select" (\n'
        '  "id" bigint NOT NULL,\n'
        '  "we""ird; DROP TABLE x" text,\n'
        '  "flow_document" jsonb NOT NULL,\n'
        '  PRIMARY KEY ("id")\n'
        ")"
    )
    assert "PRIMARY KEY" not in sql.create_table(TABLE, COLUMNS, delta_updates=True)


def test_evolution_ddl_snapshots() -> None:
    """Added columns are nullable; widening converts values with a USING expression."""
    assert sql.add_column(TABLE, COLUMNS[1]) == (
        'ALTER TABLE "my schema"."select" ADD COLUMN IF NOT EXISTS "we""ird; DROP TABLE x" text'
    )
    assert sql.drop_not_null(TABLE, "id") == 'ALTER TABLE "my schema"."select" ALTER COLUMN "id" DROP NOT NULL'
    assert sql.widen_column(TABLE, "n", "bigint", "numeric") == (
        'ALTER TABLE "my schema"."select" ALTER COLUMN "n" TYPE numeric USING "n"::numeric'
    )


def test_load_and_store_snapshots() -> None:
    """One UNION ALL join for loads; one upsert, delete and soft-delete statement per binding."""
    keys = COLUMNS[:1]
    assert sql.load_query([(0, TABLE, keys, "flow_document"), (2, sql.Table("public", "t2"), keys, "doc")]) == (
        'SELECT 0::int, l."flow_load_ordinal", r."flow_document" FROM "my schema"."select" AS r'
        ' JOIN pg_temp."flow_load_0" AS l ON r."id" = l."id"\n'
        "UNION ALL\n"
        'SELECT 2::int, l."flow_load_ordinal", r."doc" FROM "public"."t2" AS r'
        ' JOIN pg_temp."flow_load_2" AS l ON r."id" = l."id"'
    )
    assert sql.merge_updates(TABLE, "flow_update_0", COLUMNS) == (
        'INSERT INTO "my schema"."select" ("id", "we""ird; DROP TABLE x", "flow_document")'
        ' SELECT "id", "we""ird; DROP TABLE x", "flow_document" FROM pg_temp."flow_update_0"'
        ' ON CONFLICT ("id") DO UPDATE SET "we""ird; DROP TABLE x" = EXCLUDED."we""ird; DROP TABLE x",'
        ' "flow_document" = EXCLUDED."flow_document"'
    )
    assert sql.delete_staged(TABLE, "flow_delete_0", keys) == (
        'DELETE FROM "my schema"."select" AS r USING pg_temp."flow_delete_0" AS d WHERE r."id" = d."id"'
    )
    assert sql.copy_into(TABLE.sql(), COLUMNS) == (
        'COPY "my schema"."select" ("id", "we""ird; DROP TABLE x", "flow_document") FROM STDIN'
    )


def test_fence_statements_snapshot() -> None:
    """The commit writes the checkpoint only where the fence still matches; % in names is escaped."""
    assert sql.commit_checkpoint("pct%s") == (
        'UPDATE "pct%%s"."flow_checkpoints_v1" SET checkpoint = %s'
        " WHERE materialization = %s AND key_begin = %s AND key_end = %s AND fence = %s"
    )
    assert "key_begin <= %s AND key_end >= %s" in sql.bump_fences("public")
    assert "ORDER BY key_end - key_begin ASC LIMIT 1" in sql.covering_checkpoint("public")


@pytest.mark.parametrize(
    ("proj", "expected"),
    [
        (projection("i", ["integer"]), "bigint"),
        (projection("i", ["integer"], numeric={"hasMaximum": True, "maximum": 1e20}), "numeric"),
        (
            projection("i", ["integer"], numeric={"hasMinimum": True, "minimum": -5, "hasMaximum": True, "maximum": 9}),
            "bigint",
        ),
        (projection("n", ["number"]), "double precision"),
        (projection("n", ["integer", "number"]), "double precision"),
        (projection("b", ["boolean"]), "boolean"),
        (projection("s", ["string"]), "text"),
        (projection("s", ["string"], fmt="date-time"), "timestamp with time zone"),
        (projection("s", ["string"], fmt="date"), "date"),
        (projection("s", ["string"], fmt="time"), "time without time zone"),
        (projection("s", ["string"], fmt="uuid"), "uuid"),
        (projection("s", ["string"], fmt="integer"), "numeric"),
        (projection("s", ["string"], fmt="number"), "numeric"),
        (projection("s", ["string"], encoding="base64"), "bytea"),
        (projection("o", ["object"]), "jsonb"),
        (projection("a", ["array"]), "jsonb"),
        (projection("m", ["string", "integer"]), "jsonb"),
        (projection("z", ["null"]), None),
    ],
)
def test_type_mapping(proj: dict[str, object], expected: str | None) -> None:
    """JSON types and string formats map to the PostgreSQL types the issue lists."""
    assert mapping.pg_type(proj) == expected


def test_row_encoder_escapes_for_copy_text() -> None:
    """Tabs, newlines and backslashes are escaped; None is \\N; JSON backslashes are doubled."""
    cols = [
        ColumnSpec("k", "text", False, "key", "string"),
        ColumnSpec("s", "text", True, "value", "string"),
        ColumnSpec("b", "boolean", True, "value", "boolean"),
        ColumnSpec("n", "double precision", True, "value", "number"),
        ColumnSpec("bin", "bytea", True, "value", "string"),
        ColumnSpec("flow_document", "jsonb", False, "document", "object"),
    ]
    line = encode.row_encoder(cols)(["a\tb"], ["x\\y\nz\r", False, None, "AAE="], {"q": 'say "hi"\\'})
    assert line == 'a\\tb\tx\\\\y\\nz\\r\tf\t\\N\t\\\\x0001\t{"q":"say \\\\"hi\\\\"\\\\\\\\"}\n'


def test_row_encoder_fast_paths_match_the_careful_encoders() -> None:
    """Inline checks take the fast path only when nothing needs escaping; numbers stay valid input."""
    cols = [
        ColumnSpec("k", "bigint", False, "key", "integer"),
        ColumnSpec("s", "text", True, "value", "string"),
        ColumnSpec("n", "double precision", True, "value", "number"),
        ColumnSpec("j", "jsonb", True, "value", "object"),
        ColumnSpec("flow_document", "jsonb", False, "document", "object"),
    ]
    row = encode.row_encoder(cols)
    strings = ["plain", "tab\there", "back\\slash", "cr\rlf\n", "\x0bvertical", "ünïcode ✓", "\\N", ""]
    for s in strings:
        assert row([1], [s, 1.5, None], {}) == f"1\t{encode.text(s)}\t1.5\t\\N\t{{}}\n"
    numbers = [(0.1, "0.1"), (1e16, "1e+16"), (-2.5e-7, "-2.5e-7"), (3, "3"), (2**70, str(2**70))]
    for value, text in numbers:
        assert row([1], ["x", value, None], {}).split("\t")[2] == text
        assert float(text) == value
    assert row([1], [None, None, {"a": "b\\c"}], {"d": "\t"}) == '1\t\\N\t\\N\t{"a":"b\\\\\\\\c"}\t{"d":"\\\\t"}\n'


def test_load_table_is_analyzed_by_name() -> None:
    assert sql.analyze_load_table(3) == 'ANALYZE pg_temp."flow_load_3"'


def test_batch_encoder_matches_row_encoder() -> None:
    """Whole-batch encoding gives exactly the row encoder's lines; wrong lengths raise ValueError."""
    cols = [
        ColumnSpec("k", "text", False, "key", "string"),
        ColumnSpec("k2", "bigint", False, "key", "integer"),
        ColumnSpec("s", "text", True, "value", "string"),
        ColumnSpec("n", "double precision", True, "value", "number"),
        ColumnSpec("flow_document", "jsonb", False, "document", "object"),
    ]
    keys = [["a\tb", 1], ["plain", 2], ["\\", 3]]
    values = [["x\ny", 0.5], [None, None], ["ok", 7]]
    docs = [{"q": "\\"}, {}, {"r": [1, 2]}]
    row = encode.row_encoder(cols)
    assert encode.batch_encoder(cols)(keys, values, docs) == list(map(row, keys, values, docs))
    keys_only = [c for c in cols if c.role != "value"]
    assert encode.batch_encoder(keys_only)(keys, [[], [], []], docs) == [
        encode.row_encoder(keys_only)(k, [], d) for k, d in zip(keys, docs, strict=True)
    ]
    with pytest.raises(ValueError):
        encode.batch_encoder(cols)([["a", 1]], [["x", 1.0, "extra"]], [{}])


def test_batch_encoder_from_document_texts() -> None:
    """From the documents' JSON texts: the same lines as from the documents, and text whitespace escaped."""
    cols = [
        ColumnSpec("k", "bigint", False, "key", "integer"),
        ColumnSpec("s", "text", True, "value", "string"),
        ColumnSpec("flow_document", "jsonb", False, "document", "object"),
    ]
    docs = [{"q": 'say "hi" \\ \n', "ü": "ß"}, {}, {"r": [1, 2.5, None]}]
    keys, values = [[1], [2], [3]], [["x\ty"], [None], ["ok"]]
    texts = [memoryview(orjson.dumps(d)) for d in docs]  # any bytes-like object, as msgspec.Raw is
    from_texts = encode.batch_encoder(cols, doc_text=True)
    assert from_texts(keys, values, texts) == encode.batch_encoder(cols)(keys, values, docs)
    # Whitespace a connector may leave in JSON text: a tab or carriage return is escaped for COPY.
    assert from_texts([[4]], [[None]], [b'{"a":\t1,\r"b": 2}']) == ['4\t\\N\t{"a":\\t1,\\r"b": 2}\n']
