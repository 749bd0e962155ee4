//! place-call, check-contact and next-target, each through its real handler, the real
//! `aws-sdk-connect` client and the Connect simulator's wire format. Time is the simulator's
//! manual clock, shared with the handlers, so calls "ring" for minutes and no test sleeps.

// The helpers below are test code too (clippy only exempts `#[test]` bodies): a failed unwrap is a
// failed test with its message.
#![allow(clippy::unwrap_used)]

use adapters::connect::AwsConnect;
use adapters::incidents::DynamoIncidents;
use adapters::ledger::DynamoLedger;
use chrono::{DateTime, Timelike, Utc};
use domain::alert::Alert;
use domain::budget::CallRate;
use domain::config::{ConnectConfig, Timing};
use domain::escalation::ack::{AckRule, DEFAULT_ACK_ATTRIBUTE};
use domain::escalation::placement::client_token;
use domain::escalation::plan::PlannedAttempt;
use domain::ledger::{CallLedger, LedgerEntry};
use domain::payload::{
    Action, CallRecord, CallStatus, CheckCallsRequest, CurrentAttempt, EscalationState, OutcomeStatus, PlaceCallRequest,
};
use domain::phone::PhoneNumber;
use lambda_connect_tests::connect_sim::{
    Callee, ConnectSim, Fault, Flow, Operation, RunningSim, Script, SimClock, sdk_client,
};
use lambda_connect_tests::dynamodb_server::DynamoDbServer;
use serde_json::{Value, json};

const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
const FLOW: &str = "flow-0001";
const SOURCE: &str = "+81300000000";
const FALLBACK: &str = "+819099990000";
const ESCALATION: &str = "exec-7c1e4b1a";

const ACKS: &str = "+819012341001";
const VOICEMAIL: &str = "+819012341002";
const BUSY: &str = "+819011110003";
const SILENT: &str = "+819011110004";
const RINGS_OUT: &str = "+819011110005";
const BROKEN: &str = "+819011110006";
const REFUSED: &str = "+819011110007";
const INVALID: &str = "+819011110008";

fn number(raw: &str) -> PhoneNumber {
    PhoneNumber::parse(raw).unwrap()
}

fn script() -> Script {
    Script::default()
        .with(ACKS, Callee::acknowledges_after(5))
        .with(VOICEMAIL, Callee::voicemail(3, 10))
        .with(BUSY, Callee::busy())
        .with(SILENT, Callee::never_answers())
        .with(RINGS_OUT, Callee::rings_out_after(20))
        .with(BROKEN, Callee::fails("TELECOM_PROBLEM"))
        .with(REFUSED, Callee::refused())
        .with(INVALID, Callee::invalid_number())
}

/// One DynamoDB-protocol server (moto) for every test of this binary; each world takes its
/// own table, so no test sees another's ledger.
pub(crate) fn dynamodb() -> &'static DynamoDbServer {
    static SERVER: std::sync::OnceLock<DynamoDbServer> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| DynamoDbServer::start_blocking().unwrap())
}

