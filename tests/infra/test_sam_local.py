"""SAM local, per function: infra/env.local.json gives each function exactly the variables the
template declares for it (SAM passes a function no others), which are the ones its code reads,
with values the template could give; the sample events are what `sam local invoke -e` and
`cargo lambda invoke --data-file` both send, shaped as SAM's own generators make them; and the
README's "Test one function with SAM local" names the template's functions and real files, in
both languages."""

from __future__ import annotations

import functools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import rust_env
from support import (
    FUNCTIONS,
    INFRA,
    ROOT,
    SAM_FUNCTION,
    SAMPLES,
    SHARED_SRC,
    crate_is_written,
    definition_path,
    function_name,
    load_template,
    parameter_value_problems,
    placeholders,
    resources,
)

TEMPLATE_DATA = load_template()
FUNCTIONS_IN_TEMPLATE = resources(TEMPLATE_DATA, SAM_FUNCTION)
ENV_FILE = INFRA / "env.local.json"
BUILT_TEMPLATE = "infra/.aws-sam/build/template.yaml"

# Read by the code on purpose but not declared in the template, so SAM never passes them.
NOT_DECLARED = {
    # The original tool's misspelling, still accepted; the template sets the correct name.
    "CALL_STATE_CHACK_INTERVAL_SECONDS": "*",
    # Path-style S3 addressing, for the local S3-protocol servers of tests/ only.
    "AWS_S3_FORCE_PATH_STYLE": "*",
    # forward-call's fallback when FORWARDING_BUCKET is unset; the template sets that one.
    "PHONE_NUMBER_BUCKET": "forward-call",
}

