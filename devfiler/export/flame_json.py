"""A flamegraph's JSON text straight from its FlameTable, small nodes left out.

The JSON contract is json_doc.node_json's; this writer gives the same
document without a FlameNode or a dict per node: each distinct box is
encoded once, and nodes are joined in depth-first order, closing as many
`children` lists as the depth falls. A parent whose children were left out
(`--min-share`) carries their summed weight as `"omitted"`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameGraphTable
from devfiler.export.json_doc import kind_text

CHUNK = 1 << 16
"""Nodes written per piece."""


def _box_parts(box: LabeledFrame, *, at_root: bool) -> tuple[str, str]:
    """What a node of this box says before its weights, and after them."""
    dumps = json.dumps
    head = (
        f'{{"label":{dumps(box.label)},'
        f'"kind":{dumps(kind_text(box.kind, box.kind_name, at_root=at_root))},'
    )
    tail = ""
    if box.kind is not None:
        tail += (
            f',"function":{dumps(box.function)},"file":{dumps(box.file)},'
            f'"key":{dumps(box.key)},"inline":{dumps(box.inline)},"error":{dumps(box.error)}'
        )
    if box.file_id is not None:
        tail += f',"file_id":"{box.file_id.hex()}","address":{dumps(box.address)}'
    return head, tail


def flamegraph_json_parts(graph: FlameGraphTable) -> Iterator[str]:
    """The `query flamegraph --json` document in pieces, to write one after the other.

    Nodes say what they left out in `omitted`. Pieces of CHUNK nodes keep
    the memory of a complete tree of millions of nodes small.
    """
    table = graph.table
    if table.base_weight is not None:
        raise ValueError("differential trees are written by serialize.flamegraph_json")
    omitted = table.omitted if table.omitted is not None else np.zeros(len(table), np.int64)
    parts = [_box_parts(box, at_root=False) for box in table.boxes]
    # The root's box is the root's alone.
    parts[int(table.box[0])] = _box_parts(table.boxes[int(table.box[0])], at_root=True)
    depth = table.depth
    closing = np.maximum(np.r_[0, depth[:-1] - depth[1:] + 1], 0)
    yield f'{{"unit":"{graph.unit.value}","start":{graph.start_ns},"end":{graph.end_ns},"root":'
    for low in range(0, len(table), CHUNK):
        part = slice(low, low + CHUNK)
        out = []
        for box, weight, own, lost, closes in zip(
            table.box[part].tolist(),
            table.weight[part].tolist(),
            table.self_weight[part].tolist(),
            omitted[part].tolist(),
            closing[part].tolist(),
            strict=True,
        ):
            head, tail = parts[box]
            extra = f',"omitted":{lost}' if lost else ""
            prefix = "]}" * closes + "," if closes else ""
            out.append(f'{prefix}{head}"weight":{weight},"self":{own}{tail}{extra},"children":[')
        yield "".join(out)
    yield "]}" * (int(depth[-1]) + 1) + "}"


def flamegraph_json_text(graph: FlameGraphTable) -> str:
    """`flamegraph_json_parts` as one string."""
    return "".join(flamegraph_json_parts(graph))
