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
//! - Storms: while an escalation rings for a project (the SNS topic) that groups
//!   ([`IncidentPolicy::grouping`]), a trigger of another incident of the project joins it as
//!   a related alert ([`Claim::Grouped`]); the ringing escalation reads how many joined
//!   ([`Related`]) and says so in its next attempt's message ([`announce_related`]). After an
//!   acknowledgement the project keeps grouping for its quiet window.
//! - Re-escalation: an acknowledgement of a project with `reEscalateMinutes` is armed
//!   ([`arm_re_escalation`]); when the workflow's wait is over, [`re_escalation_due`] rings
//!   the plan again unless the source resolved the incident.
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

use crate::escalation::decision::{
    ANSWERED_CALL_LIMIT_SECONDS, EVENTS_TO_RE_ESCALATE, HISTORY_EVENT_BUDGET, ring_again,
};
use crate::escalation::start::ring_nobody;
use crate::incident::{IncidentAction, IncidentSource};
use crate::payload::{Action, Decision, EscalationState, OutcomeStatus};
use crate::problem::Problem;

/// How long an acknowledged incident stays open without a resolve: triggers of its key join it
/// until then, and the next one after it rings again. CloudWatch sends one notification per
/// state change, so an alarm still in ALARM sends nothing more in the meantime.
pub const ACKNOWLEDGED_HOLD: Duration = Duration::hours(4);

/// How long an item is kept after its incident closed (the table's TTL), for people reading it.
pub const RETENTION: Duration = Duration::days(7);

/// The problem's source when the store fails: the setting that names it.
pub const STORE_SETTING: &str = "INCIDENT_TABLE";

/// What a project does with its incidents (mapping `grouping`, `quietMinutes`,
/// `reEscalateMinutes`); the deployment's default for projects the mapping does not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentPolicy {
    /// While an escalation of the project rings, a trigger of another incident of the project
    /// joins it as a related alert instead of ringing the same people in parallel.
    #[serde(default = "grouping_default")]
    pub grouping: bool,
    /// After an acknowledgement, new incidents of the project are grouped into the
    /// acknowledged one for this long rather than paged (0: none).
    #[serde(default)]
    pub quiet_minutes: u32,
    /// An acknowledged incident the source has not resolved after this long is rung again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_escalate_minutes: Option<u32>,
}

fn grouping_default() -> bool {
    true
}

impl Default for IncidentPolicy {
    fn default() -> Self {
        Self { grouping: true, quiet_minutes: 0, re_escalate_minutes: None }
    }
}

/// The longest quiet window or re-escalation delay a project may set: one day.
pub const MAX_POLICY_MINUTES: u32 = 1440;

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

    /// Makes `escalation_id` the one ringing for `project` until `hold_until`, unless another
    /// escalation of the project is ringing (within its hold) or acknowledged within its quiet
    /// window: then `key` joins that one as a related alert.
    fn lead(
        &self,
        project: &str,
        key: &str,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Leading, IncidentStoreError>> + Send;

    /// Hands the incident `from` opened to escalation `to`, which rings for it as a related
    /// alert: a trigger of its key joins `to` from now on.
    fn hand_over(
        &self,
        incident: &IncidentRef,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<(), IncidentStoreError>> + Send;
}

/// A claim of a project's ringing escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leading {
    /// This escalation rings for the project.
    Leads,
    /// Another one does (`record`): the alert joined it, the `alerts`-th related one.
    Grouped { record: IncidentRecord, alerts: u64 },
}

/// What a project's item says: which escalation rings for it, and what joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub record: IncidentRecord,
    pub related: Related,
}

/// Other incidents of a project that joined the escalation ringing for it (a storm).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Related {
    /// How many alerts joined.
    pub count: u64,
    /// Their incident keys, as many of the first as fit in [`MAX_RELATED_KEY_BYTES`].
    #[serde(default)]
    pub keys: Vec<String>,
    /// What the spoken message says about them now (so the next update replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<String>,
}

/// The most bytes of related incident keys kept, in the store, the state and the outcome:
/// about 300 CloudWatch alarm ARNs, so a storm of a few hundred alarms is listed whole. The
/// count goes on past it. Bytes, not keys: a key is up to 256 characters, of up to 4 bytes
/// each, and the state (which carries the list twice, in `related` and in the outcome) must
/// stay far below Step Functions' 256 KB.
pub const MAX_RELATED_KEY_BYTES: usize = 24 * 1024;