# Values the template gives from a resource: the names those resources can have.
RESOURCE_NAMES = {
    "AWS::S3::Bucket": re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
    "AWS::DynamoDB::Table": re.compile(r"[A-Za-z0-9_.-]{3,255}"),
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Lambda's limit on a synchronous invocation's payload, which `sam local` enforces too.
PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024

SECTION_HEADINGS = {
    "README.md": "## Test one function with SAM local",
    "README.ja.md": "## SAM local で関数を一つずつ試す",
}


def load_env_file() -> dict:
    return json.loads(ENV_FILE.read_text(encoding="utf-8"))


ENV = load_env_file()


# Read by the AWS SDK itself, not by the sources: a template may declare them (with
# !Ref AWS::NoValue, absent in AWS) only so that `sam local` can point them at local servers.
SDK_VARIABLES = re.compile(r"AWS_ENDPOINT_URL(?:_[A-Z0-9_]+)?")


def declared(logical_id: str) -> dict:
    """The function's variables as SAM gives them: Globals' merged with its own."""
    globals_ = TEMPLATE_DATA.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = FUNCTIONS_IN_TEMPLATE[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_, **own}


def samples_of(binary: str) -> list[Path]:
    """samplejson/<function>.json and samplejson/<function>.<case>.json."""
    return sorted(p for p in SAMPLES.glob(f"{binary}*.json") if p.stem == binary or p.stem.startswith(f"{binary}."))


@functools.lru_cache(maxsize=None)
def code_reads(binary: str) -> frozenset[str]:
    return frozenset(rust_env.crate_env_reads(FUNCTIONS / binary, SHARED_SRC))


EVENT_SAMPLES = sorted({path for r in FUNCTIONS_IN_TEMPLATE.values() for path in samples_of(function_name(r))})


# --- infra/env.local.json ---------------------------------------------------------------


def test_the_env_file_has_a_section_for_each_function_of_the_template():
    assert set(ENV) == set(FUNCTIONS_IN_TEMPLATE), (
        f"sections for no function: {sorted(set(ENV) - set(FUNCTIONS_IN_TEMPLATE))}; "
        f"functions without a section: {sorted(set(FUNCTIONS_IN_TEMPLATE) - set(ENV))}"
    )
    for logical_id, variables in ENV.items():
        assert all(isinstance(value, str) for value in variables.values()), f"{logical_id}: every value is a string"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_the_env_file_sets_exactly_what_the_template_declares(logical_id):
    # SAM passes a function only the variables its template declares: an extra one in the
    # file would be silently dropped, a missing one would run with the template's value
    # (an unresolved !Ref or !If becomes "").
    given, wanted = set(ENV[logical_id]), set(declared(logical_id))
    assert given == wanted, (
        f"{logical_id}: in the file but not declared (SAM drops them): {sorted(given - wanted)}; "
        f"declared but not in the file: {sorted(wanted - given)}"
    )


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_the_template_declares_every_variable_the_code_reads(logical_id):
    binary = function_name(FUNCTIONS_IN_TEMPLATE[logical_id])
    crate_dir = FUNCTIONS / binary
    if not crate_is_written(crate_dir):
        pytest.skip(f"functions/{binary} is not written yet")
    reads = code_reads(binary)
    exempt = {name for name, where in NOT_DECLARED.items() if where in ("*", binary)}
    wanted = {name for name in declared(logical_id) if not SDK_VARIABLES.fullmatch(name)}
    assert reads - exempt == wanted - exempt, (
        f"{binary} reads, undeclared: {sorted(reads - exempt - wanted)}; "
        f"declared, never read: {sorted(wanted - reads)}"
    )


def test_every_exemption_is_still_read_somewhere():
    read = set()
    for resource in FUNCTIONS_IN_TEMPLATE.values():
        read |= code_reads(function_name(resource))
    assert set(NOT_DECLARED) <= read, f"no code reads {sorted(set(NOT_DECLARED) - read)}: drop the exemption"


def _acceptable(value: str, expression) -> list[str]:
    """Why the template could not give `value` through `expression` (empty: it could)."""
    if isinstance(expression, dict):
        ((function, arguments),) = expression.items()
        if function == "Ref":
            if arguments == "AWS::NoValue":
                # Declared only for `sam local`: absent in AWS, any value locally.
                return []
            if arguments in TEMPLATE_DATA["Parameters"]:
                return parameter_value_problems(TEMPLATE_DATA, arguments, value)
            kind = TEMPLATE_DATA["Resources"][arguments]["Type"]
            assert kind in RESOURCE_NAMES, f"no name rule for a {kind} (Ref {arguments})"
            return [] if RESOURCE_NAMES[kind].fullmatch(value) else [f"{value!r} is no {kind} name"]
        if function == "Fn::If":
            # Either branch; one that leaves the variable out means "" (read as unset).
            _, *branches = arguments
            problems = []
            for branch in branches:
                if branch == {"Ref": "AWS::NoValue"}:
                    found = [] if value == "" else [f"{value!r} where the template leaves the variable out"]
                else:
                    found = _acceptable(value, branch)
                if not found:
                    return []
                problems += found
            return problems
        if function == "Fn::Select" and "ContactFlowArn" in json.dumps(arguments):
            return [] if UUID.fullmatch(value) else [f"{value!r} is no contact flow id"]
        raise AssertionError(f"the env file test does not know {function}")
    return [] if value == str(expression) else [f"{value!r} where the template always gives {expression!r}"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_env_values_are_ones_the_template_could_give(logical_id):
    # Each value passes its parameter's rules (the same bounds the code enforces), so the
    # function starts with the file's settings.
    problems = []
    for name, expression in declared(logical_id).items():
        if name in ENV[logical_id]:
            problems += [f"{name}: {p}" for p in _acceptable(ENV[logical_id][name], expression)]
    assert not problems, f"{logical_id}: {problems}"


def test_local_endpoints_in_the_env_file_are_reachable_from_the_container():
    # Inside the Lambda container `localhost` is the container itself.
    for logical_id, variables in ENV.items():
        for name, value in variables.items():
            if name.startswith("AWS_ENDPOINT_URL"):
                assert value.startswith("http://host.docker.internal:"), f"{logical_id}.{name}={value}"


def test_the_forward_call_sample_is_checked_against_the_url_it_was_signed_for():
    # TWILIO_WEBHOOK_URL unset makes the function use the URL it was called on, the one the
    # sample's X-Twilio-Signature signs; any other URL would reject the sample with 403.
    (logical_id,) = [i for i, r in FUNCTIONS_IN_TEMPLATE.items() if function_name(r) == "forward-call"]
    event = json.loads((SAMPLES / "forward-call.json").read_text(encoding="utf-8"))
    signed_for = f"https://{event['requestContext']['domainName']}{event['rawPath']}"
    assert ENV[logical_id]["TWILIO_WEBHOOK_URL"] in ("", signed_for)


# --- the sample events, for both paths --------------------------------------------------


@pytest.mark.parametrize("path", EVENT_SAMPLES, ids=lambda p: p.name)
def test_every_sample_event_can_be_sent_by_sam_and_by_cargo_lambda(path):
    # `sam local invoke -e` reads the file as UTF-8 text and sends it as it is, as
    # `cargo lambda invoke --data-file` does: plain UTF-8 JSON (no byte-order mark, which
    # serde_json refuses), below the payload limit.
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a byte-order mark"
    json.loads(raw.decode("utf-8"))
    assert len(raw) < PAYLOAD_LIMIT_BYTES


@functools.lru_cache(maxsize=None)
def generate_event(service: str, event: str, *options: str) -> dict:
    """An event made by `sam local generate-event`, from the SAM CLI this suite installs."""
    result = subprocess.run(
        [sys.executable, "-m", "samcli", "local", "generate-event", service, event, *options],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={"SAM_CLI_TELEMETRY": "0", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )
    return json.loads(result.stdout)


def _sns_samples() -> list[Path]:
    found = []
    for path in EVENT_SAMPLES:
        event = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(event, dict) and any(r.get("EventSource") == "aws:sns" for r in event.get("Records", [])):
            found.append(path)
    return found


@pytest.mark.parametrize("path", _sns_samples(), ids=lambda p: p.name)
def test_sns_samples_are_shaped_as_sams_generator_makes_them(path):
    # So `sam local generate-event sns notification` can stand in for any of them.
    generated = generate_event("sns", "notification")["Records"][0]
    for record in json.loads(path.read_text(encoding="utf-8"))["Records"]:
        assert set(record) <= set(generated), f"{path.name}: fields SAM's SNS events lack: {set(record) - set(generated)}"
        assert set(record["Sns"]) <= set(generated["Sns"]), set(record["Sns"]) - set(generated["Sns"])
        # What the functions read.
        assert {"TopicArn", "Subject", "Message"} <= set(record["Sns"]) & set(generated["Sns"])


def test_the_pipe_batch_sample_is_a_list_of_sqs_records_as_sams_generator_makes_them():
    generated = generate_event("sqs", "receive-message")["Records"][0]
    batch = json.loads((SAMPLES / "resolve-roster.pipe.json").read_text(encoding="utf-8"))
    assert isinstance(batch, list) and batch, "a Pipe batch is an array of SQS records"
    for record in batch:
        assert set(record) <= set(generated), set(record) - set(generated)
        assert {"body", "md5OfBody"} <= set(record)


# --- the README section -----------------------------------------------------------------


def section(readme: str) -> str:
    text = (ROOT / readme).read_text(encoding="utf-8")
    heading = SECTION_HEADINGS[readme]
    assert f"\n{heading}\n" in text, f"{readme} has no section {heading!r}"
    body = text.split(f"\n{heading}\n", 1)[1]
    return body.split("\n## ", 1)[0]


def shell_commands(text: str) -> list[str]:
    """The commands of a text's ```sh blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", "", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def invocations(readme: str) -> list[list[str]]:
    """Each `sam local invoke ...` of the section, as arguments (one side of a pipe)."""
    found = []
    for command in shell_commands(section(readme)):
        for part in command.split("|"):
            words = shlex.split(part)
            if words[:3] == ["sam", "local", "invoke"]:
                found.append(words)
    return found


def option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


@pytest.mark.parametrize("readme", sorted(SECTION_HEADINGS))
def test_the_readme_invokes_every_function_by_its_logical_id_with_its_samples(readme):
    invoked = {}
    for words in invocations(readme):
        logical_id = words[3]
        assert logical_id in FUNCTIONS_IN_TEMPLATE, f"{readme}: `sam local invoke {logical_id}`: no such function"
        assert option(words, "--env-vars") == "infra/env.local.json", f"{readme}: {shlex.join(words)}"
        assert option(words, "-t") == BUILT_TEMPLATE, f"{readme}: {shlex.join(words)}"
        event = option(words, "-e")
        assert event, f"{readme}: {shlex.join(words)} sends no event"
        if event != "-":
            binary = function_name(FUNCTIONS_IN_TEMPLATE[logical_id])
            assert ROOT / event in samples_of(binary), f"{readme}: {event} is not a sample of {binary}"
            invoked.setdefault(logical_id, set()).add(event)
    missing = set(FUNCTIONS_IN_TEMPLATE) - set(invoked)
    assert not missing, f"{readme} shows no `sam local invoke` with a sample for {sorted(missing)}"


def test_both_readmes_show_the_same_commands():
    english, japanese = (shell_commands(section(readme)) for readme in sorted(SECTION_HEADINGS))
    assert english == japanese


@pytest.mark.parametrize("readme", sorted(SECTION_HEADINGS))
def test_the_readme_says_docker_is_needed_and_names_the_docker_free_path(readme):
    text = section(readme)
    assert "Docker" in text and "tests/local/run.sh" in text and "host.docker.internal" in text


def test_the_readmes_generated_event_is_one_resolve_roster_reads():
    (command,) = [c for c in shell_commands(section("README.md")) if c.startswith("sam local generate-event")]
    words = shlex.split(command.split("|", 1)[0])
    assert words[3:5] == ["sns", "notification"]
    event = generate_event(*words[3:])
    (record,) = event["Records"]
    topic = record["Sns"]["TopicArn"].rsplit(":", 1)[-1]
    mapping = json.loads((SAMPLES / "mapping.json").read_text(encoding="utf-8"))
    assert topic in {entry["snsTopicName"] for entry in mapping}, f"{topic} is in no mapping entry of samplejson"


def test_the_readmes_state_machine_for_start_lambda_names_the_functions_by_logical_id(tmp_path):
    # The README fills the ASL's placeholders with ARNs whose function names are logical ids,
    # which `sam local start-lambda` serves; run its sed line and check the result.
    (command,) = [c for c in shell_commands(section("README.md")) if c.startswith("sed ")]
    program, output = command.rsplit(">", 1)
    rendered = tmp_path / "escalation.json"
    subprocess.run(f"{program} > {shlex.quote(str(rendered))}", shell=True, check=True, cwd=ROOT)
    text = rendered.read_text(encoding="utf-8")
    assert not placeholders(text), f"placeholders left: {placeholders(text)}"
    definition = json.loads(text)
    assert definition["StartAt"]
    named = set(re.findall(r"arn:aws:lambda:[^:]+:\d{12}:function:([A-Za-z0-9]+)", text))
    assert named and named <= set(FUNCTIONS_IN_TEMPLATE), named - set(FUNCTIONS_IN_TEMPLATE)
    lambda_placeholders = {p for p in placeholders(definition_path(TEMPLATE_DATA).read_text(encoding="utf-8")) if p.endswith("FunctionArn")}
    assert named == {p.removesuffix("Arn") for p in lambda_placeholders}
    assert output.strip() in " ".join(shell_commands(section("README.md"))).replace(command, ""), "the rendered file is used"
