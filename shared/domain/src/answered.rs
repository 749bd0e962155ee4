//! The webhook requests already answered. A Twilio signature covers the URL and the
//! parameters, not the time, so a captured request verifies forever: forward-call records the
//! CallSid of each request it answers (in the incident table, for [`ANSWERED_RETENTION`]) and
//! refuses one it has answered before, instead of forwarding and posting to Slack again.
//!
//! The record never stands between a caller and the team: when it cannot be written the
//! request is answered anyway, and the failure logged.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use crate::incident_store::IncidentStoreError;

/// How long an answered request is remembered (the table's TTL).
pub const ANSWERED_RETENTION: Duration = Duration::days(7);

/// Records the requests a webhook answered.
pub trait AnsweredRequests: Send + Sync {
    /// Records `request` (a stable key of the request) as answered at `now`. `Ok(true)`: the
    /// first time; `Ok(false)`: it was answered before.
    fn first_answer(
        &self,
        request: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, IncidentStoreError>> + Send;
}
