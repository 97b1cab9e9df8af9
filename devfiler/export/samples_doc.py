"""The samples behind a frame as `query samples` prints them: a text table or JSON."""

from __future__ import annotations

from devfiler.analysis.samples import FrameSamples, Sample
from devfiler.export.json_doc import Json
from devfiler.export.text import clock, weight_text


def samples_json(result: FrameSamples, rows: tuple[Sample, ...]) -> Json:
    return {
        "unit": result.unit.value,
        "start": result.start_ns,
        "end": result.end_ns,
        "frame": result.target.text,
        "total": result.total,
        "total_weight": result.total_weight,
        "samples": [
            {
                "time": row.time_ns,
                "thread": row.thread,
                "tid": row.tid,
                "pid": row.pid,
                "executable": row.executable,
                "container": row.container,
                "weight": row.weight,
            }
            for row in rows
        ],
    }


def samples_lines(result: FrameSamples, rows: tuple[Sample, ...]) -> str:
    """One line per sample under a header, then how many there are in all."""
    lines = [
        f"{'time (UTC)':30}  {'thread':16} {'tid':>8} {'pid':>8}  weight  executable  container"
    ]
    lines.extend(
        f"{clock(row.time_ns):30}  {row.thread:16} {row.tid:>8} {row.pid:>8}  {row.weight:>6}"
        f"  {row.executable or '-'}  {row.container[:12] or '-'}"
        for row in rows
    )
    lines.append(summary(result))
    return "".join(line + "\n" for line in lines)


def summary(result: FrameSamples) -> str:
    """`N samples through F (weight W)`, saying when only the first ones are listed."""
    listed = len(result.rows)
    shown = f"the first {listed} of " if listed < result.total else ""
    return (
        f"{shown}{result.total} samples through {result.target.text}"
        f" (weight {weight_text(result.total_weight, result.unit)})"
    )
