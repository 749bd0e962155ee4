"""Least privilege, read from the template: no wildcard action anywhere, each function's role
holds exactly what its code calls (derived from the crate's Rust sources), and the state
machine and the Pipe can reach only their own resources."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource

import rust_calls
from support import (
    FUNCTIONS,
    ROOT,
    SAM_FUNCTION,
    SHARED_SRC,
    crate_is_written,
    function_name,
    load_template,
    ref_target,
    resources,
    state_machine,
)

TEMPLATE_DATA = load_template()
POLICY_DATA = load_resource(AdditionalSpecs, "Policies.json")

# The Lambda runtime writes the function's logs; no code calls these.
RUNTIME_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Granted alongside an action the code calls, for the reason given.
IMPLIED = {
    # Without ListBucket S3 answers a missing key with AccessDenied instead of NoSuchKey,
    # and the functions could not say "roster not found".
    "s3:GetObject": {"s3:ListBucket"},
}
# Lambda delivers an asynchronous invocation's event to the function's destinations with the
# function's own role: each destination type needs this action on that destination, and
# nothing in the code calls it.
DESTINATION_ACTIONS = {
    "SQS": "sqs:SendMessage",
    "SNS": "sns:Publish",
    "Lambda": "lambda:InvokeFunction",
    "EventBridge": "events:PutEvents",
}
# Step Functions execution logging uses CloudWatch Logs' log delivery API.
EXECUTION_LOGGING_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def policy_documents(resource: dict) -> list[dict]:
    properties = resource.get("Properties", {})
    kind = resource["Type"]
    if kind == "AWS::IAM::Role":
        return [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        return [properties["PolicyDocument"]]
    if kind in ("AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy"):
        return [properties["PolicyDocument"]]
    if kind in (SAM_FUNCTION, "AWS::Serverless::StateMachine"):
        return [p for p in as_list(properties.get("Policies", [])) if isinstance(p, dict) and "Statement" in p]
    return []


def statements(resource: dict) -> list[dict]:
    """The statements of a resource's own policy documents; for a role, also those of the
    AWS::IAM::Policy resources attached to it."""
    own = [s for document in policy_documents(resource) for s in as_list(document["Statement"])]
    if resource.get("Type") != "AWS::IAM::Role":
        return own
    (role_id,) = [k for k, v in TEMPLATE_DATA["Resources"].items() if v is resource] or [None]
    attached = [
        s
        for policy in resources(TEMPLATE_DATA, "AWS::IAM::Policy").values()
        if role_id in {ref_target(r) for r in as_list(policy["Properties"].get("Roles", []))}
        for s in as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    ]
    return own + attached


def allowed_actions(role: dict) -> set[str]:
    return {a for s in statements(role) if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def destinations(function: dict) -> list[tuple[str, object]]:
    """(action, destination) of each of a function's asynchronous-invocation destinations."""
    config = function["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {})
    return [
        (DESTINATION_ACTIONS[config[when]["Type"]], config[when]["Destination"])
        for when in ("OnSuccess", "OnFailure")
        if when in config
    ]


def role_of(resource: dict) -> tuple[str, dict]:
    role_id = ref_target(resource["Properties"]["Role"])
    return role_id, TEMPLATE_DATA["Resources"][role_id]


def statement_for(role: dict, action: str) -> dict:
    matching = [s for s in statements(role) if action in as_list(s["Action"])]
    assert len(matching) == 1, f"{action} is granted by {len(matching)} statements"
    return matching[0]


def attached_policies(role_id: str) -> dict[str, dict]:
    return {
        k: v
        for k, v in resources(TEMPLATE_DATA, "AWS::IAM::Policy").items()
        if role_id in {ref_target(r) for r in as_list(v["Properties"].get("Roles", []))}
    }


ALL_STATEMENTS = [
    (logical_id, statement)
    for logical_id, resource in TEMPLATE_DATA["Resources"].items()
    for document in policy_documents(resource)
    for statement in as_list(document["Statement"])
]
FUNCTIONS_IN_TEMPLATE = resources(TEMPLATE_DATA, SAM_FUNCTION)
ROLES = resources(TEMPLATE_DATA, "AWS::IAM::Role")


def test_the_template_has_policies_to_check():
    assert len(ALL_STATEMENTS) > 10


@pytest.mark.parametrize("logical_id,statement", ALL_STATEMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_no_statement_allows_a_wildcard_action(logical_id, statement):
    # A wildcard in a Deny only takes away (the TLS-only bucket policy denies s3:*).
    assert "NotAction" not in statement, f"{logical_id} uses NotAction"
    if statement["Effect"] == "Deny":
        return
    for action in as_list(statement["Action"]):
        assert "*" not in action, f"{logical_id} grants the wildcard action {action}"


@pytest.mark.parametrize("logical_id,statement", ALL_STATEMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_every_action_exists(logical_id, statement):
    # A misspelt action is silently useless: the call it was meant for is then denied.
    for action in as_list(statement["Action"]):
        prefix, name = action.split(":", 1)
        assert prefix in POLICY_DATA, f"{logical_id}: no such service {prefix}"
        if statement["Effect"] == "Deny" and name == "*":
            continue
        assert name.lower() in POLICY_DATA[prefix]["Actions"], f"{logical_id}: no such action {action}"


@pytest.mark.parametrize("role_id", sorted(ROLES))
def test_resource_wildcards_only_where_iam_accepts_no_arn(role_id):
    for statement in statements(ROLES[role_id]):
        if "*" not in as_list(statement.get("Resource", [])):
            continue
        for action in as_list(statement["Action"]):
            prefix, name = action.split(":", 1)
            resource_types = POLICY_DATA[prefix]["Actions"][name.lower()].get("Resources", [])
            assert not resource_types, f"{role_id}: {action} can be scoped to {resource_types}, not *"


@pytest.mark.parametrize("role_id", sorted(ROLES))
def test_roles_carry_no_managed_policies(role_id):
    # A managed policy's content is outside the template, so nothing here could check it.
    assert "ManagedPolicyArns" not in ROLES[role_id]["Properties"]


# --- the functions --------------------------------------------------------------------


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_function_has_its_own_role_assumable_only_by_lambda(logical_id):
    function = FUNCTIONS_IN_TEMPLATE[logical_id]
    assert "Policies" not in function["Properties"], "permissions live in the function's own role"
    role_id, role = role_of(function)
    users = [k for k, f in FUNCTIONS_IN_TEMPLATE.items() if ref_target(f["Properties"]["Role"]) == role_id]
    assert users == [logical_id], f"{role_id} is shared by {users}"
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_function_writes_only_its_own_log_group(logical_id):
    function = FUNCTIONS_IN_TEMPLATE[logical_id]
    _, role = role_of(function)
    log_group = ref_target(function["Properties"]["LoggingConfig"]["LogGroup"])
    for action in RUNTIME_ACTIONS:
        assert ref_target(statement_for(role, action)["Resource"]) == log_group


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_function_holds_exactly_the_permissions_its_code_uses(logical_id):
    function = FUNCTIONS_IN_TEMPLATE[logical_id]
    name = function_name(function)
    crate_dir = FUNCTIONS / name
    assert crate_is_written(crate_dir), f"the template names {logical_id} but functions/{name} has no code"
    calls = rust_calls.crate_sdk_calls(crate_dir, SHARED_SRC, rust_calls.sdk_operations(str(ROOT)))
    used = {call.action for call in calls}
    delivery = {action for action, _ in destinations(function)}
    permitted = used | RUNTIME_ACTIONS | delivery | {extra for action in used for extra in IMPLIED.get(action, set())}
    _, role = role_of(function)
    granted = allowed_actions(role)
    where = "\n".join(sorted(f"  {c.action} <- {c.where}" for c in calls)) or "  (no SDK calls found)"
    assert not (granted - permitted), f"{name} holds permissions no code uses: {sorted(granted - permitted)}\n{where}"
    assert not (used - granted), f"{name} calls operations its role does not allow: {sorted(used - granted)}\n{where}"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_a_destination_is_granted_on_exactly_that_destination(logical_id):
    function = FUNCTIONS_IN_TEMPLATE[logical_id]
    _, role = role_of(function)
    for action, destination in destinations(function):
        statement = statement_for(role, action)
        assert as_list(statement["Resource"]) == [destination], f"{logical_id}: {action} on {statement['Resource']}"


def test_notify_slack_keeps_what_it_could_not_post():
    # A post Slack did not take fails the invocation; what Lambda could not deliver after its
    # retries goes to a queue the function may write to, and nowhere else.
    (function,) = [f for f in FUNCTIONS_IN_TEMPLATE.values() if function_name(f) == "notify-slack"]
    assert [(action, ref_target(d)) for action, d in destinations(function)] == [
        ("sqs:SendMessage", "NotifySlackDeadLetterQueue")
    ]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS_IN_TEMPLATE))
def test_connect_permissions_are_scoped_to_the_instance_contacts(logical_id):
    _, role = role_of(FUNCTIONS_IN_TEMPLATE[logical_id])
    for statement in statements(role):
        if any(action.startswith("connect:") for action in as_list(statement["Action"])):
            assert statement["Resource"] == {
                "Fn::Sub": "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${ConnectInstanceId}/contact/*"
            }


# --- the state machine and the Pipe ---------------------------------------------------


def test_state_machine_invokes_exactly_its_functions_and_publishes_to_the_outcome_topic():
    machine_id, machine = state_machine(TEMPLATE_DATA)
    _, role = role_of(machine)
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    step_functions = {ref_target(v) for k, v in substitutions.items() if k.endswith("FunctionArn")}
    # The four steps, and place-call deployed a second time for the fail-safe call.
    assert len(step_functions) == 5

    invoke = statement_for(role, "lambda:InvokeFunction")
    assert {ref_target(r) for r in as_list(invoke["Resource"])} == step_functions
    assert all(r.get("Fn::GetAtt", [None, None])[1] == "Arn" for r in as_list(invoke["Resource"]))

    publish = statement_for(role, "sns:Publish")
    assert ref_target(publish["Resource"]) == ref_target(substitutions["OutcomeTopicArn"])

    # Itself, and only itself: one child execution per alert.
    start = statement_for(role, "states:StartExecution")
    assert start["Resource"] == {"Ref": machine_id}

    others = allowed_actions(role) - {"lambda:InvokeFunction", "sns:Publish", "states:StartExecution"}
    assert others == EXECUTION_LOGGING_ACTIONS


def test_the_machine_may_start_itself_before_the_pipe_hands_it_an_alert():
    # The machine's role cannot name the machine (it would be a cycle), so the right to start
    # itself is a policy attached afterwards; the Pipe waits for it, or an alert it delivered
    # first would fail to start its escalation.
    machine_id, machine = state_machine(TEMPLATE_DATA)
    role_id, _ = role_of(machine)
    starting = [
        policy_id
        for policy_id, policy in attached_policies(role_id).items()
        if "states:StartExecution" in {a for s in as_list(policy["Properties"]["PolicyDocument"]["Statement"]) for a in as_list(s["Action"])}
    ]
    assert len(starting) == 1
    (pipe,) = resources(TEMPLATE_DATA, "AWS::Pipes::Pipe").values()
    assert starting[0] in as_list(pipe.get("DependsOn", []))


def test_pipe_reads_only_its_queue_and_starts_only_the_machine():
    (pipe,) = resources(TEMPLATE_DATA, "AWS::Pipes::Pipe").values()
    role = TEMPLATE_DATA["Resources"][ref_target(pipe["Properties"]["RoleArn"])]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "pipes.amazonaws.com"
    }
    queue = ref_target(pipe["Properties"]["Source"])
    machine = ref_target(pipe["Properties"]["Target"])
    for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]:
        assert ref_target(statement_for(role, action)["Resource"]) == queue
    assert ref_target(statement_for(role, "states:StartExecution")["Resource"]) == machine
    assert allowed_actions(role) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "states:StartExecution",
    }


