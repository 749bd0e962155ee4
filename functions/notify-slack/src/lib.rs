//! notify-slack: posts each escalation's outcome to the team's Slack channel. It is
//! subscribed to the outcome SNS topic, where the workflow publishes two kinds of message:
//! - an [`Outcome`] (acknowledged by whom after how long, nobody acknowledged, or a dry
//!   run's call list), bare or as the `outcome` of an object that also carries the `alert`
//!   and `escalationId`, which then name the alert in the post;
//! - a [`FailureReport`] (`status: escalationFailed`): which step failed for good, and
//!   whether the fail-safe rang the fallback number; place-call writes it, masked.
//!
//! The stack's own CloudWatch alarms publish to the same topic; their notifications are
//! posted as an alarm notice ([`alarm`]). Anything else is posted as a notice with an
//! excerpt. Phone numbers in free text are masked before anything is posted.
//!
//! Slack is a courtesy: a message Slack refuses or an outcome that cannot be read is
//! logged, and the invocation still succeeds, so an escalation never fails, and SNS never
//! retries, because of Slack.

pub mod alarm;

use std::time::Duration;

use adapters::slack::{Notify, SlackError, SlackMessage, SlackNotifier, SlackSettings, escape, human_duration};
use adapters::ssm::{SecretError, read_secure_parameter};
use domain::calls::scrub_numbers;
use domain::config::{ConfigError, Env};
use domain::payload::{CallStatus, Outcome, OutcomeStatus};
use domain::phone::mask;
use domain::problem::Problem;
use domain::report::{FailureReport, StepFailure};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::{info, warn};

use crate::alarm::{AlarmNotification, alarm_message};

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
    #[serde(default)]
    pub subject: Option<String>,
    pub message: String,
}

/// `SLACK_WEBHOOK_URL_PARAMETER`: the SSM SecureString holding the webhook URL. Required:
/// this function does nothing else.
pub fn webhook_parameter(env: &impl Env) -> Result<String, ConfigError> {
    env.var("SLACK_WEBHOOK_URL_PARAMETER")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing { name: "SLACK_WEBHOOK_URL_PARAMETER" })
}

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<N> {
    pub notifier: N,
}

/// The production notifier: pauses with tokio's timer.
pub type Slack = SlackNotifier<fn(Duration) -> tokio::time::Sleep>;

/// Why one record was not posted. Logged under its `error_type`; never returned to Lambda.
#[derive(Debug, thiserror::Error)]
pub enum NotifySlackError {
    #[error(
        "SNS message {message_id} is neither an escalation outcome, a failure report nor a CloudWatch alarm: {reason}"
    )]
    UnreadableOutcome { message_id: String, reason: String },
    #[error(transparent)]
    Slack(#[from] SlackError),
}

impl NotifySlackError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::UnreadableOutcome { .. } => "UnreadableOutcome",
            Self::Slack(err) => err.error_type(),
        }
    }
}

/// The invocation's result, for the logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub posted: u32,
    /// Records whose message Slack did not take (logged with the reason).
    pub not_delivered: u32,
    /// Records that were not outcomes; a notice was posted instead.
    pub unreadable: u32,
}

/// Posts one message per record.
pub async fn handle<N: Notify>(deps: &Deps<N>, event: SnsEvent) -> Report {
    let mut report = Report::default();
    for record in event.records {
        let sns = record.sns;
        let message_id = sns.message_id.unwrap_or_default();
        let message = match slack_message(&sns.message, sns.subject.as_deref()) {
            Ok(message) => message,
            Err(reason) => {
                report.unreadable += 1;
                let err = NotifySlackError::UnreadableOutcome { message_id: message_id.clone(), reason };
                warn!(error_type = err.error_type(), error = %err, "posting a notice instead of the outcome");
                unreadable_message(&sns.message, sns.subject.as_deref(), &err)
            }
        };
        match deps.notifier.notify(&message).await {
            Ok(()) => {
                report.posted += 1;
                info!(message_id = %message_id, "outcome posted to Slack");
            }
            Err(err) => {
                report.not_delivered += 1;
                let err = NotifySlackError::from(err);
                warn!(error_type = err.error_type(), error = %err, message_id = %message_id, "outcome not posted to Slack");
            }
        }
    }
    report
}

