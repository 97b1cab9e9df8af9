"""Sizes parse the way --max-disk documents them and print in binary units."""

from __future__ import annotations

import pytest

from devfiler.sizes import format_size, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("10GiB", 10 << 30),
        ("10G", 10 << 30),
        ("500MiB", 500 << 20),
        ("1.5 GiB", 3 << 29),
        ("2048", 2048),
        ("64k", 64 << 10),
        ("1TiB", 1 << 40),
    ],
)
def test_sizes_parse(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "10 parsecs", "-5G", "1e9"])
def test_bad_sizes_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="is not like 10GiB"):
        parse_size(text)


def test_sizes_print_in_binary_units() -> None:
    assert format_size(512) == "512 bytes"
    assert format_size(3 << 29) == "1.5 GiB"
    assert format_size(700 << 20) == "700.0 MiB"
    assert format_size(1 << 50) == "1048576.0 GiB"