# --- the call ledger -----------------------------------------------------------------

LEDGER_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}


def _table_statements(role: dict, table: str) -> list[dict]:
    return [s for s in statements(role) if s.get("Resource") == {"Fn::GetAtt": [table, "Arn"]}]


def test_only_place_call_keeps_the_call_ledger_and_only_in_its_table():
    # place-call is deployed twice (the steps' calls, and the fail-safe call), each with its role.
    keepers = {}
    for logical_id, function in FUNCTIONS_IN_TEMPLATE.items():
        _, role = role_of(function)
        dynamodb = {a for a in allowed_actions(role) if a.startswith("dynamodb:")}
        dynamodb -= {a for s in _table_statements(role, "IncidentTable") for a in as_list(s["Action"])}
        if dynamodb:
            keepers[logical_id] = (function_name(function), dynamodb, role)
    assert sorted(keepers) == ["FailSafeCallFunction", "PlaceCallFunction"]
    keeping_roles = []
    for name, actions, role in keepers.values():
        assert name == "place-call"
        assert actions == LEDGER_ACTIONS
        for action in LEDGER_ACTIONS:
            assert statement_for(role, action)["Resource"] == {"Fn::GetAtt": ["CallLedgerTable", "Arn"]}
        keeping_roles.append(role)
    # Nobody else reaches the table: no other statement names it.
    for role_id, other in ROLES.items():
        if all(other is not role for role in keeping_roles):
            assert "CallLedgerTable" not in str(statements(other)), role_id


