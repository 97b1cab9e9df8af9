"""Flags shared by the top level and the subcommands may stand before or after the command."""

from __future__ import annotations

import pytest

from devfiler.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "D", "query", "stats"],
        ["query", "stats", "--data-dir", "D"],
        ["--data-dir", "D", "query", "top"],
        ["query", "flamegraph", "--data-dir", "D"],
        ["--data-dir", "D", "symbols", "list"],
        ["symbols", "add", "x", "--data-dir", "D"],
        ["--data-dir", "D", "symbolize", "x", "0x1"],
        ["--data-dir", "D", "collector"],
        ["--data-dir", "D"],
    ],
)
def test_data_dir_before_or_after_the_command(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).data_dir == "D"


@pytest.mark.parametrize("argv", [["query", "stats"], ["symbols", "list"], [], ["collector"]])
def test_data_dir_defaults_to_none(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).data_dir is None


@pytest.mark.parametrize(
    "argv", [["--last", "1h", "query", "top"], ["query", "top", "--last", "1h"], ["--last", "1h"]]
)
def test_time_range_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.start, args.end, args.last) == (None, None, "1h")
