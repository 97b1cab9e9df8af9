"""The flamegraph adapters: flattening, layout, labels, raster, hit testing, filter."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.labels import LabeledFrame, root_frame
from devfiler.analysis.results import FlameNode, Unit
from devfiler.analysis.tree import build_table
from devfiler.model import FileId, FrameKind
from devfiler.ui import flame_view
from devfiler.ui.flame_layout import Geometry, layout, position_at, row_at, row_lines, tooltip
from devfiler.ui.flame_model import FlatFlame, flatten_parts, hit, matches, table_of_tree
from devfiler.ui.flame_view import FlameView
from devfiler.ui.theme import BACKGROUND, FRAME_COLOURS, HEADER_BOX, WRONG_KIND

GEOMETRY = Geometry(width=1000, height=200, row_height=20, char_width=8.0)


def frame(label: str, kind: FrameKind, w: int, *children: FlameNode, self_w: int = 0) -> FlameNode:
    return FlameNode(label, kind, w, self_w, children, frame_key=label)


def flatten(root: FlameNode) -> FlatFlame:
    return flatten_parts([(table_of_tree(root), 1)])


def labels_of(flat: FlatFlame) -> list[str]:
    return [flat.label(i) for i in range(len(flat))]


def sample_tree() -> FlameNode:
    main = frame(
        "app: main in main.c:3",
        FrameKind.NATIVE,
        80,
        frame("do_work in work.py:10", FrameKind.CPYTHON, 60, self_w=60),
        frame("sys_read", FrameKind.KERNEL, 20, self_w=20),
    )
    tiny = frame("tiny", FrameKind.GO, 1, self_w=1)
    thread_a = FlameNode("worker", None, 80, 0, (main,), frame_key="thread:worker")
    thread_b = FlameNode("gc", None, 20, 0, (frame("gc_run", FrameKind.JVM, 19, self_w=19), tiny))
    return FlameNode("100% of all CPU cycles", None, 100, 0, (thread_a, thread_b))


def test_flatten_lays_children_left_to_right_under_parents() -> None:
    flat = flatten(sample_tree())
    labels = labels_of(flat)
    assert labels[0] == "100% of all CPU cycles"
    assert flat.total == 100
    by_label = dict(zip(labels, range(len(labels)), strict=True))
    assert flat.table.depth[by_label["worker"]] == 1
    assert flat.start[by_label["gc"]] == 80
    assert flat.start[by_label["sys_read"]] == 60
    assert flat.table.depth[by_label["sys_read"]] == 3
    assert flat.table.parent[by_label["sys_read"]] == by_label["app: main in main.c:3"]
    assert flat.start[by_label["tiny"]] == 99
    assert [flat.label(i) for i in flat.rows[1]] == ["worker", "gc"]


def test_flatten_places_a_table_from_the_analysis_layer() -> None:
    frames = [LabeledFrame(n, n, FrameKind.NATIVE, n, key=n) for n in "abc"]
    # Paths, outermost first: a;b (x3), a;c (x4), a (x1), c (x2).
    codes = np.array([0, 1, 0, 2, 0, 2], dtype=np.int64)
    offsets = np.array([0, 2, 4, 5, 6], dtype=np.int64)
    table = build_table(frames, codes, offsets, [np.array([3, 4, 1, 2])], root_frame("all"))
    flat = flatten_parts([(table, 1)])
    assert labels_of(flat) == ["all", "a", "c", "b", "c"]
    assert flat.start.tolist() == [0, 0, 0, 4, 8]
    assert [flat.label(i) for i in flat.rows[2]] == ["c", "b"]
    assert flat.path(3) == ("all", "a", "b")
    assert flat.find_path(flat.path(3)) == 3
    assert matches(flat, "all").tolist() == [0]
    node = flat.table.node(2)
    assert (node.label, node.weight, node.self_weight, node.function) == ("c", 4, 4, "c")


def test_every_node_starts_at_its_parent_plus_its_earlier_siblings() -> None:
    """On a deep, cut tree (left-out weight sits at each parent's right end)."""
    rng = np.random.default_rng(3)
    frames = [LabeledFrame(n, n, FrameKind.NATIVE, n, key=n) for n in "abcdefgh"]
    paths = [rng.integers(0, 8, int(rng.integers(0, 12))) for _ in range(400)]
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in paths], out=offsets[1:])
    weights = rng.integers(1, 50, len(paths))
    table = build_table(
        frames, np.concatenate(paths), offsets, [weights], root_frame("all"), min_weight=40
    )
    flat = flatten_parts([(table, 1)])
    assert table.omitted is not None and table.omitted.any()
    for node in range(1, len(table)):
        parent = int(table.parent[node])
        earlier = [
            sibling for sibling in range(parent + 1, node) if table.parent[sibling] == parent
        ]
        expected = flat.start[parent] + sum(int(table.weight[s]) for s in earlier)
        assert flat.start[node] == expected


