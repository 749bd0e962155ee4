//! The sample events of the calling steps (`samplejson/<function>.json`) are exactly what
//! those functions accept, so `sam local invoke <Function> -e samplejson/<function>.json` and
//! `cargo lambda invoke <function> --data-file samplejson/<function>.json` get past
//! deserialisation. Each reads as the step's payload type and writes back unchanged, which
//! also catches a misspelt optional field that serde would otherwise skip silently.

use domain::escalation::decision::decide;
use domain::payload::{Action, CallStatus, EscalationState, PlaceCallRequest};
use lambda_connect_tests::sample;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads `samplejson/<name>` as `T` and checks that `T` writes it back field for field.
fn read_exact<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let bytes = std::fs::read(sample(name)).unwrap_or_else(|err| panic!("samplejson/{name}: {err}"));
    let raw: Value = serde_json::from_slice(&bytes).unwrap_or_else(|err| panic!("samplejson/{name}: {err}"));
    let typed: T = serde_json::from_value(raw.clone()).unwrap_or_else(|err| panic!("samplejson/{name}: {err}"));
    let written = serde_json::to_value(&typed).unwrap_or_else(|err| panic!("samplejson/{name}: {err}"));
    assert_eq!(written, raw, "samplejson/{name} has fields its type does not keep");
    typed
}

#[test]
fn place_call_sample_is_a_dry_run_so_trying_it_rings_nobody() {
    let request: PlaceCallRequest = read_exact("place-call.json");
    assert!(request.dry_run);
    assert!(request.phone_number.is_some() && !request.message.is_empty());
}

#[test]
fn check_contact_sample_holds_live_calls_to_look_up() {
    let request: EscalationState = read_exact("check-contact.json");
    assert!(request.decision.is_none() && request.hang_up.is_empty(), "a state in the middle of an attempt");
    assert!(!request.calls.is_empty());
    for call in &request.calls {
        assert!(call.contact_id.is_some(), "a call without a ContactId is never looked up");
        assert!(!call.status.is_final(), "a final call is never looked up");
    }
}

#[test]
fn next_target_sample_ends_the_escalation_and_stops_the_other_call() {
    let state: EscalationState = read_exact("next-target.json");
    let ended = &state.history[0].calls;
    let statuses: Vec<CallStatus> = ended.iter().map(|call| call.status).collect();
    assert_eq!(statuses, vec![CallStatus::Acknowledged, CallStatus::Ringing]);
    assert_eq!(state.decision.as_ref().map(|decision| decision.action), Some(Action::Acknowledged));
    assert_eq!(state.hang_up, [ended[1].contact_id.clone().unwrap()], "the call still ringing is stopped");

    // It is what check-contact decides on the calls of the check-contact sample once one of
    // them has pressed the key.
    let mut before: EscalationState = read_exact("check-contact.json");
    before.calls = ended.clone();
    assert_eq!(decide(&before, ended[0].checked_at.unwrap()).handed_on(), state);
}
