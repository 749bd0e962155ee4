"""Which AWS API operations a function crate's code calls, read from its Rust sources.

The IAM test compares these with the permissions the template gives the function. A crate
counts its own sources in full, plus the parts of `shared/` it reaches: starting from the
identifiers in the crate, a shared item (fn, struct, trait, inherent method, ...) is reached
when it is named; a trait impl (`impl CallStarter for AwsConnect`) when both its trait and
its type are reached. So a function that builds `AwsConnect` but only uses it as a
`CallStarter` is charged with what that impl calls (StartOutboundVoiceContact, and
DescribeContact through the inherent `read_contact`), not with the attribute reads and stops
the same struct also implements for other functions.

An SDK call is a `.operation()` whose name is an operation of a service crate
(`aws_sdk_<service>`) the file imports; the operation names come from the SDK crates'
sources, found with `cargo metadata`. So the DynamoDB ledger adapter
(shared/adapters/src/ledger.rs: `.get_item()`, `.put_item()`, `.update_item()` on an
`aws_sdk_dynamodb::Client`) is charged with dynamodb:GetItem, PutItem and UpdateItem to the
functions that reach it (place-call), like the S3 and Connect adapters.

Code that calls a service whose SDK crate `cargo metadata` does not list (no crate depends
on it, or it is not downloaded) cannot be read for operations; it is
an error (UnknownSdkError), never silently a function without calls.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ITEM_KEYWORD = re.compile(r"\b(fn|struct|enum|trait|impl|const|static|mod|type|union|macro_rules)\b")
SDK_CRATE = re.compile(r"\baws_sdk_([a-z0-9]+)\b")
EMPTY_CALL = re.compile(r"\.\s*([a-z][a-z0-9_]*)\s*\(\s*\)")

# SDK crate name -> IAM service prefix, where they differ.
IAM_PREFIX = {"sfn": "states", "cloudwatchlogs": "logs", "cloudwatch": "cloudwatch", "eventbridge": "events"}

# Operations whose IAM action is not the operation's own name.
IAM_ACTION_OVERRIDES = {
    ("s3", "list_objects_v2"): "s3:ListBucket",
    ("s3", "list_objects"): "s3:ListBucket",
    ("s3", "head_object"): "s3:GetObject",
    ("s3", "head_bucket"): "s3:ListBucket",
    ("s3", "list_object_versions"): "s3:ListBucketVersions",
}


def strip_rust(text: str) -> str:
    """Blanks out comments, string literals and char literals, keeping offsets and newlines,
    so braces and words inside them do not count as code."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            blank(i, end)
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif (m := re.match(r'b?r(#*)"', text[i:])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            closing = '"' + m.group(1)
            end = text.find(closing, i + m.end())
            end = n if end == -1 else end + len(closing)
            blank(i + 1, end - 1)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        elif c == "'" and (m := re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'", text[i:])):
            blank(i + 1, i + m.end() - 1)
            i += m.end()
        else:
            i += 1
    return "".join(out)


def top_level_chunks(code: str) -> list[str]:
    """Splits stripped code into its top-level items: each ends at a `;` or a closing brace
    at depth 0. Attributes stay with the item they precede."""
    chunks, depth, start = [], 0, 0
    for i, c in enumerate(code):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0 and c == "}":
                chunks.append(code[start : i + 1])
                start = i + 1
        elif c == ";" and depth == 0:
            chunks.append(code[start : i + 1])
            start = i + 1
    if code[start:].strip():
        chunks.append(code[start:])
    return [chunk for chunk in chunks if chunk.strip()]


def _last_segment(path: str) -> str | None:
    """`crate::calls::CallStarter<T>` -> `CallStarter`; `&mut dyn Foo` -> `Foo`."""
    path = re.sub(r"^\s*(?:&\s*(?:'\w+\s+)?(?:mut\s+)?|dyn\s+)*", "", path)
    path = path.split("<", 1)[0]
    names = IDENT.findall(path)
    return names[-1] if names else None


def _skip_generics(text: str, i: int) -> int:
    """Index just past a balanced `<...>` starting at `text[i]` (ignoring `->`)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "<":
            depth += 1
        elif c == ">" and text[i - 1] != "-":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


@dataclass
class Item:
    file: str
    kind: str
    name: str | None
    public: bool  # visible outside its file: `pub`, `pub(crate)`, ...
    exported: bool  # visible to other crates: plain `pub`
    code: str
    trait: str | None = None
    owner: str | None = None  # the type of an inherent method
    idents: set[str] = field(default_factory=set)


def parse_items(file: str, code: str) -> list[Item]:
    """Top-level items of stripped code; inherent impls are split into their methods."""
    items = []
    for chunk in top_level_chunks(code):
        header = chunk.split("{", 1)[0]
        keyword = ITEM_KEYWORD.search(header)
        if not keyword:
            continue
        kind = keyword.group(1)
        before = header[: keyword.start()]
        visibility = re.search(r"\bpub\b(\s*\([^)]*\))?\s*(?:async\s+|unsafe\s+|const\s+|extern\s+\S+\s+)*$", before)
        public = bool(visibility)
        exported = bool(visibility) and not visibility.group(1)
        if kind == "impl":
            rest_start = keyword.end()
            while rest_start < len(header) and header[rest_start].isspace():
                rest_start += 1
            if header[rest_start : rest_start + 1] == "<":
                rest_start = _skip_generics(header, rest_start)
            target = re.split(r"\bwhere\b", header[rest_start:], maxsplit=1)[0]
            if re.search(r"\bfor\b", target):
                trait_part, type_part = re.split(r"\bfor\b", target, maxsplit=1)
                items.append(
                    Item(file, "trait-impl", _last_segment(type_part), False, False, chunk,
                         trait=_last_segment(trait_part), idents=set(IDENT.findall(chunk)))
                )
            else:
                owner = _last_segment(target)
                body = chunk[chunk.index("{") + 1 : chunk.rindex("}")]
                for method in parse_items(file, body):
                    if method.kind == "fn":
                        method.kind, method.owner = "method", owner
                        items.append(method)
            continue
        name = None
        if kind == "macro_rules":
            m = re.search(r"macro_rules\s*!\s*(\w+)", header)
        else:
            m = re.search(rf"\b{kind}\s+(\w+)", header)
        if m:
            name = m.group(1)
        items.append(Item(file, kind, name, public, exported, chunk, idents=set(IDENT.findall(chunk))))
    return items


def reached_items(crate_idents: set[str], shared_items: list[Item]) -> list[Item]:
    """The shared items a crate reaches, to a fixed point (see the module doc)."""
    active: list[Item] = []
    active_ids: set[int] = set()
    crate_refs = set(crate_idents)
    refs_by_file: dict[str, set[str]] = {}
    shared_refs: set[str] = set()
    shared_names = {item.name for item in shared_items if item.name and item.kind != "method"}

    def referenced(item: Item, name: str | None) -> bool:
        if name is None:
            return False
        return (
            (item.exported and name in crate_refs)
            or name in refs_by_file.get(item.file, set())
            or (item.public and name in shared_refs)
        )

    def known(name: str | None) -> bool:
        # A trait or type from outside shared/ (Display, From, String) needs nothing reached.
        if name is None or name not in shared_names:
            return True
        return any(other.name == name and id(other) in active_ids for other in shared_items)

    changed = True
    while changed:
        changed = False
        for item in shared_items:
            if id(item) in active_ids:
                continue
            if item.kind == "trait-impl":
                on = known(item.trait) and known(item.name)
            elif item.kind == "method":
                on = known(item.owner) and referenced(item, item.name)
            else:
                on = referenced(item, item.name)
            if on:
                active.append(item)
                active_ids.add(id(item))
                refs_by_file.setdefault(item.file, set()).update(item.idents)
                shared_refs.update(item.idents)
                changed = True
    return active


@functools.lru_cache(maxsize=None)
def sdk_operations(workspace: str) -> dict[str, frozenset[str]]:
    """Operation names of every `aws-sdk-*` crate in the workspace's dependency graph, keyed
    by service (`connect` for `aws-sdk-connect`)."""
    command = ["cargo", "metadata", "--format-version", "1"]
    # Offline first (fast, no network); a fresh machine without the crates downloaded
    # falls back to fetching them.
    result = subprocess.run([*command, "--offline"], cwd=workspace, capture_output=True, text=True)
    if result.returncode != 0:
        result = subprocess.run(command, cwd=workspace, capture_output=True, text=True, check=True)
    services: dict[str, frozenset[str]] = {}
    for package in json.loads(result.stdout)["packages"]:
        name = package["name"]
        if not name.startswith("aws-sdk-"):
            continue
        operation_dir = Path(package["manifest_path"]).parent / "src" / "operation"
        if operation_dir.is_dir():
            service = name.removeprefix("aws-sdk-").replace("-", "")
            services[service] = frozenset(p.name for p in operation_dir.iterdir() if p.is_dir())
    return services


def iam_action(service: str, operation: str) -> str:
    if (service, operation) in IAM_ACTION_OVERRIDES:
        return IAM_ACTION_OVERRIDES[(service, operation)]
    prefix = IAM_PREFIX.get(service, service)
    return prefix + ":" + "".join(part[:1].upper() + part[1:] for part in operation.split("_"))


class UnknownSdkError(AssertionError):
    """Reached code uses an SDK crate whose operations are unknown."""


# `.send()` ends every SDK fluent call: an item with it in a file importing an SDK calls it.
SENDS = re.compile(r"\.\s*send\s*\(\s*\)")


def unknown_services(code: str, raw: str, operations: dict[str, frozenset[str]]) -> set[str]:
    """SDK crates `code` (stripped) calls whose operations are not in `operations`: named in
    the code itself, or imported by its file (`raw`) while the code sends a request."""
    used = set(SDK_CRATE.findall(code))
    if SENDS.search(code):
        used |= set(SDK_CRATE.findall(strip_rust(raw)))
    return {service for service in used if service not in operations}


@dataclass(frozen=True)
class SdkCall:
    action: str
    operation: str
    where: str


def sdk_calls(code: str, raw: str, where: str, operations: dict[str, frozenset[str]]) -> set[SdkCall]:
    """The SDK operations called in `code` (stripped), for the services `raw` imports."""
    services = {s for s in SDK_CRATE.findall(raw) if s in operations}
    found = set()
    for match in EMPTY_CALL.finditer(code):
        name = match.group(1)
        for service in services:
            if name in operations[service]:
                found.add(SdkCall(iam_action(service, name), name, where))
    return found


def crate_sdk_calls(crate_dir: Path, shared_src: Path, operations: dict[str, frozenset[str]]) -> set[SdkCall]:
    """Every SDK call a function crate makes, directly or through what it reaches in shared/."""
    calls: set[SdkCall] = set()
    crate_idents: set[str] = set()
    unknown: dict[str, set[str]] = {}
    for path in sorted((crate_dir / "src").rglob("*.rs")):
        raw = path.read_text(encoding="utf-8")
        code = strip_rust(raw)
        crate_idents.update(IDENT.findall(code))
        calls |= sdk_calls(code, raw, str(path), operations)
        for service in unknown_services(code, raw, operations):
            unknown.setdefault(service, set()).add(str(path))
    shared_items: list[Item] = []
    raw_by_file: dict[str, str] = {}
    for path in sorted(shared_src.rglob("*.rs")):
        raw = path.read_text(encoding="utf-8")
        raw_by_file[str(path)] = raw
        shared_items.extend(parse_items(str(path), strip_rust(raw)))
    for item in reached_items(crate_idents, shared_items):
        label = f"{item.file}: {item.kind} {item.trait + ' for ' if item.trait else ''}{item.owner + '::' if item.owner else ''}{item.name}"
        calls |= sdk_calls(item.code, raw_by_file[item.file], label, operations)
        for service in unknown_services(item.code, raw_by_file[item.file], operations):
            unknown.setdefault(service, set()).add(label)
    if unknown:
        details = "; ".join(f"aws_sdk_{s} in {sorted(where)}" for s, where in sorted(unknown.items()))
        raise UnknownSdkError(
            f"{crate_dir.name} reaches code using SDK crates `cargo metadata` does not list ({details}): "
            "enable the crate's feature in the function's Cargo.toml, or fetch it (cargo fetch)"
        )
    return calls
