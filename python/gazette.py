"""Wire models of the Gazette broker/consumer types that Flow messages embed."""

from __future__ import annotations

from flow_sdk.wire import Int64, UInt64, WireEnum, WireModel

__all__ = [
    "Checkpoint",
    "CompressionCodec",
    "JournalSpec",
    "Label",
    "LabelSelector",
    "LabelSet",
    "ProducerEntry",
    "ProducerState",
    "ShardSpec",
]


class CompressionCodec(WireEnum):
    """Codec of journal fragments."""

    INVALID = "INVALID"
    NONE = "NONE"
    GZIP = "GZIP"
    ZSTANDARD = "ZSTANDARD"
    SNAPPY = "SNAPPY"
    GZIP_OFFLOAD_DECOMPRESSION = "GZIP_OFFLOAD_DECOMPRESSION"


class Label(WireModel):
    """A name/value pair attached to journals and shards."""

    name: str = ""
    value: str = ""
    # Match on value prefix; only meaningful within a LabelSelector.
    prefix: bool = False


class LabelSet(WireModel):
    """Labels, unique and sorted on (name, value)."""

    labels: list[Label] = []


class LabelSelector(WireModel):
    """Filter over label sets: all of `include`, none of `exclude`."""

    include: LabelSet | None = None
    exclude: LabelSet | None = None


class JournalSpec(WireModel):
    """A journal (collection partition or recovery log) and its configuration."""

    class Fragment(WireModel):
        """How the journal's fragments are built and persisted."""

        length: Int64 = 0
        compression_codec: CompressionCodec = CompressionCodec.INVALID
        stores: list[str] = []
        # Durations stay in protobuf JSON form ("300s").
        refresh_interval: str | None = None
        retention: str | None = None
        flush_interval: str | None = None
        path_postfix_template: str = ""

    name: str = ""
    replication: int = 0
    labels: LabelSet | None = None
    fragment: Fragment | None = None
    # Bit-or of O_RDONLY=1, O_WRONLY=2, O_RDWR=4 (a bitfield, so not an enum).
    flags: int = 0
    max_append_rate: Int64 = 0


class ShardSpec(WireModel):
    """A consumer shard (task shard) and its configuration."""

    class Source(WireModel):
        """A journal the shard reads."""

        journal: str = ""
        min_offset: Int64 = 0

    id: str = ""
    sources: list[Source] = []
    recovery_log_prefix: str = ""
    hint_prefix: str = ""
    hint_backups: int = 0
    max_txn_duration: str | None = None
    min_txn_duration: str | None = None
    disable: bool = False
    hot_standbys: int = 0
    labels: LabelSet | None = None
    disable_wait_for_ack: bool = False
    ring_buffer_size: int = 0
    read_channel_size: int = 0


class ProducerState(WireModel):
    """A producer's last acknowledged clock and next transaction's begin offset."""

    last_ack: UInt64 = 0
    # Offset opening the producer's next transaction, or -1 if there is none.
    begin: Int64 = 0


class ProducerEntry(WireModel):
    """State of one producer of a source journal."""

    # 6-byte producer id, base64.
    id: str = ""
    state: ProducerState | None = None


class Checkpoint(WireModel):
    """Consumer checkpoint: read-through offsets and pending ACK intents."""

    class Source(WireModel):
        """Progress through one source journal."""

        read_through: Int64 = 0
        producers: list[ProducerEntry] = []

    # Keyed by journal name, which may carry a `;suffix`.
    sources: dict[str, Source] = {}
    # Journal name -> ACK document bytes (base64).
    ack_intents: dict[str, str] = {}
