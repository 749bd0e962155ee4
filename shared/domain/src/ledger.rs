//! The call ledger: what place-call has already done for one call of one escalation.
//!
//! Connect's `ClientToken` is no guard against ringing a person twice: the API reference says
//! a repeated token returns the first ContactId only while that contact is live, and "if the
//! contact is disconnected, a new contact is started". A busy or declined call ends within
//! seconds, so a retried place-call (a Lambda service error after the function ran, a retried
//! Map iteration) would ring again. place-call therefore claims the call's token in the
//! ledger before it asks Connect, and records what Connect answered; a retry finds the record
//! and returns it instead of calling.
//!
//! The ledger never stands between an alert and a phone: when it cannot be read or written the
//! call is placed anyway (a duplicate ring is acceptable, a lost alert is not), and an entry
//! still marked [`LedgerEntry::Placing`] (its invocation died, or Connect failed in a way
//! worth retrying) is placed again with the same token, which Connect deduplicates while the
//! first contact is live.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

/// How long an entry is kept: Connect honours a ClientToken for 7 days.
pub const RETENTION: Duration = Duration::days(8);

/// What an earlier invocation recorded for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerEntry {
    /// Claimed, no result recorded.
    Placing,
    /// Connect started the call.
    Placed { contact_id: String, placed_at: DateTime<Utc> },
    /// Connect refused the destination; asking again would be refused again.
    Refused { detail: String, at: DateTime<Utc> },
}

/// The ledger could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the call ledger is unavailable: {message}")]
pub struct LedgerError {
    pub message: String,
}

/// Remembers, per ClientToken, what place-call did.
pub trait CallLedger: Send + Sync {
    /// Claims `token`. `Ok(None)`: this is the first claim, place the call; `Ok(Some(entry))`:
    /// an earlier invocation claimed it and recorded `entry`.
    fn claim(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<LedgerEntry>, LedgerError>> + Send;

    /// Records what Connect answered for `token`.
    fn record(
        &self,
        token: &str,
        entry: &LedgerEntry,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;
}

/// No ledger configured: every claim is a first claim, and Connect's ClientToken is the only
/// guard (enough while a contact is live).
impl<L: CallLedger> CallLedger for Option<L> {
    async fn claim(&self, token: &str, now: DateTime<Utc>) -> Result<Option<LedgerEntry>, LedgerError> {
        match self {
            Some(ledger) => ledger.claim(token, now).await,
            None => Ok(None),
        }
    }

    async fn record(&self, token: &str, entry: &LedgerEntry, now: DateTime<Utc>) -> Result<(), LedgerError> {
        match self {
            Some(ledger) => ledger.record(token, entry, now).await,
            None => Ok(()),
        }
    }
}
