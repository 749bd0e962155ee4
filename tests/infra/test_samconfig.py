"""infra/samconfig.example.toml works once copied: SAM CLI reads its parameter_overrides the
way this test does (with SAM CLI's own reader and parameter-overrides parser when aws-sam-cli
is installed, else with the same grammar reimplemented here), and every value is one the
template accepts. An entry with an empty value ("MappingJsonFile=") stops `sam deploy`."""

from __future__ import annotations

import re
import tomllib

import pytest

from support import INFRA, load_template, parameter_value_problems

try:  # aws-sam-cli is in requirements.txt; the fallback keeps the test meaningful without it.
    from samcli.cli.types import CfnParameterOverridesType
    from samcli.lib.config.samconfig import SamConfig
except ImportError:  # pragma: no cover - depends on the environment
    CfnParameterOverridesType = None
    SamConfig = None

EXAMPLE = INFRA / "samconfig.example.toml"
TEMPLATE_DATA = load_template()

# --- SAM CLI's grammar, reimplemented -----------------------------------------------------
# `--parameter-overrides` / parameter_overrides: whitespace-separated Key=Value pairs (or
# ParameterKey=Key,ParameterValue=Value); a value is a run of characters without spaces,
# quotes or backslashes, or a double- or single-quoted string. Each entry of a TOML list must
# hold at least one pair; "Key=" holds none and is refused (samcli/cli/types.py,
# CfnParameterOverridesType).
_KEY = r"[A-Za-z0-9\"']+"
_VALUE = r"(\"(?:\\.|[^\"\\]+)*\"|'(?:\\.|[^'\\]+)*'|(?:\\.|[^ \"\\]+)+)"
_LONG_FORM = re.compile(rf"(?:ParameterKey=({_KEY}),ParameterValue={_VALUE})")
_SHORT_FORM = re.compile(rf"(?:(?: )({_KEY})={_VALUE})")


class OverrideError(ValueError):
    pass


def parse_overrides_like_sam(values) -> dict[str, str]:
    entries = [values] if isinstance(values, str) else list(values)
    parsed: dict[str, str] = {}
    for entry in entries:
        normalized = " " + str(entry).strip()
        for pattern in (_LONG_FORM, _SHORT_FORM):
            pairs = pattern.findall(normalized)
            if pairs:
                parsed.update({key: _unquote(value) for key, value in pairs})
                break
        else:
            raise OverrideError(f"{entry} is not a valid format")
    return parsed


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_overrides(values) -> dict[str, str]:
    """SAM CLI's own parser when installed, else the reimplementation."""
    if CfnParameterOverridesType is None:
        return parse_overrides_like_sam(values)
    import click

    try:
        return dict(CfnParameterOverridesType().convert(values, None, None))
    except click.BadParameter as error:
        raise OverrideError(str(error)) from error


def deploy_overrides(path=EXAMPLE):
    """parameter_overrides as `sam deploy` reads it from the config file."""
    if SamConfig is not None:
        values = SamConfig(str(path.parent), path.name).get_all(["deploy"], "parameters")
        return values["parameter_overrides"]
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return document["default"]["deploy"]["parameters"]["parameter_overrides"]


def commented_entries(path=EXAMPLE) -> list[str]:
    """The optional entries the example shows in comments: `# "Name=Value",`."""
    text = path.read_text(encoding="utf-8")
    block = re.search(r"parameter_overrides\s*=\s*\[(.*?)\n\]", text, re.S).group(1)
    return re.findall(r'^\s*#\s*"([A-Za-z0-9]+=[^"]*)",?\s*$', block, re.M)


def test_the_example_parses_the_way_sam_cli_parses_it():
    overrides = parse_overrides(deploy_overrides())
    assert overrides, "the example sets no parameters"


def test_the_example_gives_every_required_parameter_a_valid_value():
    overrides = parse_overrides(deploy_overrides())
    required = {name for name, parameter in TEMPLATE_DATA["Parameters"].items() if "Default" not in parameter}
    assert required <= set(overrides), f"missing: {sorted(required - set(overrides))}"
    problems = [p for name, value in overrides.items() for p in parameter_value_problems(TEMPLATE_DATA, name, value)]
    assert not problems


def test_the_optional_entries_shown_in_comments_are_valid_when_uncommented():
    entries = commented_entries()
    names = {entry.split("=", 1)[0] for entry in entries}
    assert {"MappingJsonFile", "ExistingAlertTopicArns"} <= names
    overrides = parse_overrides(deploy_overrides() + entries)
    problems = [p for name in names for p in parameter_value_problems(TEMPLATE_DATA, name, overrides[name])]
    assert not problems


@pytest.mark.parametrize("parse", [parse_overrides, parse_overrides_like_sam], ids=["sam-cli", "grammar"])
def test_an_empty_value_is_refused(parse):
    with pytest.raises(OverrideError):
        parse(["ConnectInstanceId=12345678-90ab-cdef-1234-567890abcdef", "MappingJsonFile="])
    with pytest.raises(OverrideError):
        parse(["ExistingAlertTopicArns="])
    assert parse(['MappingJsonFile=""']) == {"MappingJsonFile": ""}


@pytest.mark.skipif(CfnParameterOverridesType is None, reason="aws-sam-cli is not installed")
def test_the_reimplemented_grammar_agrees_with_sam_cli():
    cases = [
        ["A=1", "B=two"],
        "A=1 B=2",
        ["A=\"x y\"", "B='z'"],
        ["ParameterKey=A,ParameterValue=1"],
        ["T=arn:aws:sns:ap-northeast-1:123456789012:a,arn:aws:sns:ap-northeast-1:123456789012:b"],
        ["M=障害が発生しました。"],
        ["A=1", "B="],
        ["=1"],
    ]
    for case in cases:
        try:
            expected = parse_overrides(case)
        except OverrideError:
            with pytest.raises(OverrideError):
                parse_overrides_like_sam(case)
        else:
            assert parse_overrides_like_sam(case) == expected, case
