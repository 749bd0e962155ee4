//! place-call: rings one number of the current attempt through Amazon Connect.
//!
//! What to do is the escalation engine's ([`domain::escalation::placement`]): ring the
//! number (or the fallback number when the request names none) once, or nobody in a dry run.
//! This handler carries it out: it claims the call's ClientToken in the call ledger, so a
//! retried task whose first run placed the call returns that call instead of ringing the
//! person again, asks Connect, and records the answer. Throttling and outages are errors the
//! workflow retries with backoff. Before asking Connect it takes a token from the deployment's
//! call-start budget ([`domain::budget`], `CALL_START_RATE_PER_SECOND`, `CALL_START_BURST`),
//! waiting up to [`BUDGET_WAIT_LIMIT`] for one, then handing the wait to the workflow's retry
//! as `ConnectThrottled`. It also holds the number's line ([`domain::lines`]): a number on a
//! live call of another escalation is not rung twice at once; its record says it is waiting for
//! the line, and the workflow asks again at the next poll. Without a number (the workflow's
//! fail-safe path) a masked failure report is returned with the call, for the workflow to
//! publish; that call rings whatever else is ringing.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use std::time::Duration;

use domain::budget::{CallRate, CallStartBudget};
use domain::calls::{CallStarter, ConnectError};
use domain::clock::Clock;
use domain::config::ConnectConfig;
use domain::errors::{CONNECT_FAILED, CONNECT_THROTTLED, CONNECT_UNAVAILABLE};
use domain::escalation::placement::{Placement, Ring, placement};
use domain::ledger::{CallLedger, LedgerEntry};
use domain::lines::{Line, PhoneLines, UNPLACED_HOLD};
use domain::payload::{CallRecord, PlaceCallRequest};
use domain::phone::PhoneNumber;
use domain::report::{FailSafeCall, FailedRun, FailureReport};
use lambda_runtime::Diagnostic;
use serde::Serialize;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, L, K> {
    pub connect: C,
    /// The call ledger (`CALL_LEDGER_TABLE`); `None` leaves Connect's ClientToken as the only guard.
    pub ledger: Option<L>,
    pub config: ConnectConfig,
    /// `CONNECT_EXTRA_DESTINATION_PHONE_NUMBER`, rung when the request names nobody.
    pub fallback: PhoneNumber,
    /// How fast calls may start, for the whole deployment (the budget lives in the ledger's table).
    pub rate: CallRate,
    pub clock: K,
}

/// The longest place-call waits for a token of the call-start budget; past it, the workflow's
/// retry (with backoff and jitter) waits instead.
pub const BUDGET_WAIT_LIMIT: Duration = Duration::from_secs(3);

/// Why no call could be recorded. The ASL's Retry/Catch name the `error_type`s.
#[derive(Debug, thiserror::Error)]
pub enum PlaceCallError {
    #[error("calling {number}: {source}")]
    Throttled { number: PhoneNumber, source: ConnectError },
    #[error("calling {number}: {source}")]
    Unavailable { number: PhoneNumber, source: ConnectError },
    #[error("calling {number}: {source}")]
    Connect { number: PhoneNumber, source: ConnectError },
    #[error(
        "calling {number}: the deployment's call-start budget (CALL_START_RATE_PER_SECOND, CALL_START_BURST) is spent; the workflow retries"
    )]
    BudgetSpent { number: PhoneNumber },
}

impl PlaceCallError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Throttled { .. } | Self::BudgetSpent { .. } => CONNECT_THROTTLED,
            Self::Unavailable { .. } => CONNECT_UNAVAILABLE,
            Self::Connect { .. } => CONNECT_FAILED,
        }
    }
}