/// A call ledger in a table of its own on the shared DynamoDB server.
fn fresh_ledger() -> DynamoLedger {
    static TABLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let table = format!("ledger-{}", TABLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    dynamodb().create_table(&table).unwrap();
    DynamoLedger::new(dynamodb().sdk_client(), table)
}

/// A running simulator, the adapter the functions use pointed at it, and a call ledger.
struct World {
    running: RunningSim,
    connect: AwsConnect,
    ledger: Option<DynamoLedger>,
}

impl World {
    async fn start(script: Script) -> Self {
        let running = ConnectSim::new(script).start().await.unwrap();
        let connect = AwsConnect::new(sdk_client(&running.url()), INSTANCE);
        let ledger = tokio::task::spawn_blocking(fresh_ledger).await.unwrap();
        Self { running, connect, ledger: Some(ledger) }
    }

    /// A world whose place-call has no ledger: Connect's ClientToken is the only guard.
    async fn without_ledger(script: Script) -> Self {
        Self { ledger: None, ..Self::start(script).await }
    }

    fn sim(&self) -> &ConnectSim {
        &self.running.sim
    }

    fn clock(&self) -> SimClock {
        self.sim().clock()
    }

    fn place_deps(&self) -> place_call::Deps<AwsConnect, DynamoLedger, SimClock> {
        place_call::Deps {
            connect: self.connect.clone(),
            ledger: self.ledger.clone(),
            config: ConnectConfig {
                instance_id: INSTANCE.into(),
                contact_flow_id: FLOW.into(),
                source_phone_number: number(SOURCE),
                prompt: domain::config::DEFAULT_PROMPT.into(),
            },
            fallback: number(FALLBACK),
            // The simulator's clock stands still while a test places many calls: a budget
            // this large is never spent here (tests/integration/budget.rs tests the budget).
            rate: CallRate { per_second: 100, burst: 100 },
            clock: self.clock(),
        }
    }

    fn check_deps(&self, attribute: &str) -> check_contact::Deps<AwsConnect, SimClock, DynamoIncidents> {
        check_contact::Deps {
            connect: self.connect.clone(),
            ack: AckRule { attribute: attribute.into() },
            clock: self.clock(),
            incidents: None,
        }
    }

    fn next_deps(&self) -> next_target::Deps<AwsConnect, SimClock> {
        next_target::Deps { connect: self.connect.clone(), clock: self.clock() }
    }

    async fn place(&self, raw: &str, attempt: u32) -> CallRecord {
        call_of(place_call::handle(&self.place_deps(), request(Some(raw), attempt)).await.unwrap())
    }

    async fn check(&self, calls: Vec<CallRecord>) -> Vec<CallRecord> {
        check_contact::handle(
            &self.check_deps("acknowledged"),
            CheckCallsRequest { escalation_id: Some(ESCALATION.into()), calls },
        )
        .await
        .unwrap()
    }

    fn status_of(&self, calls: &[CallRecord], raw: &str) -> CallStatus {
        calls.iter().find(|c| c.phone_number.as_str() == raw).unwrap().status
    }
}

fn call_of(output: place_call::PlaceCallOutput) -> CallRecord {
    match output {
        place_call::PlaceCallOutput::Call(record) => record,
        place_call::PlaceCallOutput::FailSafe(fail_safe) => fail_safe.call,
    }
}

fn request(raw: Option<&str>, attempt: u32) -> PlaceCallRequest {
    PlaceCallRequest {
        escalation_id: ESCALATION.into(),
        attempt,
        phone_number: raw.map(number),
        message: "projectA: the database is down".into(),
        dry_run: false,
        alert_input: None,
        speech: None,
    }
}

fn planned(index: u32, group: &str, numbers: &[&str]) -> PlannedAttempt {
    PlannedAttempt {
        index,
        group: Some(group.into()),
        phone_numbers: numbers.iter().map(|n| number(n)).collect(),
        includes_fallback: false,
    }
}

/// An escalation as resolve-roster leaves it, started now on the simulator's clock.
fn escalation(now: DateTime<Utc>, attempts: Vec<PlannedAttempt>) -> EscalationState {
    EscalationState {
        escalation_id: ESCALATION.into(),
        started_at: now,
        alert: Alert::default(),
        incident: None,
        policy: Default::default(),
        related: None,
        message: "projectA: the database is down".into(),
        dry_run: false,
        roster: None,
        time_zone: domain::zone::Zone::tokyo(),
        today: now.date_naive(),
        current: CurrentAttempt::from_plan(&attempts[0], 10),
        attempts,
        timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
        fallback: Some(number(FALLBACK)),
        problems: Vec::new(),
        calls: Vec::new(),
        history: Vec::new(),
        decision: None,
        hang_up: Vec::new(),
        place_again: Vec::new(),
        placed_again: Vec::new(),
        outcome: None,
        re_escalate_seconds: None,
        re_escalations: 0,
        history_events: 0,
        test_call: false,
        maintenance: None,
        speech: Default::default(),
    }
}

fn action(state: &EscalationState) -> Action {
    state.decision.as_ref().unwrap().action
}

// ---- place-call --------------------------------------------------------------------------

#[tokio::test]
async fn place_call_starts_one_signed_call_with_the_message_and_escalation_ids() {
    let world = World::start(script()).await;
    let record = world.place(ACKS, 2).await;

    assert_eq!(record.status, CallStatus::Placed);
    assert_eq!(record.placed_at, world.sim().now());
    let contact_id = record.contact_id.clone().unwrap();
    let requests = world.sim().requests_for(Operation::StartOutboundVoiceContact);
    assert_eq!(requests.len(), 1);
    assert!(requests[0].signed);
    let body = &requests[0].body;
    assert_eq!(body["InstanceId"], INSTANCE);
    assert_eq!(body["ContactFlowId"], FLOW);
    assert_eq!(body["SourcePhoneNumber"], SOURCE);
    assert_eq!(body["DestinationPhoneNumber"], ACKS);
    assert_eq!(body["ClientToken"], client_token(ESCALATION, 2, &number(ACKS)));
    assert_eq!(
        body["Attributes"],
        json!({
            "alertMessage": "projectA: the database is down",
            "prompt": domain::config::DEFAULT_PROMPT,
            "escalationId": ESCALATION,
            "attempt": "2"
        })
    );
    assert_eq!(world.sim().contact(&contact_id).unwrap().destination, ACKS);
}

#[tokio::test]
async fn a_retried_place_call_for_the_same_escalation_and_attempt_rings_exactly_once() {
    let world = World::start(script()).await;
    let first = world.place(SILENT, 0).await;
    let retried = world.place(SILENT, 0).await;

    assert_eq!(first.contact_id, retried.contact_id);
    // The ledger answers the retry; Connect is asked once.
    assert_eq!(world.sim().requests_for(Operation::StartOutboundVoiceContact).len(), 1);
    assert_eq!(world.sim().calls_to(SILENT), 1);
    // The next attempt is a new call to the same person.
    let next_attempt = world.place(SILENT, 1).await;
    assert_ne!(next_attempt.contact_id, first.contact_id);
    assert_eq!(world.sim().calls_to(SILENT), 2);
}

#[tokio::test]
async fn without_the_ledger_a_retry_after_a_short_busy_call_rings_again_as_connect_documents() {
    // What the ledger is for: Connect starts a new contact for a repeated ClientToken once the
    // first one has ended.
    let world = World::without_ledger(script()).await;
    world.place(BUSY, 0).await;
    world.sim().advance(5);
    world.place(BUSY, 0).await;
    assert_eq!(world.sim().calls_to(BUSY), 2);
}

#[tokio::test]
async fn a_number_on_another_escalations_live_call_waits_and_is_rung_once_that_call_ended() {
    let world = World::start(script()).await;
    world.place(SILENT, 0).await;
    let mut other = request(Some(SILENT), 0);
    other.escalation_id = "exec-other".into();
    let waiting = call_of(place_call::handle(&world.place_deps(), other.clone()).await.unwrap());
    assert_eq!((waiting.status, waiting.contact_id.as_ref()), (CallStatus::WaitingForLine, None));
    assert_eq!(waiting.detail.as_deref(), Some("on a call of escalation exec-7c1e4b1a"));
    assert_eq!(world.sim().calls_to(SILENT), 1, "not rung twice at once");
    // Its own next attempt is no other escalation: the line is its own.
    world.sim().advance(10);
    assert!(world.place(SILENT, 1).await.contact_id.is_some());
    // Connect's dialing timeout ends those calls: the line is taken over, and the waiting
    // escalation's ClientToken was never used, so Connect places a new call.
    world.sim().advance(61);
    let rung = call_of(place_call::handle(&world.place_deps(), other).await.unwrap());
    assert!(rung.contact_id.is_some(), "{rung:?}");
    assert_eq!(world.sim().calls_to(SILENT), 3);
}

#[tokio::test]
async fn a_line_held_by_a_call_that_was_never_placed_is_taken_over_after_thirty_seconds() {
    use domain::lines::PhoneLines;
    let world = World::start(script()).await;
    let ledger = world.ledger.clone().unwrap();
    ledger.hold(&number(ACKS), "exec-died", world.sim().now()).await.unwrap();
    let waiting = world.place(ACKS, 0).await;
    assert_eq!(waiting.status, CallStatus::WaitingForLine, "a call may be on its way");
    world.sim().advance(31);
    let rung = world.place(ACKS, 0).await;
    assert!(rung.contact_id.is_some(), "{rung:?}");
    assert_eq!(world.sim().calls_to(ACKS), 1);
}

#[tokio::test]
async fn a_call_that_did_not_start_leaves_the_line_free_and_the_fail_safe_call_never_waits() {
    let world = World::start(script()).await;
    assert_eq!(world.place(REFUSED, 0).await.status, CallStatus::Failed);
    let mut other = request(Some(REFUSED), 0);
    other.escalation_id = "exec-other".into();
    let refused = call_of(place_call::handle(&world.place_deps(), other).await.unwrap());
    assert_eq!(refused.status, CallStatus::Failed, "asked Connect, not kept waiting: {refused:?}");

    // Another escalation's call holds the fallback number's line; the fail-safe call rings it.
    world.place(FALLBACK, 0).await;
    let mut fail_safe = request(None, 0);
    fail_safe.escalation_id = "exec-failed".into();
    fail_safe.alert_input = Some(json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:duty"}));
    let rung = call_of(place_call::handle(&world.place_deps(), fail_safe).await.unwrap());
    assert!(rung.contact_id.is_some(), "{rung:?}");
    assert_eq!(world.sim().calls_to(FALLBACK), 2);
}

#[tokio::test]
async fn a_retried_place_call_never_rings_again_however_the_first_call_ended() {
    for (raw, seconds) in [(BUSY, 5), (VOICEMAIL, 60), (ACKS, 60), (SILENT, 0)] {
        let world = World::start(script()).await;
        let first = world.place(raw, 0).await;
        world.sim().advance(seconds);
        let retried = world.place(raw, 0).await;
        assert_eq!(retried, first, "{raw}: the retry returns the first call");
        assert_eq!(world.sim().calls_to(raw), 1, "{raw}: rung once");
        assert_eq!(
            world.sim().requests_for(Operation::StartOutboundVoiceContact).len(),
            1,
            "{raw}: Connect asked once"
        );
    }
}

#[tokio::test]
async fn a_refusal_is_remembered_so_a_retry_does_not_ask_connect_again() {
    let world = World::start(script()).await;
    let first = world.place(REFUSED, 0).await;
    let retried = world.place(REFUSED, 0).await;
    assert_eq!((retried.status, retried.detail), (CallStatus::Failed, first.detail));
    assert_eq!(world.sim().requests_for(Operation::StartOutboundVoiceContact).len(), 1);
}

#[tokio::test]
async fn the_ledger_server_enforces_the_claim_condition() {
    // moto must refuse the second conditional PutItem, as DynamoDB does, or the ledger proves nothing.
    let ledger = tokio::task::spawn_blocking(fresh_ledger).await.unwrap();
    let now = Utc::now();
    assert_eq!(ledger.claim("token-1", now).await.unwrap(), None);
    assert_eq!(ledger.claim("token-1", now).await.unwrap(), Some(LedgerEntry::Placing));
    let placed = LedgerEntry::Placed { contact_id: "c-1".into(), placed_at: now.with_nanosecond(0).unwrap() };
    ledger.record("token-1", &placed, now).await.unwrap();
    assert_eq!(ledger.claim("token-1", now).await.unwrap(), Some(placed));
    assert_eq!(ledger.claim("token-2", now).await.unwrap(), None);
}

#[tokio::test]
async fn an_unreachable_ledger_never_stops_a_call() {
    let mut world = World::start(script()).await;
    // A ledger whose server is not there: every request fails at once.
    let client = {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
        aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("ap-northeast-1"))
                .credentials_provider(Credentials::new("AKID", "secret", None, None, "test"))
                .endpoint_url("http://127.0.0.1:9")
                .build(),
        )
    };
    world.ledger = Some(DynamoLedger::new(client, "missing"));
    let record = world.place(ACKS, 0).await;
    assert_eq!(record.status, CallStatus::Placed);
    assert_eq!(world.sim().calls_to(ACKS), 1);
}

