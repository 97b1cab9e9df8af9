"""How much one request may make devfiler allocate or compute.

The 64 MiB message limit alone does not bound the work: a few bytes on the
wire can stand for an element (an empty sample, a one-byte stack entry), so a
request of 64 MiB could otherwise make millions of Python objects or numpy
rows out of 60 KB of gzip. Every count below is checked as soon as it is
known and before the memory it stands for is spent; a request past one is
refused whole with RESOURCE_EXHAUSTED and a message naming the limit.

Each limit is far above what the profiling agent sends: it reports every 5 s,
at most 32 MiB per message, sampling at 20 Hz per CPU (25 600 on-CPU events
per report on 256 CPUs) and unwinding at most 128 frames per trace (plus the
kernel's stack and the inline levels of symbolized frames). The agent's
figures are in the comments.
"""

from __future__ import annotations

from devfiler.collector.errors import RequestLimitError

RESOURCE_PROFILES = 100_000
"""Resource profiles per request (agent: one per process reported, hundreds)."""
PROFILES = 100_000
"""Profiles per request, over all resources (agent: one per sample kind and process)."""
SAMPLES = 1_000_000
"""Samples per request (agent: one per distinct stack and thread of the report)."""
EVENTS = 2_000_000
"""Events per request: timestamps, plus one per sample without any (agent: tens of thousands)."""
STACKS = 1_000_000
"""Entries of stack_table (agent: the distinct stacks of the report, at most one per event)."""
FRAMES = 8_000_000
"""Location indices of all stacks together (agent: stacks times depth, a few million at most)."""
FRAMES_PER_STACK = 4096
"""Location indices of one stack (agent: 128 unwound frames, up to 127 kernel frames, and the
inline levels of the frames it symbolized)."""
LOCATIONS = 2_000_000
"""Entries of location_table (agent: the distinct frames of the report)."""
LINES = 2_000_000
"""Lines of all locations together (agent: one per symbolized frame and inline level)."""
FUNCTIONS = 1_000_000
"""Entries of function_table (agent: the distinct functions it symbolized)."""
MAPPINGS = 100_000
"""Entries of mapping_table (agent: the executables and libraries mapped, thousands)."""
LINKS = 1_000_000
"""Entries of link_table (agent: one per traced span it saw)."""
ATTRIBUTES = 1_000_000
"""Entries of attribute_table (agent: distinct thread names, IDs, CPUs and labels)."""
ATTRIBUTE_INDICES = 4096
"""Attribute indices of one sample, location, mapping, profile or resource (agent: under 20)."""
ALL_ATTRIBUTE_INDICES = 4_000_000
"""Attribute indices of all samples together, and of all locations (agent: a handful per
sample, one per location)."""
STRINGS = 2_000_000
"""Entries of string_table (agent: the names and paths of the report)."""
STRING_CHARS = 1 << 20
"""Characters of one string (agent: names of functions and files, a few KiB at most)."""
LIST_ELEMENTS = 2_000_000
"""Elements of one repeated field of any message, counted before the message is parsed
(agent: the longest lists are its string and location tables)."""
FIELDS = 8_000_000
"""Field occurrences in one table of raw messages (agent: about 4 per sample, 2 per stack)."""
FIELDS_PER_MESSAGE = 16_384
"""Field occurrences in one sample, stack, location or function. A repeated field written
packed, as every proto3 encoder (the agent's too) writes them, counts once."""
EVENT_WEIGHT = 1 << 45
"""Weight of one event: a count, or off-CPU nanoseconds (9.8 hours; agent: the time one
thread was off the CPU, seconds at most in a 5 s report)."""
REQUEST_WEIGHT = 1 << 56
"""Weight of one request's events of one kind together (2.3 years of nanoseconds; agent: 5 s
per thread off the CPU), so that sums over many requests stay far from 64-bit overflow."""


def check_limit(count: int, limit: int, what: str) -> None:
    """Refuse the request when `count` of `what` exceeds `limit`."""
    if count > limit:
        raise RequestLimitError(
            f"{what}: {count:,} is more than devfiler's limit of {limit:,} per request"
        )


def check_each(count: int, limit: int, what: str, where: str) -> None:
    """Refuse the request when one element (`where`) has more than `limit` of `what`."""
    if count > limit:
        raise RequestLimitError(
            f"{where} has {count:,} {what}, more than devfiler's limit of {limit:,}"
        )
