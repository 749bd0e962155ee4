//! What goes wrong, by name.

use adapters::slack::{SlackError, SlackStartError};
use domain::config::ConfigError;

/// Why one record was not posted. Logged under its `error_type`; never returned to Lambda.
#[derive(Debug, thiserror::Error)]
pub enum NotifySlackError {
    #[error(
        "SNS message {message_id} is neither an escalation outcome, a failure report nor a CloudWatch alarm: {reason}"
    )]
    UnreadableOutcome { message_id: String, reason: String },
    #[error(transparent)]
    Slack(#[from] SlackError),
}

impl NotifySlackError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::UnreadableOutcome { .. } => "UnreadableOutcome",
            Self::Slack(err) => err.error_type(),
        }
    }
}

/// Why the function could not start: it does nothing but post, so the webhook is required.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Slack(#[from] SlackStartError),
}