#[tokio::test]
async fn throttled_requests_are_retried_and_then_succeed() {
    let world = World::start(script().with(ACKS, Callee::acknowledges_after(5).throttled_for(2))).await;
    let record = world.place(ACKS, 0).await;

    assert_eq!(record.status, CallStatus::Placed);
    let statuses: Vec<u16> =
        world.sim().requests_for(Operation::StartOutboundVoiceContact).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    assert_eq!(world.sim().calls_to(ACKS), 1);
}

#[tokio::test]
async fn throttling_past_the_sdk_retries_is_connect_throttled_and_the_workflow_retry_rings_once() {
    let world = World::start(script().with(ACKS, Callee::acknowledges_after(5).throttled_for(4))).await;
    let err = place_call::handle(&world.place_deps(), request(Some(ACKS), 0)).await.unwrap_err();
    assert_eq!(err.error_type(), "ConnectThrottled");
    assert_eq!(world.sim().calls_to(ACKS), 0);

    // The state machine's Retry runs the task again with the same input.
    let record = world.place(ACKS, 0).await;
    assert_eq!(record.status, CallStatus::Placed);
    assert_eq!(world.sim().calls_to(ACKS), 1);
    let tokens: Vec<Value> = world
        .sim()
        .requests_for(Operation::StartOutboundVoiceContact)
        .into_iter()
        .map(|r| r.body["ClientToken"].clone())
        .collect();
    assert!(tokens.len() == 5 && tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
}

#[tokio::test]
async fn a_refused_destination_is_a_failed_call_and_the_escalation_goes_on() {
    let world = World::start(script()).await;
    for (raw, code) in [(REFUSED, "DestinationNotAllowedException"), (INVALID, "InvalidParameterException")] {
        let record = world.place(raw, 0).await;
        assert_eq!((record.status, record.contact_id.as_deref()), (CallStatus::Failed, None), "{raw}");
        let detail = record.detail.unwrap();
        assert!(detail.contains(code), "{detail}");
        // Connect's message names the number; only the masked form is kept.
        assert!(detail.contains(number(raw).masked().as_str()) && !detail.contains(&raw[1..]), "{detail}");
    }
}

#[tokio::test]
async fn a_connect_outage_is_connect_unavailable() {
    let world = World::start(script()).await;
    world.sim().inject_faults(3, Fault::Internal);
    let err = place_call::handle(&world.place_deps(), request(Some(ACKS), 0)).await.unwrap_err();
    assert_eq!(err.error_type(), "ConnectUnavailable");
    assert_eq!(world.sim().calls_to(ACKS), 0);
}

#[tokio::test]
async fn a_dry_run_sends_no_request_and_no_number_means_the_fallback() {
    let world = World::start(script()).await;
    let dry = call_of(
        place_call::handle(&world.place_deps(), PlaceCallRequest { dry_run: true, ..request(Some(ACKS), 0) })
            .await
            .unwrap(),
    );
    assert_eq!(dry.status, CallStatus::DryRun);
    assert!(world.sim().requests().is_empty());

    let fallback = call_of(place_call::handle(&world.place_deps(), request(None, 0)).await.unwrap());
    assert_eq!(fallback.phone_number.as_str(), FALLBACK);
    assert_eq!(world.sim().requests()[0].body["DestinationPhoneNumber"], FALLBACK);
}

// ---- check-contact -----------------------------------------------------------------------

#[tokio::test]
async fn check_contact_reads_every_scripted_behaviour_as_its_status() {
    let world = World::start(script()).await;
    let mut calls = Vec::new();
    for raw in [ACKS, VOICEMAIL, BUSY, SILENT, RINGS_OUT, BROKEN] {
        calls.push(world.place(raw, 0).await);
    }
    let placed_at = world.sim().now();

    let now = world.check(calls.clone()).await;
    for raw in [ACKS, VOICEMAIL, BUSY, SILENT, RINGS_OUT, BROKEN] {
        assert_eq!(world.status_of(&now, raw), CallStatus::Ringing, "{raw} at 0 s");
    }

    world.sim().advance(4);
    let at_4 = world.check(calls.clone()).await;
    assert_eq!(world.status_of(&at_4, ACKS), CallStatus::InProgress, "answered, key not yet pressed");
    assert_eq!(world.status_of(&at_4, VOICEMAIL), CallStatus::InProgress);
    assert_eq!(world.status_of(&at_4, BUSY), CallStatus::Busy);
    assert_eq!(world.status_of(&at_4, SILENT), CallStatus::Ringing);
    let broken = at_4.iter().find(|c| c.phone_number.as_str() == BROKEN).unwrap();
    assert_eq!((broken.status, broken.detail.as_deref()), (CallStatus::Failed, Some("TELECOM_PROBLEM")));

    world.sim().advance(21);
    let at_25 = world.check(at_4).await;
    assert_eq!(world.status_of(&at_25, ACKS), CallStatus::Acknowledged);
    assert_eq!(world.status_of(&at_25, VOICEMAIL), CallStatus::AnsweredWithoutKey);
    assert_eq!(world.status_of(&at_25, RINGS_OUT), CallStatus::NoAnswer);
    assert_eq!(world.status_of(&at_25, SILENT), CallStatus::Ringing);
    let voicemail = at_25.iter().find(|c| c.phone_number.as_str() == VOICEMAIL).unwrap();
    assert_eq!(voicemail.ended_at, Some(placed_at + chrono::Duration::seconds(13)));
    assert_eq!(voicemail.checked_at, Some(world.sim().now()));
}

#[tokio::test]
async fn calls_already_final_or_never_placed_are_returned_unchanged_without_asking_connect() {
    let world = World::start(script()).await;
    let refused = world.place(REFUSED, 0).await;
    let mut busy = world.place(BUSY, 0).await;
    busy.status = CallStatus::Busy;
    world.sim().advance(30);
    let before = world.sim().requests().len();

    let checked = world.check(vec![refused.clone(), busy.clone()]).await;
    assert_eq!(checked, vec![refused, busy]);
    assert_eq!(world.sim().requests().len(), before);
}

#[tokio::test]
async fn a_contact_connect_does_not_know_is_failed_with_the_reason() {
    let world = World::start(script()).await;
    let mut ghost = world.place(SILENT, 0).await;
    ghost.contact_id = Some("00000000-0000-0000-0000-000000000000".into());
    // Inside the grace period an unknown contact may just not be visible yet; past it, it is gone.
    world.sim().advance(u64::try_from(domain::escalation::call_state::CONTACT_VISIBILITY_GRACE_SECONDS).unwrap());
    let checked = world.check(vec![ghost]).await;
    assert_eq!(checked[0].status, CallStatus::Failed);
    assert!(checked[0].detail.as_deref().unwrap().contains("ResourceNotFoundException"), "{:?}", checked[0].detail);
}

#[tokio::test]
async fn a_contact_not_yet_visible_is_still_ringing_and_its_key_press_counts() {
    let world = World::start(script().with(ACKS, Callee::acknowledges_after(20).invisible_for(12))).await;
    let placed = world.place(ACKS, 0).await;
    world.sim().advance(10);
    let early = world.check(vec![placed]).await;
    assert_eq!(early[0].status, CallStatus::Ringing, "{:?}", early[0].detail);
    world.sim().advance(15);
    let later = world.check(early).await;
    assert_eq!(later[0].status, CallStatus::Acknowledged);
    assert!(later[0].answered_at.is_some());
}

#[tokio::test]
async fn a_contact_still_invisible_after_the_grace_period_is_failed() {
    let grace = u64::try_from(domain::escalation::call_state::CONTACT_VISIBILITY_GRACE_SECONDS).unwrap();
    let world = World::start(script().with(SILENT, Callee::never_answers().invisible_for(grace + 60))).await;
    let placed = world.place(SILENT, 0).await;
    world.sim().advance(grace);
    let checked = world.check(vec![placed]).await;
    assert_eq!(checked[0].status, CallStatus::Failed);
}

#[tokio::test]
async fn a_throttled_check_is_retried_or_reported_as_connect_throttled() {
    let world = World::start(script()).await;
    let call = world.place(BUSY, 0).await;
    world.sim().advance(2);
    world.sim().inject_faults(2, Fault::Throttling);
    assert_eq!(world.check(vec![call.clone()]).await[0].status, CallStatus::Busy);

    world.sim().inject_faults(3, Fault::Throttling);
    let err = check_contact::handle(
        &world.check_deps("acknowledged"),
        CheckCallsRequest { escalation_id: None, calls: vec![call] },
    )
    .await
    .unwrap_err();
    assert_eq!(err.error_type(), "ConnectThrottled");
}

#[tokio::test]
async fn voicemail_is_not_an_acknowledgement_but_the_legacy_is_talking_rule_cannot_tell() {
    let world = World::start(script()).await;
    world.sim().set_flow(Flow::Legacy);
    let call = world.place(VOICEMAIL, 0).await;
    world.sim().advance(20);

    // The original flow sets isTalking=true on answer: voicemail answers, so it "acknowledges".
    let legacy = check_contact::handle(
        &world.check_deps("isTalking"),
        CheckCallsRequest { escalation_id: None, calls: vec![call.clone()] },
    )
    .await
    .unwrap();
    assert_eq!(legacy[0].status, CallStatus::Acknowledged);
    // With the shipped rule the same call is what it is: answered, no key.
    assert_eq!(world.check(vec![call]).await[0].status, CallStatus::AnsweredWithoutKey);
}

// ---- next-target -------------------------------------------------------------------------

#[tokio::test]
async fn waits_while_calls_ring_inside_the_interval_and_stops_nothing() {
    let world = World::start(script()).await;
    let mut state = escalation(world.sim().now(), vec![planned(0, "group1", &[SILENT]), planned(1, "group2", &[ACKS])]);
    state.calls = vec![world.place(SILENT, 0).await];
    world.sim().advance(10);
    state.calls = world.check(state.calls).await;

    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::Wait);
    assert_eq!(next.current.wait_seconds, 10);
    assert!(world.sim().requests_for(Operation::StopContact).is_empty());
}