/// Reads one SNS message; `Err` says why it is none of the kinds published to the topic.
pub fn slack_message(message: &str, subject: Option<&str>) -> Result<SlackMessage, String> {
    let value: Value = serde_json::from_str(message).map_err(|err| format!("not JSON: {err}"))?;
    if let Some(alarm) = AlarmNotification::from_value(&value) {
        return Ok(alarm_message(&alarm));
    }
    let context = Context::of(&value, subject);
    if value.get("status").and_then(Value::as_str) == Some("escalationFailed") {
        let report = FailureReport::deserialize(&value).map_err(|err| format!("not a failure report: {err}"))?;
        return Ok(failure_message(&report, &context));
    }
    if value.get("status").is_some() {
        let outcome = Outcome::deserialize(&value).map_err(|err| format!("not an outcome: {err}"))?;
        return Ok(outcome_message(&outcome, &context));
    }
    if let Some(outcome) = value.get("outcome").filter(|o| o.is_object()) {
        let outcome = Outcome::deserialize(outcome).map_err(|err| format!("outcome: {err}"))?;
        return Ok(outcome_message(&outcome, &context));
    }
    Err("no \"status\", \"outcome\" or \"AlarmName\" field".to_owned())
}

/// What names the escalation in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The alert's subject or topic; else the SNS subject, unless it is the workflow's
    /// generic `lambda-connect: <status>`, which the post says anyway.
    pub title: String,
    pub escalation_id: Option<String>,
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())
}

impl Context {
    pub fn of(value: &Value, subject: Option<&str>) -> Self {
        let alert = value.get("alert");
        let title = text(alert.and_then(|a| a.get("subject")))
            .or_else(|| text(alert.and_then(|a| a.get("topicName"))))
            .or_else(|| subject.map(str::trim).filter(|s| !s.is_empty() && !s.starts_with("lambda-connect:")))
            .map_or_else(|| "Escalation".to_owned(), scrub_numbers);
        let escalation_id =
            text(value.get("escalationId")).or_else(|| text(value.get("executionName"))).map(scrub_numbers);
        Self { title, escalation_id }
    }
}

/// The Slack text for an outcome.
pub fn outcome_message(outcome: &Outcome, context: &Context) -> SlackMessage {
    let title = escape(&context.title);
    let mut text = match outcome.status {
        OutcomeStatus::Acknowledged => {
            let by = outcome.acknowledged_by.as_deref().map_or_else(|| "someone".to_owned(), escape);
            let mut line = format!(":white_check_mark: *{title}: acknowledged* by {by}");
            if let Some(group) = &outcome.acknowledged_group {
                line.push_str(&format!(" ({})", escape(group)));
            }
            if let Some(seconds) = outcome.seconds_to_acknowledge {
                line.push_str(&format!(" after {}", human_duration(seconds)));
            }
            line
        }
        OutcomeStatus::NobodyAcknowledged => format!(":rotating_light: *{title}: nobody acknowledged*"),
        OutcomeStatus::DryRun => format!(":test_tube: *{title}: dry run*, nobody was called"),
    };
    text.push('\n');
    if let Some(id) = &context.escalation_id {
        text.push_str(&format!("Escalation: {}\n", escape(id)));
    }
    if !outcome.summary.trim().is_empty() {
        text.push_str(&format!("{}\n", escape(&scrub_numbers(outcome.summary.trim()))));
    }
    text.push_str(&format!("Attempts: {} · calls placed: {}\n", outcome.attempts_made, outcome.calls_placed));
    if outcome.status == OutcomeStatus::DryRun && !outcome.call_list.is_empty() {
        text.push_str("A real alert would ring, in order:\n");
        for (i, attempt) in outcome.call_list.iter().enumerate() {
            let numbers: Vec<String> = attempt.iter().map(|n| escape(n)).collect();
            text.push_str(&format!("{}. {}\n", i + 1, numbers.join(", ")));
        }
    }
    text.push_str(&problem_lines(&outcome.problems));
    SlackMessage::new(text.trim_end())
}

