//! CloudWatch alarm notifications. The stack's own alarms (an alert in the dead-letter queue,
//! a failed escalation) publish their state changes to the outcome topic, so notify-slack
//! receives them beside the outcomes: CloudWatch's JSON, with `AlarmName`, `NewStateValue`,
//! `NewStateReason`, `StateChangeTime`, `Region`, `AlarmArn`, and `Trigger` (the metric) for a
//! metric alarm or `AlarmRule` for a composite one. They are posted as a readable notice.
//!
//! Every field is read leniently: a notification is recognised by its name and new state, and
//! whatever else is missing or of another shape is left out of the post.

use adapters::slack::{SlackMessage, escape};
use chrono::{DateTime, Utc};
use domain::phone::scrub_numbers;
use serde_json::Value;

/// The longest reason, description or rule shown: a reason can list many data points.
const SHOWN_CHARS: usize = 300;

/// What a post says about one alarm state change.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmNotification {
    pub name: String,
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    pub new_state: String,
    pub old_state: Option<String>,
    pub reason: Option<String>,
    pub description: Option<String>,
    /// `StateChangeTime`, e.g. `2026-11-21T05:02:10.123+0000`.
    pub time: Option<String>,
    /// `Region`, e.g. `Asia Pacific (Tokyo)`.
    pub region: Option<String>,
    pub account: Option<String>,
    pub arn: Option<String>,
    /// The metric of a metric alarm; `None` for a composite alarm.
    pub trigger: Option<Value>,
    /// The rule of a composite alarm.
    pub rule: Option<String>,
}

fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

impl AlarmNotification {
    /// Reads a CloudWatch alarm notification; `None` if `value` is not one (it has no
    /// `AlarmName` and `NewStateValue`).
    pub fn from_value(value: &Value) -> Option<Self> {
        Some(Self {
            name: text(value, "AlarmName")?,
            new_state: text(value, "NewStateValue")?,
            old_state: text(value, "OldStateValue"),
            reason: text(value, "NewStateReason"),
            description: text(value, "AlarmDescription"),
            time: text(value, "StateChangeTime"),
            region: text(value, "Region"),
            account: text(value, "AWSAccountId"),
            arn: text(value, "AlarmArn"),
            trigger: value.get("Trigger").filter(|t| t.is_object()).cloned(),
            rule: text(value, "AlarmRule"),
        })
    }

    /// The region's code (`ap-northeast-1`), from the alarm's ARN.
    pub fn region_code(&self) -> Option<&str> {
        self.arn.as_deref().and_then(|arn| arn.split(':').nth(3)).filter(|r| !r.is_empty())
    }
}

/// Free text from the notification, made safe to post: numbers masked, mrkdwn escaped,
/// shortened.
fn clean(text: &str) -> String {
    let scrubbed = scrub_numbers(text.trim());
    let mut shown: String = scrubbed.chars().take(SHOWN_CHARS).collect();
    if shown.len() < scrubbed.len() {
        shown.push('…');
    }
    escape(&shown)
}

/// `2026-11-21T05:02:10.123+0000` as `2026-11-21 05:02:10 UTC`; anything else as it is.
fn when(time: &str) -> String {
    DateTime::parse_from_str(time, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(time))
        .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| time.to_owned())
}

/// `SUM` as `Sum`.
fn statistic(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
}

fn comparison(operator: &str) -> &str {
    match operator {
        "GreaterThanThreshold" => ">",
        "GreaterThanOrEqualToThreshold" => "≥",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "≤",
        other => other,
    }
}

/// `Metric: AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=dlq), Maximum over 60 s > 0`.
fn metric_line(trigger: &Value) -> Option<String> {
    let field = |name: &str| trigger.get(name).and_then(Value::as_str).filter(|t| !t.is_empty());
    let metric = field("MetricName")?;
    let mut line = String::from("Metric: ");
    if let Some(namespace) = field("Namespace") {
        line.push_str(&format!("{namespace} "));
    }
    line.push_str(metric);
    let dimensions: Vec<String> = trigger
        .get("Dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let part = |key: &str| d.get(key).and_then(Value::as_str);
            Some(format!("{}={}", part("name")?, part("value")?))
        })
        .collect();
    if !dimensions.is_empty() {
        line.push_str(&format!(" ({})", dimensions.join(", ")));
    }
    let stat = field("Statistic").map(statistic).or_else(|| field("ExtendedStatistic").map(str::to_owned));
    let period = trigger.get("Period").and_then(Value::as_u64);
    let threshold = trigger.get("Threshold").and_then(Value::as_f64);
    if let Some(stat) = stat {
        line.push_str(&format!(", {stat}"));
        if let Some(period) = period {
            line.push_str(&format!(" over {period} s"));
        }
    }
    if let (Some(operator), Some(threshold)) = (field("ComparisonOperator"), threshold) {
        line.push_str(&format!(" {} {threshold}", comparison(operator)));
    }
    Some(clean(&line))
}