#[tokio::test]
async fn moving_to_the_next_attempt_stops_the_calls_still_ringing() {
    let world = World::start(script()).await;
    let mut state =
        escalation(world.sim().now(), vec![planned(0, "group1", &[BUSY, SILENT]), planned(1, "group2", &[ACKS])]);
    state.calls = vec![world.place(BUSY, 0).await, world.place(SILENT, 0).await];
    let silent_id = state.calls[1].contact_id.clone().unwrap();
    // An interval shorter than Connect's 60 s dialing timeout, which would end the call itself.
    state.timing.check_interval_seconds = 30;
    world.sim().advance(31);
    state.calls = world.check(state.calls).await;

    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::NextAttempt);
    assert_eq!(next.current.phone_numbers, vec![number(ACKS)]);
    let stops = world.sim().requests_for(Operation::StopContact);
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].body["ContactId"], silent_id.as_str());
    assert!(world.sim().contact(&silent_id).unwrap().stopped);
    let finished = &next.history[0];
    assert_eq!(world.status_of(&finished.calls, SILENT), CallStatus::Stopped);
    assert_eq!(world.status_of(&finished.calls, BUSY), CallStatus::Busy);
}

#[tokio::test]
async fn one_poll_reads_the_calls_and_decides_and_next_target_hangs_up_what_it_left_ringing() {
    let world = World::start(script()).await;
    let mut state =
        escalation(world.sim().now(), vec![planned(0, "group1", &[BUSY, SILENT]), planned(1, "group2", &[ACKS])]);
    state.timing.check_interval_seconds = 30;
    state.calls = vec![world.place(BUSY, 0).await, world.place(SILENT, 0).await];
    let silent_id = state.calls[1].contact_id.clone().unwrap();

    // Inside the interval the poll waits, and hangs up nothing.
    world.sim().advance(15);
    let waiting = check_contact::poll(&world.check_deps("acknowledged"), state).await.unwrap();
    assert_eq!(action(&waiting), Action::Wait);
    assert_eq!(world.status_of(&waiting.calls, BUSY), CallStatus::Busy, "the calls are read in the same step");
    assert!(waiting.hang_up.is_empty());

    // Past it the same step moves on and lists the call still ringing, without stopping it ...
    world.sim().advance(16);
    let over = check_contact::poll(&world.check_deps("acknowledged"), waiting).await.unwrap();
    assert_eq!(action(&over), Action::NextAttempt);
    assert_eq!(over.current.phone_numbers, vec![number(ACKS)]);
    assert_eq!(over.hang_up, vec![silent_id.clone()]);
    assert!(world.sim().requests_for(Operation::StopContact).is_empty(), "check-contact never stops a call");

    // ... which next-target hangs up, keeping the decision and recording what became of it.
    let next = next_target::handle(&world.next_deps(), over).await.unwrap();
    assert_eq!(action(&next), Action::NextAttempt);
    assert!(next.hang_up.is_empty());
    let stops = world.sim().requests_for(Operation::StopContact);
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].body["ContactId"], silent_id.as_str());
    assert_eq!(world.status_of(&next.history[0].calls, SILENT), CallStatus::Stopped);
}

