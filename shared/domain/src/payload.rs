//! Step payloads: the typed contract between `statemachine/escalation.asl.json` and the
//! functions. Field names are camelCase so the ASL's JSONPaths read like the Rust names.
//!
//! The workflow's state (`$`) is an [`EscalationState`]: resolve-roster creates it,
//! place-call fills `calls`; check-contact brings them up to date on every poll and decides
//! (folding a finished attempt's calls into `history`, setting `decision`, the next `current`
//! attempt or the final `outcome`); next-target hangs up what the decision left ringing.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::config::Timing;
use crate::escalation::plan::PlannedAttempt;
use crate::incident::Incident;
use crate::incident_store::{IncidentPolicy, Related};
use crate::maintenance::MaintenanceWindow;
use crate::phone::{MaskedNumber, PhoneNumber};
use crate::policy::Speech;
use crate::problem::Problem;
use crate::zone::Zone;

/// The whole state of one escalation, as it passes between the workflow's states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationState {
    /// The execution name: the SNS MessageId for alerts from the Pipe. Call ClientTokens
    /// derive from it, so a retried or duplicated step never rings a person twice.
    pub escalation_id: String,
    pub started_at: DateTime<Utc>,
    pub alert: Alert,
    /// Which problem the alert reports and what it does to it: a trigger rings; a resolve (an
    /// alarm back to OK) or a notice (an alarm without data) rings nobody. Absent in states
    /// written before alerts were classified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    /// The project's incident settings: grouping, quiet window, re-escalation.
    #[serde(default, skip_serializing_if = "is_default_policy")]
    pub policy: IncidentPolicy,
    /// Other incidents of the project that joined this escalation while it rang (a storm):
    /// check-contact keeps it up to date from the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
    /// The text the contact flow speaks.
    pub message: String,
    /// Walk the whole escalation without ringing anyone.
    pub dry_run: bool,
    /// The roster file used (`s3://bucket/key`), `null` when none could be read. Always
    /// present: the workflow's `Done` state reads it, and a missing path fails an execution.
    #[serde(default)]
    pub roster: Option<String>,
    /// The IANA zone "today" is read in (`"Asia/Tokyo"` on the wire).
    pub time_zone: Zone,
    /// "Today" in the roster's time zone, which chose the duty group.
    pub today: NaiveDate,
    pub attempts: Vec<PlannedAttempt>,
    pub timing: Timing,
    /// `CONNECT_EXTRA_DESTINATION_PHONE_NUMBER`: rung after an attempt none of whose calls
    /// could be placed. Absent in states written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<PhoneNumber>,
    /// What was wrong with the inputs and files: reported, never fatal.
    #[serde(default)]
    pub problems: Vec<Problem>,
    pub current: CurrentAttempt,
    /// The calls of the current attempt.
    #[serde(default)]
    pub calls: Vec<CallRecord>,
    /// Finished attempts, oldest first.
    #[serde(default)]
    pub history: Vec<AttemptRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The calls of the attempt that just ended that were still live when check-contact
    /// decided: next-target hangs them up (the workflow routes there while this is not empty)
    /// and clears it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hang_up: Vec<ContactId>,
    /// The numbers of the current attempt still waiting for a line another escalation's call
    /// holds ([`crate::lines`]): the workflow asks place-call for them again (its
    /// CallWaitingNumbers state) before the next poll. Set with each decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub place_again: Vec<PhoneNumber>,
    /// What place-call answered for [`EscalationState::place_again`]: the next poll puts these
    /// records in the place of the waiting ones, and clears it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placed_again: Vec<CallRecord>,
    /// Set with the last decision; `null` until then (the ending states read it).
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// Set when the escalation was acknowledged and its project re-escalates
    /// (`reEscalateMinutes`): the workflow waits this long, then rings again from the first
    /// attempt unless the source resolved the incident in the meantime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_escalate_seconds: Option<u32>,
    /// How many times the escalation was rung again after an acknowledgement; each time the
    /// plan's attempts are appended again, with new indexes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub re_escalations: u32,
    /// An estimate of the execution's history events so far; the escalation ends before it
    /// could pass Step Functions' limit (see [`crate::escalation::decision::HISTORY_EVENT_BUDGET`]).
    #[serde(default)]
    pub history_events: u32,
    /// A test call (console input `testCall`): one number, no fallback, and a call Connect
    /// would not place ends the run as not acknowledged instead of taking the fail-safe path.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_call: bool,
    /// The project's maintenance window the alert came in (mapping `maintenance`): it rang
    /// nobody, or walked as a dry run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceWindow>,
    /// How the calls speak (the project's `languageCode`, `voice`, `voiceEngine`, `prompt`):
    /// always present, even empty, because the workflow passes `$.speech` to every call.
    #[serde(default)]
    pub speech: Speech,
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

