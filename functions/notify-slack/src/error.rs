//! What goes wrong, by name.

use adapters::slack::{SlackError, SlackStartError};
use lambda_runtime::Diagnostic;

/// Why one record was not posted as itself, or not posted at all. Logged under its
/// `error_type`; only [`NotifySlackError::NotDelivered`] is returned to Lambda.
#[derive(Debug, thiserror::Error)]
pub enum NotifySlackError {
    #[error(
        "SNS message {message_id} is neither an escalation outcome, a failure report nor a CloudWatch alarm: {reason}"
    )]
    UnreadableOutcome { message_id: String, reason: String },
    #[error("record {index} of the event is not an SNS record: {reason}")]
    UnreadableRecord { index: usize, reason: String },
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error("SNS message {message_id} was not posted: the invocation has no time left for a post")]
    OutOfTime { message_id: String },
    /// Returned to Lambda, so the event is not lost: Lambda retries the invocation, then keeps
    /// the event in notify-slack's dead-letter queue, whose alarm says so.
    #[error(
        "{not_delivered} of {records} posts did not reach Slack ({reasons}); the invocation fails so that Lambda \
         retries it, then keeps the event in notify-slack's dead-letter queue"
    )]
    NotDelivered { not_delivered: u32, records: usize, reasons: String },
    /// The webhook URL could not be read (SSM throttled or unreachable, the parameter
    /// missing): returned to Lambda like [`NotifySlackError::NotDelivered`], and the next
    /// invocation reads it again.
    #[error("no post was made: {0}")]
    Webhook(#[source] SlackStartError),
}

impl NotifySlackError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::UnreadableOutcome { .. } => "UnreadableOutcome",
            Self::UnreadableRecord { .. } => "UnreadableRecord",
            Self::Slack(err) => err.error_type(),
            Self::OutOfTime { .. } => "SlackOutOfTime",
            Self::NotDelivered { .. } => "SlackNotDelivered",
            Self::Webhook(_) => "SlackWebhookUnread",
        }
    }
}

impl From<NotifySlackError> for Diagnostic {
    fn from(err: NotifySlackError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}