#[tokio::test]
async fn an_acknowledgement_ends_the_escalation_and_stops_the_rest_of_the_group() {
    let world = World::start(script()).await;
    let mut state =
        escalation(world.sim().now(), vec![planned(0, "group1", &[ACKS, SILENT]), planned(1, "group2", &[BUSY])]);
    state.calls = vec![world.place(ACKS, 0).await, world.place(SILENT, 0).await];
    world.sim().advance(6);
    state.calls = world.check(state.calls).await;

    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::Acknowledged);
    let outcome = next.outcome.as_ref().unwrap();
    assert_eq!(outcome.acknowledged_by, Some(number(ACKS).masked()));
    assert_eq!(outcome.seconds_to_acknowledge, Some(6));
    assert_eq!(world.sim().requests_for(Operation::StopContact).len(), 1);
    assert_eq!(world.status_of(&next.history[0].calls, SILENT), CallStatus::Stopped);
    assert!(world.sim().contacts().iter().all(|c| c.destination != SILENT || c.stopped));
}

#[tokio::test]
async fn an_acknowledgement_stays_an_acknowledgement_when_the_others_cannot_be_stopped() {
    let world = World::start(script().with(SILENT, Callee::never_answers().stop_throttled())).await;
    let mut state = escalation(world.sim().now(), vec![planned(0, "group1", &[ACKS, SILENT])]);
    state.calls = vec![world.place(ACKS, 0).await, world.place(SILENT, 0).await];
    world.sim().advance(6);
    state.calls = world.check(state.calls).await;
    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::Acknowledged);
    assert_eq!(next.outcome.as_ref().unwrap().status, OutcomeStatus::Acknowledged);
    let silent = next.history[0].calls.iter().find(|c| c.phone_number.as_str() == SILENT).unwrap();
    assert!(silent.detail.as_deref().unwrap().contains("could not be stopped"), "{:?}", silent.detail);
    assert!(next.outcome.unwrap().problems.iter().any(|p| p.message.contains("could not be stopped")));
}

