"""The contact flow (infra/contact-flow.json): well formed Flow language, and it does what an
escalation needs. A small interpreter walks it as a callee would: pressing 1 at once, late,
while the prompt or the alert message is still playing, after a wrong key, or never; with the
project's own voice, language and prompt (contact attributes place-call sets), or without them.

The interpreter follows Connect where it matters: a key pressed while a GetParticipantInput
block speaks interrupts it and is that block's input ("interruptible prompts with DTMF",
https://docs.aws.amazon.com/connect/latest/adminguide/get-customer-input.html); a key pressed
while a separate MessageParticipant block speaks is lost (Connect "can't capture the DTMF
input that the caller provides during the play prompt block",
https://repost.aws/knowledge-center/connect-store-get-customer-input-blocks). A voice, engine or
language given dynamically ($.Attributes.x) that is missing, or a voice and engine pair Amazon
Polly does not have, takes the block's NoMatchingError branch (UpdateContactTextToSpeechVoice
"results in error if voice or engine are invalid, or if the selected voice does not support the
selected engine",
https://docs.aws.amazon.com/connect/latest/APIReference/contact-actions-updatecontacttexttospeechvoice.html)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import chain

import pytest

from support import (
    CONTACT_FLOW,
    FIXTURES,
    INFRA,
    failed_rule_assertions,
    load_contact_flow,
    load_template,
    parameter_values,
    placeholders,
    rust_string_const,
)

FLOW = load_contact_flow()
TEMPLATE_DATA = load_template()
PARAMETERS = TEMPLATE_DATA["Parameters"]
ACTIONS = {action["Identifier"]: action for action in FLOW["Actions"]}

ACK_ATTRIBUTE = rust_string_const("DEFAULT_ACK_ATTRIBUTE")
MESSAGE_ATTRIBUTE = rust_string_const("ATTRIBUTE_MESSAGE")
# Set by place-call: the prompt always (the project's or the deployment's), the voice, its
# engine and the language only when the project has them.
PROMPT_ATTRIBUTE = rust_string_const("ATTRIBUTE_PROMPT")
VOICE_ATTRIBUTE = rust_string_const("ATTRIBUTE_VOICE")
ENGINE_ATTRIBUTE = rust_string_const("ATTRIBUTE_VOICE_ENGINE")
LANGUAGE_ATTRIBUTE = rust_string_const("ATTRIBUTE_LANGUAGE")

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
ATTRIBUTE_REFERENCE = re.compile(r"\$\.Attributes\.([A-Za-z0-9_]+)")

# Amazon Polly voices and the engines each has (a few of
# https://docs.aws.amazon.com/polly/latest/dg/available-voices.html: every Japanese one and some
# English ones; generative and long-form left out), the engines spelt as the Flow language
# spells them: "Neural" and "Standard", like the template's static ConnectVoiceEngine and the
# console's exported flows. Connect's documentation does not say whether a dynamic engine may
# also be spelt as Polly's API spells it ("neural"), so this model does not accept it.
POLLY_VOICES = {
    "Kazuha": {"Neural"},
    "Tomoko": {"Neural"},
    "Takumi": {"Neural", "Standard"},
    "Mizuki": {"Standard"},
    "Joanna": {"Neural", "Standard"},
    "Matthew": {"Neural", "Standard"},
}
# A language and a region (ja-JP, en-US, cmn-CN): any well-formed one counts as a language
# Connect knows; a missing or empty one is an error.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}-[A-Z]{2}")


def with_defaults(flow_text: str, **overrides) -> dict:
    """The flow as the stack creates it with every parameter at its default (or `overrides`)."""

    def value(match: re.Match) -> str:
        return str(overrides.get(match.group(1), PARAMETERS[match.group(1)]["Default"]))

    return json.loads(re.sub(r"\$\{(\w+)\}", value, flow_text))


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


@dataclass(frozen=True)
class Press:
    """The callee presses `key` while `during` plays: "prompt" (the words asking for the key:
    the flow's own, or the prompt contact attribute), "message" (the alert, from its contact
    attribute), or "after" everything was said."""

    key: str
    during: str = "after"


def segments(text: str, attributes: dict) -> list[tuple[str, str | None]]:
    """(kind, spoken text) in order: the flow's words and the prompt attribute are "prompt",
    any other $.Attributes reference is "message" (None when the attribute is missing)."""
    parts, at = [], 0
    for match in ATTRIBUTE_REFERENCE.finditer(text):
        if text[at : match.start()].strip():
            parts.append(("prompt", text[at : match.start()].strip()))
        kind = "prompt" if match.group(1) == PROMPT_ATTRIBUTE else "message"
        parts.append((kind, attributes.get(match.group(1))))
        at = match.end()
    if text[at:].strip():
        parts.append(("prompt", text[at:].strip()))
    return parts


def resolve(value: str, attributes: dict) -> str | None:
    """A parameter's value: a whole `$.Attributes.x` is the attribute (None when missing),
    anything else is static."""
    match = ATTRIBUTE_REFERENCE.fullmatch(value)
    return attributes.get(match.group(1)) if match else value


@dataclass
class Call:
    """What one call through the flow did."""

    attributes: dict
    spoken: list[str] = field(default_factory=list)
    voice: str | None = None  # None: never set, Connect's own default (Joanna)
    engine: str | None = None
    language: str | None = None
    prompts: int = 0  # input blocks played
    interrupted: list[str] = field(default_factory=list)  # what a key cut short
    lost_keys: list[str] = field(default_factory=list)  # pressed while nothing listened
    path: list[str] = field(default_factory=list)
    disconnected: bool = False


def run(flow: dict, script: list, attributes: dict | None = None, missing: str = "empty") -> Call:
    """Walks the flow. `script` is what the callee does, in order: a Press, a digit (pressed
    after the input block spoke), or None (no key before that input block's time limit, also
    what happens once the script runs out). `missing`: what a reference to a missing contact
    attribute does, "empty" (nothing is said) or "error" (the block's NoMatchingError)."""
    actions = {action["Identifier"]: action for action in flow["Actions"]}
    call = Call(attributes=dict(attributes or {}))
    pending = [Press(s) if isinstance(s, str) else s for s in script]
    loops: dict[str, int] = {}
    here = flow["StartAction"]
    for _ in range(1000):
        action = actions[here]
        call.path.append(here)
        kind, parameters = action["Type"], action.get("Parameters", {})
        if kind == "DisconnectParticipant":
            call.disconnected = True
            return call
        if kind == "UpdateContactTextToSpeechVoice":
            voice = resolve(parameters["TextToSpeechVoice"], call.attributes)
            engine = resolve(parameters["TextToSpeechEngine"], call.attributes)
            style = resolve(parameters.get("TextToSpeechStyle", "None"), call.attributes)
            if style != "None":
                raise AssertionError(f"the interpreter does not know the speaking style {style!r}")
            if engine not in POLLY_VOICES.get(voice, set()):
                here = error_target(action, "NoMatchingError")
                continue
            call.voice, call.engine = voice, engine
            here = action["Transitions"]["NextAction"]
        elif kind == "UpdateContactData":
            if "LanguageCode" in parameters:
                language = resolve(parameters["LanguageCode"], call.attributes)
                if not language or not LANGUAGE_CODE.fullmatch(language):
                    here = error_target(action, "NoMatchingError")
                    continue
                call.language = language
            here = action["Transitions"]["NextAction"]
        elif kind in ("MessageParticipant", "GetParticipantInput"):
            parts = segments(parameters["Text"], call.attributes)
            if missing == "error" and any(text is None for _, text in parts):
                here = error_target(action, "NoMatchingError")
                continue
            listening = kind == "GetParticipantInput"
            key = None
            for part, text in parts:
                if not text:
                    continue
                call.spoken.append(text)
                if pending and pending[0] is not None and pending[0].during == part:
                    press = pending.pop(0)
                    if listening:
                        key = press.key
                        call.interrupted.append(text)
                        break
                    call.lost_keys.append(press.key)
            if not listening:
                here = action["Transitions"]["NextAction"]
                continue
            call.prompts += 1
            if key is None and pending:
                step = pending.pop(0)
                key = None if step is None else step.key
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
# The flow before the prompt and the message moved into the input block: it spoke the message
# in a separate block first. Kept to show the interpreter tells the two apart.
MESSAGE_BEFORE_INPUT = with_defaults((FIXTURES / "contact-flow-message-before-input.json").read_text(encoding="utf-8"))
PROMPT = PARAMETERS["ConnectPromptText"]["Default"]
# What place-call sets for an alert of a project without its own voice, language or prompt:
# the message, and the deployment's prompt (CONNECT_PROMPT_TEXT, the same parameter).
ALERT = {MESSAGE_ATTRIBUTE: "本番DBで障害が発生しました。", PROMPT_ATTRIBUTE: PROMPT}
DEFAULT_SPEECH = (
    PARAMETERS["ConnectVoiceId"]["Default"],
    PARAMETERS["ConnectVoiceEngine"]["Default"],
    PARAMETERS["ConnectLanguageCode"]["Default"],
)
REPEATS = int(PARAMETERS["ConnectPromptRepeatCount"]["Default"])
MAX_REPEATS = int(PARAMETERS["ConnectPromptRepeatCount"]["MaxValue"])
INPUT_BLOCKS = [a for a in FLOW["Actions"] if a["Type"] == "GetParticipantInput"]


# --- well formed ----------------------------------------------------------------------


def test_flow_is_flow_language_with_unique_valid_identifiers():
    assert FLOW["Version"] == "2019-10-30"
    identifiers = [action["Identifier"] for action in FLOW["Actions"]]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert len(identifier) <= 50 and not (set(identifier) & FORBIDDEN_IDENTIFIER_CHARACTERS), identifier
    assert FLOW["StartAction"] in ACTIONS
    assert set(FLOW["Metadata"]["ActionMetadata"]) == set(ACTIONS)


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


def test_every_cycle_passes_a_loop_block_with_a_bounded_count():
    # Without the Loop blocks' ContinueLooping edges the flow is acyclic, so it can only go
    # round through a Loop, and each Loop's count is a parameter with a maximum.
    edges = {}
    for action in FLOW["Actions"]:
        out = set(targets(action))
        if action["Type"] == "Loop":
            out.discard(condition_target(action, "ContinueLooping"))
            out.add(condition_target(action, "DoneLooping"))
            count = action["Parameters"]["LoopCount"]
            assert count == "${ConnectPromptRepeatCount}", count
        edges[action["Identifier"]] = out
    state: dict[str, str] = {}

    def visit(node: str) -> None:
        state[node] = "open"
        for nxt in edges[node]:
            assert state.get(nxt) != "open", f"a cycle through {node} -> {nxt} without a Loop block"
            if nxt not in state:
                visit(nxt)
        state[node] = "done"

    visit(FLOW["StartAction"])
    assert "MaxValue" in PARAMETERS["ConnectPromptRepeatCount"]


# --- what it says and does --------------------------------------------------------------


def test_sets_a_japanese_neural_voice_by_default():
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.voice == "Takumi" and call.language == "ja-JP"
    assert call.engine == "Neural"


def _first_input_block() -> dict:
    # Nothing is spoken before the first input block.
    first = ACTIONS[FLOW["StartAction"]]
    while first["Type"] != "GetParticipantInput":
        assert first["Type"] not in ("MessageParticipant", "DisconnectParticipant"), first["Identifier"]
        first = ACTIONS[first["Transitions"]["NextAction"]]
    return first


def test_the_input_block_speaks_the_prompt_then_the_alert_message():
    text = _first_input_block()["Parameters"]["Text"]
    prompt, message = f"$.Attributes.{PROMPT_ATTRIBUTE}", f"$.Attributes.{MESSAGE_ATTRIBUTE}"
    assert text.startswith(prompt)
    assert text.index(prompt) < text.index(message)
    # The alert is never spoken by a block that does not listen.
    for action in FLOW["Actions"]:
        if action["Type"] == "MessageParticipant":
            assert "$.Attributes." not in action["Parameters"]["Text"], action["Identifier"]


def test_when_the_attributes_cannot_be_spoken_the_deployments_prompt_still_asks_for_the_key():
    first = _first_input_block()
    fallback = ACTIONS[error_target(first, "NoMatchingError")]
    assert fallback["Type"] == "GetParticipantInput"
    assert fallback["Parameters"]["Text"] == "${ConnectPromptText}"
    assert {k: v for k, v in fallback["Parameters"].items() if k != "Text"} == {
        k: v for k, v in first["Parameters"].items() if k != "Text"
    }
    assert condition_target(fallback, "1") == condition_target(first, "1")


def test_the_callee_hears_the_short_prompt_first_in_japanese():
    assert PROMPT == "アラートです。確認したら1を押してください。"
    call = run(DEPLOYED, [None], ALERT)
    assert call.spoken[:2] == [PROMPT, ALERT[MESSAGE_ATTRIBUTE]]


def test_a_key_pressed_during_the_message_counts():
    call = run(DEPLOYED, [Press("1", "message")], ALERT)
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert call.prompts == 1 and call.interrupted == [ALERT[MESSAGE_ATTRIBUTE]] and call.lost_keys == []


def test_a_key_pressed_during_the_prompt_counts_and_skips_the_message():
    call = run(DEPLOYED, [Press("1", "prompt")], ALERT)
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert ALERT[MESSAGE_ATTRIBUTE] not in call.spoken


def test_a_flow_that_speaks_the_message_before_listening_loses_that_key():
    # The old flow: the same press is lost, and a callee who then waits is never counted.
    call = run(MESSAGE_BEFORE_INPUT, [Press("1", "message")], ALERT)
    assert call.lost_keys == ["1"] and ACK_ATTRIBUTE not in call.attributes


def test_pressing_1_sets_the_attribute_the_functions_read_thanks_and_hangs_up():
    assert ACK_ATTRIBUTE == "acknowledged"
    call = run(DEPLOYED, ["1"], ALERT)
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert call.spoken[-1] == PARAMETERS["ConnectThanksText"]["Default"]
    assert call.prompts == 1 and call.disconnected


@pytest.mark.parametrize("key", list("023456789*#"))
def test_no_other_key_acknowledges(key):
    call = run(DEPLOYED, [key] * (MAX_REPEATS + 1), ALERT)
    assert ACK_ATTRIBUTE not in call.attributes
    assert call.prompts == 1 + REPEATS and call.disconnected


def test_the_1_branch_is_the_only_way_to_the_attribute():
    setters = [a for a in FLOW["Actions"] if a["Type"] == "UpdateContactAttributes"]
    assert len(setters) == 1
    (mark,) = setters
    assert mark["Parameters"] == {"TargetContact": "Current", "Attributes": {ACK_ATTRIBUTE: "true"}}
    for action in FLOW["Actions"]:
        leads_to_mark = [
            b for b in chain(action["Transitions"].get("Conditions", []), action["Transitions"].get("Errors", []))
            if b["NextAction"] == mark["Identifier"]
        ]
        if action["Transitions"].get("NextAction") == mark["Identifier"]:
            raise AssertionError(f"{action['Identifier']} reaches {mark['Identifier']} by default")
        for branch in leads_to_mark:
            assert action["Type"] == "GetParticipantInput", action["Identifier"]
            assert branch.get("Condition") == {"Operator": "Equals", "Operands": ["1"]}, action["Identifier"]


def test_silence_plays_a_bounded_number_of_times_then_hangs_up():
    call = run(DEPLOYED, [], ALERT)
    assert ACK_ATTRIBUTE not in call.attributes
    assert REPEATS == 2, "three plays by default"
    assert call.prompts == 1 + REPEATS
    assert call.spoken.count(ALERT[MESSAGE_ATTRIBUTE]) == 1 + REPEATS
    assert call.disconnected and call.path[-1] == "disconnect"


@pytest.mark.parametrize("repeats", range(PARAMETERS["ConnectPromptRepeatCount"]["MinValue"], MAX_REPEATS + 1))
def test_every_allowed_repeat_count_bounds_the_call(repeats):
    flow = with_defaults(CONTACT_FLOW.read_text(encoding="utf-8"), ConnectPromptRepeatCount=repeats)
    for script in ([], ["2"] * 20, [Press("9", "message")] * 20):
        call = run(flow, script, ALERT)
        assert call.prompts == 1 + repeats and call.disconnected
        assert ACK_ATTRIBUTE not in call.attributes


def test_a_wrong_key_is_asked_again_and_a_late_1_still_counts():
    assert run(DEPLOYED, ["2", "1"], ALERT).attributes[ACK_ATTRIBUTE] == "true"
    last_chance = [None] * REPEATS + [Press("1", "message")]
    assert run(DEPLOYED, last_chance, ALERT).attributes[ACK_ATTRIBUTE] == "true"
    too_late = [None] * (REPEATS + 1) + ["1"]
    assert ACK_ATTRIBUTE not in run(DEPLOYED, too_late, ALERT).attributes


@pytest.mark.parametrize("missing", ["empty", "error"])
def test_a_missing_message_still_asks_for_the_key(missing):
    call = run(DEPLOYED, ["1"], {PROMPT_ATTRIBUTE: PROMPT}, missing=missing)
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert call.spoken[0] == PROMPT


def test_interpreter_notices_a_flow_that_never_sets_the_attribute():
    broken = json.loads(json.dumps(DEPLOYED))
    for action in broken["Actions"]:
        if action["Type"] == "GetParticipantInput":
            action["Transitions"]["Conditions"][0]["Condition"]["Operands"] = ["9"]
    assert ACK_ATTRIBUTE not in run(broken, ["1"], ALERT).attributes


def test_input_blocks_wait_the_same_bounded_time():
    limits = {a["Parameters"]["InputTimeLimitSeconds"] for a in INPUT_BLOCKS}
    assert len(limits) == 1 and 1 <= int(limits.pop()) <= 30


@pytest.mark.parametrize("readme,unit", [("README.md", " s)"), ("README.ja.md", " 秒)")])
def test_the_guide_states_the_longest_call(readme, unit):
    # plays × (prompt + message + input time limit), for the default and the maximum.
    text = (INFRA / readme).read_text(encoding="utf-8")
    limit = INPUT_BLOCKS[0]["Parameters"]["InputTimeLimitSeconds"]
    for plays in (1 + REPEATS, 1 + MAX_REPEATS):
        assert re.search(rf"\b{plays} × \([^)]*\b{limit}{re.escape(unit)}", text), f"{readme}: {plays} × (... {limit}{unit}"


# --- the project's voice, language and prompt ----------------------------------------------


def _speech(voice=None, engine=None, language=None) -> dict:
    """ALERT with the speech attributes a project's mapping gives (None: not set)."""
    own = {VOICE_ATTRIBUTE: voice, ENGINE_ATTRIBUTE: engine, LANGUAGE_ATTRIBUTE: language}
    return {**ALERT, **{name: value for name, value in own.items() if value is not None}}


def test_the_voice_and_the_language_come_from_the_attributes_with_the_stacks_as_fallback():
    voice = ACTIONS[FLOW["StartAction"]]
    assert voice["Type"] == "UpdateContactTextToSpeechVoice"
    assert voice["Parameters"] == {
        "TextToSpeechVoice": f"$.Attributes.{VOICE_ATTRIBUTE}",
        "TextToSpeechEngine": f"$.Attributes.{ENGINE_ATTRIBUTE}",
        "TextToSpeechStyle": "None",
    }
    default_voice = ACTIONS[error_target(voice, "NoMatchingError")]
    assert default_voice["Parameters"] == {
        "TextToSpeechVoice": "${ConnectVoiceId}",
        "TextToSpeechEngine": "${ConnectVoiceEngine}",
        "TextToSpeechStyle": "None",
    }
    language = ACTIONS[voice["Transitions"]["NextAction"]]
    assert default_voice["Transitions"]["NextAction"] == language["Identifier"]
    assert error_target(default_voice, "NoMatchingError") == language["Identifier"]
    assert language["Parameters"] == {"LanguageCode": f"$.Attributes.{LANGUAGE_ATTRIBUTE}"}
    default_language = ACTIONS[error_target(language, "NoMatchingError")]
    assert default_language["Parameters"] == {"LanguageCode": "${ConnectLanguageCode}"}
    ask = language["Transitions"]["NextAction"]
    assert ACTIONS[ask] == _first_input_block()
    assert default_language["Transitions"]["NextAction"] == ask
    assert error_target(default_language, "NoMatchingError") == ask


def test_the_interpreters_engines_are_the_ones_the_flow_language_names():
    # The static parameter's values are the Flow language's engine names.
    engines = set(chain.from_iterable(POLLY_VOICES.values()))
    assert engines == set(PARAMETERS["ConnectVoiceEngine"]["AllowedValues"])


def test_without_voice_or_language_attributes_the_call_speaks_as_the_stack_says():
    call = run(DEPLOYED, ["1"], ALERT)
    assert (call.voice, call.engine, call.language) == DEFAULT_SPEECH == ("Takumi", "Neural", "ja-JP")
    assert "set-default-voice" in call.path and "set-default-language" in call.path
    assert call.spoken[:2] == [PROMPT, ALERT[MESSAGE_ATTRIBUTE]]
    assert call.attributes[ACK_ATTRIBUTE] == "true" and call.prompts == 1


def _accepted_voices() -> list[tuple[str, str]]:
    """The voice and engine pairs the template's parameters and Rules let a stack deploy."""
    voices = PARAMETERS["ConnectVoiceId"]["AllowedValues"]
    engines = PARAMETERS["ConnectVoiceEngine"]["AllowedValues"]
    accepted = [
        (voice, engine)
        for voice in voices
        for engine in engines
        if not failed_rule_assertions(
            TEMPLATE_DATA,
            parameter_values(TEMPLATE_DATA, {"ConnectVoiceId": voice, "ConnectVoiceEngine": engine}),
        )
    ]
    assert (PARAMETERS["ConnectVoiceId"]["Default"], PARAMETERS["ConnectVoiceEngine"]["Default"]) in accepted
    return accepted


@pytest.mark.parametrize("voice,engine", _accepted_voices())
def test_every_voice_the_stack_accepts_is_the_voice_of_a_call_without_its_own(voice, engine):
    # The fallback block never fails: a deployment's voice is a pair Polly has (the pairs are
    # test_parameters.py's concern; here, that the stack's fallback block speaks with each).
    flow = with_defaults(CONTACT_FLOW.read_text(encoding="utf-8"), ConnectVoiceId=voice, ConnectVoiceEngine=engine)
    call = run(flow, ["1"], ALERT)
    assert (call.voice, call.engine) == (voice, engine)


@pytest.mark.parametrize(
    "voice,engine,language",
    [
        ("Kazuha", "Neural", "en-US"),
        ("Tomoko", "Neural", "ja-JP"),
        ("Mizuki", "Standard", "ja-JP"),
        ("Takumi", "Standard", "ja-JP"),
        ("Joanna", "Neural", "en-US"),
        ("Matthew", "Standard", "en-US"),
    ],
)
def test_the_projects_voice_engine_and_language_are_the_calls(voice, engine, language):
    call = run(DEPLOYED, ["1"], _speech(voice, engine, language))
    assert (call.voice, call.engine, call.language) == (voice, engine, language)
    assert "set-default-voice" not in call.path and "set-default-language" not in call.path
    assert call.attributes[ACK_ATTRIBUTE] == "true" and call.prompts == 1


@pytest.mark.parametrize(
    "voice,engine",
    [
        ("Nobody", "Neural"),  # no such voice
        ("Mizuki", "Neural"),  # standard only
        ("Kazuha", "Standard"),  # neural only
        ("Kazuha", "Generative"),  # no Japanese voice has it
        ("Kazuha", None),  # a voice without its engine
        (None, "Neural"),  # an engine without a voice
        ("", ""),
    ],
)
def test_a_voice_connect_refuses_falls_back_to_the_stacks_and_1_still_acknowledges(voice, engine):
    call = run(DEPLOYED, ["1"], _speech(voice, engine, "en-US"))
    assert (call.voice, call.engine) == DEFAULT_SPEECH[:2]
    assert call.language == "en-US", "the project's language stands on its own"
    assert call.spoken[:2] == [PROMPT, ALERT[MESSAGE_ATTRIBUTE]]
    assert call.attributes[ACK_ATTRIBUTE] == "true" and call.prompts == 1 and call.disconnected


@pytest.mark.parametrize("language", [None, "", "english", "EN-us", "ja_JP"])
def test_a_language_connect_refuses_falls_back_to_the_stacks(language):
    call = run(DEPLOYED, [Press("1", "message")], _speech("Kazuha", "Neural", language))
    assert call.language == DEFAULT_SPEECH[2]
    assert (call.voice, call.engine) == ("Kazuha", "Neural"), "the project's voice stands on its own"
    assert call.attributes[ACK_ATTRIBUTE] == "true"


def test_interpreter_notices_a_flow_without_the_default_voice():
    # Were the dynamic block's error branch to skip the stack's voice, a refused voice would
    # leave Connect's own default (Joanna, English) reading Japanese.
    broken = json.loads(json.dumps(DEPLOYED))
    (voice,) = [a for a in broken["Actions"] if a["Identifier"] == broken["StartAction"]]
    voice["Transitions"]["Errors"][0]["NextAction"] = voice["Transitions"]["NextAction"]
    call = run(broken, ["1"], _speech("Nobody", "Neural"))
    assert call.voice is None and call.attributes[ACK_ATTRIBUTE] == "true"


PROJECT_PROMPT = "決済チームのアラートです。1を押してください。"


def test_the_projects_prompt_is_spoken_before_the_message_instead_of_the_stacks():
    call = run(DEPLOYED, [None], {**ALERT, PROMPT_ATTRIBUTE: PROJECT_PROMPT})
    assert call.spoken[:2] == [PROJECT_PROMPT, ALERT[MESSAGE_ATTRIBUTE]]
    assert PROMPT not in call.spoken


def test_a_key_pressed_during_the_projects_prompt_counts_and_skips_the_message():
    call = run(DEPLOYED, [Press("1", "prompt")], {**ALERT, PROMPT_ATTRIBUTE: PROJECT_PROMPT})
    assert call.attributes[ACK_ATTRIBUTE] == "true"
    assert call.prompts == 1 and call.interrupted == [PROJECT_PROMPT] and call.lost_keys == []
    assert ALERT[MESSAGE_ATTRIBUTE] not in call.spoken


@pytest.mark.parametrize("during", ["message", "after"])
def test_without_a_prompt_attribute_the_message_is_still_spoken_and_1_acknowledges(during):
    # An older place-call set only the message. Connect says nothing for the missing prompt.
    call = run(DEPLOYED, [Press("1", during)], {MESSAGE_ATTRIBUTE: ALERT[MESSAGE_ATTRIBUTE]})
    assert call.spoken[0] == ALERT[MESSAGE_ATTRIBUTE]
    assert call.attributes[ACK_ATTRIBUTE] == "true" and call.prompts == 1


def test_without_a_prompt_attribute_a_block_that_errs_asks_with_the_stacks_prompt():
    # Were a missing attribute the input block's error, the fallback asks with the stack's words.
    call = run(DEPLOYED, ["1"], {MESSAGE_ATTRIBUTE: ALERT[MESSAGE_ATTRIBUTE]}, missing="error")
    assert call.spoken[0] == PROMPT and "ask-for-key-without-message" in call.path
    assert call.attributes[ACK_ATTRIBUTE] == "true"


# --- the copy in the template -------------------------------------------------------------


def test_the_template_creates_exactly_this_flow():
    # infra/contact-flow.json is the source of truth; tests/infra/sync_contact_flow.py copies it.
    flow = TEMPLATE_DATA["Resources"]["AcknowledgementFlow"]
    content = flow["Properties"]["Content"]["Fn::Sub"]
    assert json.loads(content) == FLOW, "infra/template.yaml's flow differs: run tests/infra/sync_contact_flow.py"
    assert content.strip() == CONTACT_FLOW.read_text(encoding="utf-8").strip(), "run tests/infra/sync_contact_flow.py"
    assert flow["Condition"] == "CreateContactFlow"
    assert flow["Properties"]["Type"] == "CONTACT_FLOW"


def test_the_sync_script_rewrites_a_stale_copy():
    import sync_contact_flow

    template = sync_contact_flow.TEMPLATE.read_text(encoding="utf-8")
    stale = template.replace('"InputTimeLimitSeconds": "', '"InputTimeLimitSeconds": "9', 1)
    assert stale != template
    assert sync_contact_flow.synced_template(stale, CONTACT_FLOW.read_text(encoding="utf-8")) == template


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
