//! The escalation decision: given the state and the calls of the current attempt as
//! check-contact has just read them, what happens next. A pure function of the state and
//! "now", so every branch is tested here without a phone or a clock. check-contact takes it on
//! every poll, in the same step that reads the calls; the calls a decision leaves ringing go
//! in the state's `hangUp`, and next-target hangs them up ([`Step::handed_on`],
//! [`Step::to_hang_up`]).
//!
//! The rules (the original tool's, see the README): one acknowledgement ends the escalation;
//! an attempt is over when every call has ended without one, or when
//! `timing.checkIntervalSeconds` have passed since it was placed and nobody is on the line;
//! then the next planned attempt is rung, or the escalation is exhausted. Until then the
//! workflow waits a short poll, so a declined or busy call escalates in seconds instead of
//! waiting out the interval.
//!
//! A call that has been answered is never cut because the interval passed: the person may be
//! listening to the message and about to press 1. The contact flow bounds its own length and
//! hangs up when it gives up, which ends the attempt at once; [`ANSWERED_CALL_LIMIT_SECONDS`]
//! is only the backstop for a flow that does not (the original's, or a hung one).
//!
//! Every decision also keeps the execution inside Step Functions' history quota: the state
//! carries an estimate of the events used, and the escalation ends early, saying why, before
//! another poll or attempt could pass [`HISTORY_EVENT_BUDGET`].

use chrono::{DateTime, Utc};

use crate::escalation::plan::PlannedAttempt;
use crate::incident_store::Related;
use crate::payload::{
    Action, AttemptRecord, CallRecord, CallStatus, ContactId, CurrentAttempt, Decision, EscalationState, Outcome,
    OutcomeStatus,
};
use crate::phone::{MaskedNumber, PhoneNumber};
use crate::problem::Problem;

/// A STANDARD execution's history holds at most 25,000 events; one more fails the execution,
/// and no Catch sees it (Step Functions quotas). An escalation's own estimate stays below this
/// budget; the rest is margin for retries (about 3 events each) and the ending states.
pub const HISTORY_EVENT_BUDGET: u32 = 20_000;

/// Events of one poll: Wait (2), CheckCalls (5), WhatNext (2).
pub const EVENTS_PER_POLL: u32 = 9;

/// Events of hanging up an attempt's live calls when it ends: next-target's task (5) and, on
/// the way to an ending state, WhatNext once more (2).
pub const EVENTS_TO_HANG_UP: u32 = 7;

/// Events before the first poll: the execution's start (2), ReceiveAlert (2), ResolveRoster (5).
pub const EVENTS_BEFORE_FIRST_ATTEMPT: u32 = 9;

/// Events of ringing one attempt: placing its calls ([`events_to_place`]), and hanging up
/// what is still ringing when it ends.
pub fn events_per_attempt(numbers: usize) -> u32 {
    events_to_place(numbers).saturating_add(EVENTS_TO_HANG_UP)
}

/// Events of placing calls: the Map state (4), and per number an iteration with its PlaceCall
/// task (7). Also what asking again for numbers waiting for their line costs.
pub fn events_to_place(numbers: usize) -> u32 {
    let calls = u32::try_from(numbers).unwrap_or(u32::MAX).saturating_mul(7);
    4u32.saturating_add(calls)
}

/// An answered call still open after this long without the key is given up on and stopped.
/// The shipped contact flow hangs up well before (its own bound is in infra/README.md).
pub const ANSWERED_CALL_LIMIT_SECONDS: i64 = 600;

/// While only answered calls keep an attempt open, polls are at least this far apart: the
/// person on the line ends the call (key or hang-up), and the flow's bound is minutes long.
pub const ANSWERED_POLL_SECONDS: u32 = 10;

/// One decision: the next state, and the calls to hang up before it is handed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `decision` is set; on anything but `wait` the current attempt's calls have moved into
    /// `history`, and `current` is the next attempt or `outcome` is set.
    pub state: EscalationState,
    /// The calls of the attempt that just ended that are still live: nobody should answer a
    /// call that no longer means anything. Empty while the attempt goes on.
    pub stop: Vec<ContactId>,
}

/// What became of one call the handler was told to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopResult {
    /// Connect stopped it.
    Stopped,
    /// It had already ended (Connect no longer knows it as live).
    AlreadyEnded,
    /// It could not be stopped, even after retries: why, without phone numbers.
    Failed(String),
}

/// Decides what the escalation does next at `now`; see the module's rules.
pub fn decide(state: &EscalationState, now: DateTime<Utc>) -> Step {
    let state = next_state(state, now);
    let attempt_over = matches!(&state.decision, Some(decision) if decision.action != Action::Wait);
    let stop = if attempt_over { live_calls_of_finished_attempt(&state) } else { Vec::new() };
    Step { state, stop }
}

/// The calls of the attempt that just ended that are still live.
fn live_calls_of_finished_attempt(state: &EscalationState) -> Vec<ContactId> {
    state.history.last().map_or_else(Vec::new, |finished| {
        finished.calls.iter().filter(|c| !c.status.is_final()).filter_map(|c| c.contact_id.clone()).collect()
    })
}

/// Ends the escalation because its incident ended elsewhere (`why`, see
/// [`crate::incident_store::watch`]): the attempt's live calls are hung up and nobody more is
/// rung. A key pressed in the meantime still wins: the decision is then [`decide`]'s.
pub fn ended_by_source(state: &EscalationState, now: DateTime<Utc>, why: String) -> Step {
    if first_acknowledgement(&state.calls).is_some() {
        return decide(state, now);
    }
    let mut next = state.clone();
    next.history_events = state.history_events.saturating_add(EVENTS_PER_POLL);
    finish_attempt(&mut next, why.clone(), now);
    next.outcome = Some(Outcome { status: OutcomeStatus::Resolved, ..outcome_totals(&next, why.clone()) });
    next.decision = Some(Decision { action: Action::Resolved, reason: why });
    let stop = live_calls_of_finished_attempt(&next);
    Step { state: next, stop }
}

/// Events of re-escalating after an acknowledgement: PublishOutcome (5), ReEscalateLater (2),
/// WaitToReEscalate (2), CheckStillAcknowledged (5), WhatNext (2).
pub const EVENTS_TO_RE_ESCALATE: u32 = 16;

