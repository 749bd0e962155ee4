//! The call-start budget against a real DynamoDB-protocol server (moto), through the ledger
//! adapter place-call uses: a token bucket changed only by conditional writes, so concurrent
//! invocations never take one token twice.

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
