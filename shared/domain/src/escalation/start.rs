//! The start of an escalation: which roster, message and time zone an alert gets (through
//! the mapping in mapping mode), and the first state from the roster read for it. The files
//! are read by [`crate::resolve::resolve`]; everything it decides is here.

use chrono::{DateTime, Utc};

use crate::alert::{Alert, AlertInput, INPUT};
use crate::config::RosterConfig;
use crate::escalation::decision::{EVENTS_BEFORE_FIRST_ATTEMPT, events_per_attempt};
use crate::escalation::plan::{NobodyToRing, PlannedAttempt, local_date, plan};
use crate::incident::{Incident, IncidentAction, IncidentSource, InsufficientData, classify};
use crate::incident_store::IncidentPolicy;
use crate::maintenance::{MaintenanceMode, MaintenanceWindow, covering};
use crate::mapping::Mapping;
use crate::message::spoken_message;
use crate::payload::{Action, CurrentAttempt, Decision, EscalationState, Outcome, OutcomeStatus};
use crate::phone::PhoneNumber;
use crate::policy::ProjectPolicy;
use crate::problem::Problem;
use crate::roster::Roster;
use crate::zone::Zone;

/// What the mapping (or simple mode) selected for an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The roster to read; `None` rings the fallback number.
    pub roster_key: Option<String>,
    pub message: String,
    pub time_zone: Zone,
    pub dry_run: bool,
    /// The project's choice for alarms without data (mapping `insufficientData`).
    pub insufficient_data: InsufficientData,
    /// The project's incident settings (mapping `grouping`, `quietMinutes`, `reEscalateMinutes`).
    pub incidents: IncidentPolicy,
    /// The project's maintenance windows (mapping `maintenance`).
    pub maintenance: Vec<MaintenanceWindow>,
    /// The project's own repeat, timing, fallback number and speech.
    pub policy: ProjectPolicy,
}

/// The mapping file in mapping mode: where it is, and the mapping when it could be used.
#[derive(Debug, Clone, Copy)]
pub struct MappingFile<'a> {
    pub location: &'a str,
    pub mapping: Option<&'a Mapping>,
}

/// The roster file that was read: where it is, and the roster when it could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterFile {
    pub location: String,
    pub roster: Option<Roster>,
}

