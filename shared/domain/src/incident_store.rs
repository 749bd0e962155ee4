//! The open incidents: one escalation per problem. The alert's incident ([`crate::incident`])
//! is claimed in a store when the escalation starts, and watched while it rings.
//!
//! - resolve-roster claims ([`claim_incident`], through [`IncidentClaims`]): a trigger opens the
//!   incident, or joins the one already open (ringing or acknowledged), which rings nobody
//!   again; a resolve ends the open incident.
//! - check-contact watches ([`watch`] and [`settle`], through [`IncidentWatch`]): on every
//!   poll it reads the incident its escalation opened, and stops the escalation once the
//!   source resolved it; an acknowledgement marks the incident acknowledged, and an escalation
//!   that ends without one closes it, so the next trigger rings again.
//!
//! An open incident holds its key only for a bounded time: a ringing one for the planned
//! length of its escalation and a margin ([`ringing_hold`]), an acknowledged one for
//! [`ACKNOWLEDGED_HOLD`]. An escalation that died without closing its incident (a deleted
//! execution, a fail-safe end) therefore never keeps a later alert from ringing for longer.
//!
//! The store never stands between an alert and a phone: when it cannot be read or written the
//! alert rings as a new incident, and the problem is in the state and the outcome (a duplicate
//! ring is acceptable, a lost alert is not). A dry run never touches it.

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::escalation::decision::ANSWERED_CALL_LIMIT_SECONDS;
use crate::escalation::start::ring_nobody;
use crate::incident::{IncidentAction, IncidentSource};
use crate::payload::{Action, EscalationState, OutcomeStatus};
use crate::problem::Problem;

/// How long an acknowledged incident stays open without a resolve: triggers of its key join it
/// until then, and the next one after it rings again. CloudWatch sends one notification per
/// state change, so an alarm still in ALARM sends nothing more in the meantime.
pub const ACKNOWLEDGED_HOLD: Duration = Duration::hours(4);

/// How long an item is kept after its incident closed (the table's TTL), for people reading it.
pub const RETENTION: Duration = Duration::days(7);

/// The problem's source when the store fails: the setting that names it.
pub const STORE_SETTING: &str = "INCIDENT_TABLE";

/// One incident: a project's (the SNS topic's name) key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRef {
    pub project: String,
    pub key: String,
}

impl IncidentRef {
    /// The incident of `state`'s alert, if it was classified.
    pub fn of(state: &EscalationState) -> Option<Self> {
        let incident = state.incident.as_ref()?;
        let project = state.alert.topic_name.clone().unwrap_or_else(|| "-".to_owned());
        Some(Self { project, key: incident.key.clone() })
    }
}

impl fmt::Display for IncidentRef {
    /// The store's key: `incident#<project>#<key>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "incident#{}#{}", self.project, self.key)
    }
}

/// Where an incident stands in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IncidentStatus {
    /// Its escalation is ringing.
    Ringing,
    /// Someone pressed the key; the source has not resolved it yet.
    Acknowledged,
    /// The source resolved it.
    Resolved,
    /// Its escalation ended without an acknowledgement.
    Closed,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ringing, Self::Acknowledged, Self::Resolved, Self::Closed].into_iter().find(|s| s.as_str() == text)
    }
}

/// What an incident's item says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub status: IncidentStatus,
    /// The escalation that opened it.
    pub escalation_id: String,
}

/// A trigger's claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// This escalation opened the incident (or had opened it: a retried step).
    Opened,
    /// The incident was open: the alert joined it.
    Joined { record: IncidentRecord, alerts: u64 },
}

/// The store could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the incident store is unavailable: {message}")]
pub struct IncidentStoreError {
    pub message: String,
}