/// The first of `keys` that fit in [`MAX_RELATED_KEY_BYTES`] together.
pub fn kept_related_keys(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut room = MAX_RELATED_KEY_BYTES;
    keys.into_iter()
        .take_while(|key| match room.checked_sub(key.len()) {
            Some(left) => {
                room = left;
                true
            }
            None => false,
        })
        .collect()
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

    /// `escalation_id`'s acknowledged incident rings again, held until `hold_until` (a
    /// re-escalation). `Ok(false)`: it is no longer that escalation's acknowledged incident
    /// (resolved by its source, or opened again by another).
    fn reopen(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, IncidentStoreError>> + Send;

    /// The project's item, read consistently.
    fn read_project(
        &self,
        project: &str,
    ) -> impl Future<Output = Result<Option<ProjectRecord>, IncidentStoreError>> + Send;

    /// The project `escalation_id` rings for becomes `status`: acknowledged (grouping new
    /// incidents until `until`: the quiet window), or closed. Does nothing when another
    /// escalation rings for the project now.
    fn settle_project(
        &self,
        project: &str,
        escalation_id: &str,
        status: IncidentStatus,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
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
    /// Another incident of the project was ringing (or acknowledged, in its quiet window):
    /// this alert joined that escalation as its `related`-th related alert, and rings nobody.
    Grouped { escalation_id: String, status: IncidentStatus, related: u64 },
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
    // A dry run, or an alert a maintenance window silenced, leaves no trace.
    let Some(incident) = IncidentRef::of(&state).filter(|_| !state.dry_run && state.maintenance.is_none()) else {
        return state;
    };
    let action = state.incident.as_ref().map(|i| i.action);
    let claimed = match action {
        Some(IncidentAction::Trigger) => trigger(store, &state, &incident, now).await,
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

/// A trigger's claim: its own incident first (a duplicate joins it), then, when the project
/// groups, the project's ringing escalation (another incident joins it as related).
async fn trigger<S: IncidentClaims>(
    store: &S,
    state: &EscalationState,
    incident: &IncidentRef,
    now: DateTime<Utc>,
) -> Result<Claim, IncidentStoreError> {
    let me = &state.escalation_id;
    let hold = ringing_hold(state, now);
    if let Opening::Joined { record, alerts } = store.open(incident, me, now, hold).await? {
        return Ok(Claim::Joined { escalation_id: record.escalation_id, status: record.status, alerts });
    }
    if !groups(state) {
        return Ok(Claim::Opened);
    }
    match store.lead(&incident.project, &incident.key, me, now, hold).await? {
        Leading::Leads => Ok(Claim::Opened),
        Leading::Grouped { record, alerts } => {
            store.hand_over(incident, me, &record.escalation_id).await?;
            Ok(Claim::Grouped { escalation_id: record.escalation_id, status: record.status, related: alerts })
        }
    }
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
        Claim::Grouped { escalation_id, status, related } => format!(
            "another incident of {} is {} (escalation {escalation_id}): {key} joined it as related alert {related}, nobody was rung again",
            incident.project,
            status.as_str()
        ),
        Claim::Resolved { escalation_id, was: IncidentStatus::Ringing } => format!(
            "{source_says}: nobody was rung; escalation {escalation_id}, still ringing for it, stops at its next check"
        ),
        Claim::Resolved { escalation_id, .. } => {
            format!("{source_says}: nobody was rung; the incident escalation {escalation_id} opened is closed")
        }
        Claim::NothingOpen => format!("{source_says}: nobody was rung; no incident was open for it"),
        Claim::Opened | Claim::Unavailable => return,
    };
    if let Claim::Joined { .. } | Claim::Grouped { .. } = claim {
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

/// Reads the incident `state`'s escalation opened; see [`Watch`]. While it rings for a
/// project that groups, also brings `state.related` up to date from the project's item.
pub async fn watch<W: IncidentWatch>(store: &W, state: &mut EscalationState) -> Watch {
    let Some(incident) = watched(state) else {
        return Watch::Ringing;
    };
    let verdict = match store.read(&incident).await {
        Ok(Some(record)) if record.escalation_id != state.escalation_id => {
            Watch::Ended(format!("escalation {} now rings for {}", record.escalation_id, incident.key))
        }
        Ok(Some(IncidentRecord { status: IncidentStatus::Resolved, .. })) => {
            Watch::Ended(format!("the source resolved {} before anyone acknowledged", incident.key))
        }
        Ok(_) => Watch::Ringing,
        Err(err) => return Watch::Unreadable(err),
    };
    // Read on the last poll too: the outcome lists what joined up to the end.
    if groups(state) {
        match store.read_project(&incident.project).await {
            Ok(Some(project)) if project.record.escalation_id == state.escalation_id && project.related.count > 0 => {
                let announced = state.related.take().and_then(|r| r.announced);
                state.related = Some(Related { announced, ..project.related });
            }
            Ok(_) => {}
            Err(err) if verdict == Watch::Ringing => return Watch::Unreadable(err),
            // The incident's end stands: the outcome lists what was read before.
            Err(_) => {}
        }
    }
    verdict
}

/// Records how the escalation ended in its incident and its project: acknowledged (the
/// project's quiet window starts), or closed when it ended without an acknowledgement or by
/// its source. Nothing for an escalation still going.
pub async fn settle<W: IncidentWatch>(
    store: &W,
    state: &EscalationState,
    now: DateTime<Utc>,
) -> Result<(), IncidentStoreError> {
    let Some(incident) = watched(state) else {
        return Ok(());
    };
    let me = &state.escalation_id;
    let status = match state.decision.as_ref().map(|d| d.action) {
        Some(Action::Acknowledged) => IncidentStatus::Acknowledged,
        Some(Action::Exhausted | Action::NoCallPlaced | Action::Resolved) => IncidentStatus::Closed,
        _ => return Ok(()),
    };
    if state.decision.as_ref().is_some_and(|d| d.action != Action::Resolved) {
        // Held at least until the re-escalation looks at it again.
        let re_escalation = Duration::minutes(i64::from(state.policy.re_escalate_minutes.unwrap_or(0)) + 5);
        store.settle(&incident, me, status, now, now + ACKNOWLEDGED_HOLD.max(re_escalation)).await?;
    }
    if groups(state) {
        // Without a quiet window an acknowledgement ends the grouping at once.
        let quiet_minutes = state.policy.quiet_minutes;
        let project_status = if quiet_minutes == 0 { IncidentStatus::Closed } else { status };
        let quiet = now + Duration::minutes(i64::from(quiet_minutes));
        store.settle_project(&incident.project, me, project_status, now, quiet).await?;
    }
    Ok(())
}

/// The most times one escalation is rung again after an acknowledgement.
pub const MAX_RE_ESCALATIONS: u32 = 5;

/// After an acknowledgement, arms the project's re-escalation (`reEscalateMinutes`): the
/// workflow waits, then asks [`re_escalation_due`]. Not for a dry run, an incident this
/// escalation did not open, after [`MAX_RE_ESCALATIONS`], or when another round could pass
/// the history budget.
pub fn arm_re_escalation(state: &mut EscalationState) {
    let acknowledged = state.decision.as_ref().is_some_and(|d| d.action == Action::Acknowledged);
    let Some(minutes) = state.policy.re_escalate_minutes.filter(|_| acknowledged && watched(state).is_some()) else {
        return;
    };
    let another_round = state.history_events.saturating_mul(2).saturating_add(EVENTS_TO_RE_ESCALATE);
    if state.re_escalations < MAX_RE_ESCALATIONS && another_round <= HISTORY_EVENT_BUDGET {
        state.re_escalate_seconds = Some(minutes.saturating_mul(60));
    }
}

/// The re-escalation's moment: an incident still acknowledged (the source has not resolved
/// it) rings again from the first attempt; one the source resolved ends the escalation as
/// resolved. A store that cannot be used rings again, with the problem.
pub async fn re_escalation_due<W: IncidentWatch>(
    store: &W,
    state: &EscalationState,
    now: DateTime<Utc>,
) -> EscalationState {
    let minutes = state.policy.re_escalate_minutes.unwrap_or_default();
    let Some(incident) = watched(state) else {
        return ring_again(state, "acknowledged, and not known to be resolved: ringing again".to_owned());
    };
    let again = format!(
        "{} was acknowledged {minutes} min ago and the source has not resolved it: ringing again from the first attempt",
        incident.key
    );
    match store.reopen(&incident, &state.escalation_id, now, ringing_hold(state, now)).await {
        Ok(true) => ring_again(state, again),
        Ok(false) => {
            let why = format!("the source resolved {} after the acknowledgement: no re-escalation", incident.key);
            let mut next = state.clone();
            next.re_escalate_seconds = None;
            next.decision = Some(Decision { action: Action::Resolved, reason: why.clone() });
            if let Some(outcome) = &mut next.outcome {
                outcome.status = OutcomeStatus::Resolved;
                outcome.summary = format!("{}; then {why}", outcome.summary);
            }
            next
        }
        Err(err) => {
            let mut next = ring_again(state, again);
            next.problems.push(Problem::warning(STORE_SETTING, None, format!("{err}: rung again without knowing")));
            next
        }
    }
}

/// When the escalation moves on to its next attempt with related alerts waiting, the spoken
/// message says how many (in Japanese when the message is, else in English), replacing what
/// an earlier attempt said.
pub fn announce_related(state: &mut EscalationState) {
    let next_attempt = state.decision.as_ref().is_some_and(|d| d.action == Action::NextAttempt);
    let Some(related) = state.related.as_mut().filter(|r| r.count > 0 && next_attempt) else {
        return;
    };
    if let Some(earlier) = related.announced.take()
        && let Some(rest) = state.message.strip_prefix(&earlier)
    {
        state.message = rest.to_owned();
    }
    let announcement = if state.message.is_ascii() {
        format!("{} more alerts of this project are waiting. ", related.count)
    } else {
        format!("このほかに{}件のアラートが発生しています。", related.count)
    };
    state.message.insert_str(0, &announcement);
    related.announced = Some(announcement);
}

/// True when the escalation's project groups its incidents. An alert without a topic has no
/// project: it is never grouped with another.
fn groups(state: &EscalationState) -> bool {
    state.policy.grouping && state.alert.topic_name.is_some()
}

/// The incident check-contact watches: the one this escalation opened.
fn watched(state: &EscalationState) -> Option<IncidentRef> {
    let opened = state.incident.as_ref().is_some_and(|i| i.claim == Some(Claim::Opened));
    if opened && !state.dry_run { IncidentRef::of(state) } else { None }
}