fn is_default_policy(policy: &IncidentPolicy) -> bool {
    *policy == IncidentPolicy::default()
}

/// The attempt being rung now: the Map state iterates over `phoneNumbers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentAttempt {
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    /// The next Wait state's length: a short poll, never past the end of the attempt, and 0
    /// in a dry run.
    pub wait_seconds: u32,
}

impl CurrentAttempt {
    pub fn from_plan(attempt: &PlannedAttempt, wait_seconds: u32) -> Self {
        Self {
            index: attempt.index,
            group: attempt.group.clone(),
            phone_numbers: attempt.phone_numbers.clone(),
            wait_seconds,
        }
    }
}

/// place-call's input: one Map item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceCallRequest {
    pub escalation_id: String,
    pub attempt: u32,
    /// `None` rings the configured fallback number (the workflow's fail-safe path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    pub message: String,
    #[serde(default)]
    pub dry_run: bool,
    /// On the fail-safe path: the execution's state, or its input when no plan could be made,
    /// so a dry run asked for by the input (console `dryRun`, SNS message attribute) still
    /// rings nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_input: Option<serde_json::Value>,
    /// How the call speaks: the project's language, voice and prompt (the state's `speech`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<Speech>,
}

impl PlaceCallRequest {
    /// True when nobody may be rung: the request says so, or its alert input asks for a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
            || self.alert_input.as_ref().is_some_and(|input| crate::report::FailedRun::read(input).is_dry_run())
    }
}

/// check-contact's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckCallsRequest {
    /// The escalation the calls belong to, so check-contact's logs join the others'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_id: Option<String>,
    pub calls: Vec<CallRecord>,
}

/// One call and what has become of it. place-call creates it; check-contact updates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    pub phone_number: PhoneNumber,
    pub attempt: u32,
    /// Connect's ContactId; absent when no call was placed (refused, dry run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    pub status: CallStatus,
    pub placed_at: DateTime<Utc>,
    /// When the status was last read from Connect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<DateTime<Utc>>,
    /// When the callee answered (the contact flow started talking to them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Connect's reason (`TELECOM_BUSY`, an error message, ...), for people reading the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Why the workflow could not place the call: the PlaceCall task's error, as its Catch
    /// recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::report::StepFailure>,
}

/// Amazon Connect's ContactId of a placed call. It serialises as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactId(String);

impl ContactId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for ContactId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for ContactId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::ops::Deref for ContactId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for ContactId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ContactId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// What a call is doing, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallStatus {
    /// Just started; not looked at yet.
    Placed,
    /// Ringing, or queued by Connect.
    Ringing,
    /// Answered and connected; the key has not been pressed (yet).
    InProgress,
    /// The callee pressed the key: the escalation is over.
    Acknowledged,
    /// Answered and ended without the key: voicemail, or a person who hung up.
    AnsweredWithoutKey,
    /// Rang out.
    NoAnswer,
    Busy,
    /// Could not be placed or connected (refused destination, carrier error, ...).
    Failed,
    /// Stopped by the escalation because the attempt was over.
    Stopped,
    /// A dry run: this call would have been placed.
    DryRun,
    /// Not placed yet: the number is on a live call of another escalation, and is rung once
    /// that call ends (see [`crate::lines`]).
    WaitingForLine,
    /// Never placed: the number was on another escalation's call for the whole attempt.
    LineBusy,
}