impl From<PlaceCallError> for Diagnostic {
    fn from(err: PlaceCallError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// One call of an attempt, or the fail-safe call with its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PlaceCallOutput {
    Call(CallRecord),
    FailSafe(Box<FailSafeCall>),
}

/// Starts one call, or records why it could not be placed.
#[tracing::instrument(skip_all, fields(escalation_id = %request.escalation_id, attempt = request.attempt))]
pub async fn handle<C: CallStarter, L: CallLedger + CallStartBudget + PhoneLines, K: Clock>(
    deps: &Deps<C, L, K>,
    request: PlaceCallRequest,
) -> Result<PlaceCallOutput, PlaceCallError> {
    // Boxed: the line's and the ledger's futures nest the SDK's deeply enough to pass the
    // compiler's layout query limit; one allocation per call is nothing next to Connect's.
    let record = Box::pin(place(deps, &request)).await?;
    let Some(input) = &request.alert_input else {
        return Ok(PlaceCallOutput::Call(record));
    };
    let report = FailureReport::new(&request.escalation_id, &FailedRun::read(input), &record);
    warn!(summary = %report.summary, "escalation failed; fail-safe call made");
    Ok(PlaceCallOutput::FailSafe(Box::new(FailSafeCall { call: record, report })))
}

async fn place<C: CallStarter, L: CallLedger + CallStartBudget + PhoneLines, K: Clock>(
    deps: &Deps<C, L, K>,
    request: &PlaceCallRequest,
) -> Result<CallRecord, PlaceCallError> {
    let now = deps.clock.now();
    let ring = match placement(request, &deps.fallback, &deps.config, now) {
        Placement::DryRun(record) => {
            info!(number = %record.phone_number, "dry run: call not placed");
            return Ok(record);
        }
        Placement::Ring(ring) => ring,
    };
    // The fail-safe call rings whatever else is ringing.
    if request.alert_input.is_some() {
        return ring_once(deps, ring, now).await;
    }
    if let Some(waiting) = line_taken(deps, &ring, &request.escalation_id, now).await {
        return Ok(waiting);
    }
    let number = ring.call.destination.clone();
    let placed = ring_once(deps, ring, now).await;
    // The line is the call's while it is live; a call that did not start leaves it free.
    let line = match placed.as_ref().map(|record| &record.contact_id) {
        Ok(Some(contact_id)) => deps.ledger.record_call(&number, &request.escalation_id, contact_id.as_str()).await,
        _ => deps.ledger.release(&number, &request.escalation_id, now).await,
    };
    if let Err(err) = line {
        warn!(number = %number, error = %err, "the number's line could not be updated");
    }
    placed
}

/// Rings `ring` once: claims its ClientToken in the ledger (an earlier try's call is returned,
/// not rung again), takes a call-start token, asks Connect, and records the answer.
async fn ring_once<C: CallStarter, L: CallLedger + CallStartBudget, K: Clock>(
    deps: &Deps<C, L, K>,
    ring: Ring,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CallRecord, PlaceCallError> {
    let number = ring.call.destination.clone();
    match deps.ledger.claim(ring.token(), now).await {
        Ok(None) => {}
        Ok(Some(entry)) => match ring.earlier(entry) {
            Some(record) => {
                match &record.contact_id {
                    Some(contact_id) => {
                        info!(number = %number, contact_id = %contact_id, "already placed by an earlier try; not rung again");
                    }
                    None => info!(number = %number, "already refused by Connect on an earlier try"),
                }
                return Ok(record);
            }
            // An earlier try claimed the call and recorded no result: it died, or Connect failed
            // in a way worth retrying. The same token makes Connect return a live contact.
            None => warn!(number = %number, "an earlier try left no result; placing with the same ClientToken"),
        },
        Err(err) => warn!(number = %number, error = %err, "placing the call without the ledger"),
    }

    let token = ring.token().to_owned();
    let (record, entry) = start(deps, ring, &number).await?;
    match &entry {
        LedgerEntry::Placed { contact_id, .. } => info!(number = %number, contact_id = %contact_id, "call placed"),
        LedgerEntry::Refused { detail, .. } => {
            warn!(number = %number, error = %detail, "Connect refused the number; the escalation goes on");
        }
        LedgerEntry::Placing => {}
    }
    if let Err(err) = deps.ledger.record(&token, &entry, now).await {
        warn!(number = %number, error = %err, "the call could not be recorded; a retry may ring again");
    }
    Ok(record)
}

/// Takes a token of the call-start budget, then asks Connect: the call as recorded, and what
/// the ledger keeps of it.
async fn start<C: CallStarter, L: CallStartBudget, K: Clock>(
    deps: &Deps<C, L, K>,
    ring: Ring,
    number: &PhoneNumber,
) -> Result<(CallRecord, LedgerEntry), PlaceCallError> {
    wait_for_budget(deps, number).await?;
    let answer = deps.connect.start_call(&ring.call).await;
    let number = number.clone();
    match ring.answered(answer) {
        Ok(answered) => Ok(answered),
        Err(source @ ConnectError::Throttled { .. }) => Err(PlaceCallError::Throttled { number, source }),
        Err(source @ ConnectError::Unavailable { .. }) => Err(PlaceCallError::Unavailable { number, source }),
        Err(source) => Err(PlaceCallError::Connect { number, source }),
    }
}

/// Holds the number's line for `escalation_id`: `None` to ring it, or the record of a number
/// waiting for the line another escalation's live call holds. A hold whose call has ended, or
/// that recorded no call within [`UNPLACED_HOLD`], is taken over; a line that cannot be read,
/// or a call whose state cannot be, never stops the call.
async fn line_taken<C: CallStarter, L: PhoneLines, K: Clock>(
    deps: &Deps<C, L, K>,
    ring: &Ring,
    escalation_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<CallRecord> {
    let number = &ring.call.destination;
    let (holder, contact_id, held_at) = match deps.ledger.hold(number, escalation_id, now).await {
        Ok(Line::Held) => return None,
        Ok(Line::Busy { escalation_id, contact_id, held_at }) => (escalation_id, contact_id, held_at),
        Err(err) => {
            warn!(number = %number, error = %err, "ringing without holding the line");
            return None;
        }
    };
    let over = match &contact_id {
        Some(contact_id) => match deps.connect.is_live(contact_id).await {
            Ok(live) => !live,
            Err(err) => {
                warn!(number = %number, error = %err, "cannot tell whether the other call is live; ringing");
                return None;
            }
        },
        None => now - held_at > UNPLACED_HOLD,
    };
    if over {
        match deps.ledger.take_over(number, escalation_id, &holder, held_at, now).await {
            Ok(true) => return None,
            Ok(false) => {}
            Err(err) => {
                warn!(number = %number, error = %err, "ringing without holding the line");
                return None;
            }
        }
    }
    info!(number = %number, holder = %holder, "on a call of another escalation; rung once it ends");
    Some(ring.waiting_for_line(&holder))
}

/// Takes a token of the call-start budget, waiting for one up to [`BUDGET_WAIT_LIMIT`]. A
/// budget that cannot be read or written never stops the call.
async fn wait_for_budget<C, L: CallStartBudget, K: Clock>(
    deps: &Deps<C, L, K>,
    number: &PhoneNumber,
) -> Result<(), PlaceCallError> {
    let mut waited = Duration::ZERO;
    loop {
        match deps.ledger.take(deps.rate, deps.clock.now()).await {
            Ok(None) => return Ok(()),
            Ok(Some(wait)) if waited + wait <= BUDGET_WAIT_LIMIT => {
                info!(number = %number, wait_ms = wait.as_millis(), "waiting for the call-start budget");
                tokio::time::sleep(wait).await;
                waited += wait;
            }
            Ok(Some(_)) => return Err(PlaceCallError::BudgetSpent { number: number.clone() }),
            Err(err) => {
                warn!(number = %number, error = %err, "placing the call without the call-start budget");
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use domain::calls::OutboundCall;
    use domain::clock::FixedClock;
    use domain::ledger::LedgerError;
    use domain::payload::CallStatus;
    use std::sync::Mutex;

    /// Records every call and answers with a scripted result.
    struct FakeConnect {
        calls: Mutex<Vec<OutboundCall>>,
        answer: fn() -> Result<String, ConnectError>,
    }
    impl CallStarter for FakeConnect {
        async fn start_call(&self, call: &OutboundCall) -> Result<String, ConnectError> {
            self.calls.lock().unwrap().push(call.clone());
            (self.answer)()
        }
        async fn is_live(&self, _: &str) -> Result<bool, ConnectError> {
            Ok(true)
        }
    }

    /// An in-memory ledger with the DynamoDB adapter's claim semantics.
    #[derive(Default)]
    struct MemoryLedger(Mutex<std::collections::HashMap<String, LedgerEntry>>);
    impl CallLedger for MemoryLedger {
        async fn claim(&self, token: &str, _: DateTime<Utc>) -> Result<Option<LedgerEntry>, LedgerError> {
            let mut entries = self.0.lock().unwrap();
            Ok(match entries.get(token) {
                Some(entry) => Some(entry.clone()),
                None => {
                    entries.insert(token.to_owned(), LedgerEntry::Placing);
                    None
                }
            })
        }
        async fn record(&self, token: &str, entry: &LedgerEntry, _: DateTime<Utc>) -> Result<(), LedgerError> {
            self.0.lock().unwrap().insert(token.to_owned(), entry.clone());
            Ok(())
        }
    }

    impl CallStartBudget for MemoryLedger {
        async fn take(&self, _: CallRate, _: DateTime<Utc>) -> Result<Option<Duration>, LedgerError> {
            Ok(None)
        }
    }
    impl PhoneLines for MemoryLedger {
        async fn hold(&self, _: &PhoneNumber, _: &str, _: DateTime<Utc>) -> Result<Line, LedgerError> {
            Ok(Line::Held)
        }
        async fn take_over(
            &self,
            _: &PhoneNumber,
            _: &str,
            _: &str,
            _: DateTime<Utc>,
            _: DateTime<Utc>,
        ) -> Result<bool, LedgerError> {
            Ok(true)
        }
        async fn record_call(&self, _: &PhoneNumber, _: &str, _: &str) -> Result<(), LedgerError> {
            Ok(())
        }
        async fn release(&self, _: &PhoneNumber, _: &str, _: DateTime<Utc>) -> Result<(), LedgerError> {
            Ok(())
        }
    }

    /// A ledger whose call-start budget stays spent for longer than place-call waits.
    #[derive(Default)]
    struct SpentBudget(MemoryLedger);
    impl CallLedger for SpentBudget {
        async fn claim(&self, token: &str, now: DateTime<Utc>) -> Result<Option<LedgerEntry>, LedgerError> {
            self.0.claim(token, now).await
        }
        async fn record(&self, token: &str, entry: &LedgerEntry, now: DateTime<Utc>) -> Result<(), LedgerError> {
            self.0.record(token, entry, now).await
        }
    }
    impl PhoneLines for SpentBudget {
        async fn hold(&self, number: &PhoneNumber, me: &str, now: DateTime<Utc>) -> Result<Line, LedgerError> {
            self.0.hold(number, me, now).await
        }
        async fn take_over(
            &self,
            number: &PhoneNumber,
            me: &str,
            holder: &str,
            held_at: DateTime<Utc>,
            now: DateTime<Utc>,
        ) -> Result<bool, LedgerError> {
            self.0.take_over(number, me, holder, held_at, now).await
        }
        async fn record_call(&self, number: &PhoneNumber, me: &str, contact: &str) -> Result<(), LedgerError> {
            self.0.record_call(number, me, contact).await
        }
        async fn release(&self, number: &PhoneNumber, me: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
            self.0.release(number, me, now).await
        }
    }
    impl CallStartBudget for SpentBudget {
        async fn take(&self, _: CallRate, _: DateTime<Utc>) -> Result<Option<Duration>, LedgerError> {
            Ok(Some(BUDGET_WAIT_LIMIT + Duration::from_secs(1)))
        }
    }

    struct BrokenLedger;
    impl PhoneLines for BrokenLedger {
        async fn hold(&self, _: &PhoneNumber, _: &str, _: DateTime<Utc>) -> Result<Line, LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
        async fn take_over(
            &self,
            _: &PhoneNumber,
            _: &str,
            _: &str,
            _: DateTime<Utc>,
            _: DateTime<Utc>,
        ) -> Result<bool, LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
        async fn record_call(&self, _: &PhoneNumber, _: &str, _: &str) -> Result<(), LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
        async fn release(&self, _: &PhoneNumber, _: &str, _: DateTime<Utc>) -> Result<(), LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
    }
    impl CallStartBudget for BrokenLedger {
        async fn take(&self, _: CallRate, _: DateTime<Utc>) -> Result<Option<Duration>, LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
    }
    impl CallLedger for BrokenLedger {
        async fn claim(&self, _: &str, _: DateTime<Utc>) -> Result<Option<LedgerEntry>, LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
        async fn record(&self, _: &str, _: &LedgerEntry, _: DateTime<Utc>) -> Result<(), LedgerError> {
            Err(LedgerError { message: "throttled".into() })
        }
    }

    fn deps(answer: fn() -> Result<String, ConnectError>) -> Deps<FakeConnect, MemoryLedger, FixedClock> {
        with_ledger(answer, MemoryLedger::default())
    }

    fn with_ledger<L: CallLedger + CallStartBudget + PhoneLines>(
        answer: fn() -> Result<String, ConnectError>,
        ledger: L,
    ) -> Deps<FakeConnect, L, FixedClock> {
        Deps {
            ledger: Some(ledger),
            connect: FakeConnect { calls: Mutex::default(), answer },
            config: ConnectConfig {
                instance_id: "instance".into(),
                contact_flow_id: "flow".into(),
                source_phone_number: PhoneNumber::parse("+81300000000").unwrap(),
                prompt: domain::config::DEFAULT_PROMPT.into(),
            },
            fallback: PhoneNumber::parse("+819099990000").unwrap(),
            rate: CallRate::default(),
            clock: FixedClock(Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap()),
        }
    }

    fn request(number: Option<&str>) -> PlaceCallRequest {
        PlaceCallRequest {
            escalation_id: "exec-1".into(),
            attempt: 1,
            phone_number: number.map(|n| PhoneNumber::parse(n).unwrap()),
            message: "Disk full".into(),
            dry_run: false,
            alert_input: None,
            speech: None,
        }
    }

    fn call(output: PlaceCallOutput) -> CallRecord {
        match output {
            PlaceCallOutput::Call(record) => record,
            PlaceCallOutput::FailSafe(fail_safe) => panic!("expected a call, got a fail-safe call: {fail_safe:?}"),
        }
    }

    fn fail_safe(output: PlaceCallOutput) -> FailSafeCall {
        match output {
            PlaceCallOutput::FailSafe(fail_safe) => *fail_safe,
            PlaceCallOutput::Call(record) => panic!("expected a fail-safe call, got {record:?}"),
        }
    }

    #[tokio::test]
    async fn without_a_number_the_fallback_is_rung() {
        let deps = deps(|| Ok("c-1".into()));
        let record = call(handle(&deps, request(None)).await.unwrap());
        assert_eq!(record.phone_number.as_str(), "+819099990000");
        assert_eq!(deps.connect.calls.lock().unwrap()[0].destination.as_str(), "+819099990000");
    }

    #[tokio::test]
    async fn a_dry_run_sends_nothing_to_connect() {
        let deps = deps(|| Ok("c-1".into()));
        let output = handle(&deps, PlaceCallRequest { dry_run: true, ..request(Some("+819012345678")) }).await;
        let record = call(output.unwrap());
        assert_eq!((record.status, record.contact_id), (CallStatus::DryRun, None));
        assert!(deps.connect.calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_fail_safe_call_of_a_dry_run_rings_nobody() {
        // The plan could not be made, so the workflow passes the execution input: an SQS
        // record whose SNS envelope asks for a dry run.
        let envelope = serde_json::json!({
            "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic",
            "MessageAttributes": {"dryRun": {"Type": "String", "Value": "true"}}
        });
        let input = serde_json::json!({"input": {"messageId": "m-1", "body": envelope.to_string()}});
        let deps = deps(|| Ok("c-1".into()));
        let output =
            fail_safe(handle(&deps, PlaceCallRequest { alert_input: Some(input), ..request(None) }).await.unwrap());
        assert_eq!(output.call.status, CallStatus::DryRun);
        assert!(output.report.summary.contains("dry run"), "{}", output.report.summary);
        assert!(deps.connect.calls.lock().unwrap().is_empty());

        let real = serde_json::json!({"input": {"messageId": "m-2", "body": "disk full"}});
        let output =
            fail_safe(handle(&deps, PlaceCallRequest { alert_input: Some(real), ..request(None) }).await.unwrap());
        assert_eq!(output.call.contact_id.as_deref(), Some("c-1"), "a real alert's fail-safe call is placed");
    }

    #[tokio::test]
    async fn the_fail_safe_call_returns_a_report_with_masked_numbers_only() {
        let input = serde_json::json!({
            "input": {"message": "disk full on +819011112222"},
            "failure": {"Error": "ConnectFailed", "Cause": "calling +8190****5678: AccessDenied"}
        });
        let deps = deps(|| Ok("c-1".into()));
        let output = handle(&deps, PlaceCallRequest { alert_input: Some(input), ..request(None) }).await.unwrap();
        let text = serde_json::to_string(&fail_safe(output).report).unwrap();
        assert!(!text.contains("9011112222") && !text.contains("9099990000"), "{text}");
        assert!(text.contains("+8190****0000") && text.contains("ConnectFailed"), "{text}");
    }

    #[tokio::test]
    async fn a_retry_after_the_call_was_placed_returns_it_without_ringing_again() {
        let deps = deps(|| Ok("c-1".into()));
        let first = call(handle(&deps, request(Some("+819012345678"))).await.unwrap());
        let retry = call(handle(&deps, request(Some("+819012345678"))).await.unwrap());
        assert_eq!(retry, first);
        assert_eq!(deps.connect.calls.lock().unwrap().len(), 1);
        // Another attempt of the same escalation is a new call.
        call(handle(&deps, PlaceCallRequest { attempt: 2, ..request(Some("+819012345678")) }).await.unwrap());
        assert_eq!(deps.connect.calls.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_retry_after_a_refusal_is_refused_without_asking_again() {
        let refused =
            || Err(ConnectError::Refused { code: "DestinationNotAllowedException".into(), message: "no".into() });
        let deps = deps(refused);
        let first = call(handle(&deps, request(Some("+819012345678"))).await.unwrap());
        let retry = call(handle(&deps, request(Some("+819012345678"))).await.unwrap());
        assert_eq!((retry.status, retry.detail), (CallStatus::Failed, first.detail));
        assert_eq!(deps.connect.calls.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_retry_after_throttling_places_the_call_with_the_same_token() {
        let deps = deps(|| Err(ConnectError::Throttled { code: "LimitExceededException".into(), message: "x".into() }));
        handle(&deps, request(Some("+819012345678"))).await.unwrap_err();
        handle(&deps, request(Some("+819012345678"))).await.unwrap_err();
        let calls = deps.connect.calls.lock().unwrap();
        assert_eq!(calls.len(), 2, "a throttled request placed nothing, so the retry asks again");
        assert_eq!(calls[0].client_token, calls[1].client_token);
    }

    #[tokio::test]
    async fn an_unavailable_ledger_never_stops_the_call() {
        let deps = with_ledger(|| Ok("c-1".into()), BrokenLedger);
        let record = call(handle(&deps, request(Some("+819012345678"))).await.unwrap());
        assert_eq!(record.contact_id.as_deref(), Some("c-1"));
    }

    #[tokio::test]
    async fn a_spent_call_start_budget_is_handed_to_the_workflows_retry_without_calling() {
        let deps = with_ledger(|| Ok("c-1".into()), SpentBudget::default());
        let err = handle(&deps, request(Some("+819012345678"))).await.unwrap_err();
        assert_eq!(err.error_type(), "ConnectThrottled", "retried like Connect's own throttling");
        assert!(err.to_string().contains("CALL_START_RATE_PER_SECOND"), "{err}");
        assert!(deps.connect.calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn errors_carry_the_type_the_workflow_retries_on() {
        let throttled = || Err(ConnectError::Throttled { code: "LimitExceededException".into(), message: "x".into() });
        let err = handle(&deps(throttled), request(Some("+819012345678"))).await.unwrap_err();
        assert_eq!(err.error_type(), "ConnectThrottled");
        let denied = || Err(ConnectError::Failed { code: "AccessDeniedException".into(), message: "x".into() });
        let diagnostic = Diagnostic::from(handle(&deps(denied), request(Some("+819012345678"))).await.unwrap_err());
        assert_eq!(diagnostic.error_type, "ConnectFailed");
        assert!(diagnostic.error_message.contains("+8190****5678") && !diagnostic.error_message.contains("9012345678"));
    }
}
