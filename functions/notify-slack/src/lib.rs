//! notify-slack: posts each escalation's outcome to the team's Slack channel. It is
//! subscribed to the outcome SNS topic, where the workflow publishes two kinds of message:
//! - an [`Outcome`](domain::payload::Outcome) (acknowledged by whom after how long, nobody acknowledged, or a dry
//!   run's call list), bare or as the `outcome` of an object that also carries the `alert`
//!   and `escalationId`, which then name the alert in the post;
//! - a [`FailureReport`](domain::report::FailureReport) (`status: escalationFailed`): which step failed for good, and
//!   whether the fail-safe rang the fallback number; place-call writes it, masked.
//!
//! The stack's own CloudWatch alarms publish to the same topic; their notifications are
//! posted as an alarm notice ([`alarm`]). Anything else is posted as a notice with an
//! excerpt. Phone numbers in free text are masked before anything is posted.
//!
//! A report must not be lost because Slack is down. Each record is read on its own (one
//! malformed record costs only itself: it is posted as a notice, and the others as
//! themselves), each post is retried while the invocation has time ([`deliver::Retry`]),
//! and if any post still did not reach Slack the invocation fails: SNS invokes the function
//! asynchronously, so Lambda retries the event and finally keeps it in notify-slack's
//! dead-letter queue, whose alarm says so. The escalation itself never waits for Slack.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

//!
//! # Layout
//!
//! [`event`]: the SNS event and what each message is; [`render`] and [`alarm`]: the posts;
//! [`deliver`]: posting, retrying and counting; [`init`]: the webhook, read once per instance;
//! [`error`]: what goes wrong, by name.

pub mod alarm;
pub mod deliver;
pub mod error;
pub mod event;
pub mod init;
pub mod render;

use std::time::{Duration, SystemTime};

use adapters::slack::{Notify, SlackMessage};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{Instrument, error, info_span, warn};

pub use crate::deliver::{Report, Retry};
pub use crate::error::NotifySlackError;
pub use crate::event::{Published, SnsEvent, SnsMessage, SnsRecord, raw_records, slack_message};
pub use crate::init::{Deps, Slack, webhook_parameter};
pub use crate::render::{Context, outcome_message};

/// Kept free at the end of an invocation, to return its report before Lambda's timeout.
const MARGIN: Duration = Duration::from_millis(500);

/// When the handler must be done: Lambda's deadline (milliseconds since the epoch, from the
/// invocation's context) less a margin, as an instant of tokio's clock.
pub fn deadline(deadline_ms: u64, now: SystemTime) -> Instant {
    let since_epoch = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let left = Duration::from_millis(deadline_ms).saturating_sub(since_epoch).saturating_sub(MARGIN);
    Instant::now() + left
}

/// Posts one message per record, each read on its own. `Err` when a post did not reach
/// Slack after the retries `deadline` left time for: Lambda then retries the invocation.
/// A retried event posts again what it holds: SNS delivers one message per invocation, so
/// that is the message that was not delivered.
#[tracing::instrument(skip_all)]
pub async fn handle<N: Notify>(deps: &Deps<N>, event: Value, deadline: Instant) -> Result<Report, NotifySlackError> {
    let mut report = Report::default();
    let mut reasons: Vec<&'static str> = Vec::new();
    let whole = std::slice::from_ref(&event);
    let (records, not_an_event) = match raw_records(&event) {
        Ok(records) => (records, None),
        Err(reason) => (whole, Some(reason)),
    };
    for (index, raw) in records.iter().enumerate() {
        let (message, message_id) = match not_an_event.clone().map_or_else(|| SnsRecord::read(raw), Err) {
            Ok(record) => {
                let sns = record.sns;
                let message_id = sns.message_id.clone().unwrap_or_default();
                (read_message(&sns, &message_id, &mut report), message_id)
            }
            Err(reason) => {
                report.unreadable += 1;
                let err = NotifySlackError::UnreadableRecord { index, reason };
                warn!(error_type = err.error_type(), error = %err, "posting a notice instead of the record");
                (render::unreadable_record_message(raw, &err), format!("record-{index}"))
            }
        };
        let span = info_span!("record", message_id = %message_id);
        let failure = deliver::post(&deps.notifier, &message, &message_id, deps.retry, deadline, &mut report)
            .instrument(span)
            .await;
        if let Some(failure) = failure
            && !reasons.contains(&failure.error_type())
        {
            reasons.push(failure.error_type());
        }
    }
    if report.not_delivered == 0 {
        return Ok(report);
    }
    let err = NotifySlackError::NotDelivered {
        not_delivered: report.not_delivered,
        records: records.len(),
        reasons: reasons.join(", "),
    };
    error!(error_type = err.error_type(), error = %err, posted = report.posted, unreadable = report.unreadable, "invocation failed");
    Err(err)
}

