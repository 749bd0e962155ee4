//! The failure report: what the outcome topic receives when a step of an escalation failed
//! for good and the workflow took its fail-safe path.
//!
//! The fail-safe call (place-call without a number) is given the workflow's whole state, and
//! builds this report from it: which step failed and why, the alert, what the fallback call
//! did, and the problems found. Only masked numbers and scrubbed text leave in it, and it is
//! bounded whatever the state held, so subscribers (e-mail, Slack) never see a number in
//! clear and the publish never carries the raw state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::alert::{Alert, AlertInput};
use crate::errors::NO_CALL_PLACED;
use crate::payload::{CallRecord, CallStatus, EscalationState};
use crate::phone::{MaskedNumber, scrub_numbers};
use crate::problem::Problem;

/// At most this many problems are listed; the report says how many more there were.
pub const MAX_REPORTED_PROBLEMS: usize = 20;

/// A longer error cause is cut: Lambda and SDK causes can hold stack traces.
const MAX_CAUSE_CHARS: usize = 1_000;

/// The suffix the workflow adds to the execution name for the fail-safe call's ClientToken.
pub const FAILSAFE_SUFFIX: &str = "-failsafe";

/// A step's error as a Catch records it (`{"Error": ..., "Cause": ...}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFailure {
    #[serde(rename = "Error", default)]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

impl StepFailure {
    /// The failure with its cause scrubbed of numbers and cut to a readable length.
    fn reported(&self) -> Self {
        Self { error: scrub_numbers(&self.error), cause: cut(&scrub_numbers(&self.cause), MAX_CAUSE_CHARS) }
    }
}

/// What the fail-safe path was given: the workflow's state when a step failed for good (an
/// [`EscalationState`] with `failure`), or `{"input": <execution input>, "failure": ...}` when
/// no plan could be made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailedRun {
    pub state: Option<EscalationState>,
    pub alert: AlertInput,
    pub failure: Option<StepFailure>,
}

impl FailedRun {
    pub fn read(value: &Value) -> Self {
        let failure = value.get("failure").and_then(|f| serde_json::from_value(f.clone()).ok());
        match serde_json::from_value::<EscalationState>(value.clone()) {
            Ok(state) => {
                let alert = AlertInput { alert: state.alert.clone(), dry_run: state.dry_run, ..AlertInput::default() };
                Self { state: Some(state), alert, failure }
            }
            Err(_) => {
                let input = match value {
                    Value::Object(fields) if fields.contains_key("input") => &fields["input"],
                    other => other,
                };
                Self { state: None, alert: AlertInput::parse(input), failure }
            }
        }
    }

    /// True when nobody may be rung: the plan, or the execution input, asked for a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.dry_run) || self.alert.dry_run
    }
}

/// The report published to the outcome topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureReport {
    pub status: ReportStatus,
    /// The execution's name.
    pub escalation_id: String,
    /// One line for people: what failed, and whom the fail-safe rang.
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<StepFailure>,
    #[serde(default)]
    pub alert: Alert,
    /// What the fallback call did; absent when it could not be placed at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_call: Option<FallbackCall>,
    /// Why the fallback call could not be placed (the workflow's Catch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_call_error: Option<StepFailure>,
    #[serde(default)]
    pub attempts_made: u32,
    #[serde(default)]
    pub calls_placed: u32,
    #[serde(default)]
    pub problems: Vec<Problem>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub problems_not_shown: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReportStatus {
    EscalationFailed,
}

/// The fail-safe call, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackCall {
    pub phone_number: MaskedNumber,
    pub status: CallStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// place-call's result on the fail-safe path: the call for the state, the report to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailSafeCall {
    pub call: CallRecord,
    pub report: FailureReport,
}