/// Rings the escalation again from the first attempt of its plan (a re-escalation, `why`):
/// the plan's attempts are appended again with new indexes (so every call gets a new
/// ClientToken), and the earlier ones stay in `history`.
pub fn ring_again(state: &EscalationState, why: String) -> EscalationState {
    let mut next = state.clone();
    let round = state.attempts.len() / (usize::try_from(state.re_escalations).unwrap_or(usize::MAX).saturating_add(1));
    let first = state.attempts.last().map_or(0, |a| a.index + 1);
    let again: Vec<PlannedAttempt> = state.attempts[..round.min(state.attempts.len())]
        .iter()
        .zip(first..)
        .map(|(planned, index)| PlannedAttempt { index, ..planned.clone() })
        .collect();
    let Some(planned) = again.first().cloned() else {
        return next;
    };
    next.attempts.extend(again);
    next.re_escalations = state.re_escalations.saturating_add(1);
    next.re_escalate_seconds = None;
    next.outcome = None;
    next.calls.clear();
    let timing = state.timing;
    next.current =
        CurrentAttempt::from_plan(&planned, timing.poll_interval_seconds.min(timing.check_interval_seconds).max(1));
    next.history_events = state
        .history_events
        .saturating_add(EVENTS_TO_RE_ESCALATE)
        .saturating_add(events_per_attempt(planned.phone_numbers.len()));
    next.decision = Some(Decision { action: Action::NextAttempt, reason: why });
    next
}

impl Step {
    /// The state as check-contact hands it on: [`Step::stop`] goes in `hangUp`, where the
    /// workflow sees that next-target has calls to hang up.
    pub fn handed_on(self) -> EscalationState {
        let mut state = self.state;
        state.hang_up = self.stop;
        state
    }

    /// The step a state handed on by [`Step::handed_on`] stands for: what next-target is to
    /// hang up, taken out of the state.
    pub fn to_hang_up(mut state: EscalationState) -> Self {
        let stop = std::mem::take(&mut state.hang_up);
        Self { state, stop }
    }

    /// The number of a call in [`Step::stop`], for the logs.
    pub fn number(&self, contact_id: &ContactId) -> Option<&PhoneNumber> {
        let finished = self.state.history.last()?;
        finished.calls.iter().find(|c| c.contact_id.as_ref() == Some(contact_id)).map(|c| &c.phone_number)
    }

    /// The state to hand on once the calls in [`Step::stop`] were stopped: each call says what
    /// became of it, and a call that could not be stopped is a problem of the escalation (and
    /// of its outcome), never a failure: an acknowledgement must not turn into one.
    pub fn stopped(self, results: &[(ContactId, StopResult)], now: DateTime<Utc>) -> EscalationState {
        let mut state = self.state;
        let Some(finished) = state.history.last_mut() else {
            return state;
        };
        let mut not_stopped = Vec::new();
        for call in finished.calls.iter_mut().filter(|c| !c.status.is_final()) {
            let Some(id) = &call.contact_id else { continue };
            let Some((_, result)) = results.iter().find(|(stopped, _)| stopped == id) else { continue };
            match result {
                StopResult::Stopped => {
                    call.status = CallStatus::Stopped;
                    call.ended_at = Some(now);
                }
                StopResult::AlreadyEnded => {
                    call.status = CallStatus::Stopped;
                    call.detail = Some("had already ended when the attempt was over".to_owned());
                }
                StopResult::Failed(why) => {
                    call.detail = Some(format!("could not be stopped: {why}"));
                    not_stopped.push(call.phone_number.masked().to_string());
                }
            }
        }
        let attempt = finished.index + 1;
        if !not_stopped.is_empty() {
            let problem = Problem::warning(
                "escalation",
                None,
                format!("{} of attempt {attempt} could not be stopped and may still ring", not_stopped.join(", ")),
            );
            if let Some(outcome) = &mut state.outcome {
                outcome.problems.push(problem.clone());
            }
            state.problems.push(problem);
        }
        state
    }
}

