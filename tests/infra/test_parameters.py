"""Template parameters that guard against a bad deploy: the created flow's voice (a voice with
an engine it lacks makes Connect read Japanese in an English voice), the escalation settings'
bounds (an execution's history is finite), and the reserved Lambda concurrency that keeps the
calling functions ringing while the public forward-call URL is flooded."""

from __future__ import annotations

import json
import re
from itertools import product

import pytest

from support import (
    INFRA,
    ROOT,
    SAM_FUNCTION,
    failed_rule_assertions,
    function_name,
    load_template,
    parameter_values,
    resources,
    rust_number_const,
)

TEMPLATE_DATA = load_template()
PARAMETERS = TEMPLATE_DATA["Parameters"]
REQUIRED = {
    "ConnectInstanceId": "12345678-90ab-cdef-1234-567890abcdef",
    "ConnectSourcePhoneNumber": "+815012345678",
    "ConnectExtraDestinationPhoneNumber": "+819012345678",
}

# --- the created flow's voice -----------------------------------------------------------

# Amazon Polly's Japanese voices and the engines each has
# (https://docs.aws.amazon.com/polly/latest/dg/available-voices.html,
# .../neural-voices.html, .../standard-voices.html): none is generative or long-form.
JAPANESE_VOICES = {
    "Neural": {"Takumi", "Kazuha", "Tomoko"},
    "Standard": {"Takumi", "Mizuki"},
}
SUPPORTED_PAIRS = {(engine, voice) for engine, voices in JAPANESE_VOICES.items() for voice in voices}


def voice_refusals(engine: str, voice: str) -> list[str]:
    values = parameter_values(TEMPLATE_DATA, {**REQUIRED, "ConnectVoiceEngine": engine, "ConnectVoiceId": voice})
    return failed_rule_assertions(TEMPLATE_DATA, values)


def test_voice_parameters_allow_only_japanese_voices_and_their_engines():
    assert set(PARAMETERS["ConnectVoiceId"]["AllowedValues"]) == set().union(*JAPANESE_VOICES.values())
    assert set(PARAMETERS["ConnectVoiceEngine"]["AllowedValues"]) == set(JAPANESE_VOICES)
    assert PARAMETERS["ConnectLanguageCode"]["AllowedValues"] == ["ja-JP"]
    defaults = (PARAMETERS["ConnectVoiceEngine"]["Default"], PARAMETERS["ConnectVoiceId"]["Default"])
    assert defaults in SUPPORTED_PAIRS


def test_the_rules_accept_exactly_the_pairs_polly_supports():
    engines = PARAMETERS["ConnectVoiceEngine"]["AllowedValues"]
    voices = PARAMETERS["ConnectVoiceId"]["AllowedValues"]
    accepted = {(engine, voice) for engine, voice in product(engines, voices) if not voice_refusals(engine, voice)}
    assert accepted == SUPPORTED_PAIRS


@pytest.mark.parametrize("engine,voice", [("Neural", "Mizuki"), ("Standard", "Kazuha"), ("Standard", "Tomoko")])
def test_a_voice_without_that_engine_is_refused_before_deploying(engine, voice):
    refusals = voice_refusals(engine, voice)
    assert refusals, f"{voice} with {engine} would deploy"
    assert all("ConnectVoiceId" in refusal for refusal in refusals), refusals


def test_the_rule_evaluator_refuses_what_it_cannot_evaluate():
    broken = {
        "Parameters": {"A": {"Type": "String", "Default": "x"}},
        "Rules": {"R": {"Assertions": [{"Assert": {"Fn::Sub": "${A}"}}]}},
    }
    with pytest.raises(AssertionError, match="does not know Fn::Sub"):
        failed_rule_assertions(broken, {"A": "x"})
    guarded = {
        "Parameters": {"A": {"Type": "String"}, "B": {"Type": "String"}},
        "Rules": {
            "R": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "A"}, "on"]},
                "Assertions": [{"Assert": {"Fn::Contains": [["1", "2"], {"Ref": "B"}]}, "AssertDescription": "B"}],
            }
        },
    }
    assert failed_rule_assertions(guarded, {"A": "off", "B": "9"}) == []
    assert failed_rule_assertions(guarded, {"A": "on", "B": "9"}) == ["R: B"]


# --- escalation bounds ------------------------------------------------------------------

# (MinValue, MaxValue). A STANDARD execution's history holds at most 25,000 events
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); each poll loop
# adds about 14, and the functions parse the same bounds.
BOUNDS = {
    "CallRepeatCount": (1, 10),
    "CallStateCheckIntervalSeconds": (5, 600),
    "CallPollIntervalSeconds": (1, 60),
}


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_escalation_settings_are_bounded(name):
    parameter = PARAMETERS[name]
    assert parameter["Type"] == "Number"
    assert (parameter.get("MinValue"), parameter.get("MaxValue")) == BOUNDS[name]
    assert BOUNDS[name][0] <= int(parameter["Default"]) <= BOUNDS[name][1]


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_the_guide_states_the_bounds_and_the_history_budget(readme):
    text = (INFRA / readme).read_text(encoding="utf-8")
    for name, (low, high) in BOUNDS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row, f"{readme}'s settings table has no row for {name}"
        assert re.search(rf"`{low}`\D+`{high}`", row), f"{readme} does not state {name}'s bounds {low}-{high}: {row}"
    per_poll = rust_number_const("EVENTS_PER_POLL")
    assert "25,000" in text and f" {per_poll} " in text, f"{readme} does not explain the execution history budget ({per_poll} events per poll)"


