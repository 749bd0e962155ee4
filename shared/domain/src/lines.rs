//! One call per phone at a time, across escalations. Two projects may share a roster, and
//! their escalations would ring the same person at once: the second call only reaches a busy
//! line, or interrupts the first alert. place-call therefore holds the number's line (an item
//! of the call ledger's table, keyed by a hash of the number) for the escalation that rings
//! it. Another escalation finding it held by a call that is still live does not ring the
//! number: its record is [`CallStatus::WaitingForLine`], the decision keeps the attempt open
//! and lists the number in `placeAgain`, and the workflow asks place-call again before each
//! poll ([`take_placed_again`] puts the answer in the waiting record's place). The second alert
//! thus rings the person right after the first call ends. A number still waiting when its
//! attempt ends is [`CallStatus::LineBusy`]: that person was on another alert's call all along,
//! so the attempt is not one that "placed no call" (the fallback is not rung for it).
//!
//! A call that does not start frees its hold at once; a hold whose call has ended (Connect
//! says so), or that recorded no call within [`UNPLACED_HOLD`], is taken over; every hold ends
//! by itself after [`LINE_HOLD`]. The fail-safe call never waits for a line, and a line that
//! cannot be read or written never stops a call.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::ledger::LedgerError;
use crate::payload::{CallStatus, EscalationState};
use crate::phone::PhoneNumber;

/// The longest a hold lasts: a call rings for at most a minute (Connect's dialing timeout),
/// and an answered one is stopped after ten.
pub const LINE_HOLD: Duration = Duration::minutes(11);

/// A hold with no call recorded after this long is taken over: its place-call died between
/// holding the line and recording the call.
pub const UNPLACED_HOLD: Duration = Duration::seconds(30);

/// What holding a line found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Free, expired, or already this escalation's: now held by it.
    Held,
    /// Another escalation holds it since `held_at`, with its call (`None` while that call is
    /// being placed).
    Busy { escalation_id: String, contact_id: Option<String>, held_at: DateTime<Utc> },
}

/// The lines of the phones being rung.
pub trait PhoneLines: Send + Sync {
    /// Holds `number`'s line for `escalation_id` until `now` + [`LINE_HOLD`].
    fn hold(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Line, LedgerError>> + Send;

    /// Takes the line over from the hold `holder` took at `held_at` (its call has ended, or
    /// was never placed). `Ok(false)`: another escalation took it first.
    fn take_over(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        holder: &str,
        held_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, LedgerError>> + Send;

    /// Records the call that now holds `escalation_id`'s line.
    fn record_call(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        contact_id: &str,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Frees `escalation_id`'s hold: its call did not start (refused, failed, throttled).
    fn release(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;
}

/// The line's key: a hash, so the table holds no phone number.
pub fn line_key(number: &PhoneNumber) -> String {
    let digest = Sha256::digest(number.as_str().as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("line#{hex}")
}

/// Puts what place-call answered for the numbers that waited for their line (`placedAgain`)
/// in the place of their waiting records, and clears it. A number still waiting keeps the
/// time it started waiting: the attempt's interval runs from then.
pub fn take_placed_again(state: &mut EscalationState) {
    for mut record in std::mem::take(&mut state.placed_again) {
        let waiting = state.calls.iter_mut().find(|c| {
            c.phone_number == record.phone_number
                && c.attempt == record.attempt
                && c.status == CallStatus::WaitingForLine
        });
        if let Some(waiting) = waiting {
            if record.status == CallStatus::WaitingForLine {
                record.placed_at = waiting.placed_at;
            }
            *waiting = record;
        }
    }
}

/// No table configured: every line is free.
impl<L: PhoneLines> PhoneLines for Option<L> {
    async fn hold(&self, number: &PhoneNumber, escalation_id: &str, now: DateTime<Utc>) -> Result<Line, LedgerError> {
        match self {
            Some(lines) => lines.hold(number, escalation_id, now).await,
            None => Ok(Line::Held),
        }
    }

    async fn take_over(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        holder: &str,
        held_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        match self {
            Some(lines) => lines.take_over(number, escalation_id, holder, held_at, now).await,
            None => Ok(true),
        }
    }

    async fn record_call(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        contact_id: &str,
    ) -> Result<(), LedgerError> {
        match self {
            Some(lines) => lines.record_call(number, escalation_id, contact_id).await,
            None => Ok(()),
        }
    }

    async fn release(&self, number: &PhoneNumber, escalation_id: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        match self {
            Some(lines) => lines.release(number, escalation_id, now).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::CallRecord;
    use chrono::TimeZone;

    fn record(raw: &str, status: CallStatus, placed_at: i64, contact: Option<&str>) -> CallRecord {
        CallRecord {
            phone_number: PhoneNumber::parse(raw).unwrap(),
            attempt: 0,
            contact_id: contact.map(|c| c.to_owned().into()),
            status,
            placed_at: Utc.timestamp_opt(placed_at, 0).unwrap(),
            checked_at: None,
            answered_at: None,
            ended_at: None,
            detail: None,
            error: None,
        }
    }

    #[test]
    fn what_was_placed_again_replaces_the_waiting_records_and_a_number_still_waiting_keeps_its_start() {
        let mut state: EscalationState =
            serde_json::from_str(include_str!("../../../samplejson/check-contact.json")).unwrap();
        let (a, b) = ("+819011110001", "+819011110002");
        state.calls =
            vec![record(a, CallStatus::WaitingForLine, 100, None), record(b, CallStatus::WaitingForLine, 100, None)];
        state.placed_again = vec![
            record(a, CallStatus::Placed, 130, Some("contact-a")),
            record(b, CallStatus::WaitingForLine, 130, None),
            // Not waiting in this attempt: left alone.
            record("+819011110003", CallStatus::Placed, 130, Some("contact-c")),
        ];
        take_placed_again(&mut state);
        assert!(state.placed_again.is_empty());
        assert_eq!(state.calls.len(), 2);
        assert_eq!((state.calls[0].status, state.calls[0].placed_at.timestamp()), (CallStatus::Placed, 130));
        assert_eq!((state.calls[1].status, state.calls[1].placed_at.timestamp()), (CallStatus::WaitingForLine, 100));
    }

    #[test]
    fn the_key_names_no_number_and_is_the_same_for_the_same_number() {
        let number = PhoneNumber::parse("+819012345678").unwrap();
        let key = line_key(&number);
        assert!(key.starts_with("line#") && key.len() == 37, "{key}");
        assert!(!key.contains("9012345678"));
        assert_eq!(key, line_key(&PhoneNumber::parse("+819012345678").unwrap()));
        assert_ne!(key, line_key(&PhoneNumber::parse("+819012345679").unwrap()));
    }
}