/// The next state: `decision` is set, and on anything but `wait` the current attempt's calls
/// move into `history`.
fn next_state(state: &EscalationState, now: DateTime<Utc>) -> EscalationState {
    let mut next = state.clone();
    next.history_events = state.history_events.saturating_add(EVENTS_PER_POLL);
    next.place_again.clear();
    let attempt = &state.current;
    let label = attempt_label(attempt.index, attempt.group.as_deref());

    if let Some(ack) = first_acknowledgement(&state.calls) {
        let acknowledged_at = ack.checked_at.or(ack.ended_at).unwrap_or(now);
        let seconds = (acknowledged_at - state.started_at).num_seconds().max(0);
        let who = ack.phone_number.masked();
        finish_attempt(&mut next, format!("{who} pressed the key"), now);
        let group = attempt.group.as_deref().map(|g| format!(" ({g})")).unwrap_or_default();
        let summary = format!(
            "{who}{group} acknowledged after {seconds} s, on attempt {} of {}",
            attempt.index + 1,
            state.attempts.len()
        );
        next.outcome = Some(Outcome {
            status: OutcomeStatus::Acknowledged,
            acknowledged_by: Some(who),
            acknowledged_group: attempt.group.clone(),
            acknowledged_at: Some(acknowledged_at),
            seconds_to_acknowledge: Some(seconds),
            ..outcome_totals(&next, summary.clone())
        });
        next.decision = Some(Decision { action: Action::Acknowledged, reason: summary });
        return next;
    }

    let interval = i64::from(state.timing.check_interval_seconds);
    // The attempt started when its first real call did, or a number began to wait for its line.
    // A record the workflow wrote for a call it could not place (the Map's Catch) carries the
    // execution's start time, not the attempt's.
    let waiting: Vec<&CallRecord> = state.calls.iter().filter(|c| c.status == CallStatus::WaitingForLine).collect();
    let started = state
        .calls
        .iter()
        .filter(|c| c.contact_id.is_some() || c.status == CallStatus::WaitingForLine)
        .map(|c| c.placed_at)
        .min()
        .unwrap_or(now);
    let left = interval - (now - started).num_seconds();
    let ringing = state.calls.iter().filter(|c| matches!(c.status, CallStatus::Placed | CallStatus::Ringing)).count();
    let answered_since = |c: &CallRecord| (now - c.answered_at.unwrap_or(c.placed_at)).num_seconds();
    let on_the_line = state.calls.iter().filter(|c| c.status == CallStatus::InProgress);
    let listening = on_the_line.clone().filter(|c| answered_since(c) < ANSWERED_CALL_LIMIT_SECONDS).count();
    let overstayed = on_the_line.count() - listening;
    let in_time = left > 0;
    let ringing_in_time = ringing > 0 && in_time;
    let waiting_in_time = !waiting.is_empty() && in_time;
    let place_again_cost = if waiting_in_time { events_to_place(waiting.len()) } else { 0 };
    let affordable =
        next.history_events.saturating_add(EVENTS_PER_POLL).saturating_add(place_again_cost) <= HISTORY_EVENT_BUDGET;

    if (ringing_in_time || waiting_in_time || listening > 0) && affordable && !state.dry_run {
        let poll = state.timing.poll_interval_seconds;
        // Past the interval only answered calls remain, and they end themselves: poll less.
        let wait = if in_time { i64::from(poll).min(left).max(1) } else { i64::from(poll.max(ANSWERED_POLL_SECONDS)) };
        next.current.wait_seconds = u32::try_from(wait).unwrap_or(u32::MAX);
        if waiting_in_time {
            next.place_again = waiting.iter().map(|c| c.phone_number.clone()).collect();
            next.history_events = next.history_events.saturating_add(place_again_cost);
        }
        let reason = if waiting_in_time {
            format!(
                "{label}: {ringing} ringing, {} waiting for a line another escalation's call holds, {listening} on the line, nobody has pressed the key yet; {left} s left",
                waiting.len()
            )
        } else if in_time {
            format!(
                "{label}: {ringing} ringing, {listening} on the line, nobody has pressed the key yet; {left} s left"
            )
        } else {
            format!(
                "{label}: {listening} on the line past the {interval} s interval; waiting for the key or the hang-up"
            )
        };
        next.decision = Some(Decision { action: Action::Wait, reason });
        return next;
    }

    end_waiting(&mut next.calls, now);
    let ended_because = if state.calls.is_empty() {
        "no call was placed".to_owned()
    } else if state.dry_run {
        format!("dry run, nobody was rung; a real alert would ring {}", numbers(&next.calls))
    } else if ringing_in_time || waiting_in_time || listening > 0 {
        format!("stopped to stay inside Step Functions' history limit: {}", call_summary(&next.calls))
    } else if ringing == 0 && waiting.is_empty() && overstayed == 0 && listening == 0 {
        format!("every call ended without the key: {}", call_summary(&next.calls))
    } else if overstayed > 0 && ringing == 0 {
        format!(
            "an answered call was still open after {ANSWERED_CALL_LIMIT_SECONDS} s without the key: {}",
            call_summary(&next.calls)
        )
    } else {
        format!("nobody pressed the key within {interval} s: {}", call_summary(&next.calls))
    };
    finish_attempt(&mut next, ended_because.clone(), now);

    // Connect placed none of this attempt's calls (it refused, failed or throttled every one
    // past the retries): the fallback number is tried before going on, unless it was one of them.
    // A number that waited for its line all attempt long was on another alert's call: reached,
    // in a way, and rung again by the next attempt.
    let nothing_placed = !state.dry_run
        && !state.calls.is_empty()
        && state
            .calls
            .iter()
            .all(|c| c.contact_id.is_none() && !matches!(c.status, CallStatus::WaitingForLine | CallStatus::LineBusy));
    let untried_fallback = state.fallback.as_ref().filter(|fallback| !attempt.phone_numbers.contains(fallback));
    let fallback_cost = events_per_attempt(1).saturating_add(EVENTS_PER_POLL);
    if let (true, Some(fallback)) = (nothing_placed, untried_fallback)
        && next.history_events.saturating_add(fallback_cost) <= HISTORY_EVENT_BUDGET
    {
        let timing = state.timing;
        // The same index: the ClientToken differs by number, and the plan goes on from here.
        next.current = CurrentAttempt {
            index: attempt.index,
            group: None,
            phone_numbers: vec![fallback.clone()],
            wait_seconds: timing.poll_interval_seconds.min(timing.check_interval_seconds).max(1),
        };
        next.history_events = next.history_events.saturating_add(events_per_attempt(1));
        let reason = format!("{label}: no call could be placed ({ended_because}); ringing the fallback number");
        next.decision = Some(Decision { action: Action::NextAttempt, reason });
        return next;
    }

    let position = state.attempts.iter().position(|a| a.index == attempt.index);
    let upcoming = position.and_then(|p| state.attempts.get(p + 1));
    let cost = upcoming.map(|planned| events_per_attempt(planned.phone_numbers.len()).saturating_add(EVENTS_PER_POLL));
    let fits = cost.is_some_and(|cost| next.history_events.saturating_add(cost) <= HISTORY_EVENT_BUDGET);
    if let (Some(planned), true) = (upcoming, fits) {
        let timing = state.timing;
        let wait =
            if state.dry_run { 0 } else { timing.poll_interval_seconds.min(timing.check_interval_seconds).max(1) };
        next.current = CurrentAttempt::from_plan(planned, wait);
        next.history_events = next.history_events.saturating_add(events_per_attempt(planned.phone_numbers.len()));
        let reason = format!(
            "{label} ended ({ended_because}); ringing {}",
            attempt_label(planned.index, planned.group.as_deref())
        );
        next.decision = Some(Decision { action: Action::NextAttempt, reason });
        return next;
    }
    if upcoming.is_some() {
        let made = next.history.len();
        next.problems.push(Problem::warning(
            "escalation",
            None,
            format!(
                "stopped after {made} of {} attempts: another attempt would pass Step Functions' limit of 25,000 history events per execution; shorten the roster, CALL_REPEAT_COUNT or the intervals",
                state.attempts.len()
            ),
        ));
    }

    // A test call rings its one number or nobody: never the fail-safe path's fallback number.
    if !state.dry_run && !state.test_call && calls_placed(&next) == 0 {
        let reason = format!("no call could be placed in {} attempts; last {ended_because}", next.history.len());
        next.decision = Some(Decision { action: Action::NoCallPlaced, reason });
        return next;
    }

    let outcome = if state.dry_run {
        let call_list: Vec<Vec<MaskedNumber>> =
            state.attempts.iter().map(|a| a.phone_numbers.iter().map(MaskedNumber::from).collect()).collect();
        let calls: usize = call_list.iter().map(Vec::len).sum();
        let summary = format!(
            "Dry run: a real alert would make {} attempts and {calls} calls; nobody was rung",
            state.attempts.len()
        );
        Outcome { status: OutcomeStatus::DryRun, call_list, ..outcome_totals(&next, summary) }
    } else {
        let placed = calls_placed(&next);
        let cut = if upcoming.is_some() { " (cut short by the history limit)" } else { "" };
        let summary = format!(
            "Nobody acknowledged: {} attempts{cut}, {placed} calls placed; last {ended_because}",
            next.history.len()
        );
        Outcome { status: OutcomeStatus::NobodyAcknowledged, ..outcome_totals(&next, summary) }
    };
    next.decision = Some(Decision { action: Action::Exhausted, reason: outcome.summary.clone() });
    next.outcome = Some(outcome);
    next
}

