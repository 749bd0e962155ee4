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

impl SnsRecord {
    /// Reads one record of an event on its own, so that a record of another shape costs
    /// only itself, never the other records of its event. `Err` says what is wrong with it.
    pub fn read(record: &Value) -> Result<Self, String> {
        Self::deserialize(record).map_err(|err| err.to_string())
    }
}

/// The records of an event as delivered, each still raw JSON (see [`SnsRecord::read`]);
/// `Err` when the event has no `Records` array, which no SNS delivery lacks.
pub fn raw_records(event: &Value) -> Result<&[Value], String> {
    match event.get("Records") {
        Some(Value::Array(records)) => Ok(records),
        Some(_) => Err("\"Records\" is not an array".to_owned()),
        None => Err("the event has no \"Records\" array".to_owned()),
    }
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
    fn each_record_is_read_on_its_own() {
        let event = serde_json::json!({"Records": [
            {"Sns": {"MessageId": "good", "Message": "m"}},
            {"Sns": {"MessageId": "no-message"}},
            {"Sns": {"Message": 42}},
            "not even an object",
        ]});
        let records = raw_records(&event).unwrap();
        let read: Vec<_> = records.iter().map(SnsRecord::read).collect();
        assert_eq!(read[0].as_ref().unwrap().sns.message_id.as_deref(), Some("good"));
        assert!(read[1].as_ref().unwrap_err().contains("missing field `Message`"), "{read:?}");
        assert!(read[2].as_ref().unwrap_err().contains("invalid type"), "{read:?}");
        assert!(read[3].is_err());
        assert_eq!(raw_records(&serde_json::json!({})).unwrap_err(), "the event has no \"Records\" array");
        assert_eq!(raw_records(&serde_json::json!({"Records": {}})).unwrap_err(), "\"Records\" is not an array");
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
