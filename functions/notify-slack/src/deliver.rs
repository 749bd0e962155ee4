//! Posting, retrying within the invocation's time, and counting what became of each record.

use std::time::Duration;

use adapters::slack::{Notify, SlackError, SlackMessage};
use serde::Serialize;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::error::NotifySlackError;

/// The invocation's result, for the logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub posted: u32,
    /// Records whose post Slack did not take, after the retries the invocation had time for
    /// (logged with the reason). Any makes the invocation fail, so Lambda retries it.
    pub not_delivered: u32,
    /// Records that were not outcomes, or not SNS records at all; a notice was posted instead.
    pub unreadable: u32,
}

/// How a post is retried within one invocation. What is still not delivered then fails the
/// invocation: Lambda retries it (twice, the function's event invoke config) and finally
/// keeps the event in notify-slack's dead-letter queue, whose alarm says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Posts of one message, the first included.
    pub attempts: u32,
    /// The wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// The longest one post can take (the notifier's timeout, and a 429 it waits out and
    /// posts again): no post is started with less time than this left, so the invocation
    /// ends with its report rather than being cut by its timeout.
    pub post_limit: Duration,
}

impl Retry {
    /// For [`adapters::slack::SlackSettings::BACKGROUND`]: a post takes at most 5 s, or
    /// 5 s + a 5 s `Retry-After` + 5 s. Within Lambda's 30 s: three posts of a Slack that
    /// never answers.
    pub const BACKGROUND: Self =
        Self { attempts: 3, backoff: Duration::from_secs(1), post_limit: Duration::from_secs(15) };
}

/// Whether trying again soon may succeed: Slack was slow, unreachable, rate limiting or
/// failing (5xx). A refusal of the message itself (4xx: a revoked webhook, a payload Slack
/// will never take) would be refused again; it is left to the invocation's retries and
/// the dead-letter queue.
pub fn worth_retrying(err: &SlackError) -> bool {
    match err {
        SlackError::Timeout(_) | SlackError::RateLimited { .. } | SlackError::Unreachable(_) => true,
        SlackError::Rejected { status, .. } => *status >= 500,
        SlackError::InvalidUrl | SlackError::Setup(_) => false,
    }
}

/// Posts one message, retrying what is worth it while `deadline` leaves time; counts the
/// result and returns why it was not delivered, if it was not.
pub async fn post(
    notifier: &impl Notify,
    message: &SlackMessage,
    message_id: &str,
    retry: Retry,
    deadline: Instant,
    report: &mut Report,
) -> Option<NotifySlackError> {
    let mut wait = retry.backoff;
    let mut attempt = 1;
    let failure = loop {
        if attempt == 1 && deadline.saturating_duration_since(Instant::now()) < retry.post_limit {
            break NotifySlackError::OutOfTime { message_id: message_id.to_owned() };
        }
        let err = match notifier.notify(message).await {
            Ok(()) => {
                report.posted += 1;
                info!(message_id = %message_id, attempt, "posted to Slack");
                return None;
            }
            Err(err) => err,
        };
        // Slack's Retry-After is honoured: a retry sooner would be refused again.
        let pause = match &err {
            SlackError::RateLimited { retry_after: Some(asked) } => wait.max(*asked),
            _ => wait,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if attempt >= retry.attempts || !worth_retrying(&err) || left < pause + retry.post_limit {
            break NotifySlackError::from(err);
        }
        warn!(error_type = err.error_type(), error = %err, message_id = %message_id, attempt, "not posted to Slack; retrying");
        tokio::time::sleep(pause).await;
        wait *= 2;
        attempt += 1;
    };
    report.not_delivered += 1;
    warn!(error_type = failure.error_type(), error = %failure, message_id = %message_id, attempt, "not posted to Slack");
    Some(failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Answers each post with the next scripted result, then `Ok`.
    #[derive(Default)]
    struct Script(Mutex<Vec<Result<(), SlackError>>>, Mutex<u32>);

    impl Notify for Script {
        async fn notify(&self, _: &SlackMessage) -> Result<(), SlackError> {
            *self.1.lock().unwrap() += 1;
            let mut replies = self.0.lock().unwrap();
            if replies.is_empty() { Ok(()) } else { replies.remove(0) }
        }
    }

    const QUICK: Retry =
        Retry { attempts: 3, backoff: Duration::from_millis(1), post_limit: Duration::from_millis(50) };

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    fn timeout() -> Result<(), SlackError> {
        Err(SlackError::Timeout(Duration::from_secs(5)))
    }

    #[tokio::test]
    async fn a_passing_failure_is_retried_until_posted() {
        let slack = Script(
            Mutex::new(vec![timeout(), Err(SlackError::Rejected { status: 503, body: "x".into() })]),
            Mutex::default(),
        );
        let mut report = Report::default();
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", QUICK, later(), &mut report).await;
        assert!(failure.is_none(), "{failure:?}");
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 0 });
        assert_eq!(*slack.1.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn retries_stop_at_the_budget_of_attempts() {
        let slack = Script(Mutex::new(vec![timeout(), timeout(), timeout(), timeout()]), Mutex::default());
        let mut report = Report::default();
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", QUICK, later(), &mut report).await;
        assert_eq!(failure.map(|f| f.error_type()), Some("SlackTimeout"));
        assert_eq!(report.not_delivered, 1);
        assert_eq!(*slack.1.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn a_retry_after_longer_than_the_time_left_is_left_to_lambdas_retries() {
        let limited = || Err(SlackError::RateLimited { retry_after: Some(Duration::from_secs(30)) });
        let slack = Script(Mutex::new(vec![limited(), limited()]), Mutex::default());
        let mut report = Report::default();
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", QUICK, later(), &mut report).await;
        assert_eq!(failure.map(|f| f.error_type()), Some("SlackRateLimited"));
        assert_eq!(*slack.1.lock().unwrap(), 1, "no retry sooner than Slack asked");
    }

    #[tokio::test]
    async fn a_refused_message_is_not_retried_within_the_invocation() {
        let slack = Script(
            Mutex::new(vec![Err(SlackError::Rejected { status: 404, body: "no_service".into() })]),
            Mutex::default(),
        );
        let mut report = Report::default();
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", QUICK, later(), &mut report).await;
        assert_eq!(failure.map(|f| f.error_type()), Some("SlackRejected"));
        assert_eq!(*slack.1.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn no_retry_starts_that_the_invocation_has_no_time_for() {
        let slack = Script(Mutex::new(vec![timeout(), timeout()]), Mutex::default());
        let mut report = Report::default();
        // Time for one post, not for a wait and another.
        let retry = Retry { backoff: Duration::from_millis(30), ..QUICK };
        let deadline = Instant::now() + Duration::from_millis(70);
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", retry, deadline, &mut report).await;
        assert_eq!(failure.map(|f| f.error_type()), Some("SlackTimeout"));
        assert_eq!(*slack.1.lock().unwrap(), 1);
        // No time at all: nothing is posted, and the record counts as not delivered.
        let mut report = Report::default();
        let failure = post(&slack, &SlackMessage::new("m"), "m-1", QUICK, Instant::now(), &mut report).await;
        assert_eq!(failure.map(|f| f.error_type()), Some("SlackOutOfTime"));
        assert_eq!(report.not_delivered, 1);
        assert_eq!(*slack.1.lock().unwrap(), 1);
    }
}
