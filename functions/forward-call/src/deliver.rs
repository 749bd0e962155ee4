//! Posting to Slack without keeping the caller waiting.

use std::time::Duration;

use adapters::slack::{Notify, SlackMessage};
use tracing::warn;

/// Posts within `budget`; a failure is logged, never passed on.
pub async fn deliver(notifier: &impl Notify, budget: Duration, message: Option<SlackMessage>) {
    let Some(message) = message else { return };
    match tokio::time::timeout(budget, notifier.notify(&message)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => warn!(error_type = err.error_type(), error = %err, "the Slack notification was not delivered"),
        Err(_) => warn!(
            error_type = "SlackBudgetExceeded",
            budget_ms = budget.as_millis(),
            "Slack was too slow; answered Twilio without waiting"
        ),
    }
}
