"""Merging symbol sources by priority and normalizing ranges (the range model)."""

from __future__ import annotations

from devfiler.symbolize.formats.ranges import RangeBuilder, RangeTable, merge


def _table(functions: list[tuple[int, int, str]], inlined: int = 0) -> RangeTable:
    builder = RangeBuilder()
    for start, end, name in functions:
        builder.add_range(start, end, 0, builder.intern(name))
        for depth in range(1, inlined + 1):
            builder.add_range(
                start + depth, end - depth, depth, builder.intern(f"{name}.in{depth}")
            )
    builder.add_line(functions[0][0], builder.intern("a.c"), 7)
    builder.end_sequence(functions[0][1])
    return builder.build()


def _names(table: RangeTable) -> list[tuple[int, int, str]]:
    return [
        (int(s), int(d), table.strings[int(f)])
        for s, d, f in zip(table.start, table.depth, table.func, strict=True)
    ]


def test_higher_source_wins_where_it_covers() -> None:
    dwarf = _table([(100, 200, "f")], inlined=2)
    go = _table([(150, 160, "go_f"), (300, 400, "go_g")], inlined=1)
    symtab = _table([(100, 200, "f_sym"), (300, 400, "g_sym"), (500, 600, "h_sym")])
    merged = merge([dwarf, go, symtab]).normalized()
    assert _names(merged) == [
        (100, 0, "f"),
        (300, 0, "go_g"),
        (500, 0, "h_sym"),
        (101, 1, "f.in1"),
        (301, 1, "go_g.in1"),
        (102, 2, "f.in2"),
    ]
    # Line rows of lower sources are dropped inside what higher sources cover.
    assert merged.line_addr.tolist() == [100, 200]


def test_normalized_drops_overlaps_within_a_depth_and_keeps_last_row_per_address() -> None:
    builder = RangeBuilder()
    for start, end, name in [(10, 20, "a"), (10, 20, "alias"), (15, 30, "overlap"), (30, 40, "b")]:
        builder.add_range(start, end, 0, builder.intern(name))
    file = builder.intern("x.c")
    builder.add_line(10, file, 1)
    builder.add_line(10, file, 2)
    builder.end_sequence(20)
    builder.add_line(20, file, 9)
    table = builder.build().normalized()
    assert [table.strings[int(f)] for f in table.func] == ["a", "b"]
    assert table.line_addr.tolist() == [10, 20]
    assert table.line_no.tolist() == [2, 9]
