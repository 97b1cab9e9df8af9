"""A seeded synthetic host: processes of many runtimes, their threads and their stacks.

Each process gets a call graph over its runtime's functions; stacks are walks
through that graph, so they share prefixes the way real flamegraphs do. A few
stacks are hot and most are a long tail (Zipf weights over stacks, threads
and processes). Every kind of sample gets its own leaf side: syscall or
page-fault chains on CPU, scheduler chains off CPU, probed library functions
for uprobes. Abort markers and error frames end a small share of stacks.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import PurePosixPath

from devfiler.loadgen.catalog import (
    ABORT_CODES,
    KERNEL_MODULE_PREFIXES,
    NOUNS,
    OFF_CPU_KERNEL,
    ON_CPU_KERNEL,
    PAGE_FAULT_ENTRY,
    RUNTIMES,
    VERBS,
    Runtime,
)
from devfiler.loadgen.frames import (
    Executable,
    Frame,
    MarkerFrame,
    NativeFrame,
    Stack,
    SymbolizedFrame,
)
from devfiler.loadgen.params import LoadParams, RealExecutable
from devfiler.model import FileId, SampleKind
from devfiler.symbolize.formats.elf_image import gnu_build_id_of
from devfiler.symbolize.formats.fileid import file_id_of_path


@dataclass(frozen=True, slots=True)
class Thread:
    tid: int
    name: str


@dataclass(frozen=True, slots=True)
class Process:
    """One profiled process and the stacks its threads are seen in."""

    pid: int
    executable_path: str
    container_id: str
    service_name: str
    runtime: str
    threads: tuple[Thread, ...]
    thread_weights: tuple[float, ...]
    """Cumulative weights over `threads`, for random.choices."""
    stacks: tuple[tuple[SampleKind, tuple[Stack, ...]], ...]
    """Per sample kind, the distinct stacks; all kinds share `stack_weights`."""
    stack_weights: tuple[float, ...]

    @property
    def executable_name(self) -> str:
        return PurePosixPath(self.executable_path).name

    def stacks_of(self, kind: SampleKind) -> tuple[Stack, ...]:
        return dict(self.stacks)[kind]


@dataclass(frozen=True, slots=True)
class World:
    frames: tuple[Frame, ...]
    """Every distinct frame; stacks hold indices into it."""
    processes: tuple[Process, ...]
    process_weights: tuple[float, ...]
    """Cumulative weights over `processes`."""
    cpus: int = 8
    """Logical CPUs of the host."""


def _cumulative_zipf(count: int, exponent: float) -> tuple[float, ...]:
    return tuple(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


def _words(rng: random.Random) -> dict[str, str]:
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    return {"verb": verb, "Verb": verb.title(), "noun": noun, "Noun": noun.title()}


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def _synthetic_executable(rng: random.Random, path: str, *, go: bool = False) -> Executable:
    size = rng.randrange(0x20_0000, 0x200_0000) & ~0xFFF
    start = 0x5500_0000_0000 + (rng.getrandbits(28) << 12)
    return Executable(
        file_name=PurePosixPath(path).name,
        file_id=FileId(rng.getrandbits(128)),
        gnu_build_id=_hex(rng, 40),
        go_build_id=f"{_hex(rng, 20)}/{_hex(rng, 20)}" if go else "",
        memory_start=start,
        memory_limit=start + size,
        file_offset=0x1000 * rng.randrange(0, 4),
    )


def _real_executable(real: RealExecutable) -> Executable:
    path = str(real.path)
    size = real.path.stat().st_size
    return Executable(
        file_name=real.path.name,
        file_id=file_id_of_path(path),
        gnu_build_id=gnu_build_id_of(real.path),
        memory_start=0x5600_0000_0000,
        memory_limit=0x5600_0000_0000 + max(size, 0x1000),
    )


def _addresses(rng: random.Random, exe: Executable, count: int) -> list[int]:
    size = exe.memory_limit - exe.memory_start
    return [rng.randrange(0x1000, size) for _ in range(count)]


class _Host:
    """Executables shared between processes (libc, interpreters, the kernel)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.libc = _synthetic_executable(rng, "/usr/lib/x86_64-linux-gnu/libc.so.6")
        self.kernel = _synthetic_executable(rng, "vmlinux")
        self.modules = {
            prefix: _synthetic_executable(rng, module)
            for prefix, module in KERNEL_MODULE_PREFIXES.items()
        }
        self.frames: list[Frame] = []
        self._frame_ids: dict[Frame, int] = {}
        self._kernel_chains: dict[tuple[str, ...], list[int]] = {}
        libc_roles = [
            self.intern(NativeFrame(self.libc, a)) for a in _addresses(rng, self.libc, 12)
        ]
        self.libc_start = libc_roles[:2]
        self.libc_leaves = libc_roles[2:8]
        self.uprobe_leaves = libc_roles[8:]
        self._shared: dict[str, Executable] = {}

    def shared(self, path: str) -> Executable:
        """Interpreter binaries and libraries are the same file in every process."""
        if path not in self._shared:
            self._shared[path] = _synthetic_executable(self.rng, path)
        return self._shared[path]

    def intern(self, frame: Frame) -> int:
        """Stacks hold frame numbers: equal frames get one number, and tuples of ints hash fast."""
        found = self._frame_ids.get(frame)
        if found is None:
            found = self._frame_ids[frame] = len(self.frames)
            self.frames.append(frame)
        return found

    def kernel_frames(self, names: tuple[str, ...]) -> list[int]:
        chain = self._kernel_chains.get(names)
        if chain is None:
            chain = self._kernel_chains[names] = [
                self.intern(SymbolizedFrame("kernel", name, "", 0, self._kernel_image(name)))
                for name in names
            ]
        return chain

    def _kernel_image(self, function: str) -> Executable:
        for prefix, module in self.modules.items():
            if function.startswith(prefix):
                return module
        return self.kernel