/// Selects the roster, message, zone and dry run for the alert's `topic`. `mapping` is
/// `None` in simple mode (no `MAPPING_JSON_FILE`). In mapping mode nothing but the mapping
/// may choose the roster: a default roster could belong to another project and ring people
/// who have nothing to do with the alert, so anything missing rings the fallback number.
pub fn select(
    config: &RosterConfig,
    mapping: Option<MappingFile<'_>>,
    topic: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Selection {
    let mut selection = Selection {
        roster_key: Some(config.roster_key.clone()),
        message: config.alarm_message.clone(),
        time_zone: config.time_zone.clone(),
        dry_run: false,
        insufficient_data: InsufficientData::default(),
        incidents: IncidentPolicy::default(),
        maintenance: Vec::new(),
        policy: ProjectPolicy::default(),
    };
    let Some(MappingFile { location, mapping }) = mapping else { return selection };
    selection.roster_key = None;
    let Some(mapping) = mapping else { return selection };
    let Some(topic) = topic else {
        problems.push(Problem::error(
            INPUT,
            Some("TopicArn".into()),
            "no SNS topic in the alert, and MAPPING_JSON_FILE needs one to choose the roster; the fallback number is rung",
        ));
        return selection;
    };
    match mapping.lookup(topic) {
        None => problems.push(Problem::error(
            location,
            None,
            format!("topic {topic} is not in the mapping; the fallback number is rung"),
        )),
        Some(entry) => {
            selection.roster_key = Some(entry.phone_number_json_file.clone());
            selection.message = entry.message.clone().unwrap_or(selection.message);
            if let Some(zone) = &entry.time_zone {
                selection.time_zone.clone_from(zone);
            }
            selection.dry_run = entry.dry_run;
            selection.insufficient_data = entry.insufficient_data;
            selection.incidents = entry.incidents;
            selection.maintenance.clone_from(&entry.maintenance);
            selection.policy = entry.policy.clone();
        }
    }
    selection
}

/// The escalation's first state. `now` is the real time; the input's `at`, when given, only
/// moves the date the roster is read for. `roster` is `None` when no roster file was read.
pub fn start(
    config: &RosterConfig,
    input: AlertInput,
    selection: Selection,
    roster: Option<RosterFile>,
    escalation_id: String,
    now: DateTime<Utc>,
) -> Result<EscalationState, NobodyToRing> {
    let AlertInput { alert, dry_run, at, mut problems, explicit, .. } = input;
    let (incident, found) = classify(&alert, &explicit, selection.insufficient_data);
    problems.extend(found);
    let (roster_location, roster) = roster.map_or((None, None), |file| (Some(file.location), file.roster));
    let at = at.unwrap_or(now);
    let today =
        roster.as_ref().map_or_else(|| local_date(at, &selection.time_zone), |r| r.duty_date(at, &selection.time_zone));
    // Only a trigger is silenced: an alarm back to OK still ends its incident.
    let window = covering(&selection.maintenance, at).filter(|_| incident.action == IncidentAction::Trigger).cloned();
    let silenced = window.as_ref().filter(|window| window.mode == MaintenanceMode::Notify);
    if incident.action != IncidentAction::Trigger || silenced.is_some() {
        // Nothing to plan: the state says why nobody is rung, and the workflow ends here.
        let problems = bounded(problems);
        let (decision, mut outcome) = match silenced {
            Some(window) => nobody_rung(
                OutcomeStatus::Notice,
                format!(
                    "{} came in the project's maintenance window {}: recorded, nobody was rung",
                    incident.key,
                    window.describe()
                ),
                &problems,
            ),
            None => not_paged(&incident, &problems),
        };
        outcome.maintenance = window.clone();
        return Ok(EscalationState {
            message: spoken_message(&selection.message, &alert),
            alert: alert.kept(),
            incident: Some(incident),
            policy: selection.incidents,
            dry_run: dry_run || selection.dry_run,
            roster: roster_location,
            time_zone: selection.time_zone,
            today,
            problems,
            decision: Some(decision),
            outcome: Some(outcome),
            maintenance: window,
            ..unrung(config, escalation_id, now)
        });
    }
    let policy = &selection.policy;
    let fallback = policy.fallback(&config.fallback);
    let plan = plan(roster.as_ref(), today, policy.repeat(config.repeat), Some(fallback))?;
    let attempts = plan.attempts;
    problems.extend(plan.problems);
    let problems = bounded(problems);
    // A window in dry-run mode walks the escalation as a dry run.
    let dry_run = dry_run || selection.dry_run || window.is_some();
    let timing = policy.timing(config.timing);
    let wait_seconds = if dry_run { 0 } else { timing.poll_interval_seconds };
    let current = attempts
        .first()
        .map(|first| CurrentAttempt::from_plan(first, wait_seconds))
        .ok_or_else(|| NobodyToRing { reason: "the plan has no attempts".to_owned() })?;
    let message = spoken_message(&selection.message, &alert);
    let history_events = EVENTS_BEFORE_FIRST_ATTEMPT.saturating_add(events_per_attempt(current.phone_numbers.len()));
    Ok(EscalationState {
        alert: alert.kept(),
        incident: Some(incident),
        policy: selection.incidents,
        message,
        dry_run,
        roster: roster_location,
        time_zone: selection.time_zone,
        today,
        attempts,
        problems,
        current,
        history_events,
        maintenance: window,
        timing,
        fallback: Some(fallback.clone()),
        speech: policy.speech.clone(),
        ..unrung(config, escalation_id, now)
    })
}

/// An escalation started at `now` that has rung nobody yet and planned nothing: what every
/// first state shares, for the caller to fill in.
fn unrung(config: &RosterConfig, escalation_id: String, now: DateTime<Utc>) -> EscalationState {
    EscalationState {
        escalation_id,
        started_at: now,
        alert: Alert::default(),
        incident: None,
        policy: IncidentPolicy::default(),
        related: None,
        message: String::new(),
        dry_run: false,
        roster: None,
        time_zone: config.time_zone.clone(),
        today: local_date(now, &config.time_zone),
        attempts: Vec::new(),
        timing: config.timing,
        fallback: Some(config.fallback.clone()),
        problems: Vec::new(),
        current: CurrentAttempt { index: 0, group: None, phone_numbers: Vec::new(), wait_seconds: 0 },
        calls: Vec::new(),
        history: Vec::new(),
        decision: None,
        hang_up: Vec::new(),
        place_again: Vec::new(),
        placed_again: Vec::new(),
        outcome: None,
        re_escalate_seconds: None,
        re_escalations: 0,
        history_events: EVENTS_BEFORE_FIRST_ATTEMPT,
        test_call: false,
        maintenance: None,
        speech: Default::default(),
    }
}

/// What a test call says unless the input's `message` says something else.
pub const TEST_CALL_MESSAGE: &str =
    "lambda-connect のテスト電話です。この電話が聞こえたら、確認のため 1 を押してください。";

/// A test call (console input `testCall`): rings `number` once, with the input's `message` or
/// [`TEST_CALL_MESSAGE`], and ends acknowledged when 1 was pressed, or not. So a new member
/// of the rota can check their phone and the contact flow before a night on duty. No roster,
/// mapping or incident is read, and the fallback number is never rung for it: a number that
/// cannot be read rings nobody, and the outcome names the field.
pub fn test_call(
    config: &RosterConfig,
    input: AlertInput,
    number: &str,
    escalation_id: String,
    now: DateTime<Utc>,
) -> EscalationState {
    let AlertInput { alert, dry_run, at, mut problems, .. } = input;
    let parsed = PhoneNumber::parse(number.trim());
    if let Err(err) = &parsed {
        problems.push(Problem::error(
            INPUT,
            Some(TEST_CALL_FIELD.into()),
            format!("{err}; nobody was rung (a test call rings only the number it names, never the fallback)"),
        ));
    }
    let attempts: Vec<PlannedAttempt> = parsed
        .into_iter()
        .map(|number| PlannedAttempt {
            index: 0,
            group: Some(TEST_CALL_GROUP.to_owned()),
            phone_numbers: vec![number],
            includes_fallback: false,
        })
        .collect();
    let wait_seconds = if dry_run { 0 } else { config.timing.poll_interval_seconds };
    let current = attempts
        .first()
        .map_or(CurrentAttempt { index: 0, group: None, phone_numbers: Vec::new(), wait_seconds: 0 }, |first| {
            CurrentAttempt::from_plan(first, wait_seconds)
        });
    let history_events = EVENTS_BEFORE_FIRST_ATTEMPT.saturating_add(events_per_attempt(current.phone_numbers.len()));
    let mut state = EscalationState {
        message: spoken_message(TEST_CALL_MESSAGE, &alert),
        alert: alert.kept(),
        dry_run,
        today: local_date(at.unwrap_or(now), &config.time_zone),
        attempts,
        fallback: None,
        problems: bounded(problems),
        current,
        history_events,
        test_call: true,
        maintenance: None,
        speech: Default::default(),
        ..unrung(config, escalation_id, now)
    };
    if state.attempts.is_empty() {
        let summary = format!("Test call not made: {TEST_CALL_FIELD} is not a phone number");
        ring_nobody(&mut state, OutcomeStatus::Notice, summary);
    }
    state
}

/// The console input field that asks for a test call.
pub const TEST_CALL_FIELD: &str = "testCall";

/// The test call's attempt, as the console and the outcome name it.
pub const TEST_CALL_GROUP: &str = "test call";

/// The decision and the outcome of an alert that rings nobody: it resolves its problem, or
/// it is a notice.
fn not_paged(incident: &Incident, problems: &[Problem]) -> (Decision, Outcome) {
    let key = &incident.key;
    let (status, summary) = match (incident.action, incident.source) {
        (IncidentAction::Notice, _) => (
            OutcomeStatus::Notice,
            format!("{key} reports INSUFFICIENT_DATA: recorded, nobody was rung (the project does not page on it)"),
        ),
        (_, IncidentSource::CloudwatchAlarm | IncidentSource::Eventbridge) => (
            OutcomeStatus::Resolved,
            format!(
                "{key} is back to OK: nobody was rung; an escalation already ringing for it goes on until someone presses 1"
            ),
        ),
        _ => (
            OutcomeStatus::Resolved,
            format!(
                "the source resolved {key}: nobody was rung; an escalation already ringing for it goes on until someone presses 1"
            ),
        ),
    };
    nobody_rung(status, summary, problems)
}

/// The decision and the outcome of an escalation that rings nobody, ending as `status`.
fn nobody_rung(status: OutcomeStatus, summary: String, problems: &[Problem]) -> (Decision, Outcome) {
    let outcome = Outcome {
        status,
        summary: summary.clone(),
        acknowledged_by: None,
        acknowledged_group: None,
        acknowledged_at: None,
        seconds_to_acknowledge: None,
        attempts_made: 0,
        calls_placed: 0,
        call_list: Vec::new(),
        related: None,
        problems: problems.to_vec(),
        maintenance: None,
    };
    (Decision { action: Action::RingNobody, reason: summary }, outcome)
}

/// Turns a started escalation into one that rings nobody, ending as `status` with `summary`:
/// an alert whose incident is already open ([`crate::incident_store`]).
pub fn ring_nobody(state: &mut EscalationState, status: OutcomeStatus, summary: String) {
    state.attempts.clear();
    state.current = CurrentAttempt { index: 0, group: None, phone_numbers: Vec::new(), wait_seconds: 0 };
    state.history_events = EVENTS_BEFORE_FIRST_ATTEMPT;
    let (decision, outcome) = nobody_rung(status, summary, &state.problems);
    state.decision = Some(decision);
    state.outcome = Some(outcome);
}

/// The most problems the state keeps; the rest are counted in one more. Every problem is
/// logged by resolve-roster and shown by `oncall check`; the state only has to say enough.
pub const MAX_KEPT_PROBLEMS: usize = 50;

/// The longest text of a kept problem (message, source, location), in characters: a problem
/// may quote a group's name or a value from a file, of any length.
pub const MAX_PROBLEM_CHARS: usize = 500;

fn cut(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
        text.push('…');
    }
}