/// The workflow's failure report: a step failed for good, and the fallback number was rung
/// (or could not be).
fn failure_message(report: &FailureReport, context: &Context) -> SlackMessage {
    let mut text = format!(":x: *{}: the escalation failed*\n", escape(&context.title));
    if let Some(id) = &context.escalation_id {
        text.push_str(&format!("Escalation: {}\n", escape(id)));
    }
    if let Some(failure) = &report.failure {
        text.push_str(&format!("• Failed: {}\n", error_text(failure)));
    }
    match (&report.fallback_call, &report.fallback_call_error) {
        (_, Some(error)) => {
            text.push_str(&format!("• The fallback number could not be rung either: {}\n", error_text(error)));
        }
        (Some(call), None) if call.status == CallStatus::DryRun => {
            text.push_str("• A dry run: nobody was rung\n");
        }
        (Some(call), None) => {
            let status = serde_json::to_value(call.status).ok().and_then(|v| v.as_str().map(str::to_owned));
            text.push_str(&format!(
                "• The fallback number was rung: {} ({})\n",
                escape(&mask(&call.phone_number)),
                escape(status.as_deref().unwrap_or("unknown"))
            ));
        }
        (None, None) => {}
    }
    text.push_str(&problem_lines(&report.problems));
    if report.problems_not_shown > 0 {
        text.push_str(&format!("• … and {} more problems (see the execution)\n", report.problems_not_shown));
    }
    SlackMessage::new(text.trim_end())
}

/// Step Functions' `{"Error", "Cause"}`, shortened: a Cause can be a whole stack trace.
fn error_text(error: &StepFailure) -> String {
    let cause: String = scrub_numbers(&error.cause).chars().take(300).collect();
    match (error.error.as_str(), cause.as_str()) {
        ("", "") => "unknown error".to_owned(),
        (name, "") => escape(&scrub_numbers(name)),
        (name, cause) => format!("{}: {}", escape(&scrub_numbers(name)), escape(cause)),
    }
}

fn problem_lines(problems: &[Problem]) -> String {
    const SHOWN: usize = 10;
    if problems.is_empty() {
        return String::new();
    }
    let mut out = String::from("*Problems found:*\n");
    for problem in problems.iter().take(SHOWN) {
        out.push_str(&format!("• {}\n", escape(&problem.to_string())));
    }
    if problems.len() > SHOWN {
        out.push_str(&format!("• … and {} more (see the execution's output)\n", problems.len() - SHOWN));
    }
    out
}

/// A message of no known kind: posted with an excerpt, so that a change in what is
/// published is seen rather than lost; numbers in it are masked first.
fn unreadable_message(raw: &str, title: Option<&str>, err: &NotifySlackError) -> SlackMessage {
    let excerpt: String = scrub_numbers(raw).chars().take(500).collect();
    let title = title.map_or_else(String::new, |t| format!(" ({})", escape(&scrub_numbers(t))));
    SlackMessage::new(format!(
        ":warning: *An escalation outcome could not be read*{title}: {}\n```{}```",
        escape(&scrub_numbers(&err.to_string())),
        escape(&excerpt)
    ))
}

/// Why the function could not start.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("the webhook URL in {parameter} cannot be used: {source}")]
    Slack { parameter: String, source: SlackError },
}