impl CallStatus {
    /// True once the call can no longer change.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Placed | Self::Ringing | Self::InProgress | Self::WaitingForLine)
    }
}

/// A finished attempt, as kept in the execution's history and output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub calls: Vec<CallRecord>,
    /// Why the attempt ended, in words.
    pub ended_because: String,
}

/// next-target's verdict; the workflow's Choice state branches on `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub action: Action,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// The attempt is still running: wait `current.waitSeconds`, then check again.
    Wait,
    /// Ring `current`, the next attempt.
    NextAttempt,
    /// Someone pressed the key.
    Acknowledged,
    /// Every attempt ended without an acknowledgement.
    Exhausted,
    /// Not one call of the escalation could be placed (Connect refusing or failing every
    /// number, the fallback too): the workflow takes the fail-safe path, which tries the
    /// fallback once more, publishes a failure report and fails the execution (the alarm).
    NoCallPlaced,
    /// The alert resolves its problem or only notes something (see [`crate::incident`]):
    /// nobody is rung, the outcome says why. Decided when the escalation starts.
    RingNobody,
    /// The source resolved the incident while its escalation rang (see
    /// [`crate::incident_store`]): the live calls are hung up and nobody more is rung.
    Resolved,
}

/// The escalation's result: the execution's output and the outcome notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub status: OutcomeStatus,
    /// One line for people: who acknowledged after how long, or that nobody did.
    pub summary: String,
    /// Masked number of the person who pressed the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<MaskedNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_to_acknowledge: Option<i64>,
    pub attempts_made: u32,
    pub calls_placed: u32,
    /// In a dry run: every number a real alert would ring, in order, masked, per attempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_list: Vec<Vec<MaskedNumber>>,
    /// Other incidents of the project that joined this escalation (a storm): how many, and
    /// the first keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// The maintenance window that silenced the alert (or made it a dry run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OutcomeStatus {
    Acknowledged,
    NobodyAcknowledged,
    DryRun,
    /// The source said the problem is over (an alarm back to OK, an explicit resolve): nobody
    /// was rung.
    Resolved,
    /// Recorded, not paged (an alarm without data, by default): nobody was rung.
    Notice,
    /// The alert's incident was already open: it joined that escalation, nobody was rung again.
    Joined,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_serialise_as_the_asl_compares_them() {
        assert_eq!(serde_json::to_value(Action::NextAttempt).unwrap(), "nextAttempt");
        assert_eq!(serde_json::to_value(CallStatus::AnsweredWithoutKey).unwrap(), "answeredWithoutKey");
        assert_eq!(serde_json::to_value(OutcomeStatus::NobodyAcknowledged).unwrap(), "nobodyAcknowledged");
    }

    #[test]
    fn only_live_calls_are_not_final() {
        assert!(
            !CallStatus::Ringing.is_final() && !CallStatus::InProgress.is_final() && !CallStatus::Placed.is_final()
        );
        assert!(
            CallStatus::AnsweredWithoutKey.is_final() && CallStatus::DryRun.is_final() && CallStatus::Busy.is_final()
        );
    }

    #[test]
    fn place_call_request_without_a_number_means_the_fallback() {
        let request: PlaceCallRequest =
            serde_json::from_str(r#"{"escalationId":"e","attempt":0,"message":"m"}"#).unwrap();
        assert_eq!(request.phone_number, None);
        assert!(!request.dry_run);
    }

    #[test]
    fn typed_fields_keep_their_wire_strings() {
        let id: ContactId = serde_json::from_str("\"c-1\"").unwrap();
        assert_eq!((id.as_str(), serde_json::to_string(&id).unwrap().as_str()), ("c-1", "\"c-1\""));
        let zone: Zone = serde_json::from_str("\"America/Los_Angeles\"").unwrap();
        assert_eq!(serde_json::to_string(&zone).unwrap(), "\"America/Los_Angeles\"");
        assert!(serde_json::from_str::<Zone>("\"JST+9\"").is_err());
    }
}