/// What resolve-roster does to incidents.
pub trait IncidentClaims: Send + Sync {
    /// Opens `incident` for `escalation_id` until `hold_until`, unless it is open (ringing or
    /// acknowledged, within its hold) for another escalation: then counts the alert as joined.
    /// Two concurrent claims of one key open it once.
    fn open(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Opening, IncidentStoreError>> + Send;

    /// Marks an open incident resolved. `Ok(None)`: none was open.
    fn resolve(
        &self,
        incident: &IncidentRef,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<IncidentRecord>, IncidentStoreError>> + Send;
}

/// What check-contact does to the incident its escalation opened.
pub trait IncidentWatch: Send + Sync {
    /// The incident's item, read consistently.
    fn read(
        &self,
        incident: &IncidentRef,
    ) -> impl Future<Output = Result<Option<IncidentRecord>, IncidentStoreError>> + Send;

    /// `escalation_id`'s ringing incident becomes `status` (acknowledged, held until
    /// `hold_until`; or closed). Does nothing when it is no longer that escalation's, or no
    /// longer ringing.
    fn settle(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        status: IncidentStatus,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), IncidentStoreError>> + Send;
}

/// What the claim did, kept in the state's `incident.claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Claim {
    /// This escalation opened the incident and rings for it.
    Opened,
    /// The incident was open: this alert joined it, and rings nobody.
    Joined { escalation_id: String, status: IncidentStatus, alerts: u64 },
    /// This alert resolved the incident `escalation_id` opened.
    Resolved { escalation_id: String, was: IncidentStatus },
    /// A resolve that found no open incident.
    NothingOpen,
    /// The store failed: rung as a new incident (a resolve rang nobody and ended nothing).
    Unavailable,
}

/// How long a ringing incident holds its key: every attempt's interval with a minute of slack,
/// an answered call's limit, and five minutes more.
pub fn ringing_hold(state: &EscalationState, now: DateTime<Utc>) -> DateTime<Utc> {
    let attempts = i64::try_from(state.attempts.len()).unwrap_or(i64::MAX).max(1);
    let per_attempt = i64::from(state.timing.check_interval_seconds) + 60;
    let seconds = attempts.saturating_mul(per_attempt).saturating_add(ANSWERED_CALL_LIMIT_SECONDS + 300);
    now + Duration::seconds(seconds.min(Duration::days(2).num_seconds()))
}

/// Claims the incident of a freshly started escalation, and turns a joining trigger into an
/// alert that rings nobody. A dry run, or a state without an incident, is returned unchanged.
pub async fn claim_incident<S: IncidentClaims>(
    store: &S,
    mut state: EscalationState,
    now: DateTime<Utc>,
) -> EscalationState {
    let Some(incident) = IncidentRef::of(&state).filter(|_| !state.dry_run) else {
        return state;
    };
    let action = state.incident.as_ref().map(|i| i.action);
    let claimed = match action {
        Some(IncidentAction::Trigger) => store
            .open(&incident, &state.escalation_id, now, ringing_hold(&state, now))
            .await
            .map(|opening| match opening {
                Opening::Opened => Claim::Opened,
                Opening::Joined { record, alerts } => {
                    Claim::Joined { escalation_id: record.escalation_id, status: record.status, alerts }
                }
            }),
        Some(IncidentAction::Resolve) => store.resolve(&incident, now).await.map(|ended| match ended {
            Some(record) => Claim::Resolved { escalation_id: record.escalation_id, was: record.status },
            None => Claim::NothingOpen,
        }),
        Some(IncidentAction::Notice) | None => return state,
    };
    let claim = claimed.unwrap_or_else(|err| {
        let consequence = if action == Some(IncidentAction::Trigger) {
            "rung as a new incident"
        } else {
            "an escalation ringing for it goes on until someone presses 1"
        };
        state.problems.push(Problem::error(STORE_SETTING, None, format!("{err}: {consequence}")));
        if let Some(outcome) = &mut state.outcome {
            outcome.problems = state.problems.clone();
        }
        Claim::Unavailable
    });
    describe(&mut state, &incident, &claim);
    if let Some(incident) = &mut state.incident {
        incident.claim = Some(claim);
    }
    state
}

/// Rewrites what the state says about an alert that rings nobody, now that the store told
/// what became of its incident; a joining trigger becomes one.
fn describe(state: &mut EscalationState, incident: &IncidentRef, claim: &Claim) {
    let key = &incident.key;
    let source_says = match state.incident.as_ref().map(|i| i.source) {
        Some(IncidentSource::CloudwatchAlarm | IncidentSource::Eventbridge) => format!("{key} is back to OK"),
        _ => format!("the source resolved {key}"),
    };
    let summary = match claim {
        Claim::Joined { escalation_id, status, alerts } => {
            format!(
                "{key} is already open ({}, escalation {escalation_id}): this alert joined it, nobody was rung again; {alerts} alerts so far",
                status.as_str()
            )
        }
        Claim::Resolved { escalation_id, was: IncidentStatus::Ringing } => format!(
            "{source_says}: nobody was rung; escalation {escalation_id}, still ringing for it, stops at its next check"
        ),
        Claim::Resolved { escalation_id, .. } => {
            format!("{source_says}: nobody was rung; the incident escalation {escalation_id} opened is closed")
        }
        Claim::NothingOpen => format!("{source_says}: nobody was rung; no incident was open for it"),
        Claim::Opened | Claim::Unavailable => return,
    };
    if let Claim::Joined { .. } = claim {
        ring_nobody(state, OutcomeStatus::Joined, summary);
        return;
    }
    if let (Some(decision), Some(outcome)) = (&mut state.decision, &mut state.outcome) {
        decision.reason.clone_from(&summary);
        outcome.summary = summary;
    }
}

/// What the store says about the incident a ringing escalation opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// Still this escalation's, and not resolved (or not this escalation's to watch).
    Ringing,
    /// The source resolved it, or it was resolved and opened again by another escalation:
    /// why, in words.
    Ended(String),
    /// The store could not be read: the escalation goes on.
    Unreadable(IncidentStoreError),
}

