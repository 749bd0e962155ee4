//! The contract between `statemachine/escalation.asl.json` and the functions, checked from the
//! file itself:
//! - every `ErrorEquals` name is one the AWS documentation states or one the task's own
//!   function can emit (a misspelt or unconfirmed name silently never matches);
//! - every path the states after ResolveRoster read exists in the state resolve-roster and
//!   next-target write, even when no roster could be read (a missing path is a run-time
//!   error that no Catch sees: the execution fails and its output is lost);
//! - what the Map's ItemSelector, CallNotPlaced, the fail-safe call and FallbackCallFailed
//!   build is read by the payload types without losing a field, and ReportFailure's
//!   `$.failSafe.report` is a failure report whichever state wrote it.

// The helpers below are test code too (clippy only exempts `#[test]` bodies).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use domain::alert::AlertInput;
use domain::config::RosterConfig;
use domain::errors::{EXECUTION_ALREADY_EXISTS, LAMBDA_SERVICE_ERRORS, STATES_ERRORS, function_errors};
use domain::escalation::decision::decide;
use domain::payload::{CallRecord, CallStatus};
use domain::store::{ObjectStore, StoreError};
use serde_json::{Value, json};

fn definition() -> Value {
    let path = lambda_connect_tests::workspace_root().join("statemachine/escalation.asl.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every state of the definition, nested ones (Map, Parallel) included, with its name.
fn states(definition: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut pending = vec![definition.clone()];
    while let Some(machine) = pending.pop() {
        for (name, state) in machine["States"].as_object().unwrap() {
            out.push((name.clone(), state.clone()));
            for nested in ["ItemProcessor", "Iterator"] {
                if state.get(nested).is_some() {
                    pending.push(state[nested].clone());
                }
            }
            for branch in state.get("Branches").and_then(Value::as_array).into_iter().flatten() {
                pending.push(branch.clone());
            }
        }
    }
    out
}

/// The function a Task's `Resource` placeholder names.
fn function_of(resource: &str) -> Option<&'static str> {
    match resource {
        "${ResolveRosterFunctionArn}" => Some("resolve-roster"),
        "${PlaceCallFunctionArn}" | "${FailSafeCallFunctionArn}" => Some("place-call"),
        "${CheckContactFunctionArn}" => Some("check-contact"),
        "${NextTargetFunctionArn}" => Some("next-target"),
        _ => None,
    }
}

#[test]
fn every_error_name_the_workflow_matches_is_documented_or_emitted_by_its_task() {
    let mut checked = 0;
    for (name, state) in states(&definition()) {
        let resource = state.get("Resource").and_then(Value::as_str).unwrap_or_default();
        let mut allowed: BTreeSet<&str> = STATES_ERRORS.iter().copied().collect();
        if let Some(function) = function_of(resource) {
            allowed.extend(LAMBDA_SERVICE_ERRORS);
            allowed.extend(function_errors(function).unwrap());
        }
        if resource == "arn:aws:states:::states:startExecution" {
            allowed.extend(EXECUTION_ALREADY_EXISTS);
        }
        for handler in ["Retry", "Catch"] {
            for rule in state.get(handler).and_then(Value::as_array).into_iter().flatten() {
                for error in rule["ErrorEquals"].as_array().unwrap() {
                    let error = error.as_str().unwrap();
                    assert!(
                        allowed.contains(error),
                        "{name}.{handler}: {error} is neither documented nor emitted by {resource}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} names checked");
}

#[test]
fn a_duplicate_delivery_is_never_retried_nor_started_unnamed() {
    let states = states(&definition());
    let start = &states.iter().find(|(name, _)| name == "StartEscalation").unwrap().1;
    let names = |rule: &Value| -> Vec<String> {
        rule["ErrorEquals"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect()
    };
    let first_retry = &start["Retry"][0];
    assert_eq!(names(first_retry), EXECUTION_ALREADY_EXISTS);
    assert_eq!(first_retry["MaxAttempts"], 0);
    let first_catch = &start["Catch"][0];
    assert_eq!(names(first_catch), EXECUTION_ALREADY_EXISTS);
    assert_eq!(first_catch["Next"], "DuplicateDelivery");
}

#[test]
fn the_intake_never_hashes_the_body_and_checks_every_path_it_reads() {
    let text = std::fs::read_to_string(lambda_connect_tests::workspace_root().join("statemachine/escalation.asl.json"))
        .unwrap();
    assert!(!text.contains("States.Hash"), "States.Hash fails on more than 10,000 characters, uncatchably");
    let states = states(&definition());
    let state = |wanted: &str| states.iter().find(|(name, _)| name == wanted).unwrap().1.clone();
    assert_eq!(state("StartOneEscalationPerAlert")["ItemProcessor"]["StartAt"], "HasDeliveryDigest");
    assert_eq!(state("HasDeliveryDigest")["Choices"][0]["Variable"], "$.record.md5OfBody");
    assert_eq!(state("HasDeliveryDigest")["Choices"][0]["IsPresent"], true);
    assert_eq!(state("IsDeliveryDigestText")["Choices"][0]["IsString"], true);
}

/// An S3 that holds nothing: resolve-roster plans for the fallback number alone.
struct EmptyStore;

impl ObjectStore for EmptyStore {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        Err(StoreError::NotFound { location: self.location(key) })
    }

    fn location(&self, key: &str) -> String {
        format!("s3://empty/{key}")
    }
}

/// The `$.a.b` paths in a state's fields (`Parameters`, `ItemSelector`, `ItemsPath`,
/// `SecondsPath`, intrinsic arguments, Choice variables), context paths (`$$`) excluded.
fn paths_read(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![state.clone()];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(fields) => {
                // A rule that asks whether a path is present reads nothing that must be there.
                let presence_test = fields.contains_key("IsPresent");
                for (key, value) in fields {
                    if presence_test && key == "Variable" {
                        continue;
                    }
                    if matches!(key.as_str(), "ItemProcessor" | "Retry" | "Catch" | "ResultPath" | "ResultSelector") {
                        continue;
                    }
                    if let Value::String(text) = &value
                        && (key.ends_with(".$") || key.ends_with("Path") || key == "Variable")
                    {
                        for (at, _) in text.match_indices("$.") {
                            if at > 0 && text.as_bytes()[at - 1] == b'$' {
                                continue;
                            }
                            let path: String = text[at..]
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '$' || *c == '_')
                                .collect();
                            out.push(path);
                        }
                    }
                    pending.push(value);
                }
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    out
}

fn resolves(value: &Value, path: &str) -> bool {
    path.trim_start_matches("$.").split('.').try_fold(value, |at, key| at.get(key)).is_some()
}

#[tokio::test]
async fn every_path_the_escalation_states_read_exists_even_without_a_roster() {
    let env = |name: &str| match name {
        "PHONE_NUMBER_BUCKET" => Some("empty".to_owned()),
        "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER" => Some("+815099990000".to_owned()),
        "CALL_REPEAT_COUNT" => Some("1".to_owned()),
        _ => None,
    };
    let config = RosterConfig::from_env(&env).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let input = AlertInput::parse(&json!({"message": "disk full"}));
    let planned = domain::resolve::resolve(&EmptyStore, &config, input, "exec-1".into(), now).await.unwrap();
    assert!(planned.roster.is_none(), "the case that broke Done: no roster read");

    let mut ringing = planned.clone();
    ringing.calls = vec![CallRecord {
        phone_number: planned.current.phone_numbers[0].clone(),
        attempt: 0,
        contact_id: Some("c-1".into()),
        status: CallStatus::NoAnswer,
        placed_at: now,
        checked_at: Some(now),
        answered_at: None,
        ended_at: Some(now),
        detail: None,
        error: None,
    }];
    let finished = decide(&ringing, now).state;
    assert!(finished.outcome.is_some());

    let mut after_planning = serde_json::to_value(&planned).unwrap();
    let mut at_the_end = serde_json::to_value(&finished).unwrap();
    for value in [&mut after_planning, &mut at_the_end] {
        // What the Pass states before PublishOutcome add.
        value["notification"] = json!({});
    }
    let reading = ["CallDutyGroup", "WaitForAnswer", "CheckCalls"];
    let ending = ["WhatNext", "Acknowledged", "NobodyAcknowledged", "DryRunComplete", "PublishOutcome", "Done"];
    let mut checked = 0;
    for (name, state) in states(&definition()) {
        let value = if reading.contains(&name.as_str()) {
            &after_planning
        } else if ending.contains(&name.as_str()) {
            &at_the_end
        } else {
            continue;
        };
        for path in paths_read(&state) {
            assert!(resolves(value, &path), "{name} reads {path}, which the state does not have:\n{value:#}");
            checked += 1;
        }
    }
    assert!(checked > 15, "only {checked} paths checked");
}

/// What a state's `Parameters` (or `ItemSelector`) makes of `input`: paths are looked up
/// (`$.a.b` in `input`, `$$.a.b` in `context`), intrinsics give a placeholder string, and
/// anything else is kept. A path that does not resolve fails the test, naming it.
fn evaluate(template: &Value, input: &Value, context: &Value, state: &str) -> Value {
    let Value::Object(fields) = template else { return template.clone() };
    let mut out = serde_json::Map::new();
    for (key, value) in fields {
        match (key.strip_suffix(".$"), value) {
            (Some(name), Value::String(expression)) => {
                let resolved = if expression == "$" {
                    Some(input.clone())
                } else if let Some(path) = expression.strip_prefix("$$.") {
                    lookup(context, path)
                } else if let Some(path) = expression.strip_prefix("$.") {
                    lookup(input, path)
                } else {
                    Some(Value::String(format!("<{expression}>")))
                };
                let resolved = resolved.unwrap_or_else(|| panic!("{state}: {key} reads {expression}, which is absent"));
                out.insert(name.to_owned(), resolved);
            }
            _ => {
                out.insert(key.clone(), evaluate(value, input, context, state));
            }
        }
    }
    Value::Object(out)
}

fn lookup(value: &Value, path: &str) -> Option<Value> {
    path.split('.').try_fold(value, |at, key| at.get(key)).cloned()
}

/// `value` read as `T` and written back keeps every field it had: a key the type does not
/// know (a misspelling serde would skip) fails, naming it.
fn read_as<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value, what: &str) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{what}: {err}\n{value:#}"));
    let written = serde_json::to_value(&typed).unwrap();
    for key in value.as_object().unwrap().keys() {
        assert!(written.get(key).is_some(), "{what}: the type has no field {key:?}\n{value:#}");
    }
    typed
}

#[tokio::test]
async fn what_the_calls_and_the_fail_safe_path_pass_between_states_is_what_the_types_read() {
    use domain::payload::PlaceCallRequest;
    use domain::report::{FailSafeCall, FailedRun, FailureReport};
    use place_call::PlaceCallOutput;

    let env = |name: &str| match name {
        "PHONE_NUMBER_BUCKET" => Some("empty".to_owned()),
        "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER" => Some("+815099990000".to_owned()),
        _ => None,
    };
    let config = RosterConfig::from_env(&env).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let input = AlertInput::parse(&json!({"message": "disk full"}));
    let planned = domain::resolve::resolve(&EmptyStore, &config, input, "exec-1".into(), now).await.unwrap();
    let state = serde_json::to_value(&planned).unwrap();
    let number = state["current"]["phoneNumbers"][0].clone();
    let context = json!({
        "Execution": {"Name": "exec-1", "StartTime": "2026-11-21T00:00:00Z"},
        "Map": {"Item": {"Value": number, "Index": 0}},
    });
    let states: std::collections::BTreeMap<String, Value> = states(&definition()).into_iter().collect();
    let error = json!({"Error": "ConnectFailed", "Cause": "calling +81******0000: refused"});

    // Each iteration of CallDutyGroup is a PlaceCall request ...
    let item = evaluate(&states["CallDutyGroup"]["ItemSelector"], &state, &context, "CallDutyGroup");
    let request: PlaceCallRequest = read_as(&item, "CallDutyGroup's ItemSelector as a PlaceCall request");
    assert!(request.phone_number.is_some() && !request.dry_run);
    // ... and a call it could not place is still a call record, from fields the item has.
    let mut failed = item.clone();
    failed["error"] = error.clone();
    let record = evaluate(&states["CallNotPlaced"]["Parameters"], &failed, &context, "CallNotPlaced");
    let record: CallRecord = read_as(&record, "CallNotPlaced's output as a call record");
    assert_eq!(record.status, CallStatus::Failed);

    // The fail-safe call is a PlaceCall request without a number, whatever the state was.
    for (story, at_failure) in [
        ("after planning", json!({"escalationId": "exec-1", "failure": error})),
        ("before planning", json!({"input": {"message": "disk full"}, "failure": error})),
    ] {
        let fallback = evaluate(&states["RingFallbackNumber"]["Parameters"], &at_failure, &context, story);
        let request: PlaceCallRequest = read_as(&fallback, &format!("RingFallbackNumber's request ({story})"));
        assert!(request.phone_number.is_none() && request.alert_input.is_some(), "{story}");
    }

    // ReportFailure publishes `$.failSafe.report`, which both writers of `$.failSafe` set: the
    // fail-safe call's output, and FallbackCallFailed when the call failed too.
    let call = CallRecord { status: CallStatus::Placed, contact_id: Some("c-1".into()), ..record.clone() };
    let report = FailureReport::new("exec-1", &FailedRun::read(&json!({"failure": error})), &call);
    let output = serde_json::to_value(PlaceCallOutput::FailSafe(Box::new(FailSafeCall { call, report }))).unwrap();
    let published = states["ReportFailure"]["Parameters"]["Message.$"].as_str().unwrap();
    assert_eq!(published, "States.JsonToString($.failSafe.report)");
    let from_the_call: FailureReport = read_as(&output["report"], "the fail-safe call's report");
    assert!(!from_the_call.summary.is_empty());
    assert_eq!(
        states["RingFallbackNumber"]["Catch"][0]["ResultPath"], "$.failSafeError",
        "FallbackCallFailed reads the call's error there"
    );
    let after_both = json!({"failure": error, "failSafeError": error});
    let written = evaluate(&states["FallbackCallFailed"]["Parameters"], &after_both, &context, "FallbackCallFailed");
    let _: FailureReport = read_as(&written["report"], "FallbackCallFailed's report");
}

#[test]
fn every_decision_has_its_branch_and_no_call_placed_reports_why_on_the_fail_safe_path() {
    use domain::errors::NO_CALL_PLACED;
    use domain::payload::Action;

    let states: std::collections::BTreeMap<String, Value> = states(&definition()).into_iter().collect();
    // Every action check-contact can decide (the match fails to compile when one is added);
    // resolve-roster's own, ringing nobody, is DoesItPage's.
    let actions = [
        Action::Wait,
        Action::NextAttempt,
        Action::Acknowledged,
        Action::Exhausted,
        Action::NoCallPlaced,
        Action::Resolved,
    ];
    for action in actions.into_iter().chain([Action::RingNobody]) {
        match action {
            Action::Wait
            | Action::NextAttempt
            | Action::Acknowledged
            | Action::Exhausted
            | Action::NoCallPlaced
            | Action::Resolved => {}
            Action::RingNobody => {
                let rule = &states["DoesItPage"]["Choices"][0];
                let name = serde_json::to_value(action).unwrap();
                assert!(rule["And"].as_array().unwrap().iter().any(|c| c["StringEquals"] == name), "{rule}");
                assert_eq!(states[rule["Next"].as_str().unwrap()]["Next"], "PublishOutcome");
            }
        }
    }
    let choices = states["WhatNext"]["Choices"].as_array().unwrap();
    let branch = |action: Action| {
        let name = serde_json::to_value(action).unwrap();
        choices
            .iter()
            .find(|choice| {
                choice["StringEquals"] == name
                    || choice["And"].as_array().is_some_and(|all| all.iter().any(|c| c["StringEquals"] == name))
            })
            .map(|choice| choice["Next"].as_str().unwrap().to_owned())
    };
    for action in actions {
        assert!(branch(action).is_some(), "WhatNext has no branch for {action:?}; it would take the Default");
    }
    // Calls a decision leaves ringing are hung up by next-target before anything else: on the
    // way to the next attempt, or back here on the way to an ending.
    let hang_up: Vec<&Value> =
        choices.iter().take_while(|c| c["Variable"] != "$.decision.action" || c["StringEquals"] == "wait").collect();
    let to_hang_up = |next: &str| {
        hang_up.iter().any(|c| {
            c["Next"] == next
                && (c["Variable"] == "$.hangUp[0]"
                    || c["And"].as_array().is_some_and(|all| all.iter().any(|r| r["Variable"] == "$.hangUp[0]")))
        })
    };
    assert!(to_hang_up("EndAttempt") && to_hang_up("EndEscalation"), "WhatNext checks $.hangUp before routing");
    assert_eq!(states["EndAttempt"]["Next"], "CallDutyGroup");
    assert_eq!(states["EndEscalation"]["Next"], "WhatNext");
    for name in ["EndAttempt", "EndEscalation"] {
        assert_eq!(function_of(states[name]["Resource"].as_str().unwrap()), Some("next-target"), "{name}");
        assert!(states[name].get("ResultPath").is_none(), "{name} hands on the whole state");
    }
    let no_call = &states[&branch(Action::NoCallPlaced).unwrap()];
    assert_eq!(no_call["Parameters"]["Error"], NO_CALL_PLACED);
    assert_eq!(no_call["Parameters"]["Cause.$"], "$.decision.reason");
    assert_eq!(no_call["ResultPath"], "$.failure", "where FailedRun reads the failure");
    assert_eq!(no_call["Next"], "FailSafe");
}
