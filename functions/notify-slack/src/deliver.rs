//! Posting, and counting what became of each record.

use adapters::slack::{Notify, SlackMessage};
use serde::Serialize;
use tracing::{info, warn};

use crate::error::NotifySlackError;

/// The invocation's result, for the logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub posted: u32,
    /// Records whose message Slack did not take (logged with the reason).
    pub not_delivered: u32,
    /// Records that were not outcomes; a notice was posted instead.
    pub unreadable: u32,
}

/// Posts one message; a failure is logged and counted, never raised.
pub async fn post(notifier: &impl Notify, message: &SlackMessage, message_id: &str, report: &mut Report) {
    match notifier.notify(message).await {
        Ok(()) => {
            report.posted += 1;
            info!(message_id = %message_id, "outcome posted to Slack");
        }
        Err(err) => {
            report.not_delivered += 1;
            let err = NotifySlackError::from(err);
            warn!(error_type = err.error_type(), error = %err, message_id = %message_id, "outcome not posted to Slack");
        }
    }
}