def test_table_of_tree_keeps_every_node() -> None:
    table = table_of_tree(sample_tree())
    assert table.tree() == sample_tree()
    assert table.end.tolist()[:3] == [len(table), 5, 5]
    assert len(table.boxes) == len(table)


def test_colours_follow_frame_kind() -> None:
    flat = flatten(sample_tree())
    colours = {flat.label(i): tuple(flat.colours(np.array([i]))[0]) for i in range(len(flat))}
    assert colours["sys_read"] == FRAME_COLOURS[FrameKind.KERNEL]
    assert colours["do_work in work.py:10"] == FRAME_COLOURS[FrameKind.CPYTHON]
    assert colours["worker"] == HEADER_BOX
    odd = flatten(frame("x", FrameKind.OTHER, 1))
    assert tuple(odd.colours(np.array([0]))[0]) == WRONG_KIND


def test_go_frames_stand_apart_from_native_and_kernel_frames() -> None:
    go = np.asarray(FRAME_COLOURS[FrameKind.GO], dtype=float)
    for other in (FrameKind.NATIVE, FrameKind.KERNEL):
        distance = np.linalg.norm(go - np.asarray(FRAME_COLOURS[other], dtype=float))
        assert distance > 90, other


def test_layout_skips_boxes_under_one_pixel_and_fits_labels() -> None:
    flat = flatten(sample_tree())
    narrow = Geometry(width=50, height=200, row_height=20, char_width=8.0)
    boxes = layout(flat, FlameView(), narrow)
    drawn = {flat.label(i) for i in boxes.index}
    assert "tiny" not in drawn  # 1/100 of 50 px
    assert "gc_run" in drawn
    wide = layout(flat, FlameView(), GEOMETRY)
    assert "tiny" in {flat.label(i) for i in wide.index}
    texts = {label.text for label in wide.labels}
    assert "100% of all CPU cycles" in texts
    # sys_read: 200 px box -> whole label; do_work: 600 px.
    assert "sys_read" in texts
    short = [label.text for label in boxes.labels if "app" in label.text]
    assert short and len(short[0]) <= (40 - 6) // 8


def test_layout_of_zoomed_view_and_scrolling() -> None:
    flat = flatten(sample_tree())
    index = labels_of(flat).index("sys_read")
    view = flame_view.zoom_to(flat, index, FlameView())
    boxes = layout(flat, view, GEOMETRY)
    at = {flat.label(i): (int(boxes.x0[k]), int(boxes.x1[k])) for k, i in enumerate(boxes.index)}
    assert at["sys_read"] == (0, 1000)
    assert "do_work in work.py:10" not in at
    scrolled = layout(flat, FlameView(top=40), GEOMETRY)
    ys = {flat.label(i): int(scrolled.y[k]) for k, i in enumerate(scrolled.index)}
    assert ys["app: main in main.c:3"] == 0
    assert "100% of all CPU cycles" not in ys


