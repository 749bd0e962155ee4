//! The incident store against a real DynamoDB-protocol server (moto, which enforces condition
//! expressions: the ledger's tests and the harness check it), through the adapter the
//! functions use; then resolve-roster and check-contact with it.

// The helpers below are test code too (clippy only exempts `#[test]` bodies): a failed unwrap is a
// failed test with its message.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use adapters::incidents::DynamoIncidents;
use adapters::s3::S3Store;
use chrono::{DateTime, Duration, Utc};
use domain::clock::FixedClock;
use domain::incident_store::{
    ACKNOWLEDGED_HOLD, Claim, IncidentClaims, IncidentRecord, IncidentRef, IncidentStatus, IncidentWatch, Opening,
    Watch, settle, watch,
};
use domain::payload::{Action, EscalationState, OutcomeStatus};
use lambda_connect_tests::s3_server::S3Server;
use lambda_connect_tests::sample;
use resolve_roster::{Deps, handle};
use serde_json::{Value, json};

use crate::calling::dynamodb;
use crate::resolve_roster::{BUCKET, config, now};

/// The adapter over a table of its own.
async fn fresh_store() -> DynamoIncidents {
    static TABLES: AtomicUsize = AtomicUsize::new(0);
    let table = format!("incidents-{}", TABLES.fetch_add(1, Ordering::Relaxed));
    let created = table.clone();
    tokio::task::spawn_blocking(move || dynamodb().create_table(&created).unwrap()).await.unwrap();
    DynamoIncidents::new(dynamodb().sdk_client(), table)
}

fn incident(key: &str) -> IncidentRef {
    IncidentRef { project: "projectA-sns-topic".into(), key: key.into() }
}

fn hold() -> DateTime<Utc> {
    now() + Duration::minutes(30)
}

fn ringing(escalation: &str) -> IncidentRecord {
    IncidentRecord { status: IncidentStatus::Ringing, escalation_id: escalation.into() }
}

#[tokio::test]
async fn a_trigger_opens_the_incident_and_the_next_ones_join_it_counted() {
    let store = fresh_store().await;
    let db = incident("db");
    assert_eq!(store.open(&db, "e1", now(), hold()).await.unwrap(), Opening::Opened);
    assert_eq!(
        store.open(&db, "e2", now(), hold()).await.unwrap(),
        Opening::Joined { record: ringing("e1"), alerts: 2 }
    );
    assert_eq!(
        store.open(&db, "e3", now(), hold()).await.unwrap(),
        Opening::Joined { record: ringing("e1"), alerts: 3 }
    );
    // Another key, or the same key of another project, is another incident.
    assert_eq!(store.open(&incident("web"), "e4", now(), hold()).await.unwrap(), Opening::Opened);
    let other_project = IncidentRef { project: "projectB-sns-topic".into(), key: "db".into() };
    assert_eq!(store.open(&other_project, "e5", now(), hold()).await.unwrap(), Opening::Opened);
}

#[tokio::test]
async fn a_retried_claim_of_the_same_escalation_opens_again_instead_of_joining_itself() {
    let store = fresh_store().await;
    let db = incident("db");
    assert_eq!(store.open(&db, "e1", now(), hold()).await.unwrap(), Opening::Opened);
    assert_eq!(store.open(&db, "e1", now(), hold()).await.unwrap(), Opening::Opened);
    assert_eq!(store.read(&db).await.unwrap(), Some(ringing("e1")));
}

