//! The alert that started an escalation, read from any of the inputs the workflow accepts:
//! - an EventBridge Pipe batch: an array of SQS records whose `body` is an SNS envelope;
//! - one such SQS record (the workflow splits a batch into one execution per record);
//! - a Lambda SNS event (`Records[].Sns`), as the original and `sam local invoke` use;
//! - a start from the Step Functions console: `topicArn`, `subject`, `message`, `dryRun`, `at`,
//!   `dedupKey`, `action`, or `testCall` (one number to ring with a test message);
//! - `{}` in simple mode.
//!
//! Reading an alert never fails: an input of an unknown shape is still an alert (its text is
//! spoken as-is) and the oddity is reported as a problem, so nobody is left unrung.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::parse_bool;
use crate::incident::Explicit;
use crate::mapping::topic_name_from_arn;
use crate::problem::Problem;

/// Where input problems are reported from.
pub const INPUT: &str = "execution input";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The SNS MessageId, when the alert came through SNS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// The longest alert text kept in the escalation's state, in characters. The contact flow
/// speaks at most [`crate::message::MAX_SPOKEN_CHARS`]; keeping a 200 KB alert whole would
/// carry it through every state, and a state over 256 KB fails the execution where no Catch
/// can help. What is cut is said, with its length.
pub const MAX_KEPT_MESSAGE_CHARS: usize = 2_000;

impl Alert {
    /// The alert as the state keeps it: the message cut to [`MAX_KEPT_MESSAGE_CHARS`].
    pub fn kept(mut self) -> Self {
        if let Some(message) = &mut self.message
            && let Some((cut, _)) = message.char_indices().nth(MAX_KEPT_MESSAGE_CHARS)
        {
            let rest = message[cut..].chars().count();
            message.truncate(cut);
            message.push_str(&format!(" … ({rest} more characters not kept)"));
        }
        self
    }
}

/// An alert plus the run options that can travel with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertInput {
    pub alert: Alert,
    /// Asked for by the console input or the SNS message attribute `dryRun`.
    pub dry_run: bool,
    /// Plan as if it were this instant (console input `at`), to preview another day.
    pub at: Option<DateTime<Utc>>,
    /// The incident key and action given as SNS or SQS message attributes (`dedupKey`,
    /// `action`) or console fields of the same names (see [`crate::incident`]).
    pub explicit: Explicit,
    /// The console input's `testCall`: ring this number once with a test message, and nobody
    /// else (see [`crate::escalation::start::test_call`]). As given; read there.
    pub test_call: Option<String>,
    pub problems: Vec<Problem>,
}

impl AlertInput {
    pub fn parse(input: &Value) -> Self {
        let mut out = Self::default();
        match input {
            Value::Array(records) => {
                let Some((first, rest)) = records.split_first() else {
                    out.problems.push(Problem::error(INPUT, None, "an empty batch: no alert was delivered"));
                    return out;
                };
                if !rest.is_empty() {
                    out.problems.push(Problem::error(
                        INPUT,
                        None,
                        format!("a batch of {} records reached one execution; only the first is handled (set the Pipe's batch size to 1)", records.len()),
                    ));
                }
                out.record(first);
            }
            // The workflow's intake wraps an item it could not name (no SQS digest, or not a
            // record at all) as `{"record": <item>}`.
            Value::Object(fields) if fields.len() == 1 && fields.contains_key("record") => {
                out.merge(Self::parse(&fields["record"]));
                out.problems.push(Problem::warning(
                    INPUT,
                    Some("record".into()),
                    "the Pipe delivered an item without an SQS digest, so duplicate deliveries of it cannot be recognised",
                ));
            }
            Value::Object(fields) => match fields.get("Records").and_then(Value::as_array) {
                Some(records) => {
                    let batch = Value::Array(records.clone());
                    let inner = Self::parse(&batch);
                    out.merge(inner);
                }
                None => out.record(input),
            },
            Value::Null => {}
            other => {
                out.alert.message = Some(text_of(other));
                out.problems.push(Problem::warning(INPUT, None, "not a JSON object; spoken as the alert text"));
            }
        }
        if let Some(arn) = &out.alert.topic_arn {
            out.alert.topic_name = topic_name_from_arn(arn).map(str::to_owned);
            if out.alert.topic_name.is_none() {
                out.problems.push(Problem::error(
                    INPUT,
                    Some("TopicArn".into()),
                    format!("{arn:?} is not an SNS topic ARN"),
                ));
            }
        }
        out
    }

