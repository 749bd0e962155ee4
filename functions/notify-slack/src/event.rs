//! The SNS event the function receives, reduced to what is read, and what each message
//! published to the outcome topic is.

use adapters::slack::SlackMessage;
use domain::payload::Outcome;
use domain::report::FailureReport;
use serde::Deserialize;
use serde_json::Value;

use crate::alarm::{AlarmNotification, alarm_message};
use crate::render::{Context, failure_message, outcome_message};

/// A Lambda SNS event, reduced to what is read. Every other field is ignored, so a test
/// event or `sam local invoke` may leave them out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsEvent {
    #[serde(default)]
    pub records: Vec<SnsRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SnsRecord {
    #[serde(rename = "Sns")]
    pub sns: SnsMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsMessage {
    #[serde(default)]
    pub message_id: Option<String>,
    /// The topic the message was published to, for the logs.
    #[serde(default)]
    pub topic_arn: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    pub message: String,
}

/// What was published to the outcome topic.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// One of the stack's own CloudWatch alarms changed state.
    Alarm(AlarmNotification),
    /// A step failed for good: the fail-safe path's report.
    Failure(FailureReport, Context),
    /// How an escalation ended.
    Outcome(Outcome, Context),
}

impl Published {
    /// Reads one SNS message; `Err` says why it is none of the kinds published to the topic.
    pub fn read(message: &str, subject: Option<&str>) -> Result<Self, String> {
        let value: Value = serde_json::from_str(message).map_err(|err| format!("not JSON: {err}"))?;
        if let Some(alarm) = AlarmNotification::from_value(&value) {
            return Ok(Self::Alarm(alarm));
        }
        let context = Context::of(&value, subject);
        if value.get("status").and_then(Value::as_str) == Some("escalationFailed") {
            let report = FailureReport::deserialize(&value).map_err(|err| format!("not a failure report: {err}"))?;
            return Ok(Self::Failure(report, context));
        }
        if value.get("status").is_some() {
            let outcome = Outcome::deserialize(&value).map_err(|err| format!("not an outcome: {err}"))?;
            return Ok(Self::Outcome(outcome, context));
        }
        if let Some(outcome) = value.get("outcome").filter(|o| o.is_object()) {
            let outcome = Outcome::deserialize(outcome).map_err(|err| format!("outcome: {err}"))?;
            return Ok(Self::Outcome(outcome, context));
        }
        Err("no \"status\", \"outcome\" or \"AlarmName\" field".to_owned())
    }

    /// The post.
    pub fn message(&self) -> SlackMessage {
        match self {
            Self::Alarm(alarm) => alarm_message(alarm),
            Self::Failure(report, context) => failure_message(report, context),
            Self::Outcome(outcome, context) => outcome_message(outcome, context),
        }
    }
}

/// Reads one SNS message and renders its post; `Err` says why it is none of the kinds
/// published to the topic.
pub fn slack_message(message: &str, subject: Option<&str>) -> Result<SlackMessage, String> {
    Published::read(message, subject).map(|published| published.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_recognised_and_anything_else_says_why_not() {
        let alarm = r#"{"AlarmName": "a", "NewStateValue": "ALARM"}"#;
        assert!(matches!(Published::read(alarm, None), Ok(Published::Alarm(_))));
        let failure = r#"{"status": "escalationFailed", "escalationId": "e", "summary": "s"}"#;
        assert!(
            matches!(Published::read(failure, None), Ok(Published::Failure(..))),
            "{:?}",
            Published::read(failure, None)
        );
        let bare = r#"{"status": "dryRun", "summary": "s", "attemptsMade": 1, "callsPlaced": 0}"#;
        assert!(matches!(Published::read(bare, None), Ok(Published::Outcome(..))), "{:?}", Published::read(bare, None));
        let wrapped = format!(r#"{{"escalationId": "e", "outcome": {bare}}}"#);
        let Ok(Published::Outcome(_, context)) = Published::read(&wrapped, None) else { panic!("an outcome") };
        assert_eq!(context.escalation_id.as_deref(), Some("e"));
        assert_eq!(Published::read("{}", None).unwrap_err(), "no \"status\", \"outcome\" or \"AlarmName\" field");
        assert!(Published::read("<x>", None).unwrap_err().starts_with("not JSON"));
        assert!(Published::read(r#"{"status": 3}"#, None).unwrap_err().starts_with("not an outcome"));
    }

    #[test]
    fn the_topic_is_read_when_sns_gives_it() {
        let event: SnsEvent =
            serde_json::from_str(r#"{"Records": [{"Sns": {"TopicArn": "arn:aws:sns:r:1:outcomes", "Message": "m"}}]}"#)
                .unwrap();
        assert_eq!(event.records[0].sns.topic_arn.as_deref(), Some("arn:aws:sns:r:1:outcomes"));
        assert_eq!(event.records[0].sns.message_id, None);
    }
}
