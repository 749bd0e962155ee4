"""The contact flow (infra/contact-flow.json): well formed Flow language, and it does what an
escalation needs. A small interpreter walks it as a callee would: pressing 1 at once, late,
after a wrong key, or never."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import chain

import pytest

from support import (
    CONTACT_FLOW,
    SHARED_SRC,
    load_contact_flow,
    load_template,
    placeholders,
    rust_string_const,
)

FLOW = load_contact_flow()
TEMPLATE_DATA = load_template()
PARAMETERS = TEMPLATE_DATA["Parameters"]
ACTIONS = {action["Identifier"]: action for action in FLOW["Actions"]}

ACK_ATTRIBUTE = rust_string_const(SHARED_SRC / "config.rs", "DEFAULT_ACK_ATTRIBUTE")
MESSAGE_ATTRIBUTE = rust_string_const(SHARED_SRC / "calls.rs", "ATTRIBUTE_MESSAGE") or "alertMessage"

# Error branches each action type must define (Flow language reference).
REQUIRED_ERRORS = {
    "UpdateContactTextToSpeechVoice": {"NoMatchingError"},
    "UpdateContactData": {"NoMatchingError"},
    "MessageParticipant": {"NoMatchingError"},
    "GetParticipantInput": {"NoMatchingError", "NoMatchingCondition", "InputTimeLimitExceeded"},
    "UpdateContactAttributes": {"NoMatchingError"},
    "Loop": set(),
    "DisconnectParticipant": set(),
}
FORBIDDEN_IDENTIFIER_CHARACTERS = set("%:(\\/)=$,;[]{}")


def with_defaults(flow_text: str) -> dict:
    """The flow as the stack creates it with every parameter left at its default."""

    def default(match: re.Match) -> str:
        return str(PARAMETERS[match.group(1)]["Default"])

    return json.loads(re.sub(r"\$\{(\w+)\}", default, flow_text))


def targets(action: dict) -> list[str]:
    transitions = action.get("Transitions", {})
    return [
        t["NextAction"]
        for t in chain([transitions], transitions.get("Conditions", []), transitions.get("Errors", []))
        if "NextAction" in t
    ]


def error_target(action: dict, error: str) -> str:
    for branch in action["Transitions"].get("Errors", []):
        if branch["ErrorType"] == error:
            return branch["NextAction"]
    raise AssertionError(f"{action['Identifier']} has no {error} branch")


def condition_target(action: dict, operand: str) -> str | None:
    for branch in action["Transitions"].get("Conditions", []):
        condition = branch["Condition"]
        if condition["Operator"] == "Equals" and condition["Operands"] == [operand]:
            return branch["NextAction"]
    return None


@dataclass
class Call:
    """What one call through the flow did."""

    attributes: dict
    spoken: list[str] = field(default_factory=list)
    voice: str | None = None
    language: str | None = None
    prompts: int = 0


def run(flow: dict, keys: list[str | None], attributes: dict | None = None) -> Call:
    """Walks the flow. `keys` answers each GetParticipantInput in turn: a digit, or None for
    no key before the time limit (also what happens after the list runs out)."""
    actions = {action["Identifier"]: action for action in flow["Actions"]}
    call = Call(attributes=dict(attributes or {}))
    loops: dict[str, int] = {}
    pending = iter(keys)
    here = flow["StartAction"]
    for _ in range(500):
        action = actions[here]
        kind, parameters = action["Type"], action.get("Parameters", {})
        if kind == "DisconnectParticipant":
            return call
        if kind == "UpdateContactTextToSpeechVoice":
            call.voice = parameters["TextToSpeechVoice"]
            here = action["Transitions"]["NextAction"]
        elif kind == "UpdateContactData":
            call.language = parameters.get("LanguageCode", call.language)
            here = action["Transitions"]["NextAction"]
        elif kind == "MessageParticipant":
            text = parameters["Text"]
            if text.startswith("$.Attributes."):
                text = call.attributes.get(text.removeprefix("$.Attributes."))
            if text:
                call.spoken.append(text)
                here = action["Transitions"]["NextAction"]
            else:
                here = error_target(action, "NoMatchingError")
        elif kind == "GetParticipantInput":
            call.spoken.append(parameters["Text"])
            call.prompts += 1
            key = next(pending, None)
            if key is None:
                here = error_target(action, "InputTimeLimitExceeded")
            else:
                here = condition_target(action, key) or error_target(action, "NoMatchingCondition")
        elif kind == "UpdateContactAttributes":
            call.attributes.update(parameters["Attributes"])
            here = action["Transitions"]["NextAction"]
        elif kind == "Loop":
            done = loops.get(here, 0)
            if done < int(parameters["LoopCount"]):
                loops[here] = done + 1
                here = condition_target(action, "ContinueLooping")
            else:
                loops[here] = 0
                here = condition_target(action, "DoneLooping")
        else:
            raise AssertionError(f"the interpreter does not know {kind}")
    raise AssertionError("the flow never disconnects")


DEPLOYED = with_defaults(CONTACT_FLOW.read_text(encoding="utf-8"))
ALERT = {MESSAGE_ATTRIBUTE: "本番DBで障害が発生しました。"}
REPEATS = int(PARAMETERS["ConnectPromptRepeatCount"]["Default"])


# --- well formed ----------------------------------------------------------------------


def test_flow_is_flow_language_with_unique_valid_identifiers():
    assert FLOW["Version"] == "2019-10-30"
    identifiers = [action["Identifier"] for action in FLOW["Actions"]]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert len(identifier) <= 50 and not (set(identifier) & FORBIDDEN_IDENTIFIER_CHARACTERS), identifier
    assert FLOW["StartAction"] in ACTIONS


def test_every_transition_target_exists():
    for action in FLOW["Actions"]:
        missing = [target for target in targets(action) if target not in ACTIONS]
        assert not missing, f"{action['Identifier']} goes to missing actions {missing}"


def test_every_action_is_reachable_and_only_disconnect_ends_the_flow():
    seen, todo = set(), [FLOW["StartAction"]]
    while todo:
        here = todo.pop()
        if here not in seen:
            seen.add(here)
            todo.extend(targets(ACTIONS[here]))
    assert seen == set(ACTIONS), f"unreachable: {sorted(set(ACTIONS) - seen)}"
    for action in FLOW["Actions"]:
        if action["Type"] == "DisconnectParticipant":
            assert targets(action) == []
        else:
            assert action["Transitions"].get("NextAction"), f"{action['Identifier']} has no default next action"


def test_every_action_handles_the_errors_its_type_can_raise():
    for action in FLOW["Actions"]:
        assert action["Type"] in REQUIRED_ERRORS, f"unexpected action type {action['Type']}"
        defined = {branch["ErrorType"] for branch in action["Transitions"].get("Errors", [])}
        assert REQUIRED_ERRORS[action["Type"]] <= defined, action["Identifier"]


def test_loops_branch_on_exactly_continue_and_done():
    for action in FLOW["Actions"]:
        if action["Type"] == "Loop":
            operands = sorted(b["Condition"]["Operands"][0] for b in action["Transitions"]["Conditions"])
            assert operands == ["ContinueLooping", "DoneLooping"]


# --- what it says and does --------------------------------------------------------------


def test_sets_a_japanese_neural_voice_by_default():
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.voice == "Takumi" and call.language == "ja-JP"
    voice = next(a for a in DEPLOYED["Actions"] if a["Type"] == "UpdateContactTextToSpeechVoice")
    assert voice["Parameters"]["TextToSpeechEngine"] == "Neural"


def test_the_message_is_the_alert_message_contact_attribute():
    speaking = [a for a in FLOW["Actions"] if a["Type"] == "MessageParticipant"]
    assert any(a["Parameters"]["Text"] == f"$.Attributes.{MESSAGE_ATTRIBUTE}" for a in speaking)
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.spoken[0] == ALERT[MESSAGE_ATTRIBUTE]


def test_asks_for_1_in_japanese_after_the_message():
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.spoken[1] == "確認した場合は1を押してください。"


def test_pressing_1_sets_the_attribute_the_functions_read_and_thanks():
    assert ACK_ATTRIBUTE == "acknowledged"
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert call.spoken[-1] == PARAMETERS["ConnectThanksText"]["Default"]
    assert call.prompts == 1


def test_the_1_branch_is_the_only_way_to_the_attribute():
    ask = next(a for a in FLOW["Actions"] if a["Type"] == "GetParticipantInput")
    mark = ACTIONS[condition_target(ask, "1")]
    assert mark["Type"] == "UpdateContactAttributes"
    assert mark["Parameters"] == {"TargetContact": "Current", "Attributes": {ACK_ATTRIBUTE: "true"}}
    setters = [a for a in FLOW["Actions"] if a["Type"] == "UpdateContactAttributes"]
    assert setters == [mark]


def test_silence_repeats_the_message_then_hangs_up_without_acknowledging():
    call = run(DEPLOYED, [], ALERT)
    assert ACK_ATTRIBUTE not in call.attributes
    assert call.prompts == 1 + REPEATS
    assert call.spoken.count(ALERT[MESSAGE_ATTRIBUTE]) == 1 + REPEATS


def test_a_wrong_key_is_asked_again_and_a_late_1_still_counts():
    assert run(DEPLOYED, ["2", "1"], ALERT).attributes[ACK_ATTRIBUTE] == "true"
    last_chance = [None] * REPEATS + ["1"]
    assert run(DEPLOYED, last_chance, ALERT).attributes[ACK_ATTRIBUTE] == "true"
    too_late = [None] * (REPEATS + 1) + ["1"]
    assert ACK_ATTRIBUTE not in run(DEPLOYED, too_late, ALERT).attributes


def test_a_missing_message_still_asks_for_the_key():
    call = run(DEPLOYED, ["1"], {})
    assert call.attributes[ACK_ATTRIBUTE] == "true"


def test_interpreter_notices_a_flow_that_never_sets_the_attribute():
    broken = json.loads(json.dumps(DEPLOYED))
    for action in broken["Actions"]:
        if action["Type"] == "GetParticipantInput":
            action["Transitions"]["Conditions"][0]["Condition"]["Operands"] = ["9"]
    assert ACK_ATTRIBUTE not in run(broken, ["1"], ALERT).attributes


# --- the copy in the template -------------------------------------------------------------


def test_the_template_creates_exactly_this_flow():
    flow = TEMPLATE_DATA["Resources"]["AcknowledgementFlow"]
    content = flow["Properties"]["Content"]["Fn::Sub"]
    assert json.loads(content) == FLOW, "infra/template.yaml's flow differs from infra/contact-flow.json"
    assert flow["Condition"] == "CreateContactFlow"
    assert flow["Properties"]["Type"] == "CONTACT_FLOW"


def test_the_flow_placeholders_are_template_parameters():
    used = placeholders(CONTACT_FLOW.read_text(encoding="utf-8"))
    assert used == {
        "ConnectVoiceId",
        "ConnectVoiceEngine",
        "ConnectLanguageCode",
        "ConnectPromptText",
        "ConnectThanksText",
        "ConnectPromptRepeatCount",
    }
    assert used <= set(PARAMETERS)


@pytest.mark.parametrize("name", ["ConnectPromptText", "ConnectThanksText"])
def test_spoken_texts_cannot_break_the_flow_json(name):
    pattern = PARAMETERS[name]["AllowedPattern"]
    assert re.fullmatch(pattern, PARAMETERS[name]["Default"])
    assert not re.fullmatch(pattern, 'say "hi"')
    assert not re.fullmatch(pattern, "back\\slash")
