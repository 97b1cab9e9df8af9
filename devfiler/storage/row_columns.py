"""Picking and joining rows of the storage's column sets (events, summed rows, seconds, cells).

Each column set is a dataclass of numpy arrays of one row each, sometimes
beside tables the rows index into (distinct trace numbers, context keys),
which stay as they are. Writing the field list out again in every `select`
and `joined` let a column added later be forgotten in one of them; these
take the fields from the dataclass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Columns = TypeVar("Columns", bound=DataclassInstance)
else:
    Columns = TypeVar("Columns")


def rows_where(
    value: Columns, mask: npt.NDArray[np.bool_], shared: tuple[str, ...] = ()
) -> Columns:
    """The rows where `mask` holds; the fields named in `shared` (tables the rows index
    into) are kept whole."""
    return dataclasses.replace(
        value,
        **{
            field.name: getattr(value, field.name)[mask]
            for field in dataclasses.fields(value)
            if field.name not in shared
        },
    )


def rows_joined(parts: Sequence[Columns]) -> Columns:
    """Parts (at least one, no shared tables) end to end."""
    if len(parts) == 1:
        return parts[0]
    return dataclasses.replace(
        parts[0],
        **{
            field.name: np.concatenate([getattr(part, field.name) for part in parts])
            for field in dataclasses.fields(parts[0])
        },
    )


_REDUCED = {"counts": np.add, "weights": np.add, "first_ns": np.minimum, "last_ns": np.maximum}
"""How the summed column sets (rows of (trace, context, kind)) combine rows into one."""


def rows_grouped(value: Columns, group: npt.NDArray[np.int64]) -> Columns:
    """One row per distinct value of `group`, in its order: counts and weights summed,
    `first_ns` the least and `last_ns` the greatest; the other fields, which `group`
    stands for, from one of the rows."""
    if not len(group):
        return value
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    pick = order[starts]
    columns = {}
    for field in dataclasses.fields(value):
        column = getattr(value, field.name)
        reduce = _REDUCED.get(field.name)
        columns[field.name] = (
            reduce.reduceat(column[order], starts) if reduce is not None else column[pick]
        )
    return dataclasses.replace(value, **columns)
