"""The run-time pprof message classes follow proto/profile.proto field for field."""

from __future__ import annotations

import re
from pathlib import Path

from devfiler.export.pprof_messages import FIELDS, Profile

PROTO = Path(__file__).resolve().parents[2] / "proto" / "profile.proto"
_MESSAGE = re.compile(r"message (\w+) \{(.*?)\n\}", re.S)
_FIELD = re.compile(r"^\s*(repeated )?(\w+) (\w+) = (\d+);", re.M)


def test_the_table_is_the_proto_file() -> None:
    schema = {
        name: tuple(
            (field, int(number), type_name, bool(repeated))
            for repeated, type_name, field, number in _FIELD.findall(body)
        )
        for name, body in _MESSAGE.findall(PROTO.read_text())
    }
    assert schema == FIELDS


def test_classes_round_trip_a_profile() -> None:
    profile = Profile(string_table=["", "samples", "count"], time_nanos=-5)
    profile.sample_type.add(type=1, unit=2)
    sample = profile.sample.add(location_id=[3, 2, 1], value=[7])
    sample.label.add(key=1, num=4)
    again = Profile.FromString(profile.SerializeToString())
    assert again == profile
    assert list(again.sample[0].location_id) == [3, 2, 1]