#[tokio::test]
async fn a_call_that_ended_before_it_could_be_stopped_is_fine() {
    let world = World::start(script()).await;
    let mut state = escalation(world.sim().now(), vec![planned(0, "group1", &[RINGS_OUT])]);
    state.calls = world.check(vec![world.place(RINGS_OUT, 0).await]).await;
    assert_eq!(state.calls[0].status, CallStatus::Ringing);
    // It rings out at 20 s, but the next look is only after the interval.
    world.sim().advance(70);

    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::Exhausted);
    let stops = world.sim().requests_for(Operation::StopContact);
    assert_eq!(
        (stops.len(), stops[0].status, stops[0].error_type.as_deref()),
        (1, 410, Some("ContactNotFoundException"))
    );
    assert_eq!(next.history[0].calls[0].status, CallStatus::Stopped);
    assert_eq!(next.outcome.unwrap().status, OutcomeStatus::NobodyAcknowledged);
}

/// The state machine's loop, played by hand: ring the current attempt (Map over place-call),
/// Wait `current.waitSeconds`, check-contact, next-target, until the escalation ends.
async fn run_escalation(world: &World, mut state: EscalationState) -> EscalationState {
    for _ in 0..100 {
        if state.calls.is_empty() {
            for raw in state.current.phone_numbers.clone() {
                let request = PlaceCallRequest {
                    escalation_id: state.escalation_id.clone(),
                    attempt: state.current.index,
                    phone_number: Some(raw),
                    message: state.message.clone(),
                    dry_run: state.dry_run,
                    alert_input: None,
                    speech: Some(state.speech.clone()),
                };
                state.calls.push(call_of(place_call::handle(&world.place_deps(), request).await.unwrap()));
            }
        }
        world.sim().advance(u64::from(state.current.wait_seconds));
        state.calls = world.check(state.calls).await;
        state = next_target::handle(&world.next_deps(), state).await.unwrap();
        if matches!(action(&state), Action::Acknowledged | Action::Exhausted) {
            return state;
        }
    }
    panic!("the escalation never ended");
}

