//! notify-slack: posts each escalation's outcome to the team's Slack channel. It is
//! subscribed to the outcome SNS topic; each message is the JSON of an [`Outcome`]
//! (acknowledged by whom after how long, nobody acknowledged, or a dry run's call list),
//! and the SNS subject, when set, names the alert.
//!
//! Slack is a courtesy: a message Slack refuses or an outcome that cannot be read is
//! logged, and the invocation still succeeds, so an escalation never fails, and SNS never
//! retries, because of Slack.

use std::time::Duration;

use lambda_connect::config::{ConfigError, Env};
use lambda_connect::payload::{Outcome, OutcomeStatus};
use lambda_connect::problem::Problem;
use lambda_connect::slack::{Notify, SlackError, SlackMessage, SlackNotifier, SlackSettings, escape, human_duration};
use lambda_runtime::Diagnostic;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

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
    #[error("SNS message {message_id} is not an escalation outcome: {source}")]
    UnreadableOutcome { message_id: String, source: serde_json::Error },
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

impl From<NotifySlackError> for Diagnostic {
    fn from(err: NotifySlackError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
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
        let message = match serde_json::from_str::<Outcome>(&sns.message) {
            Ok(outcome) => outcome_message(&outcome, sns.subject.as_deref()),
            Err(source) => {
                report.unreadable += 1;
                let err = NotifySlackError::UnreadableOutcome { message_id: message_id.clone(), source };
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

/// The Slack text for an outcome; `title` (the SNS subject) names the alert.
pub fn outcome_message(outcome: &Outcome, title: Option<&str>) -> SlackMessage {
    let title = escape(title.map(str::trim).filter(|t| !t.is_empty()).unwrap_or("Escalation"));
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
    if !outcome.summary.trim().is_empty() {
        text.push_str(&format!("{}\n", escape(outcome.summary.trim())));
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

fn unreadable_message(raw: &str, title: Option<&str>, err: &NotifySlackError) -> SlackMessage {
    let excerpt: String = raw.chars().take(500).collect();
    let title = title.map_or_else(String::new, |t| format!(" ({})", escape(t)));
    SlackMessage::new(format!(
        ":warning: *An escalation outcome could not be read*{title}: {}\n```{}```",
        escape(&err.to_string()),
        escape(&excerpt)
    ))
}

/// Reads a SecureString parameter, decrypted. The value is a secret: it is returned, never
/// logged, and errors name only the parameter.
pub async fn read_secure_parameter(client: &aws_sdk_ssm::Client, name: &str) -> Result<String, SecretError> {
    let output = client.get_parameter().name(name).with_decryption(true).send().await.map_err(|err| SecretError {
        name: name.to_owned(),
        message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
    })?;
    output
        .parameter
        .and_then(|p| p.value)
        .ok_or_else(|| SecretError { name: name.to_owned(), message: "the parameter has no value".into() })
}

#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
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
    pub async fn init(aws: &aws_config::SdkConfig, parameter: &str) -> Result<Self, InitError> {
        let url = read_secure_parameter(&aws_sdk_ssm::Client::new(aws), parameter).await?;
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
    use lambda_connect::problem::Problem;
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
        let text = outcome_message(&o, Some("RDS <prod> down")).text;
        assert!(
            text.starts_with(
                ":white_check_mark: *RDS &lt;prod&gt; down: acknowledged* by +8190****5678 (group2) after 2m 05s"
            ),
            "{text}"
        );
        assert!(text.contains("summary line") && text.contains("Attempts: 2 · calls placed: 3"), "{text}");
    }

    #[test]
    fn nobody_acknowledged_and_problems_are_listed() {
        let mut o = outcome(OutcomeStatus::NobodyAcknowledged);
        o.problems = (0..12).map(|i| Problem::error("s3://b/r.json", Some(format!("group{i}")), "bad")).collect();
        let text = outcome_message(&o, None).text;
        assert!(text.starts_with(":rotating_light: *Escalation: nobody acknowledged*"), "{text}");
        assert!(text.contains("*Problems found:*\n• error: s3://b/r.json: group0: bad"), "{text}");
        assert!(text.contains("… and 2 more"), "{text}");
    }

    #[test]
    fn dry_run_lists_who_would_be_rung() {
        let mut o = outcome(OutcomeStatus::DryRun);
        o.call_list = vec![vec!["+8190****5678".into(), "+8180****1234".into()], vec!["+8170****0000".into()]];
        let text = outcome_message(&o, Some("test")).text;
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

    #[test]
    fn the_webhook_parameter_is_required() {
        let env = |name: &str| (name == "SLACK_WEBHOOK_URL_PARAMETER").then(|| " /lc/slack ".to_owned());
        assert_eq!(webhook_parameter(&env).unwrap(), "/lc/slack");
        let none = |_: &str| None;
        assert_eq!(webhook_parameter(&none), Err(ConfigError::Missing { name: "SLACK_WEBHOOK_URL_PARAMETER" }));
    }
}
