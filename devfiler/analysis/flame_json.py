"""A flamegraph's JSON text straight from its FlameTable, small nodes left out.

The JSON contract is serialize.node_json's; this writer gives the same
document without a FlameNode or a dict per node: each distinct box is
encoded once, and nodes are joined in depth-first order, closing as many
`children` lists as the depth falls. A parent whose children were left out
(`--min-share`) carries their summed weight as `"omitted"`.
"""

from __future__ import annotations

import json

import numpy as np

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameGraphTable
from devfiler.analysis.serialize import kind_text


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


def flamegraph_json_text(graph: FlameGraphTable) -> str:
    """The `query flamegraph --json` document; nodes say what they left out in `omitted`."""
    table = graph.table
    if table.base_weight is not None:
        raise ValueError("differential trees are written by serialize.flamegraph_json")
    omitted = table.omitted if table.omitted is not None else np.zeros(len(table), np.int64)
    parts = [_box_parts(box, at_root=False) for box in table.boxes]
    root_head, root_tail = _box_parts(table.boxes[int(table.box[0])], at_root=True)
    depth = table.depth
    closing = np.maximum(np.r_[0, depth[:-1] - depth[1:] + 1], 0).tolist()
    out = [f'{{"unit":"{graph.unit.value}","start":{graph.start_ns},"end":{graph.end_ns},"root":']
    for i, (box, weight, own, lost, closes) in enumerate(
        zip(
            table.box.tolist(),
            table.weight.tolist(),
            table.self_weight.tolist(),
            omitted.tolist(),
            closing,
            strict=True,
        )
    ):
        head, tail = (root_head, root_tail) if i == 0 else parts[box]
        extra = f',"omitted":{lost}' if lost else ""
        prefix = "]}" * closes + "," if closes else ""
        out.append(f'{prefix}{head}"weight":{weight},"self":{own}{tail}{extra},"children":[')
    out.append("]}" * (int(depth[-1]) + 1) + "}")
    return "".join(out)
