"""The SAM template: it lints, it wires the state machine's placeholders, every function is a
crate built for arm64 with cargo-lambda, and the settings keep the original tool's names and
defaults."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file

from support import (
    FIXTURES,
    FUNCTIONS,
    ROOT,
    SAM_FUNCTION,
    SAMPLES,
    SHARED_SRC,
    TEMPLATE,
    crate_is_written,
    crates,
    definition_path,
    function_name,
    load_template,
    placeholders,
    ref_target,
    resources,
    rust_number_const,
    rust_string_const,
    state_machine,
    substitution_mismatch,
    workspace_members,
)

TEMPLATE_DATA = load_template()
FUNCTIONS_IN_TEMPLATE = {
    logical_id: resource for logical_id, resource in resources(TEMPLATE_DATA, SAM_FUNCTION).items()
}


def test_cfn_lint_reports_nothing():
    # Offline: cfn-lint ships its resource schemas. Two regions, so a resource type missing
    # from the region most teams deploy to (Tokyo) is caught as well as a general error.
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["ap-northeast-1", "us-east-1"]))
    assert [str(match) for match in matches] == []


# --- state machine placeholders ---------------------------------------------------------


def test_placeholder_check_catches_a_missing_and_an_unused_substitution():
    asl = (FIXTURES / "placeholders.asl.json").read_text(encoding="utf-8")
    json.loads(asl)  # the fixture is a real ASL-shaped JSON document
    missing, unused = substitution_mismatch(asl, {"FirstFunctionArn": "x", "UnusedTopicArn": "y"})
    assert missing == {"SecondFunctionArn"}
    assert unused == {"UnusedTopicArn"}
    # JSONPath ($.x, $$.Execution) and intrinsic format strings ({}) are not placeholders.
    assert placeholders(asl) == {"FirstFunctionArn", "SecondFunctionArn"}


def test_every_asl_placeholder_has_a_substitution_and_vice_versa():
    path = definition_path(TEMPLATE_DATA)
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} is not written yet")
    text = path.read_text(encoding="utf-8")
    json.loads(text)
    _, machine = state_machine(TEMPLATE_DATA)
    missing, unused = substitution_mismatch(text, machine["Properties"]["DefinitionSubstitutions"])
    assert not missing, f"placeholders in {path.name} with no DefinitionSubstitutions entry: {sorted(missing)}"
    assert not unused, f"DefinitionSubstitutions entries {path.name} never uses: {sorted(unused)}"


def test_substitutions_are_the_agreed_contract():
    # The lead's ASL is written against exactly these names.
    _, machine = state_machine(TEMPLATE_DATA)
    assert set(machine["Properties"]["DefinitionSubstitutions"]) == {
        "ResolveRosterFunctionArn",
        "PlaceCallFunctionArn",
        "FailSafeCallFunctionArn",
        "CheckContactFunctionArn",
        "NextTargetFunctionArn",
        "OutcomeTopicArn",
    }


def test_state_machine_is_standard_and_logged():
    _, machine = state_machine(TEMPLATE_DATA)
    properties = machine["Properties"]
    assert properties["Type"] == "STANDARD"
    logging = properties["Logging"]
    assert logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
    assert TEMPLATE_DATA["Parameters"]["IncludeExecutionData"]["Default"] == "false"


# --- names: let CloudFormation choose them ---------------------------------------------

# The properties that give a resource a fixed physical name. A fixed name caps the stack
# name's length and makes an update that replaces the resource fail ("already exists").
NAME_PROPERTIES = {
    "AWS::Serverless::StateMachine": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Pipes::Pipe": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Connect::ContactFlow": "Name",
}
# Fixed on purpose. Log groups: named from the stack (never from the resource they serve),
# so the name never changes and never forces a replacement. The contact flow: Name is
# required, and no property of AWS::Connect::ContactFlow needs a replacement on update.
FIXED_NAMES_ALLOWED = {"AWS::Logs::LogGroup", "AWS::Connect::ContactFlow"}


def test_no_state_machine_has_a_fixed_name():
    machines = {
        logical_id: resource
        for logical_id, resource in TEMPLATE_DATA["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
    }
    assert machines
    for logical_id, resource in machines.items():
        named = NAME_PROPERTIES[resource["Type"]]
        assert named not in resource["Properties"], f"{logical_id} sets {named}"
    # Nothing builds a state machine ARN by hand from a name either.
    assert ":stateMachine:" not in json.dumps(TEMPLATE_DATA)


def test_only_replacement_safe_resources_have_fixed_names():
    named = sorted(
        f"{logical_id} ({resource['Type']}.{NAME_PROPERTIES[resource['Type']]})"
        for logical_id, resource in TEMPLATE_DATA["Resources"].items()
        if resource["Type"] in NAME_PROPERTIES
        and resource["Type"] not in FIXED_NAMES_ALLOWED
        and NAME_PROPERTIES[resource["Type"]] in resource.get("Properties", {})
    )
    assert not named, f"explicitly named: {named}"


def test_log_group_names_come_from_the_stack_only():
    for logical_id, resource in resources(TEMPLATE_DATA, "AWS::Logs::LogGroup").items():
        name = resource["Properties"]["LogGroupName"]
        assert set(placeholders(name["Fn::Sub"])) == {"AWS::StackName"}, logical_id


def test_outputs_give_the_state_machine_arn_and_name():
    machine_id, _ = state_machine(TEMPLATE_DATA)
    outputs = TEMPLATE_DATA["Outputs"]
    assert outputs["StateMachineArn"]["Value"] == {"Ref": machine_id}
    assert outputs["StateMachineName"]["Value"] == {"Fn::GetAtt": [machine_id, "Name"]}


# --- the roster bucket refuses plain HTTP ------------------------------------------------


def test_the_roster_bucket_refuses_every_request_without_tls():
    (bucket_id,) = resources(TEMPLATE_DATA, "AWS::S3::Bucket")
    policies = [
        r["Properties"] for r in resources(TEMPLATE_DATA, "AWS::S3::BucketPolicy").values()
        if ref_target(r["Properties"]["Bucket"]) == bucket_id
    ]
    assert len(policies) == 1
    statements = [
        s for s in policies[0]["PolicyDocument"]["Statement"]
        if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
    ]
    assert len(statements) == 1
    (statement,) = statements
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Action"] in ("s3:*", ["s3:*"])
    resources_ = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    assert {"Fn::GetAtt": [bucket_id, "Arn"]} in resources_, "the bucket itself (ListBucket, bucket settings)"
    assert {"Fn::Sub": "${" + bucket_id + ".Arn}/*"} in resources_, "its objects"
    assert len(resources_) == 2


# --- the call ledger -----------------------------------------------------------------------


def test_the_call_ledger_table_is_keyed_expiring_and_encrypted():
    table = TEMPLATE_DATA["Resources"]["CallLedgerTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert "TableName" not in properties


def test_place_call_alone_is_told_the_ledger_table():
    assert _env("place-call")["CALL_LEDGER_TABLE"] == {"Ref": "CallLedgerTable"}
    told = [
        function_name(resource)
        for resource in FUNCTIONS_IN_TEMPLATE.values()
        if "CallLedgerTable" in json.dumps(resource["Properties"].get("Environment", {}))
    ]
    assert told == ["place-call", "place-call"], "place-call and its second deployment, the fail-safe call"


# --- functions and crates ----------------------------------------------------------------


def test_every_function_is_a_crate_and_every_crate_a_function():
    in_template = {function_name(resource) for resource in FUNCTIONS_IN_TEMPLATE.values()}
    assert None not in in_template, "every function names its binary in Metadata.BuildProperties.Binary"
    assert in_template == set(crates()), (
        f"functions without a crate: {sorted(in_template - set(crates()))}; "
        f"crates without a function: {sorted(set(crates()) - in_template)}"
    )


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_function_builds_its_own_crate_for_arm64_with_cargo_lambda(logical_id):
    resource = FUNCTIONS_IN_TEMPLATE[logical_id]
    globals_ = TEMPLATE_DATA.get("Globals", {}).get("Function", {})
    properties = {**globals_, **resource["Properties"]}
    name = function_name(resource)
    assert resource["Metadata"]["BuildMethod"] == "rust-cargolambda"
    assert properties["Runtime"] == "provided.al2023"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == "bootstrap"
    crate_dir = (TEMPLATE.parent / properties["CodeUri"]).resolve()
    assert crate_dir == (FUNCTIONS / name).resolve(), f"{logical_id} builds {crate_dir}, not functions/{name}"
    assert f"functions/{name}" in workspace_members(), f"functions/{name} is not a workspace member"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_function_environment_names_are_read_by_its_code(logical_id):
    # A misspelt variable would be silently ignored and the default used instead.
    resource = FUNCTIONS_IN_TEMPLATE[logical_id]
    name = function_name(resource)
    crate_dir = FUNCTIONS / name
    if not crate_is_written(crate_dir):
        pytest.skip(f"functions/{name} is not written yet")
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in [*crate_dir.rglob("*.rs"), *SHARED_SRC.rglob("*.rs")]
    )
    variables = resource["Properties"].get("Environment", {}).get("Variables", {})
    unread = sorted(variable for variable in variables if f'"{variable}"' not in sources)
    assert not unread, f"{name} is given variables no code reads: {unread}"


def _env(function_binary: str) -> dict:
    for resource in FUNCTIONS_IN_TEMPLATE.values():
        if function_name(resource) == function_binary:
            return resource["Properties"]["Environment"]["Variables"]
    raise AssertionError(f"no function {function_binary}")


def _parameter_of(value) -> str:
    target = ref_target(value)
    assert target in TEMPLATE_DATA["Parameters"], f"{value} is not a parameter"
    return target


def test_the_original_settings_are_parameters_with_the_original_defaults():
    env = _env("resolve-roster")
    parameters = TEMPLATE_DATA["Parameters"]

    def default(variable):
        value = env[variable]
        if isinstance(value, dict) and "Fn::If" in value:  # optional: absent when empty
            value = value["Fn::If"][1]
        return str(parameters[_parameter_of(value)].get("Default"))

    assert default("CALL_REPEAT_COUNT") == "3"
    assert default("CALL_REPEAT_GROUP") == "False"
    assert default("CALL_STATE_CHECK_INTERVAL_SECONDS") == "60"
    assert default("CONNECT_ALARM_MSG") == "障害が発生しました。"
    assert default("PHONE_NUMBER_JSON_FILE") == "phoneNumber.json"
    assert default("ROSTER_TIME_ZONE") == "Asia/Tokyo"
    assert default("MAPPING_JSON_FILE") == ""
    # ... and the code agrees, so a function run without the template behaves the same.
    assert default("CONNECT_ALARM_MSG") == rust_string_const("DEFAULT_ALARM_MESSAGE")
    assert default("PHONE_NUMBER_JSON_FILE") == rust_string_const("DEFAULT_ROSTER_KEY")
    assert default("CALL_STATE_CHECK_INTERVAL_SECONDS") == str(
        rust_number_const("DEFAULT_CHECK_INTERVAL_SECONDS")
    )
    assert default("CALL_POLL_INTERVAL_SECONDS") == str(rust_number_const("DEFAULT_POLL_INTERVAL_SECONDS"))


def test_connect_settings_are_parameters():
    place_call = _env("place-call")
    for variable in ["CONNECT_INSTANCE_ID", "CONNECT_SOURCE_PHONE_NUMBER", "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER"]:
        _parameter_of(place_call[variable])
    # The stack's own flow when no flow id is given, else the given one.
    flow = place_call["CONNECT_CONTACT_FLOW_ID"]["Fn::If"]
    assert flow[0] == "CreateContactFlow"
    assert "AcknowledgementFlow" in json.dumps(flow[1])
    assert _parameter_of(flow[2]) == "ConnectContactFlowId"
    assert TEMPLATE_DATA["Conditions"]["CreateContactFlow"] == {"Fn::Equals": [{"Ref": "ConnectContactFlowId"}, ""]}


def test_place_call_is_given_the_stacks_prompt_which_is_the_codes_default():
    # place-call sends every call its prompt as a contact attribute: a project's own, else
    # this one, which the created flow also speaks when it cannot speak the attributes.
    given = [
        function_name(resource)
        for resource in FUNCTIONS_IN_TEMPLATE.values()
        if resource["Properties"].get("Environment", {}).get("Variables", {}).get("CONNECT_PROMPT_TEXT")
        == {"Ref": "ConnectPromptText"}
    ]
    assert given == ["place-call", "place-call"], "place-call and its second deployment, the fail-safe call"
    # ... and the code's default is the same words, so place-call run without it says the same.
    assert TEMPLATE_DATA["Parameters"]["ConnectPromptText"]["Default"] == rust_string_const("DEFAULT_PROMPT")


def test_the_ack_attribute_read_is_the_one_the_created_flow_sets():
    ack = _env("check-contact")["CONNECT_ACK_ATTRIBUTE"]["Fn::If"]
    assert ack[0] == "CreateContactFlow"
    assert ack[1] == rust_string_const("DEFAULT_ACK_ATTRIBUTE")
    assert _parameter_of(ack[2]) == "ConnectAckAttribute"


# --- alert intake ----------------------------------------------------------------------


def test_alerts_flow_from_sns_through_sqs_and_a_pipe_to_the_machine():
    machine_id, _ = state_machine(TEMPLATE_DATA)
    pipes = resources(TEMPLATE_DATA, "AWS::Pipes::Pipe")
    assert len(pipes) == 1
    pipe = next(iter(pipes.values()))["Properties"]
    assert pipe["SourceParameters"]["SqsQueueParameters"]["BatchSize"] == 1
    assert pipe["TargetParameters"]["StepFunctionStateMachineParameters"]["InvocationType"] == "FIRE_AND_FORGET"
    assert ref_target(pipe["Target"]) == machine_id
    queue_id = ref_target(pipe["Source"])
    queue = TEMPLATE_DATA["Resources"][queue_id]["Properties"]
    dlq_id = ref_target(queue["RedrivePolicy"]["deadLetterTargetArn"])
    assert TEMPLATE_DATA["Resources"][dlq_id]["Type"] == "AWS::SQS::Queue"
    assert queue["SqsManagedSseEnabled"] is True

    subscriptions = resources(TEMPLATE_DATA, "AWS::SNS::Subscription")
    to_queue = {k: v["Properties"] for k, v in subscriptions.items() if ref_target(v["Properties"]["Endpoint"]) == queue_id}
    assert to_queue, "nothing subscribes the alert queue"
    for name, subscription in to_queue.items():
        assert subscription["Protocol"] == "sqs"
        # The envelope carries TopicArn, which mapping mode needs.
        assert subscription.get("RawMessageDelivery") in (False, "false", None), name


ACCOUNT, REGION, PARTITION = "123456789012", "ap-northeast-1", "aws"


def _substituted(value) -> str:
    """A policy value with the pseudo parameters of one deployment filled in."""
    if isinstance(value, dict) and "Ref" in value:
        return {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION}[value["Ref"]]
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        for name, actual in {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION}.items():
            text = text.replace("${" + name + "}", actual)
        assert "${" not in text, text
        return text
    assert isinstance(value, str), value
    return value


def _allows(statement: dict, principal: str, source_arn: str, source_account: str) -> bool:
    """IAM's reading of one Allow statement's principal and conditions for an SNS delivery."""
    if statement["Principal"] != {"Service": principal}:
        return False
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            values = [_substituted(v) for v in (expected if isinstance(expected, list) else [expected])]
            actual = context[key]
            if operator in ("StringEquals", "ArnEquals"):
                matched = actual in values
            elif operator in ("ArnLike", "StringLike"):
                matched = any(fnmatch.fnmatchcase(actual, pattern) for pattern in values)
            else:
                raise AssertionError(f"no reading of {operator}")
            if not matched:
                return False
    return True


def test_the_queue_accepts_any_number_of_topics_of_the_account_and_nothing_else():
    policies = [r["Properties"] for r in resources(TEMPLATE_DATA, "AWS::SQS::QueuePolicy").values()]
    assert len(policies) == 1
    statements = policies[0]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Allow" and s["Action"] == "sqs:SendMessage" for s in statements)
    allowed = lambda arn, account=ACCOUNT, principal="sns.amazonaws.com": any(  # noqa: E731
        _allows(s, principal, arn, account) for s in statements
    )
    topic = lambda name, account=ACCOUNT, region=REGION: f"arn:aws:sns:{region}:{account}:{name}"  # noqa: E731
    # The stack's topic, five listed ones and a seventh, eighth ... project's: all accepted.
    for n in range(1, 51):
        assert allowed(topic(f"project{n}-alerts")), n
    assert allowed(topic("lambda-connect-AlertTopic-1A2B3C"))
    # Another account's topic (even naming this account in its ARN), another region, another
    # service: refused.
    assert not allowed(topic("alerts", account="210987654321"), account="210987654321")
    assert not allowed(topic("alerts"), account="210987654321")
    assert not allowed(topic("alerts", region="us-east-1"))
    assert not allowed(topic("alerts"), principal="events.amazonaws.com")


def test_every_subscription_of_the_queue_is_a_topic_the_policy_accepts():
    queue_id = "AlertQueue"
    assert queue_id in resources(TEMPLATE_DATA, "AWS::SQS::Queue")
    subscriptions = [
        v["Properties"] for v in resources(TEMPLATE_DATA, "AWS::SNS::Subscription").values()
        if ref_target(v["Properties"]["Endpoint"]) == queue_id
    ]
    assert len(subscriptions) == 6, "the stack's topic and five listed ones"
    # The stack's own topic and the listed ones are topics of the same account and region
    # (the parameter says so); the queue policy accepts every such topic.
    assert {"Ref": "AlertTopic"} in [s["TopicArn"] for s in subscriptions]
    assert "same account and region" in TEMPLATE_DATA["Parameters"]["ExistingAlertTopicArns"]["Description"]
    assert TEMPLATE_DATA["Outputs"]["AlertQueueArn"]["Value"] == {"Fn::GetAtt": ["AlertQueue", "Arn"]}


def test_existing_topic_slots_are_all_subscribed_and_allowed():
    # ExistingAlertTopicArns is padded so each slot Selects an ARN or "".
    slots = sorted(k for k in TEMPLATE_DATA["Conditions"] if k.startswith("HasExistingAlertTopic"))
    assert len(slots) == 5
    subscriptions = {
        v.get("Condition") for v in resources(TEMPLATE_DATA, "AWS::SNS::Subscription").values() if v.get("Condition")
    }
    assert set(slots) <= subscriptions
    padded = TEMPLATE_DATA["Conditions"]["HasExistingAlertTopic5"]["Fn::Not"][0]["Fn::Equals"][0]["Fn::Select"]
    assert padded[0] == 4
    # ",,,," appended to the joined list: five entries even when it is empty.
    assert padded[1]["Fn::Split"][1]["Fn::Join"][1][1] == ",,,,"


def test_roster_bucket_is_private_encrypted_and_versioned():
    buckets = resources(TEMPLATE_DATA, "AWS::S3::Bucket")
    assert len(buckets) == 1
    bucket = next(iter(buckets.values()))
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["DeletionPolicy"] == "Retain"


def test_alarms_watch_the_dead_letter_queue_and_failed_executions():
    alarms = [a["Properties"] for a in resources(TEMPLATE_DATA, "AWS::CloudWatch::Alarm").values()]
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    assert ("AWS/States", "ExecutionsFailed") in watched
    for alarm in alarms:
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0
        assert alarm["AlarmActions"], f"{alarm['MetricName']} notifies nobody"


def test_notify_slack_retries_then_keeps_the_event_in_a_queue_with_an_alarm():
    # SNS invokes notify-slack asynchronously: a failed invocation (Slack down after the
    # handler's own retries) is retried by Lambda, then sent to the on-failure destination.
    notify = FUNCTIONS_IN_TEMPLATE["NotifySlackFunction"]
    config = notify["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    queue_id = ref_target(on_failure["Destination"])
    queue = TEMPLATE_DATA["Resources"][queue_id]
    assert queue["Type"] == "AWS::SQS::Queue" and queue["Condition"] == "NotifySlack"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    watching = [
        a
        for a in resources(TEMPLATE_DATA, "AWS::CloudWatch::Alarm").values()
        if [ref_target(d["Value"]) for d in a["Properties"].get("Dimensions", [])] == [queue_id]
    ]
    assert len(watching) == 1, "nothing raises an alarm when a report lands in the queue"
    assert watching[0]["Condition"] == "NotifySlack"
    assert watching[0]["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"


def test_the_forwarding_webhook_is_optional_and_public_only_by_url():
    forward = FUNCTIONS_IN_TEMPLATE["ForwardCallFunction"]
    assert forward["Condition"] == "ForwardCalls"
    assert forward["Properties"]["FunctionUrlConfig"] == {"AuthType": "NONE"}
    notify = FUNCTIONS_IN_TEMPLATE["NotifySlackFunction"]
    assert notify["Condition"] == "NotifySlack"
    (event,) = notify["Properties"]["Events"].values()
    assert event["Type"] == "SNS" and ref_target(event["Properties"]["Topic"]) == "OutcomeTopic"


def test_secret_parameters_are_names_not_values():
    # The token and webhook URL stay in SSM; the template only carries their names.
    for name in ["TwilioAuthTokenParameter", "SlackWebhookUrlParameter"]:
        parameter = TEMPLATE_DATA["Parameters"][name]
        assert parameter["Default"] == ""
        assert re.fullmatch(parameter["AllowedPattern"], "/lambda-connect/secret")
        assert not re.fullmatch(parameter["AllowedPattern"], "xoxb-not-a-name")


def test_samconfig_example_names_only_template_parameters():
    example = Path(TEMPLATE.parent / "samconfig.example.toml")
    text = example.read_text(encoding="utf-8")
    overrides = re.search(r'parameter_overrides\s*=\s*\[(.*?)\]', text, re.S)
    assert overrides, "samconfig.example.toml sets parameter_overrides"
    names = re.findall(r'"(\w+)=', overrides.group(1))
    assert names and set(names) <= set(TEMPLATE_DATA["Parameters"]), set(names) - set(TEMPLATE_DATA["Parameters"])


def test_ci_checks_an_artefact_for_every_function_of_the_template():
    # .ci/run builds with `sam build` and then lists infra/.aws-sam/build/<LogicalId>/bootstrap
    # for each function it reads from the template (`.ci/run --functions`).
    listed = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run"), "--functions"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    pairs = sorted(tuple(line.split()) for line in listed if line.strip())
    assert pairs == sorted((logical_id, function_name(r)) for logical_id, r in FUNCTIONS_IN_TEMPLATE.items())


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_the_deploy_guide_names_only_real_parameters_and_outputs(readme):
    text = (TEMPLATE.parent / readme).read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Za-z]+(?:Id|Number|Message|Count|Group|Seconds|File|Zone|Arns|Attribute|Code|Engine|Text|Parameter|Url|Level|Data|Days|Name|Arn))(?:=[^`]*)?`", text))
    known = set(TEMPLATE_DATA["Parameters"]) | set(TEMPLATE_DATA["Outputs"])
    assert named, "the guide names parameters"
    assert named <= known, f"{readme} names parameters or outputs the template lacks: {sorted(named - known)}"
    # The three answers without a default are explained.
    required = {k for k, v in TEMPLATE_DATA["Parameters"].items() if "Default" not in v}
    assert required <= named


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_every_function_has_a_sample_event(logical_id):
    # samplejson/<function>.json or <function>.<case>.json, for `sam local invoke -e` and
    # `cargo lambda invoke --data-file`.
    name = function_name(FUNCTIONS_IN_TEMPLATE[logical_id])
    found = sorted(p for p in SAMPLES.glob(f"{name}*.json") if p.stem == name or p.stem.startswith(f"{name}."))
    assert found, f"no samplejson/{name}.json or samplejson/{name}.<case>.json"
    for path in found:
        json.loads(path.read_text(encoding="utf-8"))