# --- reserved concurrency ---------------------------------------------------------------

# By logical id: place-call is deployed twice, for the steps' calls and for the fail-safe call.
CALLING = {
    "ResolveRosterFunction": "ResolveRosterReservedConcurrency",
    "PlaceCallFunction": "PlaceCallReservedConcurrency",
    "FailSafeCallFunction": "FailSafeCallReservedConcurrency",
    "CheckContactFunction": "CheckContactReservedConcurrency",
    "NextTargetFunction": "NextTargetReservedConcurrency",
}
PUBLIC = {"ForwardCallFunction": "ForwardCallReservedConcurrency"}
FUNCTIONS = resources(TEMPLATE_DATA, SAM_FUNCTION)


@pytest.mark.parametrize("function,parameter", sorted({**CALLING, **PUBLIC}.items()))
def test_function_reserves_its_concurrency_unless_the_parameter_is_zero(function, parameter):
    reserved = FUNCTIONS[function]["Properties"].get("ReservedConcurrentExecutions")
    assert reserved, f"{function} has no reserved concurrency"
    condition, when_set, when_zero = reserved["Fn::If"]
    assert when_set == {"Ref": parameter} and when_zero == {"Ref": "AWS::NoValue"}
    # 0 would throttle every invocation; it means "unreserved" instead.
    assert TEMPLATE_DATA["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, "0"]}]}
    definition = PARAMETERS[parameter]
    assert definition["Type"] == "Number" and definition["MinValue"] == 0
    assert int(definition["Default"]) > 0


def test_forward_call_is_capped_at_a_few_executions_by_default():
    assert 1 <= int(PARAMETERS["ForwardCallReservedConcurrency"]["Default"]) <= 10


def test_the_calling_functions_are_the_ones_the_state_machine_invokes():
    machine = next(iter(resources(TEMPLATE_DATA, "AWS::Serverless::StateMachine").values()))
    invoked = {
        value["Fn::GetAtt"][0]
        for key, value in machine["Properties"]["DefinitionSubstitutions"].items()
        if key.endswith("FunctionArn")
    }
    assert invoked == set(CALLING)


def test_the_fail_safe_call_does_not_share_place_calls_capacity():
    # A storm that saturates place-call (every escalation's Map rings at once) must not starve
    # the call that rings the fallback number: the fail-safe task invokes a function of its own
    # (the same code), whose reservation place-call's executions cannot take.
    definition = json.loads((ROOT / "statemachine" / "escalation.asl.json").read_text(encoding="utf-8"))
    fail_safe = definition["States"]["RingFallbackNumber"]["Resource"]
    placing = definition["States"]["CallDutyGroup"]["ItemProcessor"]["States"]["PlaceCall"]["Resource"]
    assert (fail_safe, placing) == ("${FailSafeCallFunctionArn}", "${PlaceCallFunctionArn}")
    substitutions = next(iter(resources(TEMPLATE_DATA, "AWS::Serverless::StateMachine").values()))["Properties"][
        "DefinitionSubstitutions"
    ]
    own = substitutions["FailSafeCallFunctionArn"]["Fn::GetAtt"][0]
    assert own != substitutions["PlaceCallFunctionArn"]["Fn::GetAtt"][0]
    assert function_name(FUNCTIONS[own]) == "place-call"
    assert FUNCTIONS[own]["Properties"]["Environment"] == FUNCTIONS["PlaceCallFunction"]["Properties"]["Environment"]
    assert int(PARAMETERS["FailSafeCallReservedConcurrency"]["Default"]) >= 1


def test_the_default_reservations_fit_an_account_of_the_default_quota():
    # Lambda keeps 100 executions unreserved; the default account concurrency is 1,000.
    total = sum(int(PARAMETERS[p]["Default"]) for p in {**CALLING, **PUBLIC}.values())
    assert total + 100 <= 1000


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_the_guide_explains_the_reservations(readme):
    text = (INFRA / readme).read_text(encoding="utf-8")
    for parameter in {**CALLING, **PUBLIC}.values():
        assert f"`{parameter}`" in text, f"{readme} does not name {parameter}"
    total = sum(int(PARAMETERS[p]["Default"]) for p in {**CALLING, **PUBLIC}.values())
    assert "100" in text and str(total + 100) in text, f"{readme} does not say the account needs {total + 100}"
    assert "get-account-settings" in text


# --- the roster's time zone -------------------------------------------------------------


def test_the_time_zone_parameter_accepts_every_iana_zone_and_refuses_what_is_not_one():
    # CloudFormation checks AllowedPattern as a whole-value Java regex; these patterns mean the
    # same in Python. A misspelt zone of the right shape (Asia/Tokio) passes here and is
    # caught by the functions, which ring the fallback number instead (tests/local).
    from zoneinfo import available_timezones

    pattern = re.compile(PARAMETERS["RosterTimeZone"]["AllowedPattern"])
    zones = available_timezones()
    assert len(zones) > 300
    refused = sorted(zone for zone in zones if not pattern.fullmatch(zone))
    assert refused == [], refused
    assert pattern.fullmatch(PARAMETERS["RosterTimeZone"]["Default"])
    for bad in ["", "Asia/ Tokyo", "Tokyo time", "9Asia/Tokyo", "Asia/Tokyo;", "+09:00", '"Asia/Tokyo"']:
        assert not pattern.fullmatch(bad), bad
