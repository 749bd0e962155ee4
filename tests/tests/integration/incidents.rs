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
    ACKNOWLEDGED_HOLD, Claim, IncidentClaims, IncidentRecord, IncidentRef, IncidentStatus, IncidentWatch, Leading,
    MAX_RELATED_KEY_BYTES, Opening, Watch, announce_related, settle, watch,
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
    let mut state = resolve(&server, &store, alert("alert.metric-alarm.json", "e1")).await;
    assert_eq!(watch(&store, &mut state).await, Watch::Ringing);
    let key = IncidentRef::of(&state).unwrap();
    store.resolve(&key, now()).await.unwrap();
    let Watch::Ended(why) = watch(&store, &mut state).await else { panic!("the resolve is seen") };
    assert!(why.contains("resolved") && why.contains("before anyone acknowledged"), "{why}");
    // Opened again by another escalation (flapping): this one ends too.
    store.open(&key, "e2", now(), hold()).await.unwrap();
    assert!(matches!(watch(&store, &mut state).await, Watch::Ended(why) if why.contains("escalation e2")));

    // Settling follows the decision: an acknowledgement holds the incident.
    let web = resolve(&server, &store, alert("resolve-roster.sns.json", "w1")).await;
    let mut acknowledged = web.clone();
    acknowledged.decision = Some(domain::payload::Decision { action: Action::Acknowledged, reason: "1".into() });
    settle(&store, &acknowledged, now()).await.unwrap();
    let key = IncidentRef::of(&web).unwrap();
    assert_eq!(store.read(&key).await.unwrap().map(|r| r.status), Some(IncidentStatus::Acknowledged));
}

// --- storms: other incidents of a ringing project join it ---------------------------------

const PROJECT: &str = "projectA-sns-topic";