#[tokio::test]
async fn concurrent_triggers_of_one_key_open_exactly_one_incident() {
    let store = fresh_store().await;
    let db = incident("db");
    let claims = (0..12).map(|i| {
        let store = store.clone();
        let db = db.clone();
        tokio::spawn(async move { store.open(&db, &format!("e{i}"), now(), hold()).await.unwrap() })
    });
    let mut openings = Vec::new();
    for claim in claims {
        openings.push(claim.await.unwrap());
    }
    let opened = openings.iter().filter(|o| **o == Opening::Opened).count();
    assert_eq!(opened, 1, "{openings:?}");
    let mut counts: Vec<u64> = openings
        .iter()
        .filter_map(|o| match o {
            Opening::Joined { alerts, .. } => Some(*alerts),
            Opening::Opened => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (2..=12).collect::<Vec<u64>>(), "every join counted once");
}

#[tokio::test]
async fn a_resolve_ends_the_open_incident_and_the_next_trigger_opens_a_new_one() {
    let store = fresh_store().await;
    let db = incident("db");
    assert_eq!(store.resolve(&db, now()).await.unwrap(), None, "nothing open yet");
    store.open(&db, "e1", now(), hold()).await.unwrap();
    assert_eq!(store.resolve(&db, now()).await.unwrap(), Some(ringing("e1")));
    assert_eq!(store.read(&db).await.unwrap().map(|r| r.status), Some(IncidentStatus::Resolved));
    assert_eq!(store.resolve(&db, now()).await.unwrap(), None, "a second OK finds nothing open");
    assert_eq!(store.open(&db, "e2", now(), hold()).await.unwrap(), Opening::Opened);
    assert_eq!(store.read(&db).await.unwrap(), Some(ringing("e2")));
}

#[tokio::test]
async fn an_acknowledged_incident_is_joined_for_its_hold_and_a_closed_one_rings_again() {
    let store = fresh_store().await;
    let db = incident("db");
    store.open(&db, "e1", now(), hold()).await.unwrap();
    // Only the escalation that opened it settles it.
    store.settle(&db, "e9", IncidentStatus::Closed, now(), now()).await.unwrap();
    assert_eq!(store.read(&db).await.unwrap(), Some(ringing("e1")));
    store.settle(&db, "e1", IncidentStatus::Acknowledged, now(), now() + ACKNOWLEDGED_HOLD).await.unwrap();
    let acknowledged = IncidentRecord { status: IncidentStatus::Acknowledged, escalation_id: "e1".into() };
    let later = now() + ACKNOWLEDGED_HOLD - Duration::minutes(1);
    assert_eq!(
        store.open(&db, "e2", later, hold()).await.unwrap(),
        Opening::Joined { record: acknowledged.clone(), alerts: 2 }
    );
    let after_hold = now() + ACKNOWLEDGED_HOLD + Duration::seconds(1);
    assert_eq!(store.open(&db, "e3", after_hold, after_hold + Duration::minutes(30)).await.unwrap(), Opening::Opened);

    let web = incident("web");
    store.open(&web, "e4", now(), hold()).await.unwrap();
    store.settle(&web, "e4", IncidentStatus::Closed, now(), now()).await.unwrap();
    assert_eq!(store.resolve(&web, now()).await.unwrap(), None, "closed is not open");
    assert_eq!(store.open(&web, "e5", now(), hold()).await.unwrap(), Opening::Opened);
}

#[tokio::test]
async fn a_ringing_incident_past_its_hold_no_longer_holds_its_key() {
    let store = fresh_store().await;
    let db = incident("db");
    store.open(&db, "e1", now(), hold()).await.unwrap();
    let past = hold() + Duration::seconds(1);
    assert_eq!(store.resolve(&db, past).await.unwrap(), None);
    assert_eq!(store.open(&db, "e2", past, past + Duration::minutes(30)).await.unwrap(), Opening::Opened);
}

#[tokio::test]
async fn a_store_that_cannot_be_used_is_an_error_naming_why() {
    let store = DynamoIncidents::new(dynamodb().sdk_client(), "no-such-table");
    let err = store.open(&incident("db"), "e1", now(), hold()).await.unwrap_err();
    assert!(err.to_string().contains("ResourceNotFoundException"), "{err}");
    assert!(store.read(&incident("db")).await.is_err());
}

// --- resolve-roster and check-contact with the store --------------------------------------

async fn roster_server() -> S3Server {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    server.put(BUCKET, "phoneNumber.json", std::fs::read(sample("phoneNumber.json")).unwrap()).await.unwrap();
    server
}

/// The SNS sample `name`, as the workflow hands it to resolve-roster for execution `id`.
fn alert(name: &str, id: &str) -> Value {
    let input: Value = serde_json::from_slice(&std::fs::read(sample(name)).unwrap()).unwrap();
    json!({"input": input, "executionName": id})
}

async fn resolve(server: &S3Server, store: &DynamoIncidents, event: Value) -> EscalationState {
    let deps = Deps {
        store: S3Store::new(server.client(), BUCKET),
        config: config(None),
        clock: FixedClock(now()),
        incidents: Some(store.clone()),
    };
    handle(&deps, event).await.unwrap()
}

fn claim_of(state: &EscalationState) -> Option<&Claim> {
    state.incident.as_ref().and_then(|i| i.claim.as_ref())
}

#[tokio::test]
async fn resolve_roster_opens_joins_and_resolves_and_a_dry_run_leaves_no_trace() {
    let (server, store) = (roster_server().await, fresh_store().await);
    let mut dry = alert("alert.metric-alarm.json", "dry");
    dry["input"]["Records"][0]["Sns"]["MessageAttributes"] = json!({"dryRun": {"Type": "String", "Value": "true"}});
    let dry = resolve(&server, &store, dry).await;
    assert_eq!(claim_of(&dry), None);
    let key = IncidentRef::of(&dry).unwrap();
    assert_eq!(store.read(&key).await.unwrap(), None, "a dry run creates nothing");

    let first = resolve(&server, &store, alert("alert.metric-alarm.json", "e1")).await;
    assert_eq!(claim_of(&first), Some(&Claim::Opened));
    assert!(!first.attempts.is_empty() && first.decision.is_none(), "it rings");

    let again = resolve(&server, &store, alert("alert.metric-alarm.json", "e2")).await;
    assert_eq!(
        claim_of(&again),
        Some(&Claim::Joined { escalation_id: "e1".into(), status: IncidentStatus::Ringing, alerts: 2 })
    );
    assert_eq!(again.decision.as_ref().map(|d| d.action), Some(Action::RingNobody));
    assert!(again.attempts.is_empty() && again.current.phone_numbers.is_empty());
    let outcome = again.outcome.as_ref().unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Joined);
    assert!(outcome.summary.contains("escalation e1") && outcome.summary.contains("2 alerts"), "{}", outcome.summary);

    let ok = resolve(&server, &store, alert("alert.metric-ok.json", "e3")).await;
    assert_eq!(claim_of(&ok), Some(&Claim::Resolved { escalation_id: "e1".into(), was: IncidentStatus::Ringing }));
    assert_eq!(ok.outcome.as_ref().unwrap().status, OutcomeStatus::Resolved);
    assert!(ok.outcome.as_ref().unwrap().summary.contains("stops at its next check"));
    let ok_again = resolve(&server, &store, alert("alert.metric-ok.json", "e4")).await;
    assert_eq!(claim_of(&ok_again), Some(&Claim::NothingOpen));
}

