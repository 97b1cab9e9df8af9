"""Demangling of C++, Rust legacy and Rust v0 names."""

from __future__ import annotations

import pytest

from devfiler.symbolize.formats.demangle import demangle


@pytest.mark.parametrize(
    ("mangled", "expected"),
    [
        ("_ZN6shapes7Counter4bumpEi", "shapes::Counter::bump(int)"),
        ("_Z4workv.cold", "work() [clone .cold]"),
        ("main", "main"),
        ("_ZN4core3fmt9Formatter9write_str17h0123456789abcdefE", "core::fmt::Formatter::write_str"),
        (
            "_ZN66_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop"
            "17h1122334455667788E",
            "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop",
        ),
        ("_RNvCs1234_7mycrate3foo", "mycrate::foo"),
        (
            "_RNCNCNCNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal00s_0B9_",
            "std::rt::lang_start_internal::{closure#0}::{closure#0}::{closure#1}",
        ),
        (
            "_RNSNvYNCNCNvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace10__print_fmts_00INtNtNtCsgEmfK2I1SDS_"
            "4core3ops8function6FnOnceTRNtNtNtBe_12backtrace_rs9symbolize6SymbolEE9call_once6vtableBe_",
            "<std::sys::backtrace::_print_fmt::{closure#1}::{closure#0} as core::ops::function::"
            "FnOnce<(&std::backtrace_rs::symbolize::Symbol,)>>::call_once::{shim:vtable#0}",
        ),
        ("_RINvCs1234_5hello5applymE", "hello::apply::<u32>"),
        ("_RNvMCs1234_5helloINtB2_5TallyReE3add", "<hello::Tally<&str>>::add"),
        ("_RNvCs1234_7mycrate3foo.llvm.123", "mycrate::foo"),
    ],
)
def test_demangle(mangled: str, expected: str) -> None:
    assert demangle(mangled) == expected


@pytest.mark.parametrize("hostile", ["_RB_", "_RNvB0_3foo", "_R" + "I" * 5000, "_RNvC"])
def test_bad_names_come_back_unchanged(hostile: str) -> None:
    assert demangle(hostile) == hostile
