"""What the synthetic host is made of: runtimes, function-name words, kernel call chains.

Function and file names are templates filled with a verb and a noun, in the
style of each language, so flamegraphs of generated data read plausibly.
Kernel chains are leaf first, as they appear at the leaf end of a stack.
"""

from __future__ import annotations

from dataclasses import dataclass

VERBS = ("get", "put", "load", "parse", "render", "handle", "compute", "encode", "decode",
         "fetch", "merge", "sort", "scan", "flush", "resolve", "update", "build",
         "check")  # fmt: skip
NOUNS = ("request", "user", "order", "session", "cache", "index", "record", "page", "token",
         "config", "event", "query", "buffer", "report", "invoice", "image", "metric",
         "row")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Runtime:
    """How processes of one language look: binaries, naming of functions and threads."""

    frame_type: str
    """Type of its symbolized frames; "native" for plain C/C++ programs."""
    executable: str
    library: str
    """Interpreter library whose native frames sit around the interpreted ones ("" if none)."""
    function: str
    file: str
    threads: str
    """Comma-separated thread names besides the main thread."""
    error_codes: tuple[int, ...]
    """Unwinder error codes of this runtime, for error frames."""


RUNTIMES: tuple[Runtime, ...] = (
    Runtime("native", "/usr/local/bin/{noun}d", "", "", "", "worker,io", ()),
    Runtime(
        "go", "/usr/local/bin/{noun}-server", "", "main.(*{Noun}).{Verb}",
        "/build/{noun}/{noun}.go", "{noun}-server", (9000, 9001),
    ),
    Runtime(
        "cpython", "/usr/bin/python3.11", "libpython3.11.so.1.0", "{verb}_{noun}",
        "/srv/app/{noun}/{verb}.py", "ThreadPoolExec,uvicorn", tuple(range(2000, 2009)),
    ),
    Runtime(
        "jvm", "/usr/lib/jvm/java-21/bin/java", "libjvm.so", "com.acme.{noun}.{Noun}.{verb}",
        "{Noun}.java", "C2 CompilerThre,GC Thread#0,http-nio-8080-e", tuple(range(1000, 1006)),
    ),
    Runtime(
        "php", "/usr/sbin/php-fpm8.2", "", "App\\{Noun}Controller::{verb}",
        "/var/www/src/{Noun}Controller.php", "php-fpm8.2", (),
    ),
    Runtime(
        "ruby", "/usr/bin/ruby3.1", "libruby-3.1.so.3.1", "{Noun}#{verb}_{noun}",
        "/app/lib/{noun}.rb", "puma srv tp 001,puma reactor", (3000, 3003, 3009),
    ),
    Runtime(
        "perl", "/usr/bin/perl", "libperl.so.5.36", "{Noun}::{verb}_{noun}",
        "/usr/share/perl5/{Noun}.pm", "perl", (),
    ),
    Runtime(
        "v8js", "/usr/bin/node", "", "{verb}{Noun}", "/srv/node/src/{noun}.js",
        "node,libuv-worker", (5000, 5001, 5002),
    ),
    Runtime(
        "dotnet", "/usr/share/dotnet/dotnet", "libcoreclr.so", "Acme.{Noun}Service.{Verb}Async",
        "{Noun}Service.cs", ".NET ThreadPool,.NET TP Worker", (6000, 6001, 6002),
    ),
    Runtime(
        "beam", "/usr/lib/erlang/erts-14/bin/beam.smp", "", "{noun}_server:handle_{verb}/3",
        "/opt/app/lib/{noun}/src/{noun}_server.erl", "1_scheduler,2_scheduler", (7000, 7001),
    ),
    Runtime(
        "luajit", "/usr/local/openresty/nginx/sbin/nginx", "libluajit-5.1.so.2", "{verb}_{noun}",
        "/usr/local/openresty/lua/{noun}.lua", "nginx", (8000,),
    ),
)  # fmt: skip

_SYSCALL_TAIL = "do_syscall_64 entry_SYSCALL_64_after_hwframe"
ON_CPU_KERNEL: tuple[tuple[str, ...], ...] = tuple(
    tuple(chain.split())
    for chain in (
        "copy_user_enhanced_fast_string _copy_to_iter tcp_recvmsg_locked tcp_recvmsg "
        f"inet_recvmsg sock_recvmsg __sys_recvfrom __x64_sys_recvfrom {_SYSCALL_TAIL}",
        "clear_page_erms get_page_from_freelist __alloc_pages do_anonymous_page "
        "__handle_mm_fault handle_mm_fault do_user_addr_fault exc_page_fault asm_exc_page_fault",
        f"ext4_file_read_iter vfs_read ksys_read __x64_sys_read {_SYSCALL_TAIL}",
    )
)
PAGE_FAULT_ENTRY = "asm_exc_page_fault"
"""A chain ending here was entered by a fault, not through a libc syscall wrapper."""

OFF_CPU_KERNEL: tuple[tuple[str, ...], ...] = tuple(
    tuple(f"__schedule schedule {chain} {_SYSCALL_TAIL}".split())
    for chain in (
        "futex_wait_queue __futex_wait futex_wait do_futex __x64_sys_futex",
        "schedule_hrtimeout_range_clock ep_poll do_epoll_wait __x64_sys_epoll_wait",
        "do_nanosleep hrtimer_nanosleep __x64_sys_clock_nanosleep",
        "io_schedule folio_wait_bit_common filemap_get_pages filemap_read ext4_file_read_iter "
        "vfs_read ksys_read __x64_sys_read",
    )
)
KERNEL_MODULE_PREFIXES = {"ext4_": "ext4"}
"""Kernel functions that live in a module rather than in vmlinux."""

ABORT_CODES = (2, 2, 2, 4004, 4013, 4019)
"""Mostly stack_length_exceeded, some native unwinding failures."""