/// The earliest acknowledgement, should two people press the key between two checks.
fn first_acknowledgement(calls: &[CallRecord]) -> Option<&CallRecord> {
    calls
        .iter()
        .filter(|c| c.status == CallStatus::Acknowledged)
        .min_by_key(|c| c.checked_at.or(c.ended_at).unwrap_or(c.placed_at))
}

/// The masked numbers of `calls`, comma-separated.
fn numbers(calls: &[CallRecord]) -> String {
    calls.iter().map(|c| c.phone_number.to_string()).collect::<Vec<_>>().join(", ")
}

/// Moves the current attempt's calls into the history; a number still waiting for its line
/// was on another escalation's call for the whole attempt.
fn finish_attempt(state: &mut EscalationState, ended_because: String, now: DateTime<Utc>) {
    let mut calls = std::mem::take(&mut state.calls);
    end_waiting(&mut calls, now);
    state.place_again.clear();
    state.history.push(AttemptRecord {
        index: state.current.index,
        group: state.current.group.clone(),
        calls,
        ended_because,
    });
}

/// The attempt is over: a number still waiting for its line was on another escalation's call
/// all along.
fn end_waiting(calls: &mut [CallRecord], now: DateTime<Utc>) {
    for call in calls.iter_mut().filter(|c| c.status == CallStatus::WaitingForLine) {
        call.status = CallStatus::LineBusy;
        call.ended_at = Some(now);
    }
}

fn calls_placed(state: &EscalationState) -> u32 {
    let placed = state.history.iter().flat_map(|a| &a.calls).filter(|c| c.contact_id.is_some()).count();
    u32::try_from(placed).unwrap_or(u32::MAX)
}

/// The outcome's counts and problems, common to every ending. An escalation a maintenance
/// window made a dry run says so.
fn outcome_totals(state: &EscalationState, mut summary: String) -> Outcome {
    if let Some(window) = &state.maintenance {
        summary.push_str(&format!(" (a dry run: the project's maintenance window {})", window.describe()));
    }
    Outcome {
        status: OutcomeStatus::NobodyAcknowledged,
        summary,
        acknowledged_by: None,
        acknowledged_group: None,
        acknowledged_at: None,
        seconds_to_acknowledge: None,
        attempts_made: u32::try_from(state.history.len()).unwrap_or(u32::MAX),
        calls_placed: calls_placed(state),
        call_list: Vec::new(),
        related: state.related.clone().map(|related| Related { announced: None, ..related }),
        problems: state.problems.clone(),
        maintenance: state.maintenance.clone(),
    }
}

fn attempt_label(index: u32, group: Option<&str>) -> String {
    match group {
        Some(group) => format!("attempt {} ({group})", index + 1),
        None => format!("attempt {} (fallback number)", index + 1),
    }
}