#[tokio::test]
async fn an_escalation_moves_past_voicemail_and_busy_to_the_group_that_presses_the_key() {
    let world = World::start(script().with(ACKS, Callee::acknowledges_after(8))).await;
    let attempts = vec![
        planned(0, "group1", &[VOICEMAIL, BUSY]),
        planned(1, "group2", &[ACKS, SILENT]),
        planned(2, "group1", &[VOICEMAIL, BUSY]),
    ];
    let done = run_escalation(&world, escalation(world.sim().now(), attempts)).await;

    let outcome = done.outcome.unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Acknowledged);
    assert_eq!(outcome.acknowledged_group.as_deref(), Some("group2"));
    assert_eq!((outcome.attempts_made, outcome.calls_placed), (2, 4));
    let first = &done.history[0];
    assert_eq!(world.status_of(&first.calls, VOICEMAIL), CallStatus::AnsweredWithoutKey);
    assert!(first.ended_because.contains("every call ended"), "{}", first.ended_because);
    assert_eq!(world.status_of(&done.history[1].calls, SILENT), CallStatus::Stopped);
    // Voicemail ends at 13 s, so attempt 2 started long before the 60 s interval.
    assert!(outcome.seconds_to_acknowledge.unwrap() < 40, "{outcome:?}");
    assert_eq!(world.sim().calls_to(VOICEMAIL), 1);
}

