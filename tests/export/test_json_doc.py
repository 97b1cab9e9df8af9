"""The JSON writer of `devfiler query --json`: json.dump's text at any depth."""

from __future__ import annotations

import io
import json

from devfiler.export.json_doc import write_json


def test_write_json_matches_json_dump() -> None:
    doc = {"a": 1, "b": [1, 2.5, {"c": []}, {}], "d": 'x\u00e9"', "e": None, "f": True, "g": (1,)}
    out = io.StringIO()
    write_json(doc, out)
    assert out.getvalue() == json.dumps(doc, indent=1)
    compact = io.StringIO()
    write_json(doc, compact, compact=True)
    assert compact.getvalue() == json.dumps(doc, separators=(",", ":"))


def test_write_json_has_no_nesting_limit() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(5000):
        child: dict[str, object] = {}
        node["children"] = [child]
        node = child
    out = io.StringIO()
    write_json(deep, out)
    assert out.getvalue().count('"children"') == 5000
    assert out.getvalue().endswith("\n" + "}")