/// `+8190****5678 busy, +8180****1234 answeredWithoutKey (CUSTOMER_DISCONNECT)`.
fn call_summary(calls: &[CallRecord]) -> String {
    calls
        .iter()
        .map(|c| {
            let status = serde_json::to_value(c.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{:?}", c.status));
            // A call the workflow could not place names the task's error (its Cause may be long).
            let detail = match (&c.detail, &c.error) {
                (Some(detail), Some(error)) => Some(format!("{detail}: {}", error.error)),
                (Some(detail), None) => Some(detail.clone()),
                (None, Some(error)) => Some(error.error.clone()),
                (None, None) => None,
            };
            match detail {
                Some(detail) => format!("{} {status} ({detail})", c.phone_number),
                None => format!("{} {status}", c.phone_number),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Alert;
    use crate::config::Timing;
    use chrono::{Duration, NaiveDate, TimeZone};

    const FALLBACK: &str = "+815099990000";

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap() + Duration::seconds(seconds)
    }

    fn n(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    fn planned(index: u32, group: &str, numbers: &[&str]) -> PlannedAttempt {
        PlannedAttempt {
            index,
            group: Some(group.to_owned()),
            phone_numbers: numbers.iter().map(|r| n(r)).collect(),
            includes_fallback: false,
        }
    }

    /// GIVEN two planned attempts, the first being rung since t(10), interval 60 s, poll 10 s.
    fn state(calls: Vec<CallRecord>) -> EscalationState {
        let attempts =
            vec![planned(0, "group1", &["+819011110001", "+819011110002"]), planned(1, "group2", &["+819022220003"])];
        EscalationState {
            escalation_id: "exec-1".into(),
            started_at: t(0),
            alert: Alert::default(),
            incident: None,
            policy: Default::default(),
            related: None,
            message: "boom".into(),
            dry_run: false,
            roster: None,
            time_zone: crate::zone::Zone::tokyo(),
            today: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            current: CurrentAttempt::from_plan(&attempts[0], 10),
            attempts,
            timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
            fallback: Some(n(FALLBACK)),
            problems: vec![Problem::warning("s3://b/phoneNumber.json", None, "day 31 is not covered")],
            calls,
            history: Vec::new(),
            decision: None,
            hang_up: Vec::new(),
            place_again: Vec::new(),
            placed_again: Vec::new(),
            outcome: None,
            re_escalate_seconds: None,
            re_escalations: 0,
            history_events: 0,
            test_call: false,
            maintenance: None,
            speech: Default::default(),
        }
    }

    fn call(number: &str, status: CallStatus) -> CallRecord {
        CallRecord {
            phone_number: n(number),
            attempt: 0,
            contact_id: Some(format!("contact-{number}").into()),
            status,
            placed_at: t(10),
            checked_at: Some(t(25)),
            answered_at: None,
            ended_at: None,
            detail: None,
            error: None,
        }
    }

    fn action(state: &EscalationState) -> Action {
        state.decision.as_ref().unwrap().action
    }

    #[test]
    fn one_acknowledgement_ends_the_escalation_with_an_outcome() {
        let given =
            state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Acknowledged)]);
        let next = decide(&given, t(30)).state;
        assert_eq!(action(&next), Action::Acknowledged);
        let outcome = next.outcome.unwrap();
        assert_eq!(outcome.status, OutcomeStatus::Acknowledged);
        assert_eq!(outcome.acknowledged_by.as_deref(), Some("+8190****0002"));
        assert_eq!(outcome.acknowledged_group.as_deref(), Some("group1"));
        assert_eq!(outcome.acknowledged_at, Some(t(25)));
        assert_eq!(outcome.seconds_to_acknowledge, Some(25));
        assert_eq!((outcome.attempts_made, outcome.calls_placed), (1, 2));
        assert_eq!(outcome.problems, given.problems);
        assert!(outcome.summary.contains("+8190****0002") && outcome.summary.contains("25 s"), "{}", outcome.summary);
        assert!(!outcome.summary.contains("819011110002"));
        // The ringing call stays in the history for the handler to stop.
        assert!(next.calls.is_empty());
        assert_eq!(next.history.len(), 1);
        assert_eq!(next.history[0].calls[0].status, CallStatus::Ringing);
        assert!(next.history[0].ended_because.contains("pressed the key"));
    }

    /// A number that found its line held by another escalation's live call at t(12).
    fn waiting(number: &str) -> CallRecord {
        CallRecord {
            contact_id: None,
            status: CallStatus::WaitingForLine,
            placed_at: t(12),
            checked_at: None,
            detail: Some("on a call of escalation exec-other".into()),
            ..call(number, CallStatus::Placed)
        }
    }

    #[test]
    fn a_number_waiting_for_its_line_keeps_the_attempt_open_and_is_asked_for_again_before_each_poll() {
        let given = state(vec![call("+819011110001", CallStatus::NoAnswer), waiting("+819011110002")]);
        let next = decide(&given, t(30)).state;
        assert_eq!(action(&next), Action::Wait, "every placed call ended, but one number was never rung");
        assert_eq!(next.place_again, vec![n("+819011110002")]);
        assert_eq!(next.history_events, EVENTS_PER_POLL + events_to_place(1));
        let reason = &next.decision.as_ref().unwrap().reason;
        assert!(reason.contains("1 waiting for a line"), "{reason}");
        // The next poll decides afresh: nothing left waiting, nothing asked for again.
        let rung = CallRecord { placed_at: t(31), ..call("+819011110002", CallStatus::Ringing) };
        let after = decide(&EscalationState { calls: vec![given.calls[0].clone(), rung], ..next }, t(40)).state;
        assert_eq!(action(&after), Action::Wait);
        assert!(after.place_again.is_empty());
    }

    #[test]
    fn a_number_on_another_call_all_attempt_long_is_line_busy_and_the_plan_goes_on_without_the_fallback() {
        // Waiting since t(12), interval 60 s: the attempt is over at t(72), not 60 s after a poll.
        let given = state(vec![waiting("+819011110001"), waiting("+819011110002")]);
        assert_eq!(action(&decide(&given, t(71)).state), Action::Wait);
        let next = decide(&given, t(72)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert_eq!(next.current.group.as_deref(), Some("group2"), "not the fallback number: {next:?}");
        assert!(next.place_again.is_empty());
        let finished = &next.history[0];
        assert!(finished.calls.iter().all(|c| c.status == CallStatus::LineBusy && c.ended_at == Some(t(72))));
        assert!(finished.ended_because.contains("nobody pressed the key within 60 s"), "{}", finished.ended_because);
        assert!(finished.ended_because.contains("lineBusy (on a call of escalation exec-other)"));
        // The last attempt's number too was on another call all along: no call of the whole
        // escalation was placed, and the fail-safe path rings the fallback number.
        let last = CallRecord { placed_at: t(75), ..waiting("+819022220003") };
        let over = decide(&EscalationState { calls: vec![last], ..next }, t(135)).state;
        assert_eq!(action(&over), Action::NoCallPlaced, "{over:?}");
    }

    #[test]
    fn a_test_call_connect_would_not_place_ends_unacknowledged_not_on_the_fail_safe_path() {
        let refused = CallRecord { contact_id: None, ..call("+819011110001", CallStatus::Failed) };
        let mut given = state(vec![refused]);
        given.attempts.truncate(1);
        given.fallback = None;
        given.test_call = true;
        let next = decide(&given, t(30)).state;
        assert_eq!(action(&next), Action::Exhausted);
        assert_eq!(next.outcome.map(|o| o.status), Some(OutcomeStatus::NobodyAcknowledged));
        given.test_call = false;
        assert_eq!(action(&decide(&given, t(30)).state), Action::NoCallPlaced, "an alert still takes it");
    }

    #[test]
    fn an_acknowledgement_ends_the_waiting_too() {
        let given = state(vec![call("+819011110001", CallStatus::Acknowledged), waiting("+819011110002")]);
        let next = decide(&given, t(30)).state;
        assert_eq!(action(&next), Action::Acknowledged);
        assert!(next.place_again.is_empty());
        assert_eq!(next.history[0].calls[1].status, CallStatus::LineBusy);
        assert_eq!(decide(&given, t(30)).stop, Vec::<ContactId>::new(), "a waiting number has no call to hang up");
    }

    #[test]
    fn an_incident_the_source_resolved_ends_the_escalation_and_stops_the_live_calls() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Busy)]);
        let step = ended_by_source(&given, t(30), "the source resolved db before anyone acknowledged".into());
        assert_eq!(action(&step.state), Action::Resolved);
        assert_eq!(step.stop, vec![ContactId::from("contact-+819011110001")], "only the live call is hung up");
        let outcome = step.state.outcome.as_ref().unwrap();
        assert_eq!(outcome.status, OutcomeStatus::Resolved);
        assert_eq!((outcome.attempts_made, outcome.calls_placed), (1, 2));
        assert!(outcome.summary.contains("before anyone acknowledged"), "{}", outcome.summary);
        assert!(step.state.calls.is_empty() && step.state.history[0].ended_because.contains("resolved"));
        assert_eq!(step.state.history_events, given.history_events + EVENTS_PER_POLL);
    }

    #[test]
    fn ringing_again_appends_the_plan_with_new_indexes_each_time() {
        let mut acknowledged = decide(&state(vec![call("+819011110002", CallStatus::Acknowledged)]), t(30)).state;
        acknowledged.re_escalate_seconds = Some(60);
        let again = ring_again(&acknowledged, "again".into());
        assert_eq!(action(&again), Action::NextAttempt);
        assert_eq!(again.attempts.iter().map(|a| a.index).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!((again.current.index, again.current.group.as_deref()), (2, Some("group1")));
        assert_eq!((again.re_escalations, again.re_escalate_seconds, again.outcome.as_ref()), (1, None, None));
        assert_eq!(again.history, acknowledged.history, "the first round stays in the history");
        assert_eq!(again.history_events, acknowledged.history_events + EVENTS_TO_RE_ESCALATE + events_per_attempt(2));
        let twice = ring_again(&again, "again".into());
        assert_eq!(twice.attempts.iter().map(|a| a.index).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
        assert_eq!(twice.current.index, 4);
    }

    #[test]
    fn a_key_pressed_before_the_resolve_was_seen_still_acknowledges() {
        let given =
            state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Acknowledged)]);
        let step = ended_by_source(&given, t(30), "resolved".into());
        assert_eq!(step, decide(&given, t(30)));
        assert_eq!(action(&step.state), Action::Acknowledged);
    }

    #[test]
    fn waits_a_poll_while_calls_are_live_inside_the_interval() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Busy)]);
        let next = decide(&given, t(30)).state;
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, 10);
        assert_eq!(next.calls, given.calls);
        assert!(next.history.is_empty() && next.outcome.is_none());
    }

    #[test]
    fn the_last_wait_never_runs_past_the_end_of_the_attempt() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing)]);
        // Placed at t(10), interval 60: the attempt ends at t(70).
        assert_eq!(decide(&given, t(66)).state.current.wait_seconds, 4);
        assert_eq!(action(&decide(&given, t(69)).state), Action::Wait);
        assert_eq!(decide(&given, t(69)).state.current.wait_seconds, 1);
        assert_eq!(action(&decide(&given, t(70)).state), Action::NextAttempt);
    }

    #[test]
    fn an_answered_call_is_never_cut_because_the_interval_passed() {
        // Answered at 1 s of the call, still listening to a long message when the 60 s
        // interval ends: the attempt waits for the key (or the flow's hang-up).
        let listening = CallRecord { answered_at: Some(t(11)), ..call("+819011110001", CallStatus::InProgress) };
        let given = state(vec![listening, call("+819011110002", CallStatus::Ringing)]);
        let next = decide(&given, t(80)).state;
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, ANSWERED_POLL_SECONDS);
        assert!(next.decision.unwrap().reason.contains("on the line past the 60 s interval"));
        // The key pressed at 90 s still counts.
        let mut pressed = given.clone();
        pressed.calls[0].status = CallStatus::Acknowledged;
        assert_eq!(action(&decide(&pressed, t(90)).state), Action::Acknowledged);
    }

    #[test]
    fn answered_calls_inside_the_interval_are_polled_as_often_as_ringing_ones() {
        // Voicemail picks up at once: its hang-up must be seen at the next short poll, so the
        // next group is rung within seconds.
        let answered = || CallRecord { answered_at: Some(t(11)), ..call("+819011110001", CallStatus::InProgress) };
        let next = decide(&state(vec![answered()]), t(15)).state;
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, 10);
        assert!(next.decision.unwrap().reason.contains("s left"));
        let mut short = state(vec![answered()]);
        short.timing.poll_interval_seconds = 1;
        assert_eq!(decide(&short, t(15)).state.current.wait_seconds, 1);
    }

    #[test]
    fn an_answered_call_that_ends_without_the_key_ends_the_attempt_at_once() {
        let mut hung_up = call("+819011110001", CallStatus::AnsweredWithoutKey);
        hung_up.answered_at = Some(t(11));
        let next = decide(&state(vec![hung_up, call("+819011110002", CallStatus::Busy)]), t(40)).state;
        assert_eq!(action(&next), Action::NextAttempt);
    }

    #[test]
    fn an_answered_call_open_past_the_limit_is_given_up() {
        let stuck = CallRecord { answered_at: Some(t(11)), ..call("+819011110001", CallStatus::InProgress) };
        let next = decide(&state(vec![stuck]), t(11 + ANSWERED_CALL_LIMIT_SECONDS)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert!(next.history[0].ended_because.contains("still open after 600 s"), "{}", next.history[0].ended_because);
        assert_eq!(next.history[0].calls[0].status, CallStatus::InProgress, "left for next-target to stop");
    }

    #[test]
    fn every_poll_and_attempt_counts_towards_the_history_estimate() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing)]);
        assert_eq!(decide(&given, t(30)).state.history_events, EVENTS_PER_POLL);
        let next = decide(&given, t(75)).state;
        assert_eq!(next.history_events, EVENTS_PER_POLL + events_per_attempt(1));
    }

    #[test]
    fn the_escalation_ends_before_another_attempt_would_pass_the_history_limit() {
        let mut given = state(vec![call("+819011110001", CallStatus::Busy)]);
        given.history_events = HISTORY_EVENT_BUDGET - EVENTS_PER_POLL - 10;
        let next = decide(&given, t(20)).state;
        assert_eq!(action(&next), Action::Exhausted);
        let outcome = next.outcome.unwrap();
        assert!(outcome.summary.contains("cut short by the history limit"), "{}", outcome.summary);
        assert!(
            outcome.problems.iter().any(|p| p.message.contains("stopped after 1 of 2 attempts")),
            "{:?}",
            outcome.problems
        );
    }

    #[test]
    fn a_poll_that_would_pass_the_history_limit_ends_the_attempt() {
        let mut given = state(vec![call("+819011110001", CallStatus::Ringing)]);
        given.history_events = HISTORY_EVENT_BUDGET - EVENTS_PER_POLL;
        let next = decide(&given, t(30)).state;
        assert_ne!(action(&next), Action::Wait);
        assert!(next.history[0].ended_because.contains("history limit"), "{}", next.history[0].ended_because);
    }

    #[test]
    fn moves_on_as_soon_as_every_call_ended_without_the_key() {
        let mut voicemail = call("+819011110002", CallStatus::AnsweredWithoutKey);
        voicemail.detail = Some("CUSTOMER_DISCONNECT".into());
        let given = state(vec![call("+819011110001", CallStatus::Busy), voicemail]);
        let next = decide(&given, t(20)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert_eq!(next.current.index, 1);
        assert_eq!(next.current.group.as_deref(), Some("group2"));
        assert_eq!(next.current.phone_numbers, vec![n("+819022220003")]);
        assert_eq!(next.current.wait_seconds, 10);
        assert!(next.calls.is_empty());
        let ended = &next.history[0].ended_because;
        assert!(ended.contains("every call ended") && ended.contains("+8190****0001 busy"), "{ended}");
        assert!(ended.contains("answeredWithoutKey (CUSTOMER_DISCONNECT)"), "{ended}");
        assert!(next.outcome.is_none());
    }

    #[test]
    fn moves_on_when_the_interval_passes_with_calls_still_ringing() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing)]);
        let next = decide(&given, t(75)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert!(next.history[0].ended_because.contains("within 60 s"), "{}", next.history[0].ended_because);
        assert_eq!(next.history[0].calls[0].status, CallStatus::Ringing);
    }

    #[test]
    fn a_call_that_could_not_be_placed_does_not_shorten_the_attempt() {
        let not_placed = CallRecord { contact_id: None, placed_at: t(0), ..call("+819011110002", CallStatus::Failed) };
        // The live call was placed at t(10) in an escalation started at t(0); at t(65) the
        // attempt has run 55 s of its 60.
        let mut given = state(vec![not_placed, call("+819011110001", CallStatus::Ringing)]);
        given.calls[1].placed_at = t(10);
        let next = decide(&given, t(65)).state;
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, 5);
    }

    #[test]
    fn a_call_the_workflow_could_not_place_names_its_error() {
        let not_placed = CallRecord {
            contact_id: None,
            detail: Some("could not be placed".into()),
            error: Some(crate::report::StepFailure { error: "ConnectFailed".into(), cause: "long".into() }),
            ..call("+819011110001", CallStatus::Failed)
        };
        let next = decide(&state(vec![not_placed]), t(20)).state;
        let ended = &next.history[0].ended_because;
        assert!(ended.contains("+8190****0001 failed (could not be placed: ConnectFailed)"), "{ended}");
    }

    #[test]
    fn an_attempt_without_any_call_moves_on() {
        let next = decide(&state(Vec::new()), t(5)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert_eq!(next.history[0].ended_because, "no call was placed");
    }

    #[test]
    fn the_last_attempt_without_an_acknowledgement_exhausts_the_escalation() {
        let mut given = state(vec![CallRecord { attempt: 1, ..call("+819022220003", CallStatus::NoAnswer) }]);
        given.history.push(AttemptRecord {
            index: 0,
            group: Some("group1".into()),
            calls: vec![call("+819011110001", CallStatus::Busy), call("+819011110002", CallStatus::Failed)],
            ended_because: "every call ended without the key".into(),
        });
        given.current = CurrentAttempt::from_plan(&given.attempts[1], 10);
        let next = decide(&given, t(100)).state;
        assert_eq!(action(&next), Action::Exhausted);
        let outcome = next.outcome.unwrap();
        assert_eq!(outcome.status, OutcomeStatus::NobodyAcknowledged);
        assert_eq!((outcome.attempts_made, outcome.calls_placed), (2, 3));
        assert!(outcome.acknowledged_by.is_none() && outcome.call_list.is_empty());
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.summary.starts_with("Nobody acknowledged"), "{}", outcome.summary);
    }

    #[test]
    fn a_dry_run_walks_every_attempt_without_waiting_and_lists_the_calls() {
        let mut given = state(Vec::new());
        given.dry_run = true;
        given.current.wait_seconds = 0;
        let dry =
            |number: &str, attempt: u32| CallRecord { contact_id: None, attempt, ..call(number, CallStatus::DryRun) };
        given.calls = vec![dry("+819011110001", 0), dry("+819011110002", 0)];
        let second = decide(&given, t(10)).state;
        assert_eq!(action(&second), Action::NextAttempt);
        assert_eq!(second.current.wait_seconds, 0);

        let mut last = second;
        last.calls = vec![dry("+819022220003", 1)];
        let done = decide(&last, t(10)).state;
        assert_eq!(action(&done), Action::Exhausted);
        let outcome = done.outcome.unwrap();
        assert_eq!(outcome.status, OutcomeStatus::DryRun);
        assert_eq!(outcome.call_list, vec![vec!["+8190****0001", "+8190****0002"], vec!["+8190****0003"]]);
        assert_eq!((outcome.attempts_made, outcome.calls_placed), (2, 0));
        assert_eq!(
            done.history[0].ended_because,
            "dry run, nobody was rung; a real alert would ring +8190****0001, +8190****0002"
        );
    }

    #[test]
    fn the_live_calls_of_an_ended_attempt_are_the_ones_to_stop() {
        let given =
            state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Acknowledged)]);
        let step = decide(&given, t(30));
        assert_eq!(step.stop, vec![ContactId::from("contact-+819011110001")]);
        assert_eq!(step.number(&step.stop[0]), Some(&n("+819011110001")));
        // While the attempt goes on nothing is stopped, and a call never placed has no contact.
        assert!(decide(&state(vec![call("+819011110001", CallStatus::Ringing)]), t(30)).stop.is_empty());
        let not_placed = CallRecord { contact_id: None, ..call("+819011110001", CallStatus::Ringing) };
        assert!(decide(&state(vec![not_placed]), t(75)).stop.is_empty());
    }

    #[test]
    fn the_calls_to_stop_travel_in_the_state_from_check_contact_to_next_target() {
        let given =
            state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Acknowledged)]);
        let step = decide(&given, t(30));
        let handed_on = step.clone().handed_on();
        assert_eq!(handed_on.hang_up, step.stop);
        let wire = serde_json::to_value(&handed_on).unwrap();
        assert_eq!(wire["hangUp"], serde_json::json!(["contact-+819011110001"]));
        // next-target takes them out of the state: what it hands on has nothing left to hang up.
        let back = Step::to_hang_up(serde_json::from_value(wire).unwrap());
        assert_eq!(back, step);
        assert!(back.stopped(&[], t(31)).hang_up.is_empty());
        // A poll that goes on leaves no `hangUp` key for the workflow's Choice to find.
        let waiting = decide(&state(vec![call("+819011110001", CallStatus::Ringing)]), t(30)).handed_on();
        assert!(serde_json::to_value(&waiting).unwrap().get("hangUp").is_none());
    }

    #[test]
    fn stopped_calls_say_so_and_one_that_could_not_be_stopped_is_a_problem() {
        let given = state(vec![
            call("+819011110001", CallStatus::Acknowledged),
            call("+819011110002", CallStatus::Ringing),
            call("+819011110003", CallStatus::Ringing),
            call("+819011110004", CallStatus::InProgress),
        ]);
        let step = decide(&given, t(30));
        assert_eq!(step.stop.len(), 3);
        let results = [
            (step.stop[0].clone(), StopResult::Stopped),
            (step.stop[1].clone(), StopResult::AlreadyEnded),
            (step.stop[2].clone(), StopResult::Failed("throttled".into())),
        ];
        let next = step.stopped(&results, t(31));
        let calls = &next.history[0].calls;
        assert_eq!((calls[1].status, calls[1].ended_at), (CallStatus::Stopped, Some(t(31))));
        assert_eq!(calls[2].status, CallStatus::Stopped);
        assert_eq!(calls[2].detail.as_deref(), Some("had already ended when the attempt was over"));
        assert_eq!(calls[3].status, CallStatus::InProgress);
        assert_eq!(calls[3].detail.as_deref(), Some("could not be stopped: throttled"));
        let expected = "+8190****0004 of attempt 1 could not be stopped and may still ring";
        assert_eq!(next.problems.last().unwrap().message, expected);
        assert_eq!(next.outcome.unwrap().problems.last().unwrap().message, expected);
    }

    /// A call Connect would not place: the Map's Catch (or a refusal) records it without a contact.
    fn not_placed(number: &str) -> CallRecord {
        CallRecord {
            contact_id: None,
            status: CallStatus::Failed,
            detail: Some("could not be placed".into()),
            ..call(number, CallStatus::Failed)
        }
    }

    #[test]
    fn an_attempt_whose_calls_could_not_be_placed_rings_the_fallback_number_before_going_on() {
        let given = state(vec![not_placed("+819011110001"), not_placed("+819011110002")]);
        let next = decide(&given, t(12)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert_eq!(next.current.phone_numbers, vec![n(FALLBACK)]);
        assert_eq!((next.current.index, next.current.group.as_deref()), (0, None));
        assert!(next.decision.as_ref().unwrap().reason.contains("no call could be placed"), "{next:?}");
        assert_eq!(next.history.len(), 1);

        // The fallback could not be placed either: the plan goes on with its next attempt.
        let mut after = next;
        after.calls = vec![not_placed(FALLBACK)];
        let next = decide(&after, t(14)).state;
        assert_eq!(action(&next), Action::NextAttempt);
        assert_eq!(next.current.group.as_deref(), Some("group2"));
    }

    #[test]
    fn an_escalation_that_never_placed_a_call_ends_in_no_call_placed_for_the_fail_safe_path() {
        let mut given = state(vec![not_placed("+819022220003")]);
        given.current = CurrentAttempt::from_plan(&given.attempts[1], 10);
        given.history = vec![AttemptRecord {
            index: 0,
            group: Some("group1".into()),
            calls: vec![not_placed("+819011110001")],
            ended_because: "every call ended without the key".into(),
        }];
        // The last attempt fails: the fallback first ...
        let next = decide(&given, t(12)).state;
        assert_eq!(next.current.phone_numbers, vec![n(FALLBACK)]);
        // ... and when it cannot be placed either, the escalation ends without an outcome.
        let mut after = next;
        after.calls = vec![not_placed(FALLBACK)];
        let step = decide(&after, t(14));
        assert_eq!(action(&step.state), Action::NoCallPlaced);
        assert!(step.state.outcome.is_none() && step.stop.is_empty());
        assert!(step.state.decision.unwrap().reason.contains("no call could be placed in 3 attempts"));
    }

    #[test]
    fn one_placed_call_is_enough_for_an_ordinary_ending() {
        let mut given = state(vec![not_placed("+819022220003")]);
        given.current = CurrentAttempt::from_plan(&given.attempts[1], 10);
        given.current.phone_numbers.push(n(FALLBACK));
        given.history = vec![AttemptRecord {
            index: 0,
            group: Some("group1".into()),
            calls: vec![call("+819011110001", CallStatus::NoAnswer)],
            ended_because: "every call ended without the key".into(),
        }];
        given.calls.push(not_placed(FALLBACK));
        let next = decide(&given, t(12)).state;
        assert_eq!(action(&next), Action::Exhausted);
        assert_eq!(next.outcome.unwrap().calls_placed, 1);
    }
}
