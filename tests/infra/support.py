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
SHARED_SRC = ROOT / "shared"
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


def _rust_const(name: str, type_pattern: str) -> str:
    """The value of the one `const NAME: <type> = <value>;` in the shared crates. A constant
    that is missing, or defined twice, fails the test that asked: a rename never turns a
    check into a comparison with nothing."""
    pattern = re.compile(rf"\bconst\s+{name}\s*:\s*{type_pattern}\s*;")
    found = [
        (path, match.group(1))
        for path in sorted(SHARED_SRC.rglob("*.rs"))
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(found) == 1, f"const {name} is defined {len(found)} times in {SHARED_SRC}: {found}"
    return found[0][1]


def rust_string_const(name: str) -> str:
    """The value of `const NAME: &str = "...";` in the shared crates."""
    return _rust_const(name, r'&str\s*=\s*"([^"]*)"')


def rust_number_const(name: str) -> int:
    """The value of `const NAME: u32 = 60;` (any unsigned type) in the shared crates."""
    return int(_rust_const(name, r"u\d+\s*=\s*(\d+)"))


# --- CloudFormation Rules ---------------------------------------------------------------
# The rule-specific intrinsic functions
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html),
# evaluated the way CloudFormation does before it creates a change set. A function this
# evaluator does not know fails the test instead of being skipped.


def parameter_values(template: dict, overrides: dict | None = None) -> dict:
    """Every parameter's value: the override, else the default (required ones must be given)."""
    values = {}
    for name, parameter in template["Parameters"].items():
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif "Default" in parameter:
            values[name] = parameter["Default"]
    return values


def _rule_value(value, parameters: dict, template: dict):
    if isinstance(value, list):
        return [_rule_value(v, parameters, template) for v in value]
    if not isinstance(value, dict):
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if len(value) != 1:
        raise AssertionError(f"not a rule function: {value}")
    (function, arguments), = value.items()
    if function == "Ref":
        if arguments not in parameters:
            raise AssertionError(f"Ref {arguments}: not a parameter with a value")
        raw = parameters[arguments]
        kind = template["Parameters"][arguments]["Type"]
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [item.strip() for item in str(raw).split(",")] if raw != "" else []
        return str(raw)
    args = _rule_value(arguments, parameters, template)
    if function == "Fn::And":
        assert 2 <= len(args) <= 10, "Fn::And takes 2 to 10 conditions"
        return all(_as_bool(a) for a in args)
    if function == "Fn::Or":
        assert 2 <= len(args) <= 10, "Fn::Or takes 2 to 10 conditions"
        return any(_as_bool(a) for a in args)
    if function == "Fn::Not":
        (condition,) = args
        return not _as_bool(condition)
    if function == "Fn::Equals":
        left, right = args
        return left == right
    if function == "Fn::Contains":
        haystack, needle = args
        return needle in haystack
    if function == "Fn::EachMemberEquals":
        members, expected = args
        return all(member == expected for member in members)
    if function == "Fn::EachMemberIn":
        members, allowed = args
        return all(member in allowed for member in members)
    raise AssertionError(f"the rule evaluator does not know {function}")


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise AssertionError(f"not a condition: {value!r}")


def failed_rule_assertions(template: dict, parameters: dict) -> list[str]:
    """The AssertDescription of every rule assertion `parameters` break (empty: accepted)."""
    failed = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not _as_bool(_rule_value(rule["RuleCondition"], parameters, template)):
            continue
        for assertion in rule["Assertions"]:
            if not _as_bool(_rule_value(assertion["Assert"], parameters, template)):
                failed.append(f"{name}: {assertion.get('AssertDescription', '(no description)')}")
    return failed


def parameter_value_problems(template: dict, name: str, value: str) -> list[str]:
    """Why CloudFormation would refuse `value` for parameter `name` (empty: accepted)."""
    parameter = template["Parameters"].get(name)
    if parameter is None:
        return [f"{name} is not a parameter of the template"]
    problems = []
    value = str(value)
    if parameter["Type"] == "Number":
        try:
            number = float(value)
        except ValueError:
            return [f"{name}={value!r} is not a number"]
        if "MinValue" in parameter and number < float(parameter["MinValue"]):
            problems.append(f"{name}={value} is below MinValue {parameter['MinValue']}")
        if "MaxValue" in parameter and number > float(parameter["MaxValue"]):
            problems.append(f"{name}={value} is above MaxValue {parameter['MaxValue']}")
    if "AllowedValues" in parameter and value not in [str(v) for v in parameter["AllowedValues"]]:
        problems.append(f"{name}={value!r} is not one of {parameter['AllowedValues']}")
    if "AllowedPattern" in parameter and not re.fullmatch(parameter["AllowedPattern"], value):
        problems.append(f"{name}={value!r} does not match {parameter['AllowedPattern']}")
    if "MinLength" in parameter and len(value) < int(parameter["MinLength"]):
        problems.append(f"{name}={value!r} is shorter than {parameter['MinLength']}")
    if "MaxLength" in parameter and len(value) > int(parameter["MaxLength"]):
        problems.append(f"{name}={value!r} is longer than {parameter['MaxLength']}")
    return problems


def effective_function_property(template: dict, logical_id: str, name: str, default=None):
    """A function's property with SAM's Globals applied."""
    properties = template["Resources"][logical_id]["Properties"]
    if name in properties:
        return properties[name]
    return template.get("Globals", {}).get("Function", {}).get(name, default)