/// The post for one SNS message: its kind's, or a notice with an excerpt.
fn read_message(sns: &SnsMessage, message_id: &str, report: &mut Report) -> SlackMessage {
    let span = info_span!("record", message_id = %message_id, topic = sns.topic_arn.as_deref().unwrap_or_default());
    let _entered = span.enter();
    match slack_message(&sns.message, sns.subject.as_deref()) {
        Ok(message) => message,
        Err(reason) => {
            report.unreadable += 1;
            let err = NotifySlackError::UnreadableOutcome { message_id: message_id.to_owned(), reason };
            warn!(error_type = err.error_type(), error = %err, "posting a notice instead of the outcome");
            render::unreadable_message(&sns.message, sns.subject.as_deref(), &err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::outcome;
    use adapters::slack::{SlackError, SlackMessage};
    use domain::payload::OutcomeStatus;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Records every post; fails the posts whose text contains `fail_if` (all with `*`).
    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<String>>,
        fail: Option<SlackError>,
        fail_if: &'static str,
    }

    impl Notify for Recorder {
        async fn notify(&self, message: &SlackMessage) -> Result<(), SlackError> {
            self.sent.lock().unwrap().push(message.text.clone());
            match &self.fail {
                Some(err) if self.fail_if == "*" || message.text.contains(self.fail_if) => Err(err.clone()),
                _ => Ok(()),
            }
        }
    }

    const QUICK: Retry =
        Retry { attempts: 3, backoff: Duration::from_millis(1), post_limit: Duration::from_millis(50) };

    fn deps(notifier: Recorder) -> Deps<Recorder> {
        Deps { notifier, retry: QUICK }
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    fn event(messages: &[&str]) -> Value {
        let records: Vec<Value> = messages
            .iter()
            .map(|m| serde_json::json!({"Sns": {"MessageId": "m-1", "Subject": "db-down", "Message": m}}))
            .collect();
        serde_json::json!({ "Records": records })
    }

    async fn run(deps: &Deps<Recorder>, event: Value) -> Report {
        handle(deps, event, later()).await.unwrap()
    }

    #[tokio::test]
    async fn a_post_slack_never_took_fails_the_invocation_after_its_retries() {
        let deps = deps(Recorder {
            fail: Some(SlackError::Timeout(Duration::from_secs(1))),
            fail_if: "*",
            ..Default::default()
        });
        let json = serde_json::to_string(&outcome(OutcomeStatus::NobodyAcknowledged)).unwrap();
        let err = handle(&deps, event(&[&json]), later()).await.unwrap_err();
        assert_eq!(err.error_type(), "SlackNotDelivered");
        assert!(err.to_string().starts_with("1 of 1 posts did not reach Slack (SlackTimeout)"), "{err}");
        assert_eq!(deps.notifier.sent.lock().unwrap().len(), 3, "posted, then retried twice");
        let diagnostic = lambda_runtime::Diagnostic::from(err);
        assert_eq!(diagnostic.error_type, "SlackNotDelivered");
    }

    #[tokio::test]
    async fn one_bad_record_never_costs_the_others() {
        let good = serde_json::to_string(&outcome(OutcomeStatus::NobodyAcknowledged)).unwrap();
        let event = serde_json::json!({"Records": [
            {"Sns": {"MessageId": "a", "Message": good}},
            {"Sns": {"MessageId": "b", "Message": {"status": "acknowledged"}, "note": "+819012345678"}},
            "garbage",
            {"Sns": {"MessageId": "c", "Message": good}},
        ]});
        let deps = deps(Recorder::default());
        let report = run(&deps, event).await;
        assert_eq!(report, Report { posted: 4, not_delivered: 0, unreadable: 2 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(sent[0].contains("nobody acknowledged") && sent[3].contains("nobody acknowledged"), "{sent:?}");
        assert!(
            sent[1].starts_with(":warning: *An SNS record could not be read*: record 1 of the event"),
            "{}",
            sent[1]
        );
        assert!(sent[1].contains("+8190****5678") && !sent[1].contains("+819012345678"), "{}", sent[1]);
        assert!(sent[2].contains("record 2 of the event") && sent[2].contains("garbage"), "{}", sent[2]);
    }

    #[tokio::test]
    async fn a_failed_post_fails_the_invocation_but_the_other_records_are_still_posted() {
        let deps = deps(Recorder {
            fail: Some(SlackError::Rejected { status: 500, body: "rollup_error".into() }),
            fail_if: "dry run",
            ..Default::default()
        });
        let nobody = serde_json::to_string(&outcome(OutcomeStatus::NobodyAcknowledged)).unwrap();
        let dry = serde_json::to_string(&outcome(OutcomeStatus::DryRun)).unwrap();
        let err = handle(&deps, event(&[&dry, &nobody]), later()).await.unwrap_err();
        assert!(err.to_string().starts_with("1 of 2 posts did not reach Slack (SlackRejected)"), "{err}");
        let sent = deps.notifier.sent.lock().unwrap();
        assert_eq!(sent.len(), 4, "three tries of the dry run, then the other record: {sent:?}");
        assert!(sent[3].contains("nobody acknowledged"), "{sent:?}");
    }

    #[tokio::test]
    async fn an_event_without_records_is_posted_as_a_notice() {
        let deps = deps(Recorder::default());
        let report = run(&deps, serde_json::json!({"status": "acknowledged"})).await;
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 1 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(sent[0].contains("the event has no \"Records\" array"), "{}", sent[0]);
    }

    #[test]
    fn the_deadline_is_lambdas_less_a_margin() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let before = Instant::now();
        let at = deadline(1_000_000 + 30_000, now);
        let left = at.duration_since(before);
        assert!(left <= Duration::from_millis(29_600) && left >= Duration::from_millis(29_400), "{left:?}");
        assert!(deadline(0, now) <= Instant::now(), "a past deadline leaves no time");
    }

    #[tokio::test]
    async fn an_unreadable_outcome_posts_a_notice() {
        let deps = deps(Recorder::default());
        let report = run(&deps, event(&["<not json>"])).await;
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 1 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(sent[0].contains("could not be read") && sent[0].contains("&lt;not json&gt;"), "{}", sent[0]);
    }

    #[tokio::test]
    async fn a_cloudwatch_alarm_posts_an_alarm_notice_not_an_unreadable_one() {
        let alarm = serde_json::json!({
            "AlarmName": "lambda-connect-EscalationFailedAlarm-1A2B3C4D5E6F",
            "AlarmDescription": "An escalation execution failed.",
            "AWSAccountId": "123456789012",
            "NewStateValue": "ALARM",
            "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (21/11/26 05:01:00)] was greater than the threshold (0.0).",
            "StateChangeTime": "2026-11-21T05:02:10.123+0000",
            "Region": "Asia Pacific (Tokyo)",
            "AlarmArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:lambda-connect-EscalationFailedAlarm-1A2B3C4D5E6F",
            "OldStateValue": "OK",
            "Trigger": {"MetricName": "ExecutionsFailed", "Namespace": "AWS/States", "Statistic": "SUM", "Period": 60,
                        "ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0}
        });
        let deps = deps(Recorder::default());
        let report = run(&deps, event(&[&alarm.to_string()])).await;
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 0 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(
            sent[0].starts_with(
                ":rotating_light: *ALARM: lambda-connect-EscalationFailedAlarm-1A2B3C4D5E6F* — Threshold Crossed: 1 out of"
            ),
            "{}",
            sent[0]
        );
        assert!(sent[0].contains("Metric: AWS/States ExecutionsFailed, Sum over 60 s &gt; 0"), "{}", sent[0]);
        assert!(!sent[0].contains("could not be read") && !sent[0].contains("```"), "{}", sent[0]);
    }

    #[tokio::test]
    async fn unknown_json_is_still_posted_with_its_numbers_masked() {
        let raw = serde_json::json!({"phoneNumber": "+819012345678", "note": "<x>"}).to_string();
        let deps = deps(Recorder::default());
        let report = run(&deps, event(&[&raw])).await;
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 1 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(sent[0].starts_with(":warning: *An escalation outcome could not be read* (db-down): "), "{}", sent[0]);
        assert!(sent[0].contains("\"phoneNumber\":\"+8190****5678\",\"note\":\"&lt;x&gt;\""), "{}", sent[0]);
        assert!(!sent[0].contains("+819012345678"), "{}", sent[0]);
    }
}
