//! check-contact: reads what became of each call of the current attempt, and decides.
//!
//! For every call still live it asks Connect for the contact (DescribeContact) and its
//! attributes (GetContactAttributes) and turns them into one status: acknowledged (the key
//! was pressed), answered without the key (voicemail, or a person who hung up), still ringing
//! or in progress, no answer, busy, or failed with Connect's reason. Calls already final, or
//! never placed, are returned unchanged. What a contact means is the escalation engine's
//! ([`domain::escalation::call_state`]); this handler only looks the contacts up.
//!
//! The workflow's CheckCalls state hands it the whole escalation state ([`poll`]): with the
//! calls up to date it takes the engine's decision ([`decide`]) in the same step, so a poll
//! costs one task, and the calls the decision leaves ringing go in `hangUp` for next-target.
//! A request with the calls only ([`handle`], the shape of a workflow definition from before
//! the poll decided in one step) still gets the calls back, so an execution that started
//! before an upgrade finishes on the new code.
//!
//! A number that was waiting for its line (on another escalation's call, see [`domain::lines`])
//! and that place-call was asked for again (`placedAgain`) gets that answer in the place of its
//! waiting record first; the decision lists the numbers still waiting in `placeAgain`.
//!
//! With an incident table (`INCIDENT_TABLE`) each poll also reads the incident its escalation
//! opened ([`domain::incident_store::watch`]): once the source resolved it, the escalation
//! ends as resolved and the live calls are hung up. An acknowledgement marks the incident
//! acknowledged, and an escalation that ends without one closes it. While it rings for a
//! project that groups its incidents, the poll also reads the project's related alerts
//! (`related`), and the next attempt's message says how many are waiting. A project that
//! re-escalates (`reEscalateMinutes`) has its acknowledgement armed (`reEscalateSeconds`);
//! after the workflow's wait this handler, called again, rings the plan again from the first
//! attempt unless the source resolved the incident. A store that fails never
//! fails the poll: the escalation goes on, and the problem is reported once.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use domain::calls::{ConnectError, ContactReader};
use domain::clock::Clock;
use domain::errors::{CONNECT_FAILED, CONNECT_THROTTLED, CONNECT_UNAVAILABLE};
use domain::escalation::ack::AckRule;
use domain::escalation::call_state::{call_state, unknown_contact, update};
use domain::escalation::decision::{decide, ended_by_source, ring_again};
use domain::incident_store::{
    IncidentStoreError, IncidentWatch, STORE_SETTING, Watch, announce_related, arm_re_escalation, re_escalation_due,
    settle, watch,
};
use domain::lines::take_placed_again;
use domain::payload::{CallRecord, CallStatus, CheckCallsRequest, EscalationState};
use domain::problem::Problem;
use lambda_runtime::Diagnostic;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K, I> {
    pub connect: C,
    pub ack: AckRule,
    pub clock: K,
    /// The open incidents; `None` when no table is configured.
    pub incidents: Option<I>,
}

/// Why the calls could not be checked. The ASL's Retry/Catch name the `error_type`s.
#[derive(Debug, thiserror::Error)]
pub enum CheckContactError {
    #[error("checking contact {contact_id}: {source}")]
    Throttled { contact_id: String, source: ConnectError },
    #[error("checking contact {contact_id}: {source}")]
    Unavailable { contact_id: String, source: ConnectError },
    #[error("checking contact {contact_id}: {source}")]
    Connect { contact_id: String, source: ConnectError },
}

impl CheckContactError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Throttled { .. } => CONNECT_THROTTLED,
            Self::Unavailable { .. } => CONNECT_UNAVAILABLE,
            Self::Connect { .. } => CONNECT_FAILED,
        }
    }

    fn new(contact_id: &str, source: ConnectError) -> Self {
        let contact_id = contact_id.to_owned();
        match source {
            ConnectError::Throttled { .. } => Self::Throttled { contact_id, source },
            ConnectError::Unavailable { .. } => Self::Unavailable { contact_id, source },
            _ => Self::Connect { contact_id, source },
        }
    }
}

impl From<CheckContactError> for Diagnostic {
    fn from(err: CheckContactError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// What the CheckCalls state sends: the escalation state, or (a definition from before the
/// poll decided in one step) the calls only. A state is told apart by its `current` attempt,
/// so a bad field gets serde's own error naming it, where an untagged enum would only say
/// that no shape matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    State(Box<EscalationState>),
    Calls(CheckCallsRequest),
}

impl<'de> Deserialize<'de> for Request {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let request = if value.get("current").is_some() {
            serde_json::from_value(value).map(Self::State)
        } else {
            serde_json::from_value(value).map(Self::Calls)
        };
        request.map_err(D::Error::custom)
    }
}

/// The answer in the request's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Response {
    State(Box<EscalationState>),
    Calls(Vec<CallRecord>),
}

/// Answers either shape of request; see [`poll`] and [`handle`].
pub async fn respond<C: ContactReader, K: Clock, I: IncidentWatch>(
    deps: &Deps<C, K, I>,
    request: Request,
) -> Result<Response, CheckContactError> {
    // Boxed: the two futures side by side nest the SDK's deeply enough to pass the compiler's
    // layout query limit; one allocation per invocation is nothing next to a Connect request.
    match request {
        Request::State(state) => Box::pin(poll(deps, *state)).await.map(|state| Response::State(Box::new(state))),
        Request::Calls(request) => Box::pin(handle(deps, request)).await.map(Response::Calls),
    }
}