#[tokio::test]
async fn resolve_roster_rings_as_a_new_incident_when_the_store_fails_and_says_so() {
    let server = roster_server().await;
    let down = DynamoIncidents::new(dynamodb().sdk_client(), "no-such-table");
    let state = resolve(&server, &down, alert("alert.metric-alarm.json", "e1")).await;
    assert_eq!(claim_of(&state), Some(&Claim::Unavailable));
    assert!(!state.attempts.is_empty() && state.decision.is_none(), "the alert still rings");
    let problem = state.problems.iter().find(|p| p.source == "INCIDENT_TABLE").expect("the problem names the setting");
    assert!(problem.is_error() && problem.message.contains("rung as a new incident"), "{problem}");
}

#[tokio::test]
async fn the_watch_sees_the_source_resolve_and_settling_records_the_end() {
    let (server, store) = (roster_server().await, fresh_store().await);
    let state = resolve(&server, &store, alert("alert.metric-alarm.json", "e1")).await;
    assert_eq!(watch(&store, &state).await, Watch::Ringing);
    let key = IncidentRef::of(&state).unwrap();
    store.resolve(&key, now()).await.unwrap();
    let Watch::Ended(why) = watch(&store, &state).await else { panic!("the resolve is seen") };
    assert!(why.contains("resolved") && why.contains("before anyone acknowledged"), "{why}");
    // Opened again by another escalation (flapping): this one ends too.
    store.open(&key, "e2", now(), hold()).await.unwrap();
    assert!(matches!(watch(&store, &state).await, Watch::Ended(why) if why.contains("escalation e2")));

    // Settling follows the decision: an acknowledgement holds the incident.
    let web = resolve(&server, &store, alert("resolve-roster.sns.json", "w1")).await;
    let mut acknowledged = web.clone();
    acknowledged.decision = Some(domain::payload::Decision { action: Action::Acknowledged, reason: "1".into() });
    settle(&store, &acknowledged, now()).await.unwrap();
    let key = IncidentRef::of(&web).unwrap();
    assert_eq!(store.read(&key).await.unwrap().map(|r| r.status), Some(IncidentStatus::Acknowledged));
}
