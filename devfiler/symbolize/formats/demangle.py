"""Readable function names: C++ through cxxfilt, Rust legacy and v0 mangling here.

Rust names are shown without their hash: legacy names lose the `::h<16 hex>`
suffix, v0 names their crate disambiguators (as rustc-demangle's alternate
form prints them). Anything that does not parse is returned as it came.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cxxfilt

_LEGACY = re.compile(r"^_?_ZN((?:\d+.+?)+)E(?:\..*)?$")
_LEGACY_HASH = re.compile(r"^h[0-9a-f]{16}$")
_LEGACY_ESCAPES = {
    "SP": "@",
    "BP": "*",
    "RF": "&",
    "LT": "<",
    "GT": ">",
    "LP": "(",
    "RP": ")",
    "C": ",",
}
_MAX_RECURSION = 200


@lru_cache(maxsize=65536)
def demangle(name: str) -> str:
    if name.startswith(("_R", "__R")):
        return demangle_rust_v0(name) or name
    if name.startswith(("_ZN", "__ZN")):
        rust = demangle_rust_legacy(name)
        if rust is not None:
            return rust
    if name.startswith(("_Z", "__Z")):
        try:
            return str(cxxfilt.demangle(name))
        except Exception:
            return name
    return name


def demangle_rust_legacy(name: str) -> str | None:
    """`_ZN` + length-prefixed parts + `17h<hash>E`; None when it is not a Rust name."""
    start = name.index("ZN") + 2
    parts: list[str] = []
    pos = start
    while pos < len(name) and name[pos] != "E":
        digits = pos
        while pos < len(name) and name[pos].isdigit():
            pos += 1
        if digits == pos:
            return None
        length = int(name[digits:pos])
        parts.append(name[pos : pos + length])
        pos += length
    if pos >= len(name) or not parts or not _LEGACY_HASH.match(parts[-1]):
        return None
    return "::".join(_unescape_legacy(part) for part in parts[:-1])


def _unescape_legacy(part: str) -> str:
    if part.startswith("_$"):
        part = part[1:]
    out: list[str] = []
    pos = 0
    while pos < len(part):
        if part.startswith("..", pos):
            out.append("::")
            pos += 2
        elif part[pos] == "$":
            end = part.find("$", pos + 1)
            if end < 0:
                out.append(part[pos:])
                break
            code = part[pos + 1 : end]
            if code in _LEGACY_ESCAPES:
                out.append(_LEGACY_ESCAPES[code])
            elif code.startswith("u") and _is_hex(code[1:]):
                out.append(chr(int(code[1:], 16)))
            else:
                out.append(part[pos : end + 1])
            pos = end + 1
        else:
            out.append(part[pos])
            pos += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdefABCDEF" for c in text)


class _InvalidError(Exception):
    pass


_BASIC_TYPES = {
    "a": "i8",
    "b": "bool",
    "c": "char",
    "d": "f64",
    "e": "str",
    "f": "f32",
    "h": "u8",
    "i": "isize",
    "j": "usize",
    "l": "i32",
    "m": "u32",
    "n": "i128",
    "o": "u128",
    "s": "i16",
    "t": "u16",
    "u": "()",
    "v": "...",
    "x": "i64",
    "y": "u64",
    "z": "!",
    "p": "_",
}


def demangle_rust_v0(name: str) -> str | None:
    """Demangle a Rust v0 symbol (`_R...`); None when it does not parse."""
    body = name[name.index("R") + 1 :]
    body = body.split(".", 1)[0]
    try:
        parser = _V0(body)
        if parser.peek().isdigit():
            parser.decimal()
        result = parser.path(in_value=True)
        return result
    except (_InvalidError, IndexError, ValueError, RecursionError):
        return None


class _V0:
    """Recursive-descent parser of the v0 grammar that prints while it parses."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.depth = 0
        self.bound_lifetimes = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos >= len(self.text):
            raise _InvalidError
        char = self.text[self.pos]
        self.pos += 1
        return char

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def decimal(self) -> int:
        if self.eat("0"):
            return 0
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        if start == self.pos:
            raise _InvalidError
        return int(self.text[start : self.pos])

    def base62(self) -> int:
        if self.eat("_"):
            return 0
        value = 0
        while not self.eat("_"):
            char = self.next()
            if char.isdigit():
                digit = ord(char) - 48
            elif char.islower():
                digit = ord(char) - 97 + 10
            elif char.isupper():
                digit = ord(char) - 65 + 36
            else:
                raise _InvalidError
            value = value * 62 + digit
        return value + 1

    def opt_tagged(self, tag: str) -> int:
        return self.base62() + 1 if self.eat(tag) else 0

    def ident(self) -> str:
        punycode = self.eat("u")
        length = self.decimal()
        self.eat("_")
        raw = self.text[self.pos : self.pos + length]
        if len(raw) != length:
            raise _InvalidError
        self.pos += length
        if punycode:
            ascii_part, _, encoded = raw.rpartition("_")
            return (ascii_part + "-" + encoded).encode("ascii").decode("punycode")
        return raw

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_RECURSION:
            raise _InvalidError

    def backref(self, parse: str, in_value: bool = False) -> str:
        target = self.base62()
        if target >= self.pos - 1:
            raise _InvalidError
        saved = self.pos
        self.pos = target
        try:
            return self.path(in_value) if parse == "path" else self.type()
        finally:
            self.pos = saved

    def path(self, in_value: bool) -> str:
        self._enter()
        try:
            tag = self.next()
            if tag == "C":
                self.opt_tagged("s")
                return self.ident()
            if tag == "M":
                self.opt_tagged("s")
                self.path(in_value=False)
                return f"<{self.type()}>"
            if tag == "X":
                self.opt_tagged("s")
                self.path(in_value=False)
                self_type = self.type()
                return f"<{self_type} as {self.path(in_value=False)}>"
            if tag == "Y":
                self_type = self.type()
                return f"<{self_type} as {self.path(in_value=False)}>"
            if tag == "N":
                namespace = self.next()
                inner = self.path(in_value)
                dis = self.opt_tagged("s")
                ident = self.ident()
                if namespace.isupper():
                    kind = {"C": "closure", "S": "shim"}.get(namespace, namespace)
                    label = f"{kind}:{ident}" if ident else kind
                    return f"{inner}::{{{label}#{dis}}}"
                return f"{inner}::{ident}" if ident else inner
            if tag == "I":
                inner = self.path(in_value)
                args = self.generic_args()
                return f"{inner}{'::' if in_value else ''}<{args}>"
            if tag == "B":
                return self.backref("path", in_value)
            raise _InvalidError
        finally:
            self.depth -= 1

    def generic_args(self) -> str:
        args = []
        while not self.eat("E"):
            if self.eat("L"):
                args.append(self.lifetime())
            elif self.eat("K"):
                args.append(self.const())
            else:
                args.append(self.type())
        return ", ".join(args)

    def lifetime(self) -> str:
        """A lifetime after its `L`: erased, or named by its distance from the binder."""
        index = self.base62()
        if index == 0:
            return "'_"
        depth = self.bound_lifetimes - index
        if depth < 0:
            raise _InvalidError
        return "'" + (chr(ord("a") + depth) if depth < 26 else f"_{depth}")

    def binder(self) -> str:
        """`for<'a, ...> ` for a `G` binder (and remember the lifetimes it binds)."""
        if not self.eat("G"):
            return ""
        count = self.base62() + 1
        names = []
        for _ in range(count):
            self.bound_lifetimes += 1
            depth = self.bound_lifetimes - 1
            names.append("'" + (chr(ord("a") + depth) if depth < 26 else f"_{depth}"))
        return f"for<{', '.join(names)}> "

    def const(self) -> str:
        if self.eat("p"):
            return "_"
        if self.eat("B"):
            target = self.base62()
            if target >= self.pos - 1:
                raise _InvalidError
            saved, self.pos = self.pos, target
            try:
                return self.const()
            finally:
                self.pos = saved
        kind = self.next()
        negative = self.eat("n")
        start = self.pos
        while not self.eat("_"):
            self.next()
        digits = self.text[start : self.pos - 1]
        value = int(digits, 16) if digits else 0
        if kind == "b":
            return "true" if value else "false"
        if kind == "c":
            return repr(chr(value))
        return f"{'-' if negative else ''}{value}"

    def type(self) -> str:
        self._enter()
        try:
            tag = self.peek()
            if tag in _BASIC_TYPES:
                self.pos += 1
                return _BASIC_TYPES[tag]
            self.pos += 1
            if tag == "A":
                inner = self.type()
                return f"[{inner}; {self.const()}]"
            if tag == "S":
                return f"[{self.type()}]"
            if tag in ("R", "Q"):
                life = self.lifetime() if self.eat("L") else "'_"
                prefix = "&" if life == "'_" else f"&{life} "
                return prefix + ("" if tag == "R" else "mut ") + self.type()
            if tag in ("P", "O"):
                return ("*const " if tag == "P" else "*mut ") + self.type()
            if tag == "F":
                return self.fn_sig()
            if tag == "D":
                return self.dyn_bounds()
            if tag == "T":
                items = []
                while not self.eat("E"):
                    items.append(self.type())
                return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
            if tag == "B":
                return self.backref("type")
            self.pos -= 1
            return self.path(in_value=False)
        finally:
            self.depth -= 1

    def fn_sig(self) -> str:
        saved = self.bound_lifetimes
        binder = self.binder()
        unsafe = "unsafe " if self.eat("U") else ""
        abi = ""
        if self.eat("K"):
            abi = 'extern "C" ' if self.eat("C") else f'extern "{self.ident().replace("_", "-")}" '
        params = []
        while not self.eat("E"):
            params.append(self.type())
        result = self.type()
        ret = "" if result == "()" else f" -> {result}"
        self.bound_lifetimes = saved
        return f"{binder}{unsafe}{abi}fn({', '.join(params)}){ret}"

    def dyn_bounds(self) -> str:
        saved = self.bound_lifetimes
        binder = self.binder()
        traits = []
        while not self.eat("E"):
            trait = self.path(in_value=False)
            bindings = []
            while self.eat("p"):
                bindings.append(f"{self.ident()} = {self.type()}")
            if bindings:
                trait = (
                    f"{trait[:-1]}, {', '.join(bindings)}>"
                    if trait.endswith(">")
                    else (f"{trait}<{', '.join(bindings)}>")
                )
            traits.append(trait)
        self.bound_lifetimes = saved
        if self.eat("L"):
            self.lifetime()
        return f"dyn {binder}" + " + ".join(traits)