/// `problems` within [`MAX_KEPT_PROBLEMS`] and [`MAX_PROBLEM_CHARS`]: errors first (they say why someone was not rung),
/// then warnings, and one problem that counts the rest.
fn bounded(mut problems: Vec<Problem>) -> Vec<Problem> {
    for problem in &mut problems {
        cut(&mut problem.message, MAX_PROBLEM_CHARS);
        cut(&mut problem.source, MAX_PROBLEM_CHARS);
        if let Some(location) = &mut problem.location {
            cut(location, MAX_PROBLEM_CHARS);
        }
    }
    if problems.len() <= MAX_KEPT_PROBLEMS {
        return problems;
    }
    problems.sort_by_key(|problem| !problem.is_error());
    let left_out = problems.len() - (MAX_KEPT_PROBLEMS - 1);
    problems.truncate(MAX_KEPT_PROBLEMS - 1);
    problems.push(Problem::warning(
        "escalation",
        None,
        format!(
            "{left_out} more problems are not kept in the state; `oncall check` and resolve-roster's log list them all"
        ),
    ));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;

    fn mapping() -> Mapping {
        let json = r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json","message":"A","timeZone":"UTC","dryRun":true,
                      "grouping":false,"quietMinutes":15,"reEscalateMinutes":30}]"#;
        Mapping::parse("m.json", json.as_bytes()).mapping.unwrap()
    }

    fn test_input(input: serde_json::Value) -> (AlertInput, String) {
        let input = AlertInput::parse(&input);
        let number = input.test_call.clone().unwrap();
        (input, number)
    }

    #[test]
    fn a_test_call_rings_its_one_number_with_the_test_message_and_no_fallback() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap();
        let config = RosterConfig::example(Some("m.json"));
        let (input, number) = test_input(serde_json::json!({"testCall": "+819012345678"}));
        assert!(input.problems.is_empty(), "testCall is a known field: {:?}", input.problems);
        let state = test_call(&config, input, &number, "t1".into(), now);
        assert!(state.test_call && state.fallback.is_none() && state.incident.is_none());
        assert_eq!(state.attempts.len(), 1);
        assert_eq!(state.current.group.as_deref(), Some(TEST_CALL_GROUP));
        assert_eq!(state.current.phone_numbers, vec![PhoneNumber::parse("+819012345678").unwrap()]);
        assert_eq!(state.message, TEST_CALL_MESSAGE);
        assert!(state.decision.is_none() && state.outcome.is_none(), "it rings");

        let (input, number) = test_input(serde_json::json!({"testCall": "+819012345678", "message": "テストです"}));
        assert_eq!(test_call(&config, input, &number, "t2".into(), now).message, "テストです");
    }

    #[test]
    fn a_test_call_to_a_number_that_cannot_be_read_rings_nobody_and_names_the_field() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap();
        let (input, number) = test_input(serde_json::json!({"testCall": "090-1234-5678"}));
        let state = test_call(&RosterConfig::example(None), input, &number, "t3".into(), now);
        assert!(state.attempts.is_empty() && state.current.phone_numbers.is_empty());
        assert_eq!(state.decision.as_ref().map(|d| d.action), Some(Action::RingNobody));
        let outcome = state.outcome.unwrap();
        assert_eq!(outcome.status, OutcomeStatus::Notice);
        assert_eq!(outcome.problems[0].location.as_deref(), Some(TEST_CALL_FIELD), "{:?}", outcome.problems);
        assert!(outcome.problems[0].message.contains("never the fallback"), "{:?}", outcome.problems);
    }

    #[test]
    fn the_mapping_chooses_everything_or_nothing() {
        let mut problems = Vec::new();
        let simple = select(&RosterConfig::example(None), None, Some("a-topic"), &mut problems);
        assert_eq!(simple.roster_key.as_deref(), Some("phoneNumber.json"));
        let mapping = mapping();
        let file = MappingFile { location: "mem://m.json", mapping: Some(&mapping) };
        let chosen = select(&RosterConfig::example(Some("m.json")), Some(file), Some("a-topic"), &mut problems);
        assert_eq!(
            chosen,
            Selection {
                roster_key: Some("a.json".into()),
                message: "A".into(),
                time_zone: Zone::UTC,
                dry_run: true,
                insufficient_data: InsufficientData::Notice,
                incidents: IncidentPolicy { grouping: false, quiet_minutes: 15, re_escalate_minutes: Some(30) },
                maintenance: Vec::new(),
                policy: ProjectPolicy::default(),
            }
        );
        assert!(problems.is_empty(), "{problems:?}");
        let unknown = select(&RosterConfig::example(Some("m.json")), Some(file), Some("b-topic"), &mut problems);
        assert_eq!(unknown.roster_key, None);
        assert!(problems[0].message.contains("topic b-topic is not in the mapping"), "{problems:?}");
        let unusable = MappingFile { location: "mem://m.json", mapping: None };
        assert_eq!(
            select(&RosterConfig::example(Some("m.json")), Some(unusable), Some("a-topic"), &mut problems).roster_key,
            None
        );
    }

    #[test]
    fn the_first_state_rings_the_first_attempt_of_the_day_in_the_selected_zone() {
        let config = RosterConfig::example(None);
        let roster = Roster::parse(
            "mem://phoneNumber.json",
            br#"[{"startDay":1,"endDay":20,"phoneNumber":["+811111111111"]},{"startDay":21,"endDay":31,"phoneNumber":["+812222222222"]}]"#,
        )
        .roster;
        let file = RosterFile { location: "mem://phoneNumber.json".into(), roster };
        // 2026-11-20T15:00Z is the 21st in Tokyo.
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap();
        let selection = select(&config, None, None, &mut Vec::new());
        let state = start(&config, AlertInput::default(), selection, Some(file), "exec-1".into(), now).unwrap();
        assert_eq!(state.current.phone_numbers, [PhoneNumber::parse("+812222222222").unwrap()]);
        assert_eq!((state.time_zone, state.today.to_string()), (Zone::tokyo(), "2026-11-21".to_owned()));
        assert_eq!((state.started_at, state.current.wait_seconds), (now, 10));
        assert_eq!(state.roster.as_deref(), Some("mem://phoneNumber.json"));
        assert_eq!(state.history_events, EVENTS_BEFORE_FIRST_ATTEMPT + events_per_attempt(1));
    }

    /// The largest inputs the functions accept, then the longest escalation they allow, with
    /// every call failing so that the decision adds a fallback attempt after each: the state
    /// never comes near Step Functions' 256 KB (past which the execution fails, uncaught).
    #[test]
    fn the_largest_inputs_keep_the_state_far_below_step_functions_limit() {
        use crate::escalation::decision::decide;
        use crate::escalation::plan::{MAX_PLANNED_CALLS, RepeatSettings};
        use crate::payload::{Action, CallRecord, CallStatus};
        use crate::report::StepFailure;

        const LIMIT: usize = 128 * 1024;
        let size = |state: &EscalationState| serde_json::to_vec(state).unwrap().len();
        // 300 groups of 60 numbers, each with a 10,000-character name, all covering today.
        let groups: Vec<serde_json::Value> = (0..300)
            .map(|g| {
                let numbers: Vec<String> = (0..60).map(|i| format!("+8190{:08}", g * 100 + i)).collect();
                serde_json::json!({"name": format!("{g}{}", "x".repeat(10_000)), "startDay": 1, "endDay": 31, "phoneNumber": numbers})
            })
            .collect();
        let roster = Roster::parse("mem://huge.json", serde_json::to_string(&groups).unwrap().as_bytes());
        let mut config = RosterConfig::example(None);
        config.repeat = RepeatSettings { repeat_count: 10, repeat_group: false };
        let mut input = AlertInput::parse(&serde_json::json!({"message": "x".repeat(200_000)}));
        input.problems.extend(roster.problems.clone());
        input
            .problems
            .extend((0..10_000).map(|i| Problem::warning("mem://huge.json", Some(format!("[{i}]")), "y".repeat(300))));
        let selection = select(&config, None, None, &mut input.problems);
        let file = RosterFile { location: "mem://huge.json".into(), roster: roster.roster };
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        let mut state = start(&config, input, selection, Some(file), "exec-1".into(), now).unwrap();
        let planned: usize = state.attempts.iter().map(|a| a.phone_numbers.len()).sum();
        assert!(planned <= MAX_PLANNED_CALLS, "{planned} calls planned");
        assert!(size(&state) < LIMIT, "the first state is {} bytes", size(&state));

        let mut decisions = 0;
        loop {
            state.calls = state
                .current
                .phone_numbers
                .iter()
                .map(|number| CallRecord {
                    phone_number: number.clone(),
                    attempt: state.current.index,
                    contact_id: None,
                    status: CallStatus::Failed,
                    placed_at: now,
                    checked_at: None,
                    answered_at: None,
                    ended_at: None,
                    detail: Some("could not be placed".into()),
                    error: Some(StepFailure { error: "ConnectFailed".into(), cause: "z".repeat(200) }),
                })
                .collect();
            state = decide(&state, now).state;
            decisions += 1;
            assert!(size(&state) < LIMIT, "after {decisions} decisions the state is {} bytes", size(&state));
            match state.decision.as_ref().unwrap().action {
                Action::NextAttempt => continue,
                action => {
                    assert_eq!(action, Action::NoCallPlaced);
                    break;
                }
            }
        }
        assert!(decisions > 5, "only {decisions} decisions");
    }
}
