"""Paths and readers shared by the infra tests: the SAM template (parsed the way cfn-lint
parses it, short-form tags included), the state machine's placeholders, the contact flow,
and the function crates."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TEMPLATE = INFRA / "template.yaml"
CONTACT_FLOW = INFRA / "contact-flow.json"
FUNCTIONS = ROOT / "functions"
SHARED_SRC = ROOT / "shared" / "src"
SAMPLES = ROOT / "samplejson"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SAM_FUNCTION = "AWS::Serverless::Function"
SAM_STATE_MACHINE = "AWS::Serverless::StateMachine"

# `${Name}` as DefinitionSubstitutions and Fn::Sub write it; `${!Literal}` is an escape.
PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]*)\}")


def load_template(path: Path = TEMPLATE) -> dict:
    template, matches = decode(str(path))
    if template is None:
        raise AssertionError(f"{path} does not parse: {[str(m) for m in matches]}")
    return template


def resources(template: dict, type_: str | None = None) -> dict[str, dict]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if type_ is None or resource.get("Type") == type_
    }


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def state_machine(template: dict) -> tuple[str, dict]:
    machines = resources(template, SAM_STATE_MACHINE)
    assert len(machines) == 1, f"expected one state machine, found {sorted(machines)}"
    return next(iter(machines.items()))


def definition_path(template: dict) -> Path:
    _, machine = state_machine(template)
    return (TEMPLATE.parent / machine["Properties"]["DefinitionUri"]).resolve()


def substitution_mismatch(asl_text: str, substitutions: dict) -> tuple[set[str], set[str]]:
    """(placeholders without a substitution, substitutions no placeholder uses)."""
    used = placeholders(asl_text)
    given = set(substitutions)
    return used - given, given - used


def ref_target(value) -> str | None:
    """The logical id a `!Ref X` or `!GetAtt X.Attr` points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else str(target).split(".", 1)[0]
    return None


def function_name(resource: dict) -> str | None:
    return resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary")


def crate_package_name(crate_dir: Path) -> str | None:
    manifest = crate_dir / "Cargo.toml"
    if not manifest.is_file():
        return None
    return tomllib.loads(manifest.read_text(encoding="utf-8")).get("package", {}).get("name")


def crates() -> dict[str, Path]:
    """Function crates by package name."""
    found = {}
    for manifest in sorted(FUNCTIONS.glob("*/Cargo.toml")):
        name = crate_package_name(manifest.parent)
        if name:
            found[name] = manifest.parent
    return found


def crate_is_written(crate_dir: Path) -> bool:
    """False for a placeholder crate (`fn main() {}` and no library yet)."""
    return (crate_dir / "src" / "lib.rs").is_file()


def workspace_members() -> list[str]:
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    return manifest["workspace"]["members"]


def load_contact_flow(path: Path = CONTACT_FLOW) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def rust_string_const(path: Path, name: str) -> str | None:
    """The value of `pub const NAME: &str = "...";` in a Rust file."""
    if not path.is_file():
        return None
    match = re.search(rf'const\s+{name}\s*:\s*&str\s*=\s*"([^"]*)"', path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def rust_number_const(path: Path, name: str) -> int | None:
    if not path.is_file():
        return None
    match = re.search(rf"const\s+{name}\s*:\s*u\d+\s*=\s*(\d+)", path.read_text(encoding="utf-8"))
    return int(match.group(1)) if match else None
