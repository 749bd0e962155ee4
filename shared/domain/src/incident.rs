//! What an alert means for the problem it reports: a key naming the problem (the incident)
//! and an action, so that an alarm's recovery does not page anyone and one problem is one
//! escalation.
//!
//! - A CloudWatch alarm notification (the JSON CloudWatch publishes to SNS, metric and
//!   composite alarms alike): the key is the alarm (its ARN, or account, region and name);
//!   `ALARM` triggers, `OK` resolves, `INSUFFICIENT_DATA` is a notice that rings nobody unless
//!   the project pages on it.
//! - An EventBridge `CloudWatch Alarm State Change` event delivered through SNS: the same rules,
//!   read from `resources` and `detail.state.value`.
//! - Explicit, in the spirit of PagerDuty's Events API: a `dedupKey` (or `dedup_key`) and an
//!   `action` (`trigger` or `resolve`; `event_action` and `eventAction` are read too) as JSON
//!   fields of the message, as SNS message attributes, or as fields of a console start. A
//!   resolve without a key could end nothing: it triggers, so an unrelated message's own
//!   `action` field never silences an alert.
//! - Anything else triggers, keyed by its text: identical messages are one incident.
//!
//! Classifying never fails: what cannot be read is a trigger, and the oddity is a problem.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::alert::{Alert, INPUT};
use crate::incident_store::Claim;
use crate::problem::Problem;

/// The longest key kept as given; a longer one is replaced by its SHA-256, so the store's key
/// stays small whatever a publisher sends.
pub const MAX_KEY_CHARS: usize = 256;

/// The longest source state kept as given (`INSUFFICIENT_DATA` is 17); a longer one is not a
/// state anyone sends on purpose, and the escalation's state must stay small whatever arrives.
pub const MAX_STATE_CHARS: usize = 32;

/// What the alert does to its incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IncidentAction {
    /// The problem is (still) there: ring, or join the open incident.
    Trigger,
    /// The problem is over: end the incident; rings nobody.
    Resolve,
    /// Worth recording, not worth waking anyone (an alarm without data): rings nobody.
    Notice,
}

/// Where the classification was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IncidentSource {
    /// A CloudWatch alarm notification (metric or composite alarm).
    CloudwatchAlarm,
    /// An EventBridge CloudWatch Alarm State Change event.
    Eventbridge,
    /// A `dedupKey` and an `action` given by the publisher.
    Explicit,
    /// Nothing said which problem this is: the key is the alert's text.
    Content,
}

/// The alert's incident key and action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub key: String,
    pub action: IncidentAction,
    pub source: IncidentSource,
    /// The alarm's state as its source named it (`ALARM`, `OK`, `INSUFFICIENT_DATA`), or the
    /// explicit action as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// What the incident store made of the alert ([`crate::incident_store`]); absent when no
    /// store is configured, in a dry run, for a notice, and in `oncall plan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
}

/// What a project does with an alarm that has no data (`INSUFFICIENT_DATA`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InsufficientData {
    /// Record it and ring nobody (the default).
    #[default]
    Notice,
    /// Page as for `ALARM`.
    Page,
}

/// A dedup key and an action the publisher gave outside the message: SNS message attributes,
/// or the fields of a console start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explicit {
    pub dedup_key: Option<String>,
    pub action: Option<String>,
}