def test_filter_dims_other_boxes() -> None:
    flat = flatten(sample_tree())
    found = matches(flat, "DO_WORK")
    assert [flat.label(i) for i in found] == ["do_work in work.py:10"]
    assert len(matches(flat, "wo")) == 0
    boxes = layout(flat, FlameView(), GEOMETRY, highlight=found)
    colours = {flat.label(i): tuple(boxes.colour[k]) for k, i in enumerate(boxes.index)}
    assert colours["do_work in work.py:10"] == FRAME_COLOURS[FrameKind.CPYTHON]
    assert colours["sys_read"] != FRAME_COLOURS[FrameKind.KERNEL]


def test_row_lines_paint_box_colours_and_gaps() -> None:
    flat = flatten(sample_tree())
    boxes = layout(flat, FlameView(), GEOMETRY)
    painted = row_lines(boxes, GEOMETRY.width)
    assert painted.tops.tolist() == [0, 20, 40, 60]
    assert painted.lines.shape == (4, 1000, 3)
    kernel = np.asarray(FRAME_COLOURS[FrameKind.KERNEL]) / 255.0
    background = np.asarray(BACKGROUND) / 255.0
    assert np.allclose(painted.lines[3, 700], kernel)  # row 3, x in [600, 800)
    assert np.allclose(painted.lines[3, 799], background)  # gap between boxes
    assert np.allclose(painted.lines[3, 900], background)  # nothing there
    out = np.zeros((2, 1000, 3), dtype=np.float32)
    clipped = row_lines(boxes, GEOMETRY.width, out=out)
    assert clipped.tops.tolist() == [0, 20] and np.shares_memory(clipped.lines, out)


def test_hit_testing_maps_pixels_to_nodes() -> None:
    flat = flatten(sample_tree())
    view = FlameView()
    row = row_at(flat, view, 65, GEOMETRY.row_height)
    node = hit(flat, row, position_at(flat, view, 700, GEOMETRY.width))
    assert node is not None and flat.label(node) == "sys_read"
    assert hit(flat, row, position_at(flat, view, 900, GEOMETRY.width)) is None
    assert hit(flat, 99, 10.0) is None


def test_view_follows_zoomed_node_into_new_data() -> None:
    flat = flatten(sample_tree())
    index = labels_of(flat).index("gc_run")
    view = flame_view.zoom_to(flat, index, FlameView())
    grown = flatten(
        FlameNode(
            "100% of all CPU cycles",
            None,
            200,
            0,
            (*sample_tree().children, frame("new", FrameKind.GO, 100)),
        )
    )
    moved = flame_view.follow(view, grown)
    assert (moved.x0, moved.x1) == (80 / 200, 99 / 200)
    panned = flame_view.pan(view, 100, 0, 1000)
    assert panned.focus is None and panned.x0 > view.x0


def test_a_zoom_whose_frame_is_gone_resets() -> None:
    flat = flatten(sample_tree())
    view = flame_view.zoom_to(flat, labels_of(flat).index("gc_run"), FlameView())
    without_gc = flatten(
        FlameNode("100% of all CPU cycles", None, 80, 0, (sample_tree().children[0],))
    )
    assert flame_view.follow(view, without_gc) == FlameView()
    panned = flame_view.pan(view, 10, 0, 1000)
    assert flame_view.follow(panned, without_gc) == panned


def test_root_text_says_filtered_and_zoomed() -> None:
    whole = FlameView()
    base = "100% of all CPU cycles"
    assert flame_view.root_text(base, whole, filtered=False, focus_label=None) == base
    assert (
        flame_view.root_text(base, whole, filtered=True, focus_label=None)
        == "100% of the filtered CPU cycles"
    )
    zoomed = FlameView(0.2, 0.4, focus=("root", "gc"))
    assert flame_view.root_text(base, zoomed, filtered=False, focus_label="gc_run") == (
        "100% of all CPU cycles - zoomed into gc_run: double-click or Esc to reset"
    )
    assert flame_view.root_text(base, FlameView(0.2, 0.4), filtered=True, focus_label=None) == (
        "100% of the filtered CPU cycles - zoomed in: double-click or Esc to reset"
    )