/// One poll: the calls of the current attempt brought up to date, then the escalation
/// engine's decision on them. The returned state has `decision` set, and `hangUp` lists the
/// calls the decision ended while they were still live (next-target hangs them up).
#[tracing::instrument(skip_all, fields(escalation_id = %state.escalation_id, attempt = state.current.index))]
pub async fn poll<C: ContactReader, K: Clock, I: IncidentWatch>(
    deps: &Deps<C, K, I>,
    mut state: EscalationState,
) -> Result<EscalationState, CheckContactError> {
    if state.re_escalate_seconds.is_some() {
        let next = match &deps.incidents {
            Some(incidents) => re_escalation_due(incidents, &state, deps.clock.now()).await,
            None => ring_again(&state, "acknowledged, and not known to be resolved: ringing again".to_owned()),
        };
        if let Some(decision) = &next.decision {
            info!(action = ?decision.action, reason = %decision.reason, "re-escalation");
        }
        return Ok(next);
    }
    take_placed_again(&mut state);
    check_all(deps, &mut state.calls).await?;
    let watched = match &deps.incidents {
        Some(incidents) => watch(incidents, &mut state).await,
        None => Watch::Ringing,
    };
    let now = deps.clock.now();
    let mut step = match watched {
        Watch::Ended(why) => ended_by_source(&state, now, why),
        Watch::Ringing => decide(&state, now),
        Watch::Unreadable(err) => {
            store_failed(&mut state, &err, "the escalation goes on");
            decide(&state, now)
        }
    };
    arm_re_escalation(&mut step.state);
    if let Some(decision) = &step.state.decision {
        info!(action = ?decision.action, reason = %decision.reason, hang_up = step.stop.len(), "decided");
    }
    announce_related(&mut step.state);
    if let Some(incidents) = &deps.incidents
        && let Err(err) = settle(incidents, &step.state, now).await
    {
        store_failed(&mut step.state, &err, "the next trigger of the incident may not ring until its hold ends");
    }
    Ok(step.handed_on())
}

/// Logs a store failure, and keeps it as a problem of the escalation (and of its outcome, if
/// it has one) once: a store that stays down must not grow the state poll after poll.
fn store_failed(state: &mut EscalationState, err: &IncidentStoreError, consequence: &str) {
    warn!(error = %err, "incident store failed");
    if state.problems.iter().any(|p| p.source == STORE_SETTING) {
        return;
    }
    let problem = Problem::warning(STORE_SETTING, None, format!("{err}: {consequence}"));
    if let Some(outcome) = &mut state.outcome {
        outcome.problems.push(problem.clone());
    }
    state.problems.push(problem);
}

/// Returns the calls with their statuses brought up to date, in the same order.
#[tracing::instrument(skip_all, fields(escalation_id = request.escalation_id.as_deref().unwrap_or("-"), calls = request.calls.len()))]
pub async fn handle<C: ContactReader, K: Clock, I>(
    deps: &Deps<C, K, I>,
    request: CheckCallsRequest,
) -> Result<Vec<CallRecord>, CheckContactError> {
    let mut calls = request.calls;
    check_all(deps, &mut calls).await?;
    Ok(calls)
}

async fn check_all<C: ContactReader, K: Clock, I>(
    deps: &Deps<C, K, I>,
    calls: &mut [CallRecord],
) -> Result<(), CheckContactError> {
    for call in calls {
        let Some(contact_id) = call.contact_id.clone().filter(|_| !call.status.is_final()) else {
            continue;
        };
        check(deps, &contact_id, call).await?;
    }
    Ok(())
}

async fn check<C: ContactReader, K: Clock, I>(
    deps: &Deps<C, K, I>,
    contact_id: &str,
    call: &mut CallRecord,
) -> Result<(), CheckContactError> {
    let now = deps.clock.now();
    let contact = match deps.connect.describe(contact_id).await {
        Ok(contact) => contact,
        Err(err @ ConnectError::NotFound { .. }) => {
            let state = unknown_contact(call, contact_id, &err.to_string(), now);
            match state.status {
                CallStatus::Ringing => {
                    info!(number = %call.phone_number, contact_id, "contact not visible in Connect yet; still ringing")
                }
                _ => warn!(number = %call.phone_number, contact_id, error = %err, "Connect does not know the contact"),
            }
            update(call, state, None, now);
            return Ok(());
        }
        Err(err) => return Err(CheckContactError::new(contact_id, err)),
    };
    // Attributes can be missing for a contact that never reached the flow; that is not an error.
    let attributes = match deps.connect.attributes(contact_id).await {
        Ok(attributes) => attributes,
        Err(ConnectError::NotFound { .. }) => Default::default(),
        Err(err) => return Err(CheckContactError::new(contact_id, err)),
    };
    let state = call_state(&contact, &attributes, &deps.ack);
    info!(number = %call.phone_number, contact_id, status = ?state.status, detail = ?state.detail, "call checked");
    update(call, state, contact.connected_at, now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_and_a_calls_request_are_told_apart_and_a_bad_field_is_named() {
        let state = include_str!("../../../samplejson/check-contact.json");
        assert!(matches!(serde_json::from_str::<Request>(state).unwrap(), Request::State(_)));
        // What the previous definition's CheckCalls sent: `escalationId` and the state's calls.
        let mut calls: serde_json::Value = serde_json::from_str(state).unwrap();
        let calls = serde_json::json!({"escalationId": calls["escalationId"].take(), "calls": calls["calls"].take()});
        let Request::Calls(calls) = serde_json::from_value(calls).unwrap() else { panic!("read as a state") };
        assert_eq!(calls.calls.len(), 2);
        let mut bad: serde_json::Value = serde_json::from_str(state).unwrap();
        bad["current"]["waitSeconds"] = serde_json::json!("soon");
        let err = serde_json::from_value::<Request>(bad).unwrap_err().to_string();
        assert!(err.contains("invalid type: string \"soon\""), "{err}");
    }
}
