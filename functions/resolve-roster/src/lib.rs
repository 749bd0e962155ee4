//! resolve-roster: the workflow's first step. It reads the alert from whatever input the
//! execution was started with, picks and reads the roster from S3, and returns the
//! escalation state: the ordered attempts, the message to speak and the settings the later
//! states need. Broken files become `problems` and a plan that rings the fallback number;
//! only a transient S3 failure is an error, for the workflow to retry.
//!
//! With an incident table (`INCIDENT_TABLE`) it also claims the alert's incident
//! ([`domain::incident_store::claim_incident`]): a trigger opens it or joins the open one (which rings
//! nobody again), a resolve ends it. A store that fails is a problem, and the alert rings.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use chrono::{DateTime, Utc};
use domain::alert::AlertInput;
use domain::clock::Clock;
use domain::config::{ConfigError, RosterConfig};
use domain::incident_store::{IncidentClaims, claim_incident};
use domain::payload::EscalationState;
use domain::problem::Severity;
use domain::resolve::{ResolveError, resolve, resolve_unconfigured};
use domain::store::ObjectStore;
use lambda_runtime::Diagnostic;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tracing::{error, info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<S, K, I> {
    pub store: S,
    pub config: RosterConfig,
    pub clock: K,
    /// The open incidents; `None` when no table is configured (every trigger rings).
    pub incidents: Option<I>,
}

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(#[from] ResolveError);

impl From<Error> for Diagnostic {
    fn from(err: Error) -> Self {
        Diagnostic { error_type: err.0.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// Handles one event. The state machine wraps the execution input as
/// `{"input": <execution input>, "executionName": <name>}` so the escalation is named after
/// the execution; any other event (an SNS event from `sam local invoke`, a console test) is
/// taken as the execution input itself.
#[tracing::instrument(skip_all, fields(escalation_id = tracing::field::Empty))]
pub async fn handle<S: ObjectStore, K: Clock, I: IncidentClaims>(
    deps: &Deps<S, K, I>,
    event: Value,
) -> Result<EscalationState, Error> {
    let now = deps.clock.now();
    let (alert, escalation_id) = read_event(event, now);
    let planned = match (resolve(&deps.store, &deps.config, alert, escalation_id, now).await, &deps.incidents) {
        (Ok(state), Some(incidents)) => Ok(claim_incident(incidents, state, now).await),
        (planned, _) => planned,
    };
    Ok(report(planned)?)
}

/// Handles one event when the function's settings are unusable (`error`, found at start):
/// `config` is [`RosterConfig::fallback_only`], no file is read and the fallback number alone
/// is rung, with the problem naming the setting, so a typo in a setting never stops every
/// alert from ringing someone.
#[tracing::instrument(skip_all, fields(escalation_id = tracing::field::Empty))]
pub fn handle_unconfigured(
    config: &RosterConfig,
    error: &ConfigError,
    clock: &impl Clock,
    event: Value,
) -> Result<EscalationState, Error> {
    let now = clock.now();
    let (alert, escalation_id) = read_event(event, now);
    Ok(report(resolve_unconfigured(config, error, alert, escalation_id, now))?)
}

/// The alert in an event, and the escalation's id, recorded on the handler's span.
fn read_event(event: Value, now: DateTime<Utc>) -> (AlertInput, String) {
    let (input, execution_name) = unwrap(event);
    let alert = AlertInput::parse(&input);
    let escalation_id =
        execution_name.or_else(|| alert.alert.message_id.clone()).unwrap_or_else(|| derived_id(&input, now));
    tracing::Span::current().record("escalation_id", escalation_id.as_str());
    (alert, escalation_id)
}

/// Logs what was planned, or why nothing could be.
fn report(planned: Result<EscalationState, ResolveError>) -> Result<EscalationState, ResolveError> {
    let state = planned.inspect_err(|err| {
        error!(error_type = err.error_type(), error = %err, "escalation could not be planned");
    })?;
    for problem in &state.problems {
        match problem.severity {
            Severity::Error => error!(%problem, "problem found"),
            Severity::Warning => warn!(%problem, "problem found"),
        }
    }
    info!(
        topic = state.alert.topic_name.as_deref().unwrap_or("-"),
        roster = state.roster.as_deref().unwrap_or("-"),
        today = %state.today,
        attempts = state.attempts.len(),
        first_group = state.current.group.as_deref().unwrap_or("fallback"),
        dry_run = state.dry_run,
        problems = state.problems.len(),
        "escalation planned"
    );
    Ok(state)
}

fn unwrap(event: Value) -> (Value, Option<String>) {
    if let Value::Object(fields) = &event
        && fields.contains_key("input")
        && fields.keys().all(|key| key == "input" || key == "executionName")
    {
        let name = fields.get("executionName").and_then(Value::as_str).map(str::to_owned);
        let input = fields.get("input").cloned().unwrap_or(Value::Null);
        return (input, name);
    }
    (event, None)
}

/// A stable id for inputs that carry none (direct invocations): the same input at the same
/// second gets the same id, so a retried invocation does not look like a new alert.
fn derived_id(input: &Value, now: DateTime<Utc>) -> String {
    let digest = Sha256::digest(format!("{}:{input}", now.timestamp()));
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("direct-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::clock::FixedClock;
    use domain::config::Timing;
    use domain::escalation::plan::RepeatSettings;
    use domain::phone::PhoneNumber;
    use domain::store::MemoryStore;
    use serde_json::json;

    fn deps(store: MemoryStore) -> Deps<MemoryStore, FixedClock, adapters::incidents::DynamoIncidents> {
        Deps {
            store,
            incidents: None,
            clock: FixedClock(now()),
            config: RosterConfig {
                bucket: "b".into(),
                roster_key: "phoneNumber.json".into(),
                mapping_key: None,
                time_zone: domain::zone::Zone::tokyo(),
                alarm_message: "障害が発生しました。".into(),
                repeat: RepeatSettings::default(),
                timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
                fallback: PhoneNumber::parse("+819999999999").unwrap(),
            },
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
    }

    #[tokio::test]
    async fn the_workflow_wrapper_names_the_escalation_after_the_execution() {
        let event = json!({"input": {"message": "x"}, "executionName": "5f1c0d2e"});
        let state = handle(&deps(MemoryStore::default()), event).await.unwrap();
        assert_eq!(state.escalation_id, "5f1c0d2e");
        assert_eq!(state.alert.message.as_deref(), Some("x"));
    }

    #[tokio::test]
    async fn a_direct_sns_event_is_named_after_the_message_id() {
        let event = json!({"Records": [{"Sns": {"MessageId": "m-1", "TopicArn": "arn:aws:sns:r:1:t"}}]});
        let state = handle(&deps(MemoryStore::default()), event).await.unwrap();
        assert_eq!(state.escalation_id, "m-1");
    }

    #[tokio::test]
    async fn inputs_without_an_id_get_a_stable_derived_one() {
        let a = handle(&deps(MemoryStore::default()), json!({})).await.unwrap();
        let b = handle(&deps(MemoryStore::default()), json!({})).await.unwrap();
        assert!(a.escalation_id.starts_with("direct-"));
        assert_eq!(a.escalation_id, b.escalation_id);
    }

    #[tokio::test]
    async fn transient_store_errors_surface_with_a_retryable_error_type() {
        let store = MemoryStore::failing(domain::store::StoreError::Transient {
            location: "s3://b/phoneNumber.json".into(),
            message: "SlowDown".into(),
        });
        let err = handle(&deps(store), json!({})).await.unwrap_err();
        let diagnostic = Diagnostic::from(err);
        assert_eq!(diagnostic.error_type, "RosterStoreUnavailable");
        assert!(diagnostic.error_message.contains("s3://b/phoneNumber.json"));
    }
}