/// Percent-encodes a URL's path or fragment part.
fn url_part(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The Slack text for an alarm's state change.
pub fn alarm_message(alarm: &AlarmNotification) -> SlackMessage {
    let name = clean(&alarm.name);
    let mut text = match alarm.new_state.as_str() {
        "ALARM" => format!(":rotating_light: *ALARM: {name}*"),
        "OK" => format!(":white_check_mark: *Resolved: {name}* is OK again"),
        "INSUFFICIENT_DATA" => format!(":grey_question: *Insufficient data: {name}*"),
        other => format!(":bell: *{}: {name}*", clean(other)),
    };
    if let Some(reason) = &alarm.reason {
        text.push_str(&format!(" — {}", clean(reason)));
    }
    text.push('\n');
    if let Some(description) = &alarm.description {
        text.push_str(&format!("{}\n", clean(description)));
    }
    let mut facts = Vec::new();
    match &alarm.old_state {
        Some(old) => facts.push(format!("State: {} → {}", clean(old), clean(&alarm.new_state))),
        None => facts.push(format!("State: {}", clean(&alarm.new_state))),
    }
    if let Some(time) = &alarm.time {
        facts.push(format!("at {}", clean(&when(time))));
    }
    match (&alarm.region, alarm.region_code()) {
        (Some(region), _) => facts.push(clean(region)),
        (None, Some(code)) => facts.push(clean(code)),
        (None, None) => {}
    }
    if let Some(account) = &alarm.account {
        // `AWSAccountId` is an account id, not a phone number: twelve digits are shown whole,
        // as the alarm's ARN shows them; anything else in the field is free text.
        let id = account.trim();
        let shown = if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) { id.to_owned() } else { clean(id) };
        facts.push(format!("account {shown}"));
    }
    text.push_str(&facts.join(" · "));
    text.push('\n');
    match (&alarm.trigger, &alarm.rule) {
        (Some(trigger), _) => {
            if let Some(line) = metric_line(trigger) {
                text.push_str(&format!("{line}\n"));
            }
        }
        (None, Some(rule)) => text.push_str(&format!("Composite alarm rule: {}\n", clean(rule))),
        (None, None) => {}
    }
    if let Some(code) = alarm.region_code().filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
        let url = format!(
            "https://{code}.console.aws.amazon.com/cloudwatch/home?region={code}#alarmsV2:alarm/{}",
            url_part(&alarm.name)
        );
        text.push_str(&format!("<{url}|Open the alarm in the console>\n"));
    }
    SlackMessage::new(text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str =
        "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6";

    fn dead_letter(state: &str, old: &str, reason: &str) -> Value {
        json!({
            "AlarmName": "lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6",
            "AlarmDescription": "An alert could not start an escalation five times and is in the dead-letter queue.",
            "AWSAccountId": "123456789012",
            "AlarmConfigurationUpdatedTimestamp": "2026-11-20T09:12:44.871+0000",
            "NewStateValue": state,
            "NewStateReason": reason,
            "StateChangeTime": "2026-11-21T05:02:10.123+0000",
            "Region": "Asia Pacific (Tokyo)",
            "AlarmArn": ARN,
            "OldStateValue": old,
            "OKActions": ["arn:aws:sns:ap-northeast-1:123456789012:lambda-connect-outcome"],
            "AlarmActions": ["arn:aws:sns:ap-northeast-1:123456789012:lambda-connect-outcome"],
            "InsufficientDataActions": [],
            "Trigger": {
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Namespace": "AWS/SQS",
                "StatisticType": "Statistic",
                "Statistic": "MAXIMUM",
                "Unit": null,
                "Dimensions": [{"value": "lambda-connect-AlertDeadLetterQueue-Z9X8C7", "name": "QueueName"}],
                "Period": 60,
                "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 0.0,
                "TreatMissingData": "notBreaching",
                "EvaluateLowSampleCountPercentile": ""
            }
        })
    }

    fn render(value: &Value) -> String {
        alarm_message(&AlarmNotification::from_value(value).unwrap()).text
    }

    #[test]
    fn an_alarm_says_its_name_reason_state_time_region_and_metric() {
        let reason = "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (21/11/26 05:01:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).";
        let text = render(&dead_letter("ALARM", "OK", reason));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(":rotating_light: *ALARM: lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6* — {}", escape(reason))
        );
        assert_eq!(lines[1], "An alert could not start an escalation five times and is in the dead-letter queue.");
        assert_eq!(
            lines[2],
            "State: OK → ALARM · at 2026-11-21 05:02:10 UTC · Asia Pacific (Tokyo) · account 123456789012"
        );
        assert_eq!(
            lines[3],
            "Metric: AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=lambda-connect-AlertDeadLetterQueue-Z9X8C7), Maximum over 60 s &gt; 0"
        );
        assert_eq!(
            lines[4],
            "<https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6|Open the alarm in the console>"
        );
        assert_eq!(lines.len(), 5, "{text}");
    }

    #[test]
    fn ok_is_a_resolved_notice() {
        let text = render(&dead_letter(
            "OK",
            "ALARM",
            "Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).",
        ));
        assert!(
            text.starts_with(":white_check_mark: *Resolved: lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6* is OK again — Threshold Crossed"),
            "{text}"
        );
        assert!(text.contains("State: ALARM → OK"), "{text}");
        assert!(!text.contains(":rotating_light:"), "{text}");
    }

    #[test]
    fn insufficient_data_and_unknown_states_have_their_own_headings() {
        let text = render(&dead_letter("INSUFFICIENT_DATA", "OK", "no data"));
        assert!(text.starts_with(":grey_question: *Insufficient data: lambda-connect-"), "{text}");
        let text = render(&dead_letter("<SOMETHING>", "OK", "new"));
        assert!(text.starts_with(":bell: *&lt;SOMETHING&gt;: lambda-connect-"), "{text}");
    }

    #[test]
    fn a_composite_alarm_shows_its_rule_instead_of_a_metric() {
        let composite = json!({
            "AlarmName": "lambda-connect-anything-wrong",
            "AlarmDescription": null,
            "AWSAccountId": "123456789012",
            "NewStateValue": "ALARM",
            "NewStateReason": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6 transitioned to ALARM at Saturday 21 November, 2026 05:02:10 UTC",
            "StateChangeTime": "2026-11-21T05:02:11.456+0000",
            "Region": "Asia Pacific (Tokyo)",
            "AlarmArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:lambda-connect-anything-wrong",
            "OldStateValue": "OK",
            "AlarmRule": "ALARM(lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6) OR ALARM(lambda-connect-EscalationFailedAlarm-A1S2D3)",
            "TriggeringChildren": [{"Arn": ARN, "State": {"Value": "ALARM", "Timestamp": "2026-11-21T05:02:10.123+0000"}}]
        });
        let text = render(&composite);
        assert!(
            text.starts_with(":rotating_light: *ALARM: lambda-connect-anything-wrong* — arn:aws:cloudwatch:"),
            "{text}"
        );
        assert!(
            text.contains("\nComposite alarm rule: ALARM(lambda-connect-AlertDeadLetterAlarm-Q1W2E3R4T5Y6) OR ALARM("),
            "{text}"
        );
        assert!(!text.contains("Metric:"), "{text}");
        assert!(text.contains("at 2026-11-21 05:02:11 UTC"), "{text}");
    }

    #[test]
    fn a_bare_notification_needs_only_its_name_and_state() {
        let text = render(&json!({"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": "not an object"}));
        assert_eq!(text, ":rotating_light: *ALARM: x*\nState: ALARM");
        assert_eq!(AlarmNotification::from_value(&json!({"AlarmName": "x"})), None);
        assert_eq!(AlarmNotification::from_value(&json!({"NewStateValue": "OK"})), None);
        assert_eq!(AlarmNotification::from_value(&json!({"AlarmName": "", "NewStateValue": "OK"})), None);
    }

    #[test]
    fn numbers_are_masked_and_mrkdwn_is_escaped_and_long_text_is_shortened() {
        let mut value =
            dead_letter("ALARM", "OK", &format!("call to +819012345678 failed <@here> {}", "x".repeat(1000)));
        value["AlarmDescription"] = json!("Rings +81312345678 & then <!channel>");
        let text = render(&value);
        assert!(!text.contains("+819012345678") && !text.contains("+81312345678"), "{text}");
        assert!(text.contains("call to +8190****5678 failed &lt;@here&gt; xxx"), "{text}");
        assert!(text.contains("Rings +8131****5678 &amp; then &lt;!channel&gt;"), "{text}");
        assert!(text.contains("xxx…\n"), "{text}");
        assert!(text.len() < 1200, "{}", text.len());
    }

    #[test]
    fn times_read_as_utc_and_odd_ones_as_they_are() {
        assert_eq!(when("2026-11-21T14:02:10.123+0900"), "2026-11-21 05:02:10 UTC");
        assert_eq!(when("2026-11-21T05:02:10Z"), "2026-11-21 05:02:10 UTC");
        assert_eq!(when("yesterday"), "yesterday");
    }

    #[test]
    fn the_console_link_encodes_the_name() {
        let mut value = dead_letter("ALARM", "OK", "r");
        value["AlarmName"] = json!("my alarm/1");
        assert!(render(&value).contains("#alarmsV2:alarm/my%20alarm%2F1|"), "{}", render(&value));
    }
}