/// Reads the incident `state`'s escalation opened; see [`Watch`].
pub async fn watch<W: IncidentWatch>(store: &W, state: &EscalationState) -> Watch {
    let Some(incident) = watched(state) else {
        return Watch::Ringing;
    };
    match store.read(&incident).await {
        Ok(Some(record)) if record.escalation_id != state.escalation_id => {
            Watch::Ended(format!("escalation {} now rings for {}", record.escalation_id, incident.key))
        }
        Ok(Some(IncidentRecord { status: IncidentStatus::Resolved, .. })) => {
            Watch::Ended(format!("the source resolved {} before anyone acknowledged", incident.key))
        }
        Ok(_) => Watch::Ringing,
        Err(err) => Watch::Unreadable(err),
    }
}

/// Records how the escalation ended in its incident: acknowledged, or closed when it ended
/// without an acknowledgement. Nothing for an escalation still going, or ended by its source.
pub async fn settle<W: IncidentWatch>(
    store: &W,
    state: &EscalationState,
    now: DateTime<Utc>,
) -> Result<(), IncidentStoreError> {
    let Some(incident) = watched(state) else {
        return Ok(());
    };
    let status = match state.decision.as_ref().map(|d| d.action) {
        Some(Action::Acknowledged) => IncidentStatus::Acknowledged,
        Some(Action::Exhausted | Action::NoCallPlaced) => IncidentStatus::Closed,
        _ => return Ok(()),
    };
    store.settle(&incident, &state.escalation_id, status, now, now + ACKNOWLEDGED_HOLD).await
}

/// The incident check-contact watches: the one this escalation opened.
fn watched(state: &EscalationState) -> Option<IncidentRef> {
    let opened = state.incident.as_ref().is_some_and(|i| i.claim == Some(Claim::Opened));
    if opened && !state.dry_run { IncidentRef::of(state) } else { None }
}
