"""A small Singer tap written on singer-python (the older library), the way taps of its era are written.

Streams: `counter` (key `id`, INCREMENTAL by `id`, bookmarked every `state_every` records) and
`ticks` (no key, FULL_TABLE). It reads the catalog only from `--properties` and stream selection
from `selected` in each stream's schema, as early taps did. `fail_at` makes it raise at that id.
"""

import json
import sys

import singer
from singer import utils

LOGGER = singer.get_logger()

SCHEMAS = {
    "counter": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "square": {"type": "integer"}, "label": {"type": ["null", "string"]}},
    },
    "ticks": {"type": "object", "properties": {"tick": {"type": "integer"}}},
}


def discover():
    streams = []
    for name, schema in SCHEMAS.items():
        incremental = name == "counter"
        meta = {"table-key-properties": ["id"] if incremental else []}
        if incremental:
            meta["valid-replication-keys"] = ["id"]
        else:
            meta["forced-replication-method"] = "FULL_TABLE"
        streams.append(
            {
                "tap_stream_id": name,
                "stream": name,
                "schema": schema,
                "metadata": [{"breadcrumb": [], "metadata": meta}],
            }
        )
    return {"streams": streams}


def sync(config, catalog, state):
    count, every, fail_at = config["count"], config.get("state_every", 100), config.get("fail_at")
    selected = [s["tap_stream_id"] for s in catalog["streams"] if s.get("schema", {}).get("selected")]
    bookmarks = state.get("bookmarks", {})
    for name in selected:
        singer.write_schema(name, SCHEMAS[name], ["id"] if name == "counter" else [])
        if name == "ticks":
            for tick in range(config.get("ticks", 3)):
                singer.write_record("ticks", {"tick": tick})
            continue
        start = bookmarks.get("counter", {}).get("id", 0)
        LOGGER.info("counter starts after id %d", start)
        for i in range(start + 1, count + 1):
            if fail_at is not None and i == fail_at:
                raise RuntimeError(f"the counter source went away at id {i}")
            singer.write_record("counter", {"id": i, "square": i * i, "label": None if i % 2 else f"n{i}"})
            if i % every == 0:
                state = singer.write_bookmark(state, "counter", "id", i)
                singer.write_state(state)
        state = singer.write_bookmark(state, "counter", "id", count)
        singer.write_state(state)


@utils.handle_top_exception(LOGGER)
def main():
    args = utils.parse_args(["count"])
    if args.discover:
        json.dump(discover(), sys.stdout)
    else:
        sync(args.config, args.properties or discover(), args.state or {})


if __name__ == "__main__":
    main()