def test_layout_puts_the_root_text_on_the_root_bar() -> None:
    flat = flatten(sample_tree())
    boxes = layout(flat, FlameView(), GEOMETRY, top_text="100% of the filtered CPU cycles")
    assert boxes.labels[0].text == "100% of the filtered CPU cycles"
    assert boxes.labels[1].text == "worker"


def test_zoom_at_keeps_the_anchor_and_clamp_limits() -> None:
    view = flame_view.zoom_at(FlameView(), 0.5, 0.25)
    assert (view.x0, view.x1) == (0.125, 0.625)
    out = flame_view.clamp(flame_view.pan(view, -10_000, -50, 1000), 400, 200)
    assert out.x0 == 0.0 and out.span == 0.5 and out.top == 0.0


def test_sandwich_parts_put_callers_above() -> None:
    callees = frame("f", FrameKind.NATIVE, 10, frame("g", FrameKind.NATIVE, 4))
    callers = frame("f", FrameKind.NATIVE, 10, frame("caller", FrameKind.NATIVE, 10))
    flat = flatten_parts([(table_of_tree(callees), 1), (table_of_tree(callers), -1)])
    depths = {flat.label(i): int(flat.table.depth[i]) for i in range(len(flat))}
    assert depths == {"f": 0, "g": 1, "caller": -1}
    assert flat.min_depth == -1
    caller = labels_of(flat).index("caller")
    assert flat.path(caller) == ("f", "caller")
    assert flat.find_path(("f", "caller")) == caller
    assert flat.find_path(("f", "g")) == labels_of(flat).index("g")
    assert flat.find_path(("f", "gone")) is None


def test_tooltip_lists_weights_and_developer_details() -> None:
    node = FlameNode(
        "libc.so.6+0x1a2b",
        FrameKind.NATIVE,
        50,
        5,
        file_id=FileId(0xAB),
        address=0x1A2B,
        frame_key="k",
    )
    lines = tooltip(node, 200, Unit.SAMPLES, dev_mode=False)
    assert "Self:  5 samples (2.50%)" in lines and "Total: 50 samples (25.00%)" in lines
    assert not any("File ID" in line for line in lines)
    dev = tooltip(node, 200, Unit.NANOSECONDS, dev_mode=True)
    assert "Address: 0x1a2b" in dev and any(line.startswith("File ID: 000") for line in dev)
    assert "Total: 50 ns (25.00%)" in dev


def test_rasterize_drops_boxes_clipped_to_nothing_at_the_left_edge() -> None:
    flat = flatten(sample_tree())
    # do_work ends 0.3 px right of the window's left edge, sys_read starts there.
    view = FlameView(0.6 - 0.3 / 1000 * 0.2, 0.8 - 0.3 / 1000 * 0.2)
    boxes = layout(flat, view, GEOMETRY)
    painted = row_lines(boxes, GEOMETRY.width)
    kernel = np.asarray(FRAME_COLOURS[FrameKind.KERNEL]) / 255.0
    assert np.allclose(painted.lines[3, 0], kernel)


def test_rows_without_visible_boxes_keep_their_line() -> None:
    flat = flatten(sample_tree())
    # Zoomed onto "tiny": rows 3 and below hold nothing there, but are still content.
    view = FlameView(0.99, 1.0)
    boxes = layout(flat, view, GEOMETRY)
    assert {flat.label(i) for i in boxes.index} == {"100% of all CPU cycles", "gc", "tiny"}
    assert boxes.tops.tolist() == [0, 20, 40, 60]
    painted = row_lines(boxes, GEOMETRY.width)
    background = np.asarray(BACKGROUND) / 255.0
    assert np.allclose(painted.lines[3], background)
    assert np.allclose(painted.lines[2, 500], np.asarray(FRAME_COLOURS[FrameKind.GO]) / 255.0)
