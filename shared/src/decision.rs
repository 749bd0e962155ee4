//! The escalation decision: given the state and the calls of the current attempt as
//! check-contact left them, what happens next. A pure function of the state and "now", so
//! every branch is tested here without a phone or a clock.
//!
//! The rules (DESIGN.md, "Escalation semantics"): one acknowledgement ends the escalation;
//! an attempt is over when every call has ended without one, or when
//! `timing.checkIntervalSeconds` have passed since it was placed; then the next planned
//! attempt is rung, or the escalation is exhausted. Until then the workflow waits a short
//! poll, so a declined or busy call escalates in seconds instead of waiting out the interval.

use chrono::{DateTime, Utc};

use crate::payload::{
    Action, AttemptRecord, CallRecord, CallStatus, CurrentAttempt, Decision, EscalationState, Outcome, OutcomeStatus,
};

/// Returns the next state: `decision` is set, and on anything but `wait` the current
/// attempt's calls move into `history` (the caller then stops those still ringing).
pub fn decide(state: &EscalationState, now: DateTime<Utc>) -> EscalationState {
    let mut next = state.clone();
    let attempt = &state.current;
    let label = attempt_label(attempt.index, attempt.group.as_deref());

    if let Some(ack) = first_acknowledgement(&state.calls) {
        let acknowledged_at = ack.checked_at.or(ack.ended_at).unwrap_or(now);
        let seconds = (acknowledged_at - state.started_at).num_seconds().max(0);
        let who = ack.phone_number.masked();
        finish_attempt(&mut next, format!("{who} pressed the key"));
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

    let live: Vec<&CallRecord> = state.calls.iter().filter(|c| !c.status.is_final()).collect();
    let interval = i64::from(state.timing.check_interval_seconds);
    // The attempt started when its first real call did. A record the workflow wrote for a call
    // it could not place (the Map's Catch) carries the execution's start time, not the attempt's.
    let started = state.calls.iter().filter(|c| c.contact_id.is_some()).map(|c| c.placed_at).min().unwrap_or(now);
    let left = interval - (now - started).num_seconds();
    if !live.is_empty() && left > 0 {
        let poll = i64::from(state.timing.poll_interval_seconds);
        let wait = if state.dry_run { 0 } else { poll.min(left).max(1) };
        next.current.wait_seconds = u32::try_from(wait).unwrap_or(u32::MAX);
        next.decision = Some(Decision {
            action: Action::Wait,
            reason: format!(
                "{label}: {} of {} calls still live, nobody has pressed the key yet; {left} s left",
                live.len(),
                state.calls.len()
            ),
        });
        return next;
    }

    let ended_because = if state.calls.is_empty() {
        "no call was placed".to_owned()
    } else if state.dry_run {
        format!("dry run, nobody was rung; a real alert would ring {}", numbers(&state.calls))
    } else if live.is_empty() {
        format!("every call ended without the key: {}", call_summary(&state.calls))
    } else {
        format!("nobody pressed the key within {interval} s: {}", call_summary(&state.calls))
    };
    finish_attempt(&mut next, ended_because.clone());

    let position = state.attempts.iter().position(|a| a.index == attempt.index);
    if let Some(planned) = position.and_then(|p| state.attempts.get(p + 1)) {
        let timing = state.timing;
        let wait =
            if state.dry_run { 0 } else { timing.poll_interval_seconds.min(timing.check_interval_seconds).max(1) };
        next.current = CurrentAttempt::from_plan(planned, wait);
        let reason = format!(
            "{label} ended ({ended_because}); ringing {}",
            attempt_label(planned.index, planned.group.as_deref())
        );
        next.decision = Some(Decision { action: Action::NextAttempt, reason });
        return next;
    }

    let outcome = if state.dry_run {
        let call_list: Vec<Vec<String>> =
            state.attempts.iter().map(|a| a.phone_numbers.iter().map(|n| n.masked()).collect()).collect();
        let calls: usize = call_list.iter().map(Vec::len).sum();
        let summary = format!(
            "Dry run: a real alert would make {} attempts and {calls} calls; nobody was rung",
            state.attempts.len()
        );
        Outcome { status: OutcomeStatus::DryRun, call_list, ..outcome_totals(&next, summary) }
    } else {
        let placed = calls_placed(&next);
        let summary = format!(
            "Nobody acknowledged: {} attempts, {placed} calls placed; last {ended_because}",
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

/// Moves the current attempt's calls into the history.
/// The masked numbers of `calls`, comma-separated.
fn numbers(calls: &[CallRecord]) -> String {
    calls.iter().map(|c| c.phone_number.to_string()).collect::<Vec<_>>().join(", ")
}

fn finish_attempt(state: &mut EscalationState, ended_because: String) {
    let calls = std::mem::take(&mut state.calls);
    state.history.push(AttemptRecord {
        index: state.current.index,
        group: state.current.group.clone(),
        calls,
        ended_because,
    });
}

fn calls_placed(state: &EscalationState) -> u32 {
    let placed = state.history.iter().flat_map(|a| &a.calls).filter(|c| c.contact_id.is_some()).count();
    u32::try_from(placed).unwrap_or(u32::MAX)
}

/// The outcome's counts and problems, common to every ending.
fn outcome_totals(state: &EscalationState, summary: String) -> Outcome {
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
        problems: state.problems.clone(),
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
            match &c.detail {
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
    use crate::phone::PhoneNumber;
    use crate::plan::PlannedAttempt;
    use crate::problem::Problem;
    use chrono::{Duration, NaiveDate, TimeZone};

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
            message: "boom".into(),
            dry_run: false,
            roster: None,
            time_zone: "Asia/Tokyo".into(),
            today: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            current: CurrentAttempt::from_plan(&attempts[0], 10),
            attempts,
            timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
            problems: vec![Problem::warning("s3://b/phoneNumber.json", None, "day 31 is not covered")],
            calls,
            history: Vec::new(),
            decision: None,
            outcome: None,
        }
    }

    fn call(number: &str, status: CallStatus) -> CallRecord {
        CallRecord {
            phone_number: n(number),
            attempt: 0,
            contact_id: Some(format!("contact-{number}")),
            status,
            placed_at: t(10),
            checked_at: Some(t(25)),
            ended_at: None,
            detail: None,
        }
    }

    fn action(state: &EscalationState) -> Action {
        state.decision.as_ref().unwrap().action
    }

    #[test]
    fn one_acknowledgement_ends_the_escalation_with_an_outcome() {
        let given =
            state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Acknowledged)]);
        let next = decide(&given, t(30));
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

    #[test]
    fn waits_a_poll_while_calls_are_live_inside_the_interval() {
        let given = state(vec![call("+819011110001", CallStatus::Ringing), call("+819011110002", CallStatus::Busy)]);
        let next = decide(&given, t(30));
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, 10);
        assert_eq!(next.calls, given.calls);
        assert!(next.history.is_empty() && next.outcome.is_none());
    }

    #[test]
    fn the_last_wait_never_runs_past_the_end_of_the_attempt() {
        let given = state(vec![call("+819011110001", CallStatus::InProgress)]);
        // Placed at t(10), interval 60: the attempt ends at t(70).
        assert_eq!(decide(&given, t(66)).current.wait_seconds, 4);
        assert_eq!(action(&decide(&given, t(69))), Action::Wait);
        assert_eq!(decide(&given, t(69)).current.wait_seconds, 1);
        assert_eq!(action(&decide(&given, t(70))), Action::NextAttempt);
    }

    #[test]
    fn moves_on_as_soon_as_every_call_ended_without_the_key() {
        let mut voicemail = call("+819011110002", CallStatus::AnsweredWithoutKey);
        voicemail.detail = Some("CUSTOMER_DISCONNECT".into());
        let given = state(vec![call("+819011110001", CallStatus::Busy), voicemail]);
        let next = decide(&given, t(20));
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
        let next = decide(&given, t(75));
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
        let next = decide(&given, t(65));
        assert_eq!(action(&next), Action::Wait);
        assert_eq!(next.current.wait_seconds, 5);
    }

    #[test]
    fn an_attempt_without_any_call_moves_on() {
        let next = decide(&state(Vec::new()), t(5));
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
        let next = decide(&given, t(100));
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
        let second = decide(&given, t(10));
        assert_eq!(action(&second), Action::NextAttempt);
        assert_eq!(second.current.wait_seconds, 0);

        let mut last = second;
        last.calls = vec![dry("+819022220003", 1)];
        let done = decide(&last, t(10));
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
}
