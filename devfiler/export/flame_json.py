"""A flamegraph's JSON text straight from its FlameTable, small nodes left out.

The JSON contract is json_doc.node_json's; this writer gives the same
document without a FlameNode or a dict per node: each distinct box is
encoded once, and nodes are joined in depth-first order, closing as many
`children` lists as the depth falls. A parent whose children were left out
(`--min-share`) carries their summed weight as `"omitted"`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii as _quoted

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameGraphTable
from devfiler.export.json_doc import kind_text

CHUNK = 1 << 14
"""Nodes written per piece: a piece of 65,536 nodes was about 50 MB of strings."""
_BOOLEANS = {False: "false", True: "true"}


def _box_parts(box: LabeledFrame, *, at_root: bool) -> tuple[str, str]:
    """What a node of this box says before its weights, and after them.

    Strings go straight to the C escaper `json.dumps` uses for them (same
    text), without the encoder set-up `dumps` costs on every call: a tree
    has thousands of boxes of eight fields each.
    """
    head = (
        f'{{"label":{_quoted(box.label)},'
        f'"kind":{_quoted(kind_text(box.kind, box.kind_name, at_root=at_root))},'
    )
    tail = ""
    if box.kind is not None:
        tail += (
            f',"function":{_quoted(box.function)},"file":{_quoted(box.file)},'
            f'"key":{_quoted(box.key)},"inline":{_BOOLEANS[box.inline]},'
            f'"error":{_BOOLEANS[box.error]}'
        )
    if box.file_id is not None:
        address = "null" if box.address is None else str(box.address)
        tail += f',"file_id":"{box.file_id.hex()}","address":{address}'
    return head, tail


def _closing(depth: npt.NDArray[np.int64], *, first: bool) -> npt.NDArray[np.int64]:
    """How many lists each node closes, given the depths of its piece and, unless the
    piece is the `first`, of the node before it."""
    steps = depth[:-1] - depth[1:] + 1
    np.maximum(steps, 0, out=steps)
    return np.r_[0, steps] if first else steps


def flamegraph_json_parts(graph: FlameGraphTable) -> Iterator[str]:
    """The `query flamegraph --json` document in pieces, to write one after the other.

    Nodes say what they left out in `omitted`. Pieces of CHUNK nodes keep
    the memory of a complete tree of millions of nodes small. A node is
    joined from strings made once per box and per closing depth and its
    two numbers, all picked by C-level iteration: no Python statement runs
    per node but for the few that left children out.
    """
    table = graph.table
    if table.base_weight is not None:
        raise ValueError("differential trees are written by serialize.flamegraph_json")
    parts = [_box_parts(box, at_root=False) for box in table.boxes]
    # The root's box is the root's alone.
    parts[int(table.box[0])] = _box_parts(table.boxes[int(table.box[0])], at_root=True)
    heads = [f'{head}"weight":' for head, _ in parts]
    tails = [f'{tail},"children":[' for _, tail in parts]
    depth = table.depth
    # A node closes the lists of the nodes before it down to its own depth.
    closers = ["]}" * k + "," if k else "" for k in range(int(depth.max()) + 2)]
    yield f'{{"unit":"{graph.unit.value}","start":{graph.start_ns},"end":{graph.end_ns},"root":'
    for low in range(0, len(table), CHUNK):
        part = slice(low, low + CHUNK)
        # Per piece, not for the whole tree: a node-sized array is tens of MB.
        closing = _closing(depth[max(low - 1, 0) : low + CHUNK], first=low == 0)
        boxes = table.box[part].tolist()
        node_tails = list(map(tails.__getitem__, boxes))
        if table.omitted is not None:
            lost = table.omitted[part]
            for at in np.flatnonzero(lost).tolist():
                node_tails[at] = f'{parts[boxes[at]][1]},"omitted":{lost[at]},"children":['
        yield "".join(
            itertools.chain.from_iterable(
                zip(
                    map(closers.__getitem__, closing.tolist()),
                    map(heads.__getitem__, boxes),
                    map(str, table.weight[part].tolist()),
                    itertools.repeat(',"self":'),
                    map(str, table.self_weight[part].tolist()),
                    node_tails,
                )
            )
        )
    yield "]}" * (int(depth[-1]) + 1) + "}"


def flamegraph_json_text(graph: FlameGraphTable) -> str:
    """`flamegraph_json_parts` as one string."""
    return "".join(flamegraph_json_parts(graph))
