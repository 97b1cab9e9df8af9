"""Every generated request reads cleanly through the collector's decoder."""

from __future__ import annotations

from devfiler.collector.decode import decode_request
from devfiler.model import FrameKind, SampleKind
from tests.loadgen.requests_view import batches, small_params, timestamp_count

_SYMBOLIZED_BY_AGENT = {
    FrameKind.KERNEL, FrameKind.GO, FrameKind.CPYTHON, FrameKind.PHP, FrameKind.JVM,
    FrameKind.RUBY, FrameKind.PERL, FrameKind.V8JS, FrameKind.DOTNET, FrameKind.BEAM,
    FrameKind.LUAJIT, FrameKind.ABORT,
}  # fmt: skip


def test_every_request_decodes_with_one_event_per_timestamp() -> None:
    kinds_seen: set[FrameKind] = set()
    for batch in batches(small_params()):
        result = decode_request(batch.request, batch.window_end_ns)
        assert result.rejected_profiles == 0, result.error_message
        assert result.samples == timestamp_count(batch.request) == batch.events
        assert [rows.kind for rows in result.batch.events] == [batch.kind]
        rows = result.batch.events[0]
        assert rows.timestamps.min() >= batch.window_start_ns
        assert rows.timestamps.max() < batch.window_end_ns
        if batch.kind is SampleKind.OFF_CPU:
            assert (rows.weights > 1).all()
        else:
            assert (rows.weights == 1).all()
        assert result.batch.executables
        kinds_seen.update(frame.kind for frame in result.batch.frames)
    assert kinds_seen >= _SYMBOLIZED_BY_AGENT
    assert {FrameKind.OTHER, FrameKind.UNKNOWN}.isdisjoint(kinds_seen)
