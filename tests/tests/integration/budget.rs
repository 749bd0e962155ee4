//! The call-start budget and the phones' lines against a real DynamoDB-protocol server (moto),
//! through the ledger adapter place-call uses: items changed only by conditional writes, so
//! concurrent invocations never take one token, or one line, twice.

// The helpers below are test code too (clippy only exempts `#[test]` bodies): a failed unwrap is a
// failed test with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use adapters::ledger::DynamoLedger;
use chrono::{DateTime, TimeZone, Utc};
use domain::budget::{CallRate, CallStartBudget};

use crate::calling::dynamodb;

async fn fresh_ledger(table: &'static str) -> DynamoLedger {
    tokio::task::spawn_blocking(move || dynamodb().create_table(table).unwrap()).await.unwrap();
    DynamoLedger::new(dynamodb().sdk_client(), table)
}

fn at(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap() + chrono::Duration::milliseconds(ms)
}

#[tokio::test]
async fn concurrent_call_starts_take_the_burst_once_and_then_wait_for_the_rate() {
    let ledger = fresh_ledger("budget-burst").await;
    let rate = CallRate::default();
    let takes = (0..12).map(|_| {
        let ledger = ledger.clone();
        tokio::spawn(async move { ledger.take(rate, at(0)).await.unwrap() })
    });
    let mut answers = Vec::new();
    for take in takes {
        answers.push(take.await.unwrap());
    }
    let started = answers.iter().filter(|a| a.is_none()).count();
    // A take that lost every race is told to look again shortly; none gets a token twice.
    assert_eq!(started, 5, "the burst, and no more: {answers:?}");
    assert!(answers.iter().flatten().all(|wait| *wait <= Duration::from_millis(500)), "{answers:?}");
    assert_eq!(ledger.take(rate, at(100)).await.unwrap(), Some(Duration::from_millis(400)));
    assert_eq!(ledger.take(rate, at(500)).await.unwrap(), None, "a token is back after 1/rate s");
    assert_eq!(ledger.take(rate, at(500)).await.unwrap(), Some(Duration::from_millis(500)));
}

#[tokio::test]
async fn a_budget_that_cannot_be_read_is_an_error_for_place_call_to_ignore() {
    let ledger = DynamoLedger::new(dynamodb().sdk_client(), "no-such-ledger");
    let err = ledger.take(CallRate::default(), at(0)).await.unwrap_err();
    assert!(err.to_string().contains("ResourceNotFoundException"), "{err}");
}

// --- the phones' lines: one call per phone at a time -------------------------------------

#[tokio::test]
async fn a_line_is_held_by_one_escalation_and_taken_over_only_from_the_hold_that_was_seen() {
    use domain::lines::{Line, PhoneLines};
    use domain::phone::PhoneNumber;

    let ledger = fresh_ledger("lines").await;
    let number = PhoneNumber::parse("+819012345678").unwrap();
    assert_eq!(ledger.hold(&number, "a", at(0)).await.unwrap(), Line::Held);
    assert_eq!(ledger.hold(&number, "a", at(1_000)).await.unwrap(), Line::Held, "its own next attempt");
    let seen = ledger.hold(&number, "b", at(2_000)).await.unwrap();
    assert_eq!(seen, Line::Busy { escalation_id: "a".into(), contact_id: None, held_at: at(1_000) });
    ledger.record_call(&number, "a", "contact-1").await.unwrap();
    ledger.record_call(&number, "b", "contact-9").await.unwrap();
    assert_eq!(
        ledger.hold(&number, "b", at(3_000)).await.unwrap(),
        Line::Busy { escalation_id: "a".into(), contact_id: Some("contact-1".into()), held_at: at(1_000) },
        "only the holder records its call"
    );
    assert!(!ledger.take_over(&number, "b", "a", at(0), at(4_000)).await.unwrap(), "not a hold that was seen");
    assert!(ledger.take_over(&number, "b", "a", at(1_000), at(4_000)).await.unwrap());
    assert!(!ledger.take_over(&number, "c", "a", at(1_000), at(4_000)).await.unwrap(), "taken once");
    assert_eq!(ledger.hold(&number, "b", at(5_000)).await.unwrap(), Line::Held);
    // A call that did not start frees the line at once, and only its own hold.
    ledger.release(&number, "x", at(5_500)).await.unwrap();
    assert!(matches!(ledger.hold(&number, "x", at(5_600)).await.unwrap(), Line::Busy { .. }));
    ledger.release(&number, "b", at(6_000)).await.unwrap();
    assert_eq!(ledger.hold(&number, "x", at(6_000)).await.unwrap(), Line::Held);
    // A hold ends by itself.
    let later = at(0) + domain::lines::LINE_HOLD + chrono::Duration::seconds(10);
    assert_eq!(ledger.hold(&number, "d", later).await.unwrap(), Line::Held);
}