/// Classifies `alert`; see the module. The problems say what could not be read.
pub fn classify(alert: &Alert, explicit: &Explicit, insufficient_data: InsufficientData) -> (Incident, Vec<Problem>) {
    let mut problems = Vec::new();
    let body = alert.message.as_deref().and_then(|m| serde_json::from_str::<Value>(m.trim()).ok());
    let body = body.as_ref().filter(|b| b.is_object());

    let from_json =
        body.map(|b| (text(b, &["dedupKey", "dedup_key"]), text(b, &["action", "eventAction", "event_action"])));
    let (json_key, json_action) = from_json.unwrap_or_default();
    let key = explicit.dedup_key.clone().or(json_key);
    let action = explicit.action.clone().or(json_action);
    if key.is_some() || action.is_some() {
        let incident = explicit_incident(alert, key, action, &mut problems);
        return (incident, problems);
    }

    if let Some(body) = body {
        if let (Some(name), Some(state)) = (text(body, &["AlarmName"]), text(body, &["NewStateValue"])) {
            let key = text(body, &["AlarmArn"]).unwrap_or_else(|| {
                let account = text(body, &["AWSAccountId"]).unwrap_or_default();
                let region = text(body, &["Region"]).unwrap_or_default();
                format!("cloudwatch:{account}:{region}:{name}")
            });
            let action = alarm_action(&state, insufficient_data, "NewStateValue", &mut problems);
            return (incident(key, action, IncidentSource::CloudwatchAlarm, Some(state)), problems);
        }
        if text(body, &["detail-type"]).as_deref() == Some("CloudWatch Alarm State Change") {
            let detail = body.get("detail");
            let state = detail.and_then(|d| d.get("state")).and_then(|s| s.get("value")).and_then(Value::as_str);
            let resource =
                body.get("resources").and_then(Value::as_array).and_then(|r| r.first()).and_then(Value::as_str);
            let key = resource.map(str::to_owned).unwrap_or_else(|| {
                let account = text(body, &["account"]).unwrap_or_default();
                let region = text(body, &["region"]).unwrap_or_default();
                let name = detail.and_then(|d| d.get("alarmName")).and_then(Value::as_str).unwrap_or_default();
                format!("cloudwatch:{account}:{region}:{name}")
            });
            let Some(state) = state else {
                problems.push(Problem::warning(
                    INPUT,
                    Some("detail.state.value".into()),
                    "a CloudWatch Alarm State Change event without the alarm's state: treated as ALARM",
                ));
                return (incident(key, IncidentAction::Trigger, IncidentSource::Eventbridge, None), problems);
            };
            let action = alarm_action(state, insufficient_data, "detail.state.value", &mut problems);
            return (incident(key, action, IncidentSource::Eventbridge, Some(state.to_owned())), problems);
        }
    }

    (incident(content_key(alert), IncidentAction::Trigger, IncidentSource::Content, None), problems)
}

fn explicit_incident(
    alert: &Alert,
    key: Option<String>,
    action: Option<String>,
    problems: &mut Vec<Problem>,
) -> Incident {
    let key = key.filter(|k| !k.trim().is_empty());
    let parsed = match action.as_deref().map(str::trim) {
        None | Some("trigger") => IncidentAction::Trigger,
        // A resolve names what it resolves; without a key it could end nothing, and an
        // unrelated message's own `action` field must not silence an alert.
        Some("resolve") if key.is_some() => IncidentAction::Resolve,
        Some("resolve") => {
            problems.push(Problem::warning(
                INPUT,
                Some("dedupKey".into()),
                "a resolve without the dedupKey of what it resolves: treated as a trigger",
            ));
            IncidentAction::Trigger
        }
        Some(other) => {
            problems.push(Problem::warning(
                INPUT,
                Some("action".into()),
                format!("{other:?} is not an action (expected trigger or resolve): treated as trigger"),
            ));
            IncidentAction::Trigger
        }
    };
    let key = key.unwrap_or_else(|| content_key(alert));
    incident(key, parsed, IncidentSource::Explicit, action)
}

fn alarm_action(
    state: &str,
    insufficient_data: InsufficientData,
    field: &str,
    problems: &mut Vec<Problem>,
) -> IncidentAction {
    match state {
        "ALARM" => IncidentAction::Trigger,
        "OK" => IncidentAction::Resolve,
        "INSUFFICIENT_DATA" => match insufficient_data {
            InsufficientData::Notice => IncidentAction::Notice,
            InsufficientData::Page => IncidentAction::Trigger,
        },
        other => {
            problems.push(Problem::warning(
                INPUT,
                Some(field.into()),
                format!("{other:?} is not a CloudWatch alarm state (ALARM, OK, INSUFFICIENT_DATA): treated as ALARM"),
            ));
            IncidentAction::Trigger
        }
    }
}