def test_the_ledger_adapter_is_charged_to_the_functions_that_use_it():
    # Whatever the crates do today: a function whose code reaches the ledger adapter (shared/adapters/src/ledger.rs) is
    # charged with its DynamoDB operations; the others are not.
    operations = rust_calls.sdk_operations(str(ROOT))
    assert "dynamodb" in operations, "aws-sdk-dynamodb is not resolved: the ledger adapter's calls cannot be read"
    for logical_id, function in FUNCTIONS_IN_TEMPLATE.items():
        name = function_name(function)
        if not crate_is_written(FUNCTIONS / name):
            continue
        calls = rust_calls.crate_sdk_calls(FUNCTIONS / name, SHARED_SRC, operations)
        dynamodb = {c.action for c in calls if c.action.startswith("dynamodb:") and "ledger.rs" in c.where}
        if name == "place-call":
            assert dynamodb == LEDGER_ACTIONS, sorted(f"{c.action} <- {c.where}" for c in calls)
        else:
            assert not dynamodb, f"{name} reaches the ledger: {sorted(dynamodb)}"


# --- the incidents ------------------------------------------------------------------

INCIDENT_ACTIONS = {
    "resolve-roster": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
    "check-contact": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "forward-call": {"dynamodb:PutItem"},
}


def test_the_incident_table_is_reached_only_by_the_functions_that_use_it_and_only_as_they_do():
    # resolve-roster opens, joins and resolves (never reads); check-contact reads and settles
    # (never creates); forward-call only records answered requests. The code is charged the
    # same, through the adapter's three ports.
    operations = rust_calls.sdk_operations(str(ROOT))
    for logical_id, function in FUNCTIONS_IN_TEMPLATE.items():
        name = function_name(function)
        _, role = role_of(function)
        granted = {a for s in _table_statements(role, "IncidentTable") for a in as_list(s["Action"])}
        calls = rust_calls.crate_sdk_calls(FUNCTIONS / name, SHARED_SRC, operations)
        used = {c.action for c in calls if "incidents.rs" in c.where}
        assert granted == used == INCIDENT_ACTIONS.get(name, set()), (logical_id, sorted(granted), sorted(used))
    for role_id, role in ROLES.items():
        named = "IncidentTable" in str(statements(role))
        assert named == (role_id in {"ResolveRosterRole", "CheckContactRole", "ForwardCallRole"}), role_id


# --- the check itself -----------------------------------------------------------------


def test_the_check_fails_a_role_with_a_permission_no_code_uses(tmp_path: Path):
    # A crate that only reads S3, and a role that could also stop calls.
    crate = tmp_path / "functions" / "reader"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text(
        "use aws_sdk_s3::Client;\n"
        "pub async fn read(c: &Client) { c.get_object().bucket(\"b\").key(\"k\").send().await; }\n"
    )
    shared = tmp_path / "shared"
    shared.mkdir()
    operations = {"s3": frozenset({"get_object", "put_object"}), "connect": frozenset({"stop_contact"})}
    used = {c.action for c in rust_calls.crate_sdk_calls(crate, shared, operations)}
    granted = {"s3:GetObject", "s3:ListBucket", "connect:StopContact"} | RUNTIME_ACTIONS
    permitted = used | RUNTIME_ACTIONS | {x for a in used for x in IMPLIED.get(a, set())}
    assert used == {"s3:GetObject"}
    assert granted - permitted == {"connect:StopContact"}