#[tokio::test]
async fn an_escalation_nobody_answers_is_exhausted_after_every_attempt() {
    let world = World::start(script()).await;
    let attempts = vec![planned(0, "group1", &[SILENT]), planned(1, "group2", &[RINGS_OUT, BROKEN])];
    let done = run_escalation(&world, escalation(world.sim().now(), attempts)).await;
    let outcome = done.outcome.unwrap();
    assert_eq!(outcome.status, OutcomeStatus::NobodyAcknowledged);
    assert_eq!((outcome.attempts_made, outcome.calls_placed), (2, 3));
    assert!(world.sim().contacts().iter().all(|c| !c.is_live()), "nothing is left ringing");
}

// ---- sample events -----------------------------------------------------------------------

fn sample<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = lambda_connect_tests::sample(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[tokio::test]
async fn the_sample_events_are_valid_inputs_of_the_three_functions() {
    let world = World::start(Script::default()).await;

    let place: PlaceCallRequest = sample("place-call.json");
    let record = call_of(place_call::handle(&world.place_deps(), place).await.unwrap());
    assert_eq!(record.status, CallStatus::DryRun, "the sample must be safe to invoke");

    let check: CheckCallsRequest = sample("check-contact.json");
    assert_eq!(check_contact::handle(&world.check_deps("acknowledged"), check).await.unwrap().len(), 2);

    let state: EscalationState = sample("next-target.json");
    let next = next_target::handle(&world.next_deps(), state).await.unwrap();
    assert_eq!(action(&next), Action::Acknowledged);
}

// ---- the standalone binary ---------------------------------------------------------------

/// One HTTP/1.1 request to the control endpoints, without pulling in an HTTP client.
fn control(addr: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let payload = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

/// The `connect-sim` process, killed when the test ends however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_connect_sim_binary_serves_a_script_file_with_a_manual_clock() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("script.json");
    std::fs::write(&script_path, r#"{"+819012341001": {"behaviour": "acknowledges", "afterSeconds": 5}}"#).unwrap();
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_connect-sim"))
            .args(["--port", "0", "--clock", "manual", "--script"])
            .arg(&script_path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut banner = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut banner).unwrap();
    let url = banner.trim().rsplit(' ').next().unwrap().to_owned();
    let addr = url.trim_start_matches("http://").to_owned();

    let connect = AwsConnect::new(sdk_client(&url), INSTANCE);
    let deps = place_call::Deps::<_, DynamoLedger, _> {
        connect: connect.clone(),
        ledger: None,
        config: ConnectConfig {
            instance_id: INSTANCE.into(),
            contact_flow_id: FLOW.into(),
            source_phone_number: number(SOURCE),
            prompt: domain::config::DEFAULT_PROMPT.into(),
        },
        fallback: number(FALLBACK),
        rate: CallRate::default(),
        clock: domain::clock::SystemClock,
    };
    let call = call_of(place_call::handle(&deps, request(Some(ACKS), 0)).await.unwrap());

    assert_eq!(control(&addr, "POST", "/_sim/advance?seconds=6", "").0, 200);
    let check = check_contact::Deps {
        connect,
        ack: AckRule { attribute: "acknowledged".into() },
        clock: domain::clock::SystemClock,
        incidents: None::<DynamoIncidents>,
    };
    let checked =
        check_contact::handle(&check, CheckCallsRequest { escalation_id: None, calls: vec![call] }).await.unwrap();
    assert_eq!(checked[0].status, CallStatus::Acknowledged);

    let (status, requests) = control(&addr, "GET", "/_sim/requests", "");
    assert_eq!(status, 200);
    let operations: Vec<&str> = requests.as_array().unwrap().iter().map(|r| r["operation"].as_str().unwrap()).collect();
    assert_eq!(operations, ["StartOutboundVoiceContact", "DescribeContact", "GetContactAttributes"]);

    let (status, _) = control(&addr, "POST", "/_sim/script", r#"{"+81xx": {"behaviour": "busy"}}"#);
    assert_eq!(status, 400, "a script with a bad number is refused");
    assert_eq!(control(&addr, "GET", &format!("/contacts/{INSTANCE}/x"), "").0, 403, "unsigned");
}

#[test]
fn the_shipped_contact_flow_speaks_the_attribute_place_call_sets_and_sets_the_one_check_contact_reads() {
    let path = lambda_connect_tests::workspace_root().join("infra").join("contact-flow.json");
    let flow = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let spoken = format!("$.Attributes.{}", domain::calls::ATTRIBUTE_MESSAGE);
    assert!(flow.contains(&spoken), "the flow must speak {spoken}");
    let ack: Value = serde_json::from_str(&flow).unwrap();
    let sets_ack = ack["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|action| action["Parameters"]["Attributes"][DEFAULT_ACK_ATTRIBUTE] == "true");
    assert!(sets_ack, "the flow must set {}=true", DEFAULT_ACK_ATTRIBUTE);
}
