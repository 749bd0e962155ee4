"""Which environment variables a function crate's code reads, read from its Rust sources.

The SAM local test compares these with the variables the template gives each function and
with infra/env.local.json. A crate counts its own sources, plus the functions of `shared/` it
calls, to a fixed point (items parsed as in rust_calls.py). The reach is by call, not by name
as for the IAM test: `time_zone` is also a field name and `from_env` a method of five types,
so a fn counts when it is called (`time_zone(..)`, `config::time_zone`) and a method when its
owner's path names it (`RosterConfig::from_env`, or `Self::from_env` inside the owner), which
counts `Timing::from_env` for resolve-roster and not for place-call.
Test modules (`#[cfg(test)]`) are left out: a variable a test sets is not one the function
reads.

A read is a call that takes the variable's name, literally or through a `const` of the same
file:

- the config helpers of shared/domain/src/config.rs and the crates: `get(env, "X")`,
  `required(env, "X")`, `number(env, "X", ..)`, `flag(env, "X")`, `phone(env, "X")`,
  `var(env, "X")`;
- `env.var("X")` on the `Env` trait;
- `std::env::var("X")` / `env::var_os("X")` on the process environment.

Variables the AWS SDK reads by itself (AWS_REGION, AWS_ENDPOINT_URL_S3, ...) are not in the
sources and not counted; a variable the code reads through `std::env::var` (like
AWS_S3_FORCE_PATH_STYLE) is.
"""

from __future__ import annotations

import re
from pathlib import Path

from rust_calls import Item, parse_items, strip_rust, top_level_chunks

NAME = r'(?:"([A-Z][A-Z0-9_]*)"|([A-Z][A-Z0-9_]*))'
READS = [
    re.compile(rf"\b(?:get|required|number|flag|phone|var)\s*\(\s*&?\s*\w+\s*,\s*{NAME}\s*[,)]"),
    re.compile(rf"\.\s*var\s*\(\s*{NAME}\s*\)"),
    re.compile(rf"\benv\s*::\s*var(?:_os)?\s*\(\s*{NAME}\s*\)"),
]
CONST = re.compile(r'\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*&(?:\'static\s+)?str\s*=\s*"([^"]*)"')
CFG_TEST = re.compile(r"^\s*#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")


def _without_tests(raw: str) -> str:
    """`raw` with its `#[cfg(test)]` items blanked (offsets kept)."""
    code = strip_rust(raw)
    out = list(raw)
    offset = 0
    for chunk in top_level_chunks(code):
        start = code.index(chunk, offset)
        offset = start + len(chunk)
        if CFG_TEST.match(chunk):
            for k in range(start, offset):
                if out[k] != "\n":
                    out[k] = " "
    return "".join(out)


def reads_in(raw: str, consts: dict[str, str]) -> set[str]:
    """The variables read in `raw` (Rust source with string literals intact)."""
    found = set()
    for pattern in READS:
        for match in pattern.finditer(raw):
            literal, constant = match.groups()
            if literal:
                found.add(literal)
            elif constant in consts:
                found.add(consts[constant])
    return found


def _raw_of(item_code: str, stripped: str, raw: str) -> str:
    """The raw text of an item parsed from `stripped` (strip_rust keeps offsets)."""
    start = stripped.find(item_code)
    return raw[start : start + len(item_code)] if start >= 0 else ""


def _called(item: Item, corpus: str) -> bool:
    """Whether `corpus` (stripped code) calls the fn or method `item`: `name(`, `path::name`,
    `Owner::name` or `Self::name` in the owner's own methods. Naming is not enough here:
    `time_zone` is also a field, `from_env` a method of five types."""
    name = re.escape(item.name or "")
    if item.kind == "method":
        return bool(re.search(rf"\b{re.escape(item.owner or '')}\s*::\s*{name}\b", corpus))
    return bool(re.search(rf"(?<![.\w]){name}\s*\(|::\s*{name}\b", corpus))


def crate_env_reads(crate_dir: Path, shared_src: Path) -> set[str]:
    """Every variable a function crate reads, directly or through the shared/ functions it
    calls, to a fixed point."""
    found: set[str] = set()
    corpus: list[str] = []
    for path in sorted((crate_dir / "src").rglob("*.rs")):
        raw = _without_tests(path.read_text(encoding="utf-8"))
        corpus.append(strip_rust(raw))
        found |= reads_in(raw, dict(CONST.findall(raw)))
    functions: list[tuple[Item, str, dict[str, str]]] = []
    for path in sorted(shared_src.rglob("*.rs")):
        raw = _without_tests(path.read_text(encoding="utf-8"))
        stripped = strip_rust(raw)
        consts = dict(CONST.findall(raw))
        for item in parse_items(str(path), stripped):
            if item.kind in ("fn", "method") and item.name:
                functions.append((item, _raw_of(item.code, stripped, raw), consts))
    active: set[int] = set()
    changed = True
    while changed:
        changed = False
        text = "\n".join(corpus)
        for index, (item, raw, consts) in enumerate(functions):
            if index in active or not _called(item, text):
                continue
            active.add(index)
            changed = True
            # `Self::x` inside a method means its owner's `x`.
            corpus.append(re.sub(r"\bSelf\s*::", f"{item.owner}::", item.code) if item.owner else item.code)
            # A const inside the fn (`const CORRECT: &str = "..."`) or at file level.
            found |= reads_in(raw, {**consts, **dict(CONST.findall(raw))})
    return found
