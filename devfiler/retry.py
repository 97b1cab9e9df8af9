"""How long to wait before trying again: one doubling policy for every retry loop.

The symbol worker retries executables whose sources failed for a passing
reason, and forwarding retries a downstream that is down; both wait longer
after each failure, up to a bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delay before the n-th retry: `first_s`, times `factor` per failure, at most `max_s`."""

    first_s: float = 30.0
    factor: float = 2.0
    max_s: float = 3600.0

    def delay(self, failures: int) -> float:
        return float(min(self.first_s * self.factor ** max(failures - 1, 0), self.max_s))
