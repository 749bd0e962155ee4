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
    return [s for document in policy_documents(resource) for s in as_list(document["Statement"])]


def allowed_actions(role: dict) -> set[str]:
    return {a for s in statements(role) if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def role_of(resource: dict) -> tuple[str, dict]:
    role_id = ref_target(resource["Properties"]["Role"])
    return role_id, TEMPLATE_DATA["Resources"][role_id]


def statement_for(role: dict, action: str) -> dict:
    matching = [s for s in statements(role) if action in as_list(s["Action"])]
    assert len(matching) == 1, f"{action} is granted by {len(matching)} statements"
    return matching[0]


ALL_STATEMENTS = [
    (logical_id, statement)
    for logical_id, resource in TEMPLATE_DATA["Resources"].items()
    for statement in statements(resource)
]
FUNCTIONS_IN_TEMPLATE = resources(TEMPLATE_DATA, SAM_FUNCTION)
ROLES = resources(TEMPLATE_DATA, "AWS::IAM::Role")


def test_the_template_has_policies_to_check():
    assert len(ALL_STATEMENTS) > 10


@pytest.mark.parametrize("logical_id,statement", ALL_STATEMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_no_statement_uses_a_wildcard_action(logical_id, statement):
    assert "NotAction" not in statement, f"{logical_id} uses NotAction"
    for action in as_list(statement["Action"]):
        assert "*" not in action, f"{logical_id} grants the wildcard action {action}"


@pytest.mark.parametrize("logical_id,statement", ALL_STATEMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_every_action_exists(logical_id, statement):
    # A misspelt action is silently useless: the call it was meant for is then denied.
    for action in as_list(statement["Action"]):
        prefix, name = action.split(":", 1)
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
    if not crate_is_written(crate_dir):
        pytest.skip(f"functions/{name} is not written yet")
    calls = rust_calls.crate_sdk_calls(crate_dir, SHARED_SRC, rust_calls.sdk_operations(str(ROOT)))
    used = {call.action for call in calls}
    permitted = used | RUNTIME_ACTIONS | {extra for action in used for extra in IMPLIED.get(action, set())}
    _, role = role_of(function)
    granted = allowed_actions(role)
    where = "\n".join(sorted(f"  {c.action} <- {c.where}" for c in calls)) or "  (no SDK calls found)"
    assert not (granted - permitted), f"{name} holds permissions no code uses: {sorted(granted - permitted)}\n{where}"
    assert not (used - granted), f"{name} calls operations its role does not allow: {sorted(used - granted)}\n{where}"


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
    assert len(step_functions) == 4

    invoke = statement_for(role, "lambda:InvokeFunction")
    assert {ref_target(r) for r in as_list(invoke["Resource"])} == step_functions
    assert all(r.get("Fn::GetAtt", [None, None])[1] == "Arn" for r in as_list(invoke["Resource"]))

    publish = statement_for(role, "sns:Publish")
    assert ref_target(publish["Resource"]) == ref_target(substitutions["OutcomeTopicArn"])

    # Its own ARN, built from the fixed name: one child execution per alert.
    start = statement_for(role, "states:StartExecution")
    name = machine["Properties"]["Name"]["Fn::Sub"]
    assert start["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + name
    }

    others = allowed_actions(role) - {"lambda:InvokeFunction", "sns:Publish", "states:StartExecution"}
    assert others == EXECUTION_LOGGING_ACTIONS


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