    fn merge(&mut self, other: Self) {
        self.alert = other.alert;
        self.dry_run |= other.dry_run;
        self.at = other.at.or(self.at);
        self.explicit = other.explicit;
        self.test_call = other.test_call.or(self.test_call.take());
        self.problems.extend(other.problems);
    }

    /// One record: SQS (`body`), SNS (`Sns`), an SNS envelope, or a console start.
    fn record(&mut self, record: &Value) {
        if let Some(sns) = record.get("Sns") {
            self.envelope(sns);
        } else if let Some(body) = record.get("body") {
            self.sqs(record, body);
        } else if record.get("TopicArn").is_some() || record.get("Type").is_some() || is_sns_envelope(record) {
            self.envelope(record);
        } else {
            self.console(record);
        }
    }

    fn sqs(&mut self, record: &Value, body: &Value) {
        let text = match body {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(envelope) if envelope.get("TopicArn").is_some() || is_sns_envelope(&envelope) => {
                self.envelope(&envelope)
            }
            // Raw message delivery: the topic is unknown, the body is the alert.
            _ => {
                self.alert.message = Some(text);
                self.alert.message_id = string(record, "messageId");
                if let Some(attributes) = record.get("messageAttributes") {
                    self.dry_run |= attribute(attributes, "dryRun", "stringValue");
                    self.explicit = explicit(attributes, "stringValue");
                }
            }
        }
    }

    fn envelope(&mut self, envelope: &Value) {
        self.alert.topic_arn = string(envelope, "TopicArn");
        self.alert.subject = string(envelope, "Subject");
        self.alert.message = string(envelope, "Message");
        self.alert.message_id = string(envelope, "MessageId");
        if let Some(attributes) = envelope.get("MessageAttributes") {
            self.dry_run |= attribute(attributes, "dryRun", "Value");
            self.explicit = explicit(attributes, "Value");
        }
        if self.alert.topic_arn.is_none() && is_sns_envelope(envelope) {
            self.problems.push(Problem::warning(
                INPUT,
                Some("TopicArn".into()),
                "an SNS notification without TopicArn: its Message is spoken, but the topic is unknown, so mapping \
                 mode cannot choose the project's roster",
            ));
        }
    }

    fn console(&mut self, input: &Value) {
        let Value::Object(fields) = input else {
            self.alert.message = Some(text_of(input));
            return;
        };
        self.alert.topic_arn = string(input, "topicArn");
        self.alert.subject = string(input, "subject");
        self.alert.message = match fields.get("message") {
            None | Some(Value::Null) => None,
            Some(other) => Some(text_of(other)),
        };
        match fields.get("dryRun") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(flag)) => self.dry_run = *flag,
            Some(Value::String(raw)) if parse_bool(raw).is_some() => self.dry_run = parse_bool(raw) == Some(true),
            Some(_) => {
                self.dry_run = true;
                self.problems.push(Problem::error(
                    INPUT,
                    Some("dryRun".into()),
                    "must be true or false; treated as true so nobody is rung by mistake",
                ));
            }
        }
        if let Some(raw) = fields.get("at") {
            match raw.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()) {
                Some(at) => self.at = Some(at.with_timezone(&Utc)),
                None => self.problems.push(Problem::error(
                    INPUT,
                    Some("at".into()),
                    "must be an RFC 3339 instant such as 2026-12-01T09:00:00+09:00; the current time is used",
                )),
            }
        }
        self.explicit = Explicit { dedup_key: string(input, "dedupKey"), action: string(input, "action") };
        self.test_call = fields.get("testCall").filter(|v| !v.is_null()).map(text_of);
        let known = ["topicArn", "subject", "message", "dryRun", "at", "dedupKey", "action", "testCall"];
        for key in fields.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problems.push(Problem::warning(
                INPUT,
                Some(key.clone()),
                format!("unknown field, ignored (expected one of {})", known.join(", ")),
            ));
        }
    }
}

/// An SNS notification as SNS delivers it (to SQS, HTTP or email-json): `Type: "Notification"`
/// with a `Message`, or a `Message` with the `MessageId` and `Timestamp` every notification
/// carries. Such an envelope is the alert's wrapping, never its text, whether or not it names
/// its `TopicArn`: only the `Message` (and the `Subject`) is spoken.
pub fn is_sns_envelope(value: &Value) -> bool {
    let Some(fields) = value.as_object() else { return false };
    let message = fields.get("Message").is_some_and(|m| m.is_string() || m.is_null());
    let notification = fields.get("Type").and_then(Value::as_str) == Some("Notification");
    message && (notification || (fields.contains_key("MessageId") && fields.contains_key("Timestamp")))
}