impl FailureReport {
    pub fn new(escalation_id: &str, run: &FailedRun, call: &CallRecord) -> Self {
        let escalation_id = escalation_id.strip_suffix(FAILSAFE_SUFFIX).unwrap_or(escalation_id).to_owned();
        let failure = run.failure.as_ref().map(StepFailure::reported);
        let what = match &failure {
            Some(f) if f.error == NO_CALL_PLACED => format!("no call could be placed ({})", f.cause),
            Some(f) => format!("a step failed for good ({})", f.error),
            None => "a step failed for good".to_owned(),
        };
        let whom = match call.status {
            CallStatus::DryRun => "a dry run, so nobody was rung".to_owned(),
            CallStatus::Failed => format!("the fallback number {} could not be rung", call.phone_number),
            _ => format!("the fallback number {} was rung", call.phone_number),
        };
        let mut problems: Vec<Problem> = run.state.as_ref().map_or(&run.alert.problems, |s| &s.problems).clone();
        let problems_not_shown = problems.len().saturating_sub(MAX_REPORTED_PROBLEMS);
        problems.truncate(MAX_REPORTED_PROBLEMS);
        for problem in &mut problems {
            problem.message = scrub_numbers(&problem.message);
            problem.location = problem.location.as_deref().map(scrub_numbers);
        }
        let mut alert = run.alert.alert.clone().kept();
        alert.message = alert.message.as_deref().map(scrub_numbers);
        alert.subject = alert.subject.as_deref().map(scrub_numbers);
        let history = run.state.as_ref().map(|s| s.history.as_slice()).unwrap_or_default();
        let calls_placed = history.iter().flat_map(|a| &a.calls).filter(|c| c.contact_id.is_some()).count();
        Self {
            status: ReportStatus::EscalationFailed,
            summary: format!("Escalation {escalation_id} failed: {what}; {whom}"),
            escalation_id,
            failure,
            alert,
            fallback_call: Some(FallbackCall {
                phone_number: call.phone_number.masked(),
                status: call.status,
                detail: call.detail.as_deref().map(scrub_numbers),
            }),
            fallback_call_error: None,
            attempts_made: u32::try_from(history.len()).unwrap_or(u32::MAX),
            calls_placed: u32::try_from(calls_placed).unwrap_or(u32::MAX),
            problems,
            problems_not_shown,
        }
    }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{} …", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::PhoneNumber;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn fallback(status: CallStatus) -> CallRecord {
        CallRecord {
            phone_number: PhoneNumber::parse("+815099990000").unwrap(),
            attempt: 0,
            contact_id: Some("c-1".into()),
            status,
            placed_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            checked_at: None,
            answered_at: None,
            ended_at: None,
            detail: Some("fallback number".into()),
            error: None,
        }
    }

    #[test]
    fn a_raw_input_failure_names_the_step_error_and_masks_every_number() {
        let value = json!({
            "input": {"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:t", "message": "call +819012345678 now"},
            "failure": {"Error": "RosterStoreUnavailable", "Cause": "s3 down while ringing +819011112222"}
        });
        let run = FailedRun::read(&value);
        assert!(run.state.is_none() && !run.is_dry_run());
        let report = FailureReport::new("exec-1-failsafe", &run, &fallback(CallStatus::Placed));
        assert_eq!(report.escalation_id, "exec-1");
        assert_eq!(report.failure.as_ref().unwrap().error, "RosterStoreUnavailable");
        let text = serde_json::to_string(&report).unwrap();
        for clear in ["9012345678", "9011112222", "5099990000"] {
            assert!(!text.contains(clear), "{clear} in clear: {text}");
        }
        assert!(report.summary.contains("RosterStoreUnavailable") && report.summary.contains("+8150****0000 was rung"));
        assert_eq!(report.alert.topic_name.as_deref(), Some("t"));
    }

    #[test]
    fn the_report_is_bounded_however_many_problems_the_state_held() {
        let value = json!({"input": [], "failure": {"Error": "States.TaskFailed", "Cause": "x".repeat(50_000)}});
        let mut run = FailedRun::read(&value);
        run.alert.problems = (0..500).map(|i| Problem::error("s3://b/k", None, format!("problem {i}"))).collect();
        let report = FailureReport::new("e", &run, &fallback(CallStatus::Placed));
        assert_eq!((report.problems.len(), report.problems_not_shown), (MAX_REPORTED_PROBLEMS, 480));
        assert!(serde_json::to_string(&report).unwrap().len() < 10_000);
    }

    #[test]
    fn a_dry_run_asked_for_by_the_input_is_recognised_under_the_failure() {
        let value = json!({"input": {"message": "m", "dryRun": true}, "failure": {"Error": "X", "Cause": ""}});
        assert!(FailedRun::read(&value).is_dry_run());
    }

    #[test]
    fn the_minimal_report_the_workflow_writes_when_the_fallback_call_failed_reads_back() {
        // The ASL's FallbackCallFailed state writes this shape by itself.
        let value = json!({
            "status": "escalationFailed", "escalationId": "exec-1",
            "summary": "the fallback number could not be rung",
            "fallbackCallError": {"Error": "ConnectFailed", "Cause": "AccessDenied"}
        });
        let report: FailureReport = serde_json::from_value(value).unwrap();
        assert_eq!(report.fallback_call_error.unwrap().error, "ConnectFailed");
        assert!(report.fallback_call.is_none());
    }

    #[test]
    fn an_escalation_that_placed_no_call_says_so_not_that_a_step_failed() {
        let input = json!({"failure": {"Error": NO_CALL_PLACED, "Cause": "no call could be placed in 3 attempts; last +81 90 1234 5678 failed"}});
        let report = FailureReport::new("exec-1", &FailedRun::read(&input), &fallback(CallStatus::Failed));
        assert!(
            report.summary.contains("no call could be placed (no call could be placed in 3 attempts"),
            "{}",
            report.summary
        );
        assert!(!report.summary.contains("a step failed"), "{}", report.summary);
    }
}