fn incident(key: String, action: IncidentAction, source: IncidentSource, state: Option<String>) -> Incident {
    let key = if key.chars().count() > MAX_KEY_CHARS { format!("sha256:{}", hex(key.as_bytes())) } else { key };
    let state = state.filter(|state| state.chars().count() <= MAX_STATE_CHARS);
    Incident { key, action, source, state, claim: None }
}

/// The key of an alert nothing else names: the SHA-256 of its subject and message, so the
/// same text is the same incident and no text is kept in the key.
fn content_key(alert: &Alert) -> String {
    let subject = alert.subject.as_deref().unwrap_or_default();
    let message = alert.message.as_deref().unwrap_or_default();
    let mut text = Vec::with_capacity(subject.len() + message.len() + 1);
    text.extend_from_slice(subject.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(message.as_bytes());
    format!("content:{}", hex(&text))
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The first of `names` that is a non-empty string field of `value`.
fn text(value: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| value.get(*name).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(message: &Value) -> Alert {
        Alert { message: Some(message.to_string()), ..Alert::default() }
    }

    fn classified(message: &Value) -> Incident {
        classify(&alert(message), &Explicit::default(), InsufficientData::Notice).0
    }

    const ARN: &str = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-db-cpu";

    #[test]
    fn a_cloudwatch_alarm_is_keyed_by_its_arn_and_its_state_says_the_action() {
        for (state, action) in [
            ("ALARM", IncidentAction::Trigger),
            ("OK", IncidentAction::Resolve),
            ("INSUFFICIENT_DATA", IncidentAction::Notice),
        ] {
            let incident = classified(&json!({"AlarmName": "prod-db-cpu", "AlarmArn": ARN, "NewStateValue": state}));
            assert_eq!(incident.key, ARN);
            assert_eq!((incident.action, incident.source), (action, IncidentSource::CloudwatchAlarm), "{state}");
            assert_eq!(incident.state.as_deref(), Some(state));
        }
    }

    #[test]
    fn without_an_arn_the_alarm_is_its_account_region_and_name() {
        let message = json!({"AlarmName": "disk", "AWSAccountId": "123456789012", "Region": "Asia Pacific (Tokyo)", "NewStateValue": "ALARM"});
        assert_eq!(classified(&message).key, "cloudwatch:123456789012:Asia Pacific (Tokyo):disk");
    }

    #[test]
    fn a_project_may_page_on_insufficient_data() {
        let message = json!({"AlarmName": "a", "AlarmArn": ARN, "NewStateValue": "INSUFFICIENT_DATA"});
        let (incident, problems) = classify(&alert(&message), &Explicit::default(), InsufficientData::Page);
        assert_eq!(incident.action, IncidentAction::Trigger);
        assert!(problems.is_empty());
    }

    #[test]
    fn an_eventbridge_alarm_state_change_follows_the_same_rules() {
        let event = |state: &str| {
            json!({"version": "0", "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
                   "account": "123456789012", "region": "ap-northeast-1", "resources": [ARN],
                   "detail": {"alarmName": "prod-db-cpu", "state": {"value": state}}})
        };
        let alarm = classified(&event("ALARM"));
        assert_eq!(
            (alarm.key.as_str(), alarm.action, alarm.source),
            (ARN, IncidentAction::Trigger, IncidentSource::Eventbridge)
        );
        assert_eq!(classified(&event("OK")).action, IncidentAction::Resolve);
        assert_eq!(classified(&event("INSUFFICIENT_DATA")).action, IncidentAction::Notice);
        // The same alarm through either route is the same incident.
        let direct = classified(&json!({"AlarmName": "prod-db-cpu", "AlarmArn": ARN, "NewStateValue": "OK"}));
        assert_eq!(direct.key, classified(&event("OK")).key);
    }

    #[test]
    fn an_explicit_key_and_action_win_wherever_they_are_given() {
        let fields = classified(&json!({"dedup_key": "db/primary", "event_action": "resolve", "summary": "back"}));
        assert_eq!(
            (fields.key.as_str(), fields.action, fields.source),
            ("db/primary", IncidentAction::Resolve, IncidentSource::Explicit)
        );
        let attributes = Explicit { dedup_key: Some("db/primary".into()), action: Some("trigger".into()) };
        let (incident, problems) = classify(
            &Alert { message: Some("disk full".into()), ..Alert::default() },
            &attributes,
            InsufficientData::Notice,
        );
        assert_eq!((incident.key.as_str(), incident.action), ("db/primary", IncidentAction::Trigger));
        assert!(problems.is_empty());
        // Attributes beat the message's own fields.
        let (incident, _) =
            classify(&alert(&json!({"dedupKey": "other", "action": "resolve"})), &attributes, InsufficientData::Notice);
        assert_eq!((incident.key.as_str(), incident.action), ("db/primary", IncidentAction::Trigger));
    }

    #[test]
    fn an_unknown_action_or_state_still_triggers_and_says_why() {
        let (incident, problems) = classify(
            &alert(&json!({"dedupKey": "k", "action": "acknowledge"})),
            &Explicit::default(),
            InsufficientData::Notice,
        );
        assert_eq!(incident.action, IncidentAction::Trigger);
        assert_eq!(problems[0].location.as_deref(), Some("action"));
        assert!(problems[0].message.contains("\"acknowledge\" is not an action"), "{}", problems[0].message);

        let (incident, problems) = classify(
            &alert(&json!({"AlarmName": "a", "NewStateValue": "ALARMING"})),
            &Explicit::default(),
            InsufficientData::Notice,
        );
        assert_eq!(incident.action, IncidentAction::Trigger);
        assert_eq!(problems[0].location.as_deref(), Some("NewStateValue"));

        let (incident, problems) =
            classify(&alert(&json!({"action": "resolve"})), &Explicit::default(), InsufficientData::Notice);
        assert_eq!((incident.action, incident.source), (IncidentAction::Trigger, IncidentSource::Explicit));
        assert!(incident.key.starts_with("content:"));
        assert_eq!(problems[0].location.as_deref(), Some("dedupKey"));
        assert!(problems[0].message.contains("treated as a trigger"), "{}", problems[0].message);
    }

    #[test]
    fn anything_else_triggers_and_the_same_text_is_the_same_incident() {
        let text =
            |message: &str| Alert { subject: Some("disk".into()), message: Some(message.into()), ..Alert::default() };
        let (first, problems) = classify(&text("disk full on db-1"), &Explicit::default(), InsufficientData::Notice);
        let (again, _) = classify(&text("disk full on db-1"), &Explicit::default(), InsufficientData::Notice);
        let (other, _) = classify(&text("disk full on db-2"), &Explicit::default(), InsufficientData::Notice);
        assert_eq!((first.action, first.source), (IncidentAction::Trigger, IncidentSource::Content));
        assert!(problems.is_empty());
        assert_eq!(first.key, again.key);
        assert_ne!(first.key, other.key);
        assert!(!first.key.contains("disk"), "no alert text in the key: {}", first.key);
        // A JSON message that is not an alarm is content too.
        assert_eq!(classified(&json!({"foo": 1})).source, IncidentSource::Content);
    }

    #[test]
    fn a_key_longer_than_the_bound_is_hashed() {
        let long = "k".repeat(MAX_KEY_CHARS + 1);
        let incident = classified(&json!({"dedupKey": long, "action": "trigger"}));
        assert!(incident.key.starts_with("sha256:") && incident.key.len() == 7 + 64, "{}", incident.key);
        let exact = "k".repeat(MAX_KEY_CHARS);
        assert_eq!(classified(&json!({"dedupKey": exact.clone()})).key, exact);
        // A huge action or alarm state is not carried along either.
        let action = "x".repeat(100_000);
        let incident = classified(&json!({"dedupKey": "k", "action": action}));
        assert_eq!((incident.action, incident.state), (IncidentAction::Trigger, None));
        let incident = classified(&json!({"AlarmName": "a", "NewStateValue": "y".repeat(100_000)}));
        assert_eq!(incident.state, None);
    }
}
