"""Step Functions never gives up on a step while its Lambda may still be running: every Task
that invokes one of the escalation's functions has a TimeoutSeconds strictly greater than that
function's Lambda Timeout. Otherwise a Task timeout followed by a retry or the fail-safe
could place a call while the abandoned invocation is still placing the same one."""

from __future__ import annotations

import json

import pytest

from support import (
    ROOT,
    definition_path,
    effective_function_property,
    load_template,
    ref_target,
    state_machine,
)

TEMPLATE_DATA = load_template()
_, MACHINE = state_machine(TEMPLATE_DATA)
SUBSTITUTIONS = MACHINE["Properties"]["DefinitionSubstitutions"]
# ${ResolveRosterFunctionArn} -> ResolveRosterFunction, for each function the machine invokes.
FUNCTION_OF_PLACEHOLDER = {
    "${" + key + "}": ref_target(value) for key, value in SUBSTITUTIONS.items() if key.endswith("FunctionArn")
}
STEP_FUNCTION_TIMEOUT = 30  # seconds, each function the state machine calls
LAMBDA_DEFAULT_TIMEOUT = 3  # seconds, when neither the function nor Globals sets one


def lambda_timeout(logical_id: str) -> int:
    return int(effective_function_property(TEMPLATE_DATA, logical_id, "Timeout", LAMBDA_DEFAULT_TIMEOUT))


def task_states(states: dict, path: str = ""):
    """(path, state) of every Task, inside Map (Iterator / ItemProcessor) and Parallel too."""
    for name, state in states.items():
        here = f"{path}{name}"
        if state.get("Type") == "Task":
            yield here, state
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from task_states(state[key]["States"], f"{here}/")
        for index, branch in enumerate(state.get("Branches", [])):
            yield from task_states(branch["States"], f"{here}[{index}]/")


def invoked_placeholder(task: dict) -> str | None:
    """The function placeholder a Task invokes: its Resource, or the FunctionName of an
    arn:aws:states:::lambda:invoke integration."""
    resource = task.get("Resource", "")
    if resource in FUNCTION_OF_PLACEHOLDER:
        return resource
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        for container in ("Parameters", "Arguments"):
            name = task.get(container, {}).get("FunctionName")
            if name in FUNCTION_OF_PLACEHOLDER:
                return name
    return None


def function_tasks(definition: dict):
    for path, task in task_states(definition["States"]):
        placeholder = invoked_placeholder(task)
        if placeholder:
            yield path, task, FUNCTION_OF_PLACEHOLDER[placeholder]


def load_definition() -> dict:
    path = definition_path(TEMPLATE_DATA)
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} is not written yet")
    return json.loads(path.read_text(encoding="utf-8"))


def timeout_problems(definition: dict) -> list[str]:
    problems = []
    for path, task, function in function_tasks(definition):
        limit = lambda_timeout(function)
        timeout = task.get("TimeoutSeconds")
        if timeout is None:
            problems.append(f"{path} invokes {function} without TimeoutSeconds (Lambda Timeout {limit} s)")
        elif not timeout > limit:
            problems.append(f"{path}: TimeoutSeconds {timeout} is not greater than {function}'s Lambda Timeout {limit}")
    return problems


def test_the_machine_invokes_five_functions():
    # The four steps, and place-call deployed a second time for the fail-safe call.
    assert len(FUNCTION_OF_PLACEHOLDER) == 5


@pytest.mark.parametrize("function", sorted(set(FUNCTION_OF_PLACEHOLDER.values())))
def test_every_function_the_machine_invokes_has_a_30_second_timeout(function):
    assert TEMPLATE_DATA["Resources"][function]["Properties"].get("Timeout") == STEP_FUNCTION_TIMEOUT


def test_every_function_task_outlasts_its_lambda_timeout():
    definition = load_definition()
    invoked = {function for _, _, function in function_tasks(definition)}
    assert invoked == set(FUNCTION_OF_PLACEHOLDER.values()), "a function is never invoked by a Task"
    problems = timeout_problems(definition)
    assert not problems, "\n".join(problems)


def test_the_check_finds_tasks_inside_maps_and_flags_equal_or_missing_timeouts():
    resolve, place = "${ResolveRosterFunctionArn}", "${PlaceCallFunctionArn}"
    definition = {
        "States": {
            "A": {"Type": "Task", "Resource": resolve, "TimeoutSeconds": 45},
            "Ring": {
                "Type": "Map",
                "ItemProcessor": {
                    "States": {
                        "Place": {"Type": "Task", "Resource": place, "TimeoutSeconds": STEP_FUNCTION_TIMEOUT},
                        "Inner": {"Type": "Map", "Iterator": {"States": {"Deep": {"Type": "Task", "Resource": place}}}},
                    }
                },
            },
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": resolve},
                "TimeoutSeconds": 31,
            },
            "Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish"},
        }
    }
    problems = timeout_problems(definition)
    assert len(problems) == 2, problems
    assert any(p.startswith("Ring/Place:") for p in problems)
    assert any(p.startswith("Ring/Inner/Deep invokes") for p in problems)
