"""The tables of the store, declared in one place: name, key, value, tuning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from rocksdict import BlockBasedOptions, DBCompressionType, Options

from devfiler.storage.keys import encode_second


class ReadPattern(Enum):
    SCAN = "range scans"
    POINT = "point lookups"


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    key: str
    value: str
    pattern: ReadPattern
    time_key: Callable[[int], bytes] | None = None
    """For tables whose keys start with a time: the first key at or after a second.

    Retention (storage/retention.py) deletes the rows of every such table
    older than its cutoff as one key range, so a table added later is covered
    by declaring this.
    """


EVENTS = TableSpec(
    "events",
    "big-endian biased second | sample kind | block sequence",
    "columnar event block (storage/blocks.py)",
    ReadPattern.SCAN,
    time_key=encode_second,
)
TRACES = TableSpec(
    "traces",
    "trace number (u32 big-endian, storage/trace_numbers.py)",
    "xxh3-128 trace hash | frame list, leaf first",
    ReadPattern.POINT,
)
TRACE_NUMBERS = TableSpec(
    "trace_numbers", "xxh3-128 trace hash", "trace number (u32 big-endian)", ReadPattern.POINT
)
FRAMES = TableSpec(
    "frames", "file ID | address (24 bytes)", "JSON: kind, agent symbols", ReadPattern.POINT
)
TRACE_PACKS = TableSpec(
    "trace_packs",
    "first trace number of the pack (u32 big-endian)",
    "the pack's traces as frame codes and its frame table (storage/trace_packs.py)",
    ReadPattern.POINT,
)
EXECUTABLES = TableSpec(
    "executables", "file ID (16 bytes)", "JSON: file name, build IDs", ReadPattern.SCAN
)
CONTEXTS = TableSpec(
    "contexts", "xxh3-64 of the encoded context", "JSON: thread, process", ReadPattern.POINT
)
META = TableSpec(
    "meta",
    "ASCII name",
    "schema version, block sequence, next trace number, traces per pack",
    ReadPattern.POINT,
)

SUMMARY_INDEX = TableSpec(
    "summary_index",
    "summary key: bucket start second as in `events` | bucket length (storage/summary_format.py)",
    "empty: which buckets are summarized, readable without their summaries",
    ReadPattern.SCAN,
    time_key=encode_second,
)
SUMMARY_ROWS = TableSpec(
    "summary_rows",
    "summary key",
    "columnar (trace, context, kind) rows of the bucket's events (storage/summary_format.py)",
    ReadPattern.POINT,
    time_key=encode_second,
)
SUMMARY_SECONDS = TableSpec(
    "summary_seconds",
    "summary key",
    "columnar per-(second, kind) sums of the bucket's events (storage/summary_format.py)",
    ReadPattern.POINT,
    time_key=encode_second,
)
SUMMARY_CELLS = TableSpec(
    "summary_cells",
    "summary key (buckets of the finest length only)",
    "columnar per-(second, 10 ms row, kind) sums for FlameScope (storage/summary_format.py)",
    ReadPattern.POINT,
    time_key=encode_second,
)
SUMMARY_TABLES = (SUMMARY_INDEX, SUMMARY_ROWS, SUMMARY_SECONDS, SUMMARY_CELLS)
"""A bucket's summary is a row in each, written and deleted together."""

ALL_TABLES = (
    EVENTS,
    TRACES,
    TRACE_NUMBERS,
    TRACE_PACKS,
    FRAMES,
    EXECUTABLES,
    CONTEXTS,
    META,
    *SUMMARY_TABLES,
)


BLOCK_BYTES = 16 * 1024
DICTIONARY_BYTES = 64 * 1024
_DICTIONARY_SAMPLES = 100
_ZSTD_LEVEL = 3
_ZSTD_WINDOW_BITS = -14
"""RocksDB's default: zstd picks the window from the block."""


def table_options(spec: TableSpec) -> Options:
    """Per-table RocksDB options: zstd with a dictionary trained per table file, on every level.

    What repeats in these tables repeats across rows, not within one: the
    same file IDs in the frame records of thousands of traces, the same JSON
    keys in every frame and context, the same context keys in every second's
    blocks. A dictionary sampled from the whole file catches that; per block
    without one, zstd saw little of it. Larger blocks than RocksDB's 4 KiB
    help the same way, and cost little where reads fetch many neighbouring
    rows (trace numbers are dense, seconds are adjacent). Compression runs in
    RocksDB's flush and compaction threads, not in the writer's.
    """
    options = Options(raw_mode=True)
    options.set_compression_type(DBCompressionType.zstd())
    options.set_bottommost_compression_type(DBCompressionType.zstd())
    options.set_compression_options(_ZSTD_WINDOW_BITS, _ZSTD_LEVEL, 0, DICTIONARY_BYTES)
    options.set_bottommost_compression_options(
        _ZSTD_WINDOW_BITS, _ZSTD_LEVEL, 0, DICTIONARY_BYTES, True
    )
    options.set_zstd_max_train_bytes(_DICTIONARY_SAMPLES * DICTIONARY_BYTES)
    options.set_bottommost_zstd_max_train_bytes(_DICTIONARY_SAMPLES * DICTIONARY_BYTES, True)
    blocks = BlockBasedOptions()
    blocks.set_block_size(BLOCK_BYTES)
    options.set_block_based_table_factory(blocks)
    if spec.pattern is ReadPattern.SCAN:
        options.set_write_buffer_size(64 * 1024 * 1024)
    return options


def db_options(log_dir: Path | None = None) -> Options:
    """Options of the whole database; RocksDB's info log goes to `log_dir` when given."""
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    options.create_missing_column_families(True)
    options.set_max_background_jobs(2)
    options.set_keep_log_file_num(3)
    if log_dir is not None:
        options.set_db_log_dir(str(log_dir))
    return options