def _call_graph(rng: random.Random, size: int) -> list[list[int]]:
    """Callees of every node: always the next node (so every node is reachable) and up to
    two more a few nodes ahead; edges only go forward, so walks end but run deep."""
    graph = []
    for node in range(size - 1):
        ahead = range(node + 2, min(size, node + 7))
        extra = rng.sample(ahead, min(len(ahead), rng.randint(0, 2)))
        graph.append(sorted({node + 1, *extra}))
    return [*graph, []]


def _walk(rng: random.Random, graph: list[list[int]], max_depth: int) -> list[int]:
    """Node indices from the entry point (outermost) down to the leaf."""
    path = [0]
    while graph[path[-1]] and len(path) < max_depth and rng.random() > 0.04:
        path.append(rng.choice(graph[path[-1]]))
    return path


def _user_frames(
    rng: random.Random, runtime: Runtime, host: _Host, main: Executable, native_addresses: list[int]
) -> tuple[list[int], list[int], int]:
    """(outer native frames, per-node frames of the call graph, graph size) of one process."""
    size = rng.randint(80, 240)
    if runtime.frame_type == "native":
        addresses = native_addresses or _addresses(rng, main, size)
        nodes = [host.intern(NativeFrame(main, a)) for a in addresses]
        return [*host.libc_start], nodes, len(nodes)
    library = host.shared(runtime.library) if runtime.library else main
    nodes = []
    for _ in range(size):
        words = _words(rng)
        # Go frames point at the Go binary; interpreted frames mostly have no mapping.
        mapped = runtime.frame_type == "go" or rng.random() < 0.3
        frame = SymbolizedFrame(
            runtime.frame_type,
            runtime.function.format(**words),
            runtime.file.format(**words),
            rng.randint(1, 900),
            library if mapped else None,
        )
        nodes.append(host.intern(frame))
    if runtime.frame_type == "go":
        return [], nodes, size
    outer = [host.intern(NativeFrame(library, a)) for a in _addresses(rng, library, 3)]
    outer += [host.intern(NativeFrame(main, _addresses(rng, main, 1)[0])), *host.libc_start]
    return outer, nodes, size


