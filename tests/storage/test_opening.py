"""Opening the store: one owner, readers that follow it, tables of other versions, and
stores of another schema refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rocksdict import Options, Rdict

from devfiler.config import SCHEMA_VERSION, data_paths
from devfiler.storage.errors import StoreError
from devfiler.storage.keys import U64
from devfiler.storage.store import Store
from devfiler.storage.tables import (
    ALL_TABLES,
    META,
    SUMMARY_TABLES,
    TRACE_PACKS,
    db_options,
    table_options,
)
from tests.storage.batches import two_trace_batch


def test_second_process_follows_the_owner(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as owner:
        owner.write(two_trace_batch([1]))
        with pytest.raises(StoreError, match="in use"):
            Store.open(paths)
        with Store.open_reader(paths) as reader:
            assert not reader.writable
            assert len(reader.read_events(0, 10)) == 1
        owner.write(two_trace_batch([2]))
        with Store.open_reader(paths) as reader:
            assert len(reader.read_events(0, 10)) == 2


def test_reader_on_missing_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no devfiler data"):
        Store.open_reader(data_paths(tmp_path / "nothing"))


def test_a_table_of_a_newer_version_does_not_keep_the_store_closed(tmp_path: Path) -> None:
    """RocksDB opens a store only with all its column families; one this version does not
    know (a table a newer devfiler added) is opened as it is, for the owner and readers."""
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(two_trace_batch([1]))
        store._db.create_column_family("from_a_newer_version", Options(raw_mode=True))
    with Store.open(paths) as owner:
        assert len(owner.read_events(0, 10)) == 1
        with Store.open_reader(paths) as reader:
            assert len(reader.read_events(0, 10)) == 1


def test_a_reader_follows_an_owner_of_the_version_before_packs_and_summaries(
    tmp_path: Path,
) -> None:
    """An owner that never made `trace_packs` nor the summary tables (versions before) still
    has readers: they read single trace rows and every event from its blocks."""
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(two_trace_batch([1, 2]))
    newer = (TRACE_PACKS, *SUMMARY_TABLES)
    every = {spec.name: table_options(spec) for spec in ALL_TABLES}
    layout = Rdict(str(paths.db), db_options(), column_families=every)
    for spec in newer:
        layout.drop_column_family(spec.name)
    layout.close()
    older = {spec.name: table_options(spec) for spec in ALL_TABLES if spec not in newer}
    owner = Rdict(str(paths.db), db_options(), column_families=older)
    try:
        with Store.open_reader(paths) as reader:
            assert not reader.writable
            assert len(reader.read_events(0, 10)) == 2
            assert reader.read_weights(0, 10).counts.sum() == 2
            assert reader.read_second_sums(0, 10).counts.sum() == 2
            coded = reader.coded_traces(np.array([0, 1]))
            assert coded.lengths.tolist() == [1, 2]
            stats = [t.name for t in reader.table_stats()]
            assert not {spec.name for spec in newer} & set(stats)
    finally:
        owner.close()


def test_a_store_of_a_newer_schema_is_refused_and_left_closed(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store._tables[META.name].put(b"schema", U64.pack(SCHEMA_VERSION + 1))
    # Refused twice alike: the first refusal released the lock. The refusals are kept, and
    # the store in their tracebacks with them, so only closing it releases the lock.
    refusals = []
    for _ in range(2):
        with pytest.raises(
            StoreError, match=rf"newer devfiler \(schema {SCHEMA_VERSION + 1}\)"
        ) as refused:
            Store.open(paths)
        refusals.append(refused)
