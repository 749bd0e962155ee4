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
//! Slack is a courtesy: a message Slack refuses or an outcome that cannot be read is
//! logged, and the invocation still succeeds, so an escalation never fails, and SNS never
//! retries, because of Slack.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

//!
//! # Layout
//!
//! [`event`]: the SNS event and what each message is; [`render`] and [`alarm`]: the posts;
//! [`deliver`]: posting and counting; [`init`]: the webhook, read at init; [`error`]: what
//! goes wrong, by name.

pub mod alarm;
pub mod deliver;
pub mod error;
pub mod event;
pub mod init;
pub mod render;

use adapters::slack::Notify;
use tracing::{Instrument, info_span, warn};

pub use crate::deliver::Report;
pub use crate::error::{InitError, NotifySlackError};
pub use crate::event::{Published, SnsEvent, SnsMessage, SnsRecord, slack_message};
pub use crate::init::{Deps, Slack, webhook_parameter};
pub use crate::render::{Context, outcome_message};

/// Posts one message per record.
#[tracing::instrument(skip_all, fields(records = event.records.len()))]
pub async fn handle<N: Notify>(deps: &Deps<N>, event: SnsEvent) -> Report {
    let mut report = Report::default();
    for record in event.records {
        let sns = record.sns;
        let message_id = sns.message_id.unwrap_or_default();
        let span = info_span!("record", message_id = %message_id, topic = sns.topic_arn.as_deref().unwrap_or_default());
        async {
            let message = match slack_message(&sns.message, sns.subject.as_deref()) {
                Ok(message) => message,
                Err(reason) => {
                    report.unreadable += 1;
                    let err = NotifySlackError::UnreadableOutcome { message_id: message_id.clone(), reason };
                    warn!(error_type = err.error_type(), error = %err, "posting a notice instead of the outcome");
                    render::unreadable_message(&sns.message, sns.subject.as_deref(), &err)
                }
            };
            deliver::post(&deps.notifier, &message, &message_id, &mut report).await;
        }
        .instrument(span)
        .await;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::outcome;
    use adapters::slack::{SlackError, SlackMessage};
    use domain::payload::OutcomeStatus;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<String>>,
        fail: Option<SlackError>,
    }

    impl Notify for Recorder {
        async fn notify(&self, message: &SlackMessage) -> Result<(), SlackError> {
            self.sent.lock().unwrap().push(message.text.clone());
            self.fail.clone().map_or(Ok(()), Err)
        }
    }

    fn event(messages: &[&str]) -> SnsEvent {
        SnsEvent {
            records: messages
                .iter()
                .map(|m| SnsRecord {
                    sns: SnsMessage {
                        message_id: Some("m-1".into()),
                        topic_arn: None,
                        subject: Some("db-down".into()),
                        message: (*m).into(),
                    },
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn a_slack_failure_is_counted_never_raised() {
        let deps = Deps {
            notifier: Recorder { fail: Some(SlackError::Timeout(Duration::from_secs(1))), ..Default::default() },
        };
        let json = serde_json::to_string(&outcome(OutcomeStatus::NobodyAcknowledged)).unwrap();
        let report = handle(&deps, event(&[&json])).await;
        assert_eq!(report, Report { posted: 0, not_delivered: 1, unreadable: 0 });
    }

    #[tokio::test]
    async fn an_unreadable_outcome_posts_a_notice() {
        let deps = Deps { notifier: Recorder::default() };
        let report = handle(&deps, event(&["<not json>"])).await;
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
        let deps = Deps { notifier: Recorder::default() };
        let report = handle(&deps, event(&[&alarm.to_string()])).await;
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
        let deps = Deps { notifier: Recorder::default() };
        let report = handle(&deps, event(&[&raw])).await;
        assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 1 });
        let sent = deps.notifier.sent.lock().unwrap();
        assert!(sent[0].starts_with(":warning: *An escalation outcome could not be read* (db-down): "), "{}", sent[0]);
        assert!(sent[0].contains("\"phoneNumber\":\"+8190****5678\",\"note\":\"&lt;x&gt;\""), "{}", sent[0]);
        assert!(!sent[0].contains("+819012345678"), "{}", sent[0]);
    }
}