def _user_stack(
    rng: random.Random,
    runtime: Runtime,
    graph: list[list[int]],
    nodes: list[int],
    outer: list[int],
    host: _Host,
) -> Stack:
    walk = [nodes[i] for i in _walk(rng, graph, rng.randint(6, 60))]
    frames = walk[::-1]
    if runtime.frame_type not in ("native", "go") and rng.random() < 0.3:
        frames.insert(0, outer[0])
    if rng.random() < 0.2:
        frames.insert(0, rng.choice(host.libc_leaves))
    frames += outer[::-1]
    # The unwinder gives up on a few stacks: what it found, then the marker, outermost.
    roll = rng.random()
    marker = None
    if roll < 0.03:
        marker = host.intern(MarkerFrame("abort-marker", rng.choice(ABORT_CODES)))
    elif roll < 0.04 and runtime.error_codes:
        marker = host.intern(MarkerFrame(runtime.frame_type, rng.choice(runtime.error_codes)))
    if marker is not None:
        frames = [*frames[: rng.randint(1, len(frames))], marker]
    return tuple(frames)


def _leaf_side(rng: random.Random, kind: SampleKind, host: _Host) -> list[int]:
    if kind is SampleKind.UPROBE:
        return [rng.choice(host.uprobe_leaves)]
    if kind is SampleKind.OFF_CPU:
        return [*host.kernel_frames(rng.choice(OFF_CPU_KERNEL)), rng.choice(host.libc_leaves)]
    if rng.random() < 0.25:
        names = rng.choice(ON_CPU_KERNEL)
        wrapper = [] if names[-1] == PAGE_FAULT_ENTRY else [rng.choice(host.libc_leaves)]
        return [*host.kernel_frames(names), *wrapper]
    return []


def _process(
    rng: random.Random,
    params: LoadParams,
    host: _Host,
    runtime: Runtime,
    real: RealExecutable | None,
    pid: int,
) -> Process:
    words = _words(rng)
    path = runtime.executable.format(**words)
    if real is not None:
        main = _real_executable(real)
        path = str(real.path)
    elif runtime.frame_type in ("native", "go"):
        main = _synthetic_executable(rng, path, go=runtime.frame_type == "go")
    else:
        main = host.shared(path)
    outer, nodes, size = _user_frames(
        rng, runtime, host, main, list(real.addresses) if real else []
    )
    graph = _call_graph(rng, size)
    user_stacks = [
        _user_stack(rng, runtime, graph, nodes, outer, host)
        for _ in range(rng.randint(*params.stacks_per_process))
    ]
    stacks = tuple(
        (kind, tuple((*_leaf_side(rng, kind, host), *user) for user in user_stacks))
        for kind in params.kinds
    )
    name = PurePosixPath(path).name[:15]
    names = [name, *runtime.threads.format(**words).split(",")]
    threads = []
    for k in range(params.threads):
        base = names[(k - 1) % (len(names) - 1) + 1] if k else name
        shown = base if k < len(names) else f"{base}-{k}"
        if params.thread_ids_in_names:
            shown = f"{base[:7]}-{pid + k}"
        threads.append(Thread(pid + k, shown[:15]))
    container = _hex(rng, 64) if rng.random() < 0.6 else ""
    service = f"{words['noun']}-service" if rng.random() < 0.5 else ""
    return Process(
        pid=pid,
        executable_path=path,
        container_id=container,
        service_name=service,
        runtime=runtime.frame_type,
        threads=tuple(threads),
        thread_weights=_cumulative_zipf(len(threads), 1.0),
        stacks=stacks,
        stack_weights=_cumulative_zipf(len(user_stacks), params.stack_skew),
    )


def build_world(params: LoadParams) -> World:
    """The host of one run; it depends only on the seed, the host size and the kinds."""
    rng = random.Random(params.seed)
    host = _Host(rng)
    pids = rng.sample(range(1024, 4_000_000, 1024), params.processes)
    reals = params.real_executables
    processes = []
    for i, pid in enumerate(pids):
        real = reals[i] if i < len(reals) else None
        runtime = RUNTIMES[0] if real else RUNTIMES[(i - len(reals)) % len(RUNTIMES)]
        processes.append(_process(rng, params, host, runtime, real, pid))
    order = list(range(len(processes)))
    rng.shuffle(order)
    weights = [1.0 / (order[i] + 1) for i in range(len(processes))]
    return World(
        tuple(host.frames),
        tuple(processes),
        tuple(itertools.accumulate(weights)),
        params.cpus,
    )
