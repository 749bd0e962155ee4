//! The Slack text of each kind of post. Everything that came from a message is escaped for
//! Slack, and phone numbers in free text are masked first.

use adapters::slack::{SlackMessage, escape, human_duration, problem_list};
use domain::payload::{CallStatus, Outcome, OutcomeStatus};
use domain::phone::{mask, scrub_numbers};
use domain::problem::Problem;
use domain::report::{FailureReport, StepFailure};
use serde_json::Value;

use crate::error::NotifySlackError;

/// The related alerts a post lists; the outcome (the execution's output, the outcome topic)
/// keeps more, and the post counts the rest.
pub const RELATED_LISTED: usize = 20;

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
        OutcomeStatus::Resolved if outcome.calls_placed > 0 => {
            format!(
                ":large_green_circle: *{title}: resolved by the source* before anyone acknowledged; the calls were stopped"
            )
        }
        OutcomeStatus::Resolved => format!(":large_green_circle: *{title}: resolved by the source*, nobody was called"),
        OutcomeStatus::Notice => format!(":information_source: *{title}: notice*, nobody was called"),
        OutcomeStatus::Joined => format!(":link: *{title}: joined the open incident*, nobody was called again"),
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
    if let Some(related) = outcome.related.as_ref().filter(|r| r.count > 0) {
        text.push_str(&format!("Related alerts that joined it: {}\n", related.count));
        let listed = &related.keys[..related.keys.len().min(RELATED_LISTED)];
        for key in listed {
            text.push_str(&format!("• {}\n", escape(&scrub_numbers(key))));
        }
        let unlisted = related.count.saturating_sub(listed.len() as u64);
        if unlisted > 0 {
            text.push_str(&format!("… and {unlisted} more\n"));
        }
    }
    text.push_str(&problem_lines(&outcome.problems));
    SlackMessage::new(text.trim_end())
}

/// The workflow's failure report: a step failed for good, and the fallback number was rung
/// (or could not be).
pub fn failure_message(report: &FailureReport, context: &Context) -> SlackMessage {
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

/// The problems, under a heading; nothing when there are none.
fn problem_lines(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    format!("*Problems found:*\n{}", problem_list(problems, "the execution's output"))
}

/// A message of no known kind: posted with an excerpt, so that a change in what is
/// published is seen rather than lost; numbers in it are masked first.
pub fn unreadable_message(raw: &str, title: Option<&str>, err: &NotifySlackError) -> SlackMessage {
    let excerpt: String = scrub_numbers(raw).chars().take(500).collect();
    let title = title.map_or_else(String::new, |t| format!(" ({})", escape(&scrub_numbers(t))));
    SlackMessage::new(format!(
        ":warning: *An escalation outcome could not be read*{title}: {}\n```{}```",
        escape(&scrub_numbers(&err.to_string())),
        escape(&excerpt)
    ))
}

/// A record that is not an SNS record at all: posted with an excerpt, numbers masked, so the
/// report it may carry is seen rather than dropped.
pub fn unreadable_record_message(raw: &Value, err: &NotifySlackError) -> SlackMessage {
    let excerpt: String = scrub_numbers(&raw.to_string()).chars().take(500).collect();
    SlackMessage::new(format!(
        ":warning: *An SNS record could not be read*: {}\n```{}```",
        escape(&scrub_numbers(&err.to_string())),
        escape(&excerpt)
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::slack_message;
    use chrono::TimeZone;

    pub(crate) fn outcome(status: OutcomeStatus) -> Outcome {
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
            related: None,
            problems: Vec::new(),
            maintenance: None,
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
    fn a_resolve_and_a_notice_say_nobody_was_called_and_why() {
        let mut o = outcome(OutcomeStatus::Resolved);
        (o.attempts_made, o.calls_placed) = (0, 0);
        o.summary = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:db is back to OK: nobody was rung".into();
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert!(
            text.starts_with(":large_green_circle: *Escalation: resolved by the source*, nobody was called"),
            "{text}"
        );
        assert!(text.contains("alarm:db is back to OK"), "{text}");
        let text = outcome_message(&outcome(OutcomeStatus::Notice), &Context::of(&Value::Null, None)).text;
        assert!(text.starts_with(":information_source: *Escalation: notice*, nobody was called"), "{text}");
    }

    #[test]
    fn a_resolve_while_ringing_says_the_calls_were_stopped_and_a_joined_alert_names_its_incident() {
        let mut o = outcome(OutcomeStatus::Resolved);
        o.calls_placed = 2;
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert!(
            text.starts_with(
                ":large_green_circle: *Escalation: resolved by the source* before anyone acknowledged; the calls were stopped"
            ),
            "{text}"
        );
        let mut o = outcome(OutcomeStatus::Joined);
        o.summary = "db is already open (ringing, escalation e1): this alert joined it".into();
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert!(text.starts_with(":link: *Escalation: joined the open incident*, nobody was called again"), "{text}");
        assert!(text.contains("escalation e1"), "{text}");
    }

    #[test]
    fn a_storm_lists_its_first_related_alerts_and_counts_the_rest() {
        let mut o = outcome(OutcomeStatus::Resolved);
        let keys: Vec<String> = (0..199).map(|i| format!("arn:aws:cloudwatch:r:1:alarm:a{i}")).collect();
        o.related = Some(domain::incident_store::Related { count: 199, keys, announced: None });
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert_eq!(text.matches("\n• arn:").count(), RELATED_LISTED, "{text}");
        assert!(
            text.contains(&format!("alarm:a{}\n… and {} more", RELATED_LISTED - 1, 199 - RELATED_LISTED)),
            "{text}"
        );
    }

    #[test]
    fn related_alerts_are_counted_and_the_kept_ones_listed() {
        let mut o = outcome(OutcomeStatus::Acknowledged);
        o.related = Some(domain::incident_store::Related {
            count: 200,
            keys: vec!["arn:aws:cloudwatch:r:1:alarm:a".into(), "arn:aws:cloudwatch:r:1:alarm:<b>".into()],
            announced: None,
        });
        let text = outcome_message(&o, &Context::of(&Value::Null, None)).text;
        assert!(text.contains("Related alerts that joined it: 200\n• arn:aws:cloudwatch:r:1:alarm:a\n"), "{text}");
        assert!(text.contains("alarm:&lt;b&gt;") && text.contains("… and 198 more"), "{text}");
    }

    #[test]
    fn dry_run_lists_who_would_be_rung() {
        let mut o = outcome(OutcomeStatus::DryRun);
        o.call_list = vec![vec!["+8190****5678".into(), "+8180****1234".into()], vec!["+8170****0000".into()]];
        let text = outcome_message(&o, &Context::of(&Value::Null, Some("test"))).text;
        assert!(text.contains("dry run"), "{text}");
        assert!(text.contains("1. +8190****5678, +8180****1234\n2. +8170****0000"), "{text}");
    }
}