impl Deps<Slack> {
    /// Reads the webhook URL once, at init.
    pub async fn init(aws: &adapters::SdkConfig, parameter: &str) -> Result<Self, InitError> {
        let url = read_secure_parameter(&adapters::ssm::ssm_client(aws), parameter).await?;
        let pause: fn(Duration) -> tokio::time::Sleep = tokio::time::sleep;
        let notifier = SlackNotifier::new(&url, SlackSettings::BACKGROUND, pause)
            .map_err(|source| InitError::Slack { parameter: parameter.to_owned(), source })?;
        Ok(Self { notifier })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::problem::Problem;
    use std::sync::Mutex;

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

    fn outcome(status: OutcomeStatus) -> Outcome {
        Outcome {
            status,
            summary: "summary line".into(),
            acknowledged_by: None,
            acknowledged_group: None,
            acknowledged_at: None,
            seconds_to_acknowledge: None,
            attempts_made: 2,
            calls_placed: 3,
            call_list: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn event(messages: &[&str]) -> SnsEvent {
        SnsEvent {
            records: messages
                .iter()
                .map(|m| SnsRecord {
                    sns: SnsMessage {
                        message_id: Some("m-1".into()),
                        subject: Some("db-down".into()),
                        message: (*m).into(),
                    },
                })
                .collect(),
        }
    }

    #[test]
    fn acknowledged_says_by_whom_and_after_how_long() {
        let mut o = outcome(OutcomeStatus::Acknowledged);
        o.acknowledged_by = Some("+8190****5678".into());
        o.acknowledged_group = Some("group2".into());
        o.acknowledged_at = Some(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        o.seconds_to_acknowledge = Some(125);
        let context = Context { title: "RDS <prod> down".into(), escalation_id: Some("alert-1".into()) };
        let text = outcome_message(&o, &context).text;
        assert!(
            text.starts_with(
                ":white_check_mark: *RDS &lt;prod&gt; down: acknowledged* by +8190****5678 (group2) after 2m 05s"
            ),
            "{text}"
        );
        assert!(text.contains("Escalation: alert-1\nsummary line\nAttempts: 2 · calls placed: 3"), "{text}");
    }

    #[test]
    fn the_alert_names_the_post_and_the_generic_subject_does_not() {
        let outcome = serde_json::to_value(outcome(OutcomeStatus::NobodyAcknowledged)).unwrap();
        let bare = slack_message(&outcome.to_string(), Some("lambda-connect: nobodyAcknowledged")).unwrap().text;
        assert!(bare.starts_with(":rotating_light: *Escalation: nobody acknowledged*"), "{bare}");
        let envelope = serde_json::json!({
            "escalationId": "alert-9f",
            "alert": {"topicName": "projectA-alarms", "subject": "ALARM: \"db-cpu\" in Asia Pacific (Tokyo)"},
            "outcome": outcome,
        });
        let named = slack_message(&envelope.to_string(), Some("lambda-connect: nobodyAcknowledged")).unwrap().text;
        assert!(
            named.starts_with(":rotating_light: *ALARM: \"db-cpu\" in Asia Pacific (Tokyo): nobody acknowledged*"),
            "{named}"
        );
        assert!(named.contains("Escalation: alert-9f"), "{named}");
    }

    #[test]
    fn a_failure_report_says_what_failed_and_whether_the_fallback_rang() {
        let rang = serde_json::json!({
            "status": "escalationFailed",
            "escalationId": "alert-1",
            "summary": "Escalation alert-1 failed",
            "alert": {"topicName": "projectA-alarms"},
            "failure": {"Error": "RosterUnreadable", "Cause": "{\"errorMessage\":\"s3://b/r.json could not be read\"}"},
            "fallbackCall": {"phoneNumber": "+8190****0000", "status": "placed"},
            "problems": [{"severity": "error", "source": "s3://b/r.json", "message": "not valid JSON"}],
            "problemsNotShown": 3
        });
        let text = slack_message(&rang.to_string(), Some("lambda-connect: escalation failed")).unwrap().text;
        assert!(text.starts_with(":x: *projectA-alarms: the escalation failed*\nEscalation: alert-1"), "{text}");
        assert!(
            text.contains("• Failed: RosterUnreadable: {\"errorMessage\":\"s3://b/r.json could not be read\"}"),
            "{text}"
        );
        assert!(text.contains("• The fallback number was rung: +8190****0000 (placed)"), "{text}");
        assert!(text.contains("• error: s3://b/r.json: not valid JSON"), "{text}");
        assert!(text.contains("… and 3 more problems"), "{text}");

        // What the workflow's FallbackCallFailed state writes by itself.
        let not_rung = serde_json::json!({
            "status": "escalationFailed",
            "escalationId": "alert-2",
            "summary": "A step failed for good and the fallback number could not be rung either",
            "fallbackCallError": {"Error": "ConnectThrottled", "Cause": "x".repeat(1000)}
        });
        let text = slack_message(&not_rung.to_string(), None).unwrap().text;
        assert!(text.contains("• The fallback number could not be rung either: ConnectThrottled: xxx"), "{text}");
        assert!(text.len() < 600, "a long Cause is shortened: {}", text.len());
    }

    #[test]
    fn the_report_place_call_writes_is_posted_with_masked_numbers_only() {
        use domain::payload::CallRecord;
        use domain::report::FailedRun;
        let run = FailedRun::read(&serde_json::json!({
            "input": {"subject": "Line +815012340001 down", "message": "m"},
            "failure": {"Error": "ConnectError", "Cause": "destination +819012345678 is not allowed"}
        }));
        let call = CallRecord {
            phone_number: domain::phone::PhoneNumber::parse("+819099990000").unwrap(),
            attempt: 0,
            contact_id: Some("c".into()),
            status: CallStatus::Placed,
            placed_at: chrono::Utc::now(),
            checked_at: None,
            answered_at: None,
            ended_at: None,
            detail: None,
            error: None,
        };
        let report = FailureReport::new("exec-9-failsafe", &run, &call);
        let text = slack_message(&serde_json::to_string(&report).unwrap(), None).unwrap().text;
        assert!(text.starts_with(":x: *Line +8150****0001 down: the escalation failed*\nEscalation: exec-9"), "{text}");
        assert!(text.contains("• Failed: ConnectError: destination +8190****5678 is not allowed"), "{text}");
        assert!(text.contains("• The fallback number was rung: +8190****0000 (placed)"), "{text}");
        for clear in ["815012340001", "819012345678", "819099990000"] {
            assert!(!text.contains(clear), "{clear}: {text}");
        }
    }

    #[test]
    fn nobody_acknowledged_and_problems_are_listed() {
        let mut o = outcome(OutcomeStatus::NobodyAcknowledged);
        o.problems = (0..12).map(|i| Problem::error("s3://b/r.json", Some(format!("group{i}")), "bad")).collect();
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert!(text.starts_with(":rotating_light: *Escalation: nobody acknowledged*"), "{text}");
        assert!(text.contains("*Problems found:*\n• error: s3://b/r.json: group0: bad"), "{text}");
        assert!(text.contains("… and 2 more"), "{text}");
    }

    #[test]
    fn dry_run_lists_who_would_be_rung() {
        let mut o = outcome(OutcomeStatus::DryRun);
        o.call_list = vec![vec!["+8190****5678".into(), "+8180****1234".into()], vec!["+8170****0000".into()]];
        let text = outcome_message(&o, &Context::of(&Value::Null, Some("test"))).text;
        assert!(text.contains("dry run"), "{text}");
        assert!(text.contains("1. +8190****5678, +8180****1234\n2. +8170****0000"), "{text}");
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

    #[test]
    fn the_webhook_parameter_is_required() {
        let env = |name: &str| (name == "SLACK_WEBHOOK_URL_PARAMETER").then(|| " /lc/slack ".to_owned());
        assert_eq!(webhook_parameter(&env).unwrap(), "/lc/slack");
        let none = |_: &str| None;
        assert_eq!(webhook_parameter(&none), Err(ConfigError::Missing { name: "SLACK_WEBHOOK_URL_PARAMETER" }));
    }
}
