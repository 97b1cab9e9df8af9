"""Message classes from a field table: scalars, nested messages, repeated fields and oneofs."""

from __future__ import annotations

from devfiler.proto_schema import Fields, file_descriptor, message_classes

TABLE: Fields = {
    "Outer": (
        ("low_value", 1, "sint64", False, "value"),
        ("high_value", 2, "uint64", False, "value"),
        ("inner", 3, "Inner", True, ""),
        ("blob", 4, "bytes", False, ""),
    ),
    "Inner": (("names", 1, "string", True, ""), ("on", 2, "bool", False, "")),
}


def test_a_table_builds_classes_that_round_trip() -> None:
    classes = message_classes(file_descriptor("t.proto", "test.pkg", TABLE))
    assert set(classes) == {"Outer", "Inner"}
    outer = classes["Outer"](low_value=-3, blob=b"\x00\x01")
    outer.inner.add(names=["a", "b"], on=True)
    again = classes["Outer"].FromString(outer.SerializeToString())
    assert again == outer and again.WhichOneof("value") == "low_value"
    again.high_value = 7
    assert again.WhichOneof("value") == "high_value" and again.low_value == 0


def test_json_names_are_what_protoc_gives() -> None:
    proto = file_descriptor("t.proto", "test.pkg", TABLE)
    assert [f.json_name for f in proto.message_type[0].field] == [
        "lowValue",
        "highValue",
        "inner",
        "blob",
    ]
