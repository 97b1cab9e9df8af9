"""The window's timeline moved forward with a following range equals the timeline read anew."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from devfiler.analysis.followed_timeline import FollowedTimeline
from devfiler.analysis.results import Selection
from devfiler.analysis.timeline import load_timeline
from devfiler.collector.decode import decode_request
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from devfiler.model import SampleKind
from devfiler.storage.store import Store

SECOND = 1_000_000_000
T = 1_700_000_000 * SECOND


def test_following_while_requests_arrive_equals_reading_anew(tmp_path: Path) -> None:
    params = LoadParams(start_ns=T, seed=4, rate=200.0, duration_s=200.0, threads=3)
    run = [
        (batch.window_end_ns, decode_request(batch.request, batch.window_end_ns).batch)
        for batch in generate(params)
    ]
    with Store.open(data_paths(tmp_path)) as store:
        later = []
        for end, batch in run:
            if end <= T + 100 * SECOND:
                store.write(batch)
            else:
                later.append(batch)
        followed = FollowedTimeline(store)
        for kinds in (frozenset(SampleKind), frozenset({SampleKind.OFF_CPU})):
            view = Selection(T + 10 * SECOND, T + 100 * SECOND, kinds)
            assert followed.get(view) == load_timeline(store, view)
            for step in range(12):
                if step % 4 == 0 and later:
                    store.write(later.pop(0))
                view = dataclasses.replace(
                    view, start_ns=view.start_ns + SECOND, end_ns=view.end_ns + SECOND
                )
                shown = followed.get(view)
                assert shown == load_timeline(store, view)
            assert sum(weight for _, weight in shown.buckets) > 0
        # Filters, a range off whole seconds and another view are read whole.
        thread = Selection(T, T + 100 * SECOND, include=(("thread", "x"),))
        odd = Selection(T + 1, T + 100 * SECOND)
        for view in (thread, odd, Selection(T, T + 120 * SECOND)):
            assert followed.get(view) == load_timeline(store, view)