fn string(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The `dedupKey` and `action` message attributes (SNS: `Value`, SQS: `stringValue`).
fn explicit(attributes: &Value, field: &str) -> Explicit {
    let text = |name: &str| attributes.get(name).and_then(|a| a.get(field)).and_then(Value::as_str).map(str::to_owned);
    Explicit { dedup_key: text("dedupKey"), action: text("action") }
}

/// An SNS or SQS message attribute that is true. SNS puts the text under `Value`, SQS under
/// `stringValue`.
fn attribute(attributes: &Value, name: &str, field: &str) -> bool {
    attributes.get(name).and_then(|a| a.get(field)).and_then(Value::as_str).and_then(parse_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope() -> Value {
        json!({
            "Type": "Notification",
            "MessageId": "5f1c0d2e-0000-4000-8000-000000000001",
            "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:projectA-sns-topic",
            "Subject": "ALARM: \"db-cpu\"",
            "Message": "CPU high",
            "Timestamp": "2026-11-21T03:00:00.000Z",
            "MessageAttributes": {"dryRun": {"Type": "String", "Value": "true"}}
        })
    }

    #[test]
    fn reads_a_pipe_batch_of_sqs_records_with_an_sns_body() {
        let input = json!([{"messageId": "sqs-1", "body": envelope().to_string(), "eventSource": "aws:sqs"}]);
        let parsed = AlertInput::parse(&input);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.alert.topic_name.as_deref(), Some("projectA-sns-topic"));
        assert_eq!(parsed.alert.subject.as_deref(), Some("ALARM: \"db-cpu\""));
        assert_eq!(parsed.alert.message.as_deref(), Some("CPU high"));
        assert_eq!(parsed.alert.message_id.as_deref(), Some("5f1c0d2e-0000-4000-8000-000000000001"));
        assert!(parsed.dry_run);
    }

    #[test]
    fn reports_extra_records_in_one_batch() {
        let record = json!({"body": envelope().to_string()});
        let parsed = AlertInput::parse(&json!([record.clone(), record]));
        assert_eq!(parsed.alert.message.as_deref(), Some("CPU high"));
        assert!(parsed.problems[0].message.contains("batch of 2"));
    }

    #[test]
    fn reads_a_lambda_sns_event_even_the_minimal_one() {
        let parsed = AlertInput::parse(
            &json!({"Records": [{"Sns": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:b-topic"}}]}),
        );
        assert_eq!(parsed.alert.topic_name.as_deref(), Some("b-topic"));
        assert_eq!(parsed.alert.message, None);
        assert!(!parsed.dry_run);
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn reads_a_raw_sqs_body_as_the_alert_text() {
        let input = json!({"messageId": "m1", "body": "disk full", "messageAttributes": {"dryRun": {"stringValue": "true", "dataType": "String"}}});
        let parsed = AlertInput::parse(&input);
        assert_eq!(parsed.alert.message.as_deref(), Some("disk full"));
        assert_eq!(parsed.alert.topic_name, None);
        assert!(parsed.dry_run);
    }

    #[test]
    fn reads_a_console_start() {
        let parsed = AlertInput::parse(&json!({
            "topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic",
            "subject": "test", "message": "hello", "dryRun": true, "at": "2026-12-01T09:00:00+09:00"
        }));
        assert_eq!(parsed.alert.topic_name.as_deref(), Some("a-topic"));
        assert!(parsed.dry_run);
        assert_eq!(parsed.at.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn empty_object_is_simple_mode() {
        assert_eq!(AlertInput::parse(&json!({})), AlertInput::default());
    }

    #[test]
    fn odd_console_fields_are_reported_and_fail_safe() {
        let parsed = AlertInput::parse(&json!({"dryRun": "perhaps", "at": "tomorrow", "topic": "x"}));
        assert!(parsed.dry_run, "an unreadable dryRun must not ring people");
        assert_eq!(parsed.at, None);
        let locations: Vec<_> = parsed.problems.iter().filter_map(|p| p.location.clone()).collect();
        assert_eq!(locations, ["dryRun", "at", "topic"]);
    }

    #[test]
    fn a_bad_topic_arn_is_reported() {
        let parsed = AlertInput::parse(&json!({"topicArn": "projectA"}));
        assert_eq!(parsed.alert.topic_name, None);
        assert!(parsed.problems[0].is_error());
    }

    #[test]
    fn non_object_input_is_still_an_alert() {
        let parsed = AlertInput::parse(&json!("server down"));
        assert_eq!(parsed.alert.message.as_deref(), Some("server down"));
        assert_eq!(parsed.problems.len(), 1);
        assert!(AlertInput::parse(&json!([])).problems[0].is_error());
    }

    #[test]
    fn an_sns_envelope_without_topic_arn_speaks_its_message_not_the_envelope() {
        let mut bare = envelope();
        bare.as_object_mut().unwrap().remove("TopicArn");
        // As an SQS record's body (the Pipe's batch), as the item itself, and as the SQS
        // record the workflow hands one execution.
        let shapes = [
            json!([{"messageId": "sqs-1", "body": bare.to_string()}]),
            bare.clone(),
            json!({"messageId": "sqs-1", "body": bare.to_string()}),
        ];
        for input in shapes {
            let parsed = AlertInput::parse(&input);
            assert_eq!(parsed.alert.message.as_deref(), Some("CPU high"), "{input}");
            assert_eq!(parsed.alert.subject.as_deref(), Some("ALARM: \"db-cpu\""), "{input}");
            assert_eq!(parsed.alert.message_id.as_deref(), Some("5f1c0d2e-0000-4000-8000-000000000001"));
            assert_eq!(parsed.alert.topic_name, None);
            assert!(parsed.dry_run, "its attributes are read too");
            let problems: Vec<_> = parsed.problems.iter().map(|p| p.location.as_deref()).collect();
            assert_eq!(problems, [Some("TopicArn")], "{input}: {:?}", parsed.problems);
            assert!(!parsed.problems[0].is_error(), "the alert still rings");
        }

        // Without Type, an envelope is still known by MessageId and Timestamp.
        let mut untyped = bare.clone();
        untyped.as_object_mut().unwrap().remove("Type");
        let parsed = AlertInput::parse(&json!({"body": untyped.to_string()}));
        assert_eq!(parsed.alert.message.as_deref(), Some("CPU high"));
        let parsed = AlertInput::parse(&untyped);
        assert_eq!(parsed.alert.message.as_deref(), Some("CPU high"));

        // Other JSON bodies are still the alert's text, whole.
        let other = json!({"Message": "m"}).to_string();
        let parsed = AlertInput::parse(&json!({"body": other}));
        assert_eq!(parsed.alert.message.as_deref(), Some(r#"{"Message":"m"}"#));
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn a_long_alert_is_kept_cut_and_says_how_much_was_cut() {
        let long = "あ".repeat(MAX_KEPT_MESSAGE_CHARS + 500);
        let kept = Alert { message: Some(long), ..Alert::default() }.kept();
        let message = kept.message.unwrap();
        assert!(message.starts_with(&"あ".repeat(MAX_KEPT_MESSAGE_CHARS)));
        assert!(message.ends_with("(500 more characters not kept)"), "{}", &message[message.len() - 60..]);
        let short = Alert { message: Some("disk full".into()), ..Alert::default() }.kept();
        assert_eq!(short.message.as_deref(), Some("disk full"));
    }

    #[test]
    fn a_dedup_key_and_an_action_are_read_from_attributes_and_console_fields() {
        let mut sns = envelope();
        sns["MessageAttributes"] = json!({
            "dedupKey": {"Type": "String", "Value": "db/primary"},
            "action": {"Type": "String", "Value": "resolve"},
        });
        let expected = Explicit { dedup_key: Some("db/primary".into()), action: Some("resolve".into()) };
        assert_eq!(AlertInput::parse(&json!({"body": sns.to_string()})).explicit, expected);
        assert_eq!(AlertInput::parse(&json!({"Records": [{"Sns": sns}]})).explicit, expected);
        let raw = json!({"body": "db down", "messageId": "m-1", "messageAttributes": {
            "dedupKey": {"stringValue": "db/primary", "dataType": "String"},
            "action": {"stringValue": "resolve", "dataType": "String"},
        }});
        assert_eq!(AlertInput::parse(&raw).explicit, expected);
        let console = AlertInput::parse(&json!({"message": "db back", "dedupKey": "db/primary", "action": "resolve"}));
        assert_eq!(console.explicit, expected);
        assert!(console.problems.is_empty(), "{:?}", console.problems);
        assert_eq!(AlertInput::parse(&envelope()).explicit, Explicit::default());
    }
}
