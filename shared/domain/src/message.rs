//! The text the contact flow speaks.
//!
//! A CloudWatch alarm delivered through SNS is spoken as the project's message plus the
//! alarm's name, new state and a short reason; any other alert text is spoken as it came;
//! with no alert text at all, the project's message (by default `CONNECT_ALARM_MSG`) is
//! spoken, as the original did. The result is cleaned for text-to-speech and cut to a
//! length that fits a contact attribute and a wake-up call.

use serde_json::Value;

use crate::alert::{Alert, is_sns_envelope};

/// The longest text spoken, in characters. A contact attribute holds far more, but a
/// sleepy listener needs the gist, and Polly bills (and pauses) by length.
pub const MAX_SPOKEN_CHARS: usize = 600;

/// The longest alarm reason kept: CloudWatch reasons are long and mostly numbers.
const MAX_REASON_CHARS: usize = 120;

/// Builds the spoken text for `alert` with the project's base message.
pub fn spoken_message(base: &str, alert: &Alert) -> String {
    let message = alert.message.as_deref().map(|m| sns_message(m).unwrap_or_else(|| m.to_owned()));
    let text = match message.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => base.to_owned(),
        Some(text) => match cloudwatch_alarm(text) {
            Some(alarm) => format!("{base} {alarm}"),
            None => text.to_owned(),
        },
    };
    let clean = speakable(&text);
    if clean.is_empty() { speakable(base) } else { clean }
}

/// The `Message` of an SNS notification that reached the alert's text whole (an envelope
/// without `TopicArn` passed on as a message, say): the envelope's ids, timestamps and
/// signature are never read aloud.
fn sns_message(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text.trim()).ok()?;
    if !is_sns_envelope(&value) {
        return None;
    }
    Some(value.get("Message").and_then(Value::as_str).unwrap_or_default().to_owned())
}

/// `アラーム <name> が <state> になりました。<reason>` for a CloudWatch alarm notification.
fn cloudwatch_alarm(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let name = value.get("AlarmName")?.as_str()?;
    let state = value.get("NewStateValue").and_then(Value::as_str).unwrap_or("ALARM");
    let mut spoken = format!("アラーム {name} が {state} になりました。");
    if let Some(reason) = value.get("NewStateReason").and_then(Value::as_str) {
        let reason = first_sentence(reason);
        if !reason.is_empty() {
            spoken.push_str(&truncate(&reason, MAX_REASON_CHARS));
        }
    }
    Some(spoken)
}

/// The reason up to its first sentence end or bracketed data dump.
fn first_sentence(reason: &str) -> String {
    let end = reason.find(['[', '(', '.', '。']).unwrap_or(reason.len());
    reason[..end].trim().trim_end_matches(':').trim().to_owned()
}

/// Removes what breaks or garbles text-to-speech in the flow: markup characters (the flow
/// may speak SSML), control characters and runs of white space; cuts to the length limit.
pub fn speakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let replacement = match c {
            '&' => Some(" and "),
            '<' | '>' | '{' | '}' | '\\' | '"' | '`' => Some(" "),
            c if c.is_control() || c.is_whitespace() => Some(" "),
            _ => None,
        };
        match replacement {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&collapsed, MAX_SPOKEN_CHARS)
}

/// Cuts at a character boundary, marking the cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(message: Option<&str>) -> Alert {
        Alert { message: message.map(str::to_owned), ..Alert::default() }
    }

    const BASE: &str = "障害が発生しました。";

    #[test]
    fn no_alert_text_speaks_the_project_message() {
        assert_eq!(spoken_message(BASE, &alert(None)), BASE);
        assert_eq!(spoken_message(BASE, &alert(Some("   "))), BASE);
    }

    #[test]
    fn plain_text_is_spoken_as_it_came() {
        assert_eq!(spoken_message(BASE, &alert(Some("DB is down on prod"))), "DB is down on prod");
    }

    #[test]
    fn a_cloudwatch_alarm_is_spoken_with_name_state_and_short_reason() {
        let json = r#"{"AlarmName":"prod-db-cpu","NewStateValue":"ALARM",
            "NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [99.5 (21/11/26 03:00:00)] was greater than the threshold (90.0).",
            "Trigger":{"MetricName":"CPUUtilization"}}"#;
        assert_eq!(
            spoken_message("A案件で障害が発生しました。", &alert(Some(json))),
            "A案件で障害が発生しました。 アラーム prod-db-cpu が ALARM になりました。Threshold Crossed: 1 out of the last 1 datapoints"
        );
    }

    #[test]
    fn json_that_is_not_an_alarm_is_spoken_as_text() {
        let spoken = spoken_message(BASE, &alert(Some(r#"{"event":"deploy"}"#)));
        assert_eq!(spoken, "event : deploy");
    }

    #[test]
    fn characters_that_break_the_flow_are_removed() {
        let spoken = spoken_message(BASE, &alert(Some("<speak>CPU & \"mem\"\n\thigh</speak>{$.x}")));
        assert_eq!(spoken, "speak CPU and mem high /speak $.x");
    }

    #[test]
    fn over_long_text_is_cut_at_a_character_boundary() {
        let long = "障".repeat(MAX_SPOKEN_CHARS + 50);
        let spoken = spoken_message(BASE, &alert(Some(&long)));
        assert_eq!(spoken.chars().count(), MAX_SPOKEN_CHARS + 1);
        assert!(spoken.ends_with('…'));
    }

    #[test]
    fn an_sns_envelope_in_the_text_speaks_only_its_message() {
        let envelope = serde_json::json!({
            "Type": "Notification",
            "MessageId": "5f1c0d2e-0000-4000-8000-000000000001",
            "Message": "DB is down on prod",
            "Timestamp": "2026-11-21T03:00:00.000Z",
            "SignatureVersion": "1"
        });
        assert_eq!(spoken_message(BASE, &alert(Some(&envelope.to_string()))), "DB is down on prod");
        // An alarm inside is still spoken as an alarm; an empty Message speaks the base.
        let mut alarm = envelope.clone();
        alarm["Message"] = serde_json::json!(r#"{"AlarmName":"prod-db-cpu","NewStateValue":"ALARM"}"#);
        assert_eq!(
            spoken_message(BASE, &alert(Some(&alarm.to_string()))),
            "障害が発生しました。 アラーム prod-db-cpu が ALARM になりました。"
        );
        let mut empty = envelope;
        empty["Message"] = serde_json::json!("");
        assert_eq!(spoken_message(BASE, &alert(Some(&empty.to_string()))), BASE);
    }

    #[test]
    fn text_of_only_markup_falls_back_to_the_project_message() {
        assert_eq!(spoken_message(BASE, &alert(Some("<>{}"))), BASE);
    }
}
