"""What a synthetic run is asked for: seed, rate, duration, host size, sample kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devfiler.model import SampleKind

BATCH_NS = 5_000_000_000
"""The agent reports every 5 s."""

KIND_SHARES: dict[SampleKind, float] = {
    SampleKind.ON_CPU: 0.7,
    SampleKind.OFF_CPU: 0.2,
    SampleKind.UPROBE: 0.1,
}
"""How the total rate splits over the enabled kinds by default (renormalized over those enabled)."""


@dataclass(frozen=True, slots=True)
class RealExecutable:
    """An ELF file on this machine whose native frames should point at real code.

    `addresses` are ELF virtual addresses inside it (typically function
    starts), so a later symbolization can be checked against the file.
    """

    path: Path
    addresses: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LoadParams:
    """One synthetic agent run; the same values always produce the same requests."""

    start_ns: int
    seed: int = 1
    rate: float = 1000.0
    """Sample occurrences (timestamps) per second over all enabled kinds."""
    duration_s: float = 60.0
    processes: int = 12
    threads: int = 6
    """Threads per process."""
    kinds: tuple[SampleKind, ...] = (SampleKind.ON_CPU, SampleKind.OFF_CPU, SampleKind.UPROBE)
    real_executables: tuple[RealExecutable, ...] = ()
    shares: tuple[tuple[SampleKind, float], ...] = tuple(KIND_SHARES.items())
    """How `rate` splits over the kinds (renormalized over the enabled ones)."""
    stacks_per_process: tuple[int, int] = (100, 600)
    """Bounds of the number of distinct user stacks a process is seen in."""
    stack_skew: float = 1.1
    """Zipf exponent of how often each of a process's stacks occurs."""
    cpus: int = 8
    """Logical CPUs of the host (the samples' `cpu.logical_number`)."""
    thread_ids_in_names: bool = False
    """Name threads `name-TID` so that every thread of the host has its own name."""

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.duration_s <= 0:
            raise ValueError("rate and duration must be positive")
        if self.processes < 1 or self.threads < 1:
            raise ValueError("at least one process and one thread are needed")
        if not self.kinds or not set(self.kinds) <= set(KIND_SHARES):
            raise ValueError("kinds must be a non-empty subset of on_cpu, off_cpu, uprobe")
        if sum(dict(self.shares).get(kind, 0.0) for kind in self.kinds) <= 0:
            raise ValueError("the enabled kinds need a positive share of the rate")
        low, high = self.stacks_per_process
        if not 1 <= low <= high or self.cpus < 1:
            raise ValueError("stacks per process and CPUs must be positive")
        for real in self.real_executables:
            if not real.addresses:
                raise ValueError(f"no addresses given for {real.path}")

    def kind_rate(self, kind: SampleKind) -> float:
        """Samples per second of one kind."""
        shares = dict(self.shares)
        total = sum(shares.get(k, 0.0) for k in self.kinds)
        return self.rate * shares.get(kind, 0.0) / total if kind in self.kinds else 0.0
