//! The call-start budget. Amazon Connect limits how fast an account starts outbound calls
//! (StartOutboundVoiceContact: 2 per second, burst 5, by default), for every escalation of the
//! account together; past it, calls are throttled for everyone. place-call therefore takes a
//! token from one shared bucket (an item of the call ledger's table) before it asks Connect,
//! and waits for one when the bucket is empty, so a storm never spends the quota.
//!
//! The bucket never stands between an alert and a phone: when it cannot be read or written the
//! call is placed anyway, and Connect's own throttling is retried by the workflow as before.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ledger::LedgerError;

/// How fast calls may start: `CALL_START_RATE_PER_SECOND` and `CALL_START_BURST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRate {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for CallRate {
    /// Connect's default quota.
    fn default() -> Self {
        Self { per_second: 2, burst: 5 }
    }
}

/// The bucket: thousandths of a token, and when it was last taken from (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub milli_tokens: u64,
    pub at_ms: i64,
}

impl Bucket {
    /// A full bucket at `now`: the state of one nobody has used.
    pub fn full(rate: CallRate, now: DateTime<Utc>) -> Self {
        Self { milli_tokens: u64::from(rate.burst) * 1000, at_ms: now.timestamp_millis() }
    }

    /// Takes a token at `now`: the bucket afterwards, or how long until a token is there.
    /// Tokens come back at `per_second`, up to `burst`; a clock behind the bucket's refills
    /// nothing.
    pub fn take(self, rate: CallRate, now: DateTime<Utc>) -> Result<Self, Duration> {
        let now_ms = now.timestamp_millis();
        let elapsed = u64::try_from(now_ms.saturating_sub(self.at_ms)).unwrap_or(0);
        let refill = elapsed.saturating_mul(u64::from(rate.per_second));
        let tokens = self.milli_tokens.saturating_add(refill).min(u64::from(rate.burst) * 1000);
        if tokens >= 1000 {
            return Ok(Self { milli_tokens: tokens - 1000, at_ms: now_ms.max(self.at_ms) });
        }
        let per_second = u64::from(rate.per_second.max(1));
        Err(Duration::from_millis((1000 - tokens).div_ceil(per_second)))
    }
}

/// The shared bucket of call starts.
pub trait CallStartBudget: Send + Sync {
    /// Takes a token at `now`. `Ok(None)`: start the call; `Ok(Some(wait))`: none left, one is
    /// there after `wait`.
    fn take(
        &self,
        rate: CallRate,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Duration>, LedgerError>> + Send;
}

/// No table configured: no budget; Connect's throttling is the only limit.
impl<B: CallStartBudget> CallStartBudget for Option<B> {
    async fn take(&self, rate: CallRate, now: DateTime<Utc>) -> Result<Option<Duration>, LedgerError> {
        match self {
            Some(budget) => budget.take(rate, now).await,
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_790_000_000_000 + ms).unwrap()
    }

    #[test]
    fn a_burst_is_taken_at_once_then_tokens_come_back_at_the_rate() {
        let rate = CallRate::default();
        let mut bucket = Bucket::full(rate, at(0));
        for _ in 0..5 {
            bucket = bucket.take(rate, at(0)).unwrap();
        }
        assert_eq!(bucket.take(rate, at(0)), Err(Duration::from_millis(500)));
        assert_eq!(bucket.take(rate, at(200)), Err(Duration::from_millis(300)));
        let bucket = bucket.take(rate, at(500)).unwrap();
        assert_eq!(bucket.milli_tokens, 0);
        assert_eq!(bucket.take(rate, at(600)), Err(Duration::from_millis(400)));
    }

    #[test]
    fn an_idle_bucket_fills_up_to_the_burst_only_and_a_clock_behind_refills_nothing() {
        let rate = CallRate { per_second: 1, burst: 2 };
        let empty = Bucket { milli_tokens: 0, at_ms: at(0).timestamp_millis() };
        let later = empty.take(rate, at(60_000)).unwrap();
        assert_eq!(later.milli_tokens, 1000, "two tokens at most, one taken");
        assert_eq!(empty.take(rate, at(-5_000)), Err(Duration::from_millis(1000)));
    }
}