#[tokio::test]
async fn the_first_incident_of_a_project_leads_and_the_others_join_it_keeping_their_keys_within_a_byte_bound() {
    let store = fresh_store().await;
    assert_eq!(store.lead(PROJECT, "a", "e1", now(), hold()).await.unwrap(), Leading::Leads);
    assert_eq!(store.lead(PROJECT, "a", "e1", now(), hold()).await.unwrap(), Leading::Leads, "a retry leads again");
    for i in 1..=60u64 {
        let led = store.lead(PROJECT, &format!("k{i}"), &format!("x{i}"), now(), hold()).await.unwrap();
        assert_eq!(led, Leading::Grouped { record: ringing("e1"), alerts: i });
    }
    let project = store.read_project(PROJECT).await.unwrap().unwrap();
    assert_eq!(project.record, ringing("e1"));
    assert_eq!(project.related.count, 60);
    assert_eq!(project.related.keys, (1..=60).map(|i| format!("k{i}")).collect::<Vec<_>>());
    // Long keys: listed while they fit in the bound, counted after.
    let long = |i: u64| format!("{i:03}{}", "キ".repeat(85));
    let room = MAX_RELATED_KEY_BYTES - (1..=60).map(|i| format!("k{i}").len()).sum::<usize>();
    let fitting = u64::try_from(room / long(0).len()).unwrap();
    for i in 0..fitting + 3 {
        store.lead(PROJECT, &long(i), &format!("y{i}"), now(), hold()).await.unwrap();
    }
    let project = store.read_project(PROJECT).await.unwrap().unwrap();
    assert_eq!(project.related.count, 60 + fitting + 3);
    assert_eq!(project.related.keys.len() as u64, 60 + fitting);
    assert_eq!(project.related.keys.last(), Some(&long(fitting - 1)));
    assert!(project.related.keys.iter().map(String::len).sum::<usize>() <= MAX_RELATED_KEY_BYTES);
    assert_eq!(store.lead("projectB-sns-topic", "a", "f1", now(), hold()).await.unwrap(), Leading::Leads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_joining_at_once_is_counted_and_listed_whole() {
    // DynamoDB applies each item write atomically; the test server must too (tests/moto_server.py).
    const STORM: u64 = 200;
    let store = fresh_store().await;
    assert_eq!(store.lead(PROJECT, "a", "e1", now(), hold()).await.unwrap(), Leading::Leads);
    let joins = (1..=STORM).map(|i| {
        let store = store.clone();
        tokio::spawn(
            async move { store.lead(PROJECT, &format!("k{i}"), &format!("x{i}"), now(), hold()).await.unwrap() },
        )
    });
    let mut alerts = Vec::new();
    for join in joins {
        let Leading::Grouped { alerts: n, .. } = join.await.unwrap() else { panic!("a join led") };
        alerts.push(n);
    }
    alerts.sort_unstable();
    assert_eq!(alerts, (1..=STORM).collect::<Vec<u64>>(), "every join counted once");
    let project = store.read_project(PROJECT).await.unwrap().unwrap();
    assert_eq!(project.related.count, STORM);
    let mut keys = project.related.keys;
    keys.sort_unstable();
    let mut expected: Vec<String> = (1..=STORM).map(|i| format!("k{i}")).collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[tokio::test]
async fn after_an_acknowledgement_the_quiet_window_groups_and_then_a_new_incident_leads() {
    let store = fresh_store().await;
    store.lead(PROJECT, "a", "e1", now(), hold()).await.unwrap();
    let quiet_until = now() + Duration::minutes(15);
    store.settle_project(PROJECT, "x", IncidentStatus::Acknowledged, now(), quiet_until).await.unwrap();
    assert_eq!(store.read_project(PROJECT).await.unwrap().unwrap().record, ringing("e1"), "only its leader settles it");
    store.settle_project(PROJECT, "e1", IncidentStatus::Acknowledged, now(), quiet_until).await.unwrap();
    let acknowledged = IncidentRecord { status: IncidentStatus::Acknowledged, escalation_id: "e1".into() };
    let within = now() + Duration::minutes(14);
    assert_eq!(
        store.lead(PROJECT, "b", "e2", within, within + Duration::minutes(30)).await.unwrap(),
        Leading::Grouped { record: acknowledged, alerts: 1 }
    );
    let after = now() + Duration::minutes(16);
    assert_eq!(store.lead(PROJECT, "c", "e3", after, after + Duration::minutes(30)).await.unwrap(), Leading::Leads);
    store.settle_project(PROJECT, "e3", IncidentStatus::Closed, after, after).await.unwrap();
    assert_eq!(store.lead(PROJECT, "d", "e4", after, after + Duration::minutes(30)).await.unwrap(), Leading::Leads);
    assert_eq!(store.read_project(PROJECT).await.unwrap().unwrap().related.count, 0, "a new leader starts afresh");
}

#[tokio::test]
async fn a_second_alarm_of_a_ringing_project_rings_nobody_and_the_next_attempt_says_so() {
    let (server, store) = (roster_server().await, fresh_store().await);
    let mut first = resolve(&server, &store, alert("alert.metric-alarm.json", "e1")).await;
    assert_eq!(claim_of(&first), Some(&Claim::Opened));
    let mut other = alert("alert.metric-alarm.json", "e2");
    let message =
        other["input"]["Records"][0]["Sns"]["Message"].as_str().unwrap().replace("prod-db-cpu", "prod-web-5xx");
    other["input"]["Records"][0]["Sns"]["Message"] = json!(message);
    let second = resolve(&server, &store, other).await;
    let Some(Claim::Grouped { escalation_id, related, .. }) = claim_of(&second) else { panic!("{second:?}") };
    assert_eq!((escalation_id.as_str(), *related), ("e1", 1));
    assert_eq!(second.outcome.as_ref().unwrap().status, OutcomeStatus::Joined);
    assert!(second.attempts.is_empty());
    // A duplicate of the grouped alarm joins e1 too: its incident was handed over.
    let again = resolve(&server, &store, alert("alert.metric-alarm.json", "e3")).await;
    assert!(matches!(claim_of(&again), Some(Claim::Joined { escalation_id, .. }) if escalation_id == "e1"));

    assert_eq!(watch(&store, &mut first).await, Watch::Ringing);
    let related = first.related.clone().unwrap();
    assert_eq!(related.count, 1);
    assert!(related.keys[0].ends_with("alarm:prod-web-5xx"), "{related:?}");
    let spoken = first.message.clone();
    first.decision = Some(domain::payload::Decision { action: Action::NextAttempt, reason: "next".into() });
    announce_related(&mut first);
    announce_related(&mut first);
    assert_eq!(first.message, format!("このほかに1件のアラートが発生しています。{spoken}"), "said once");

    // Without grouping, another alarm opens its own escalation.
    let mut ungrouped = alert("alert.metric-alarm.json", "e4");
    ungrouped["input"]["Records"][0]["Sns"]["Message"] = json!(message.replace("prod-web-5xx", "prod-queue"));
    let input = domain::alert::AlertInput::parse(&ungrouped["input"]);
    let roster = S3Store::new(server.client(), BUCKET);
    let mut state = domain::resolve::resolve(&roster, &config(None), input, "e4".into(), now()).await.unwrap();
    state.policy.grouping = false;
    let state = domain::incident_store::claim_incident(&store, state, now()).await;
    assert_eq!(claim_of(&state), Some(&Claim::Opened));
}
