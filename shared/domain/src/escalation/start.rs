//! The start of an escalation: which roster, message and time zone an alert gets (through
//! the mapping in mapping mode), and the first state from the roster read for it. The files
//! are read by [`crate::resolve::resolve`]; everything it decides is here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::alert::{AlertInput, INPUT};
use crate::config::RosterConfig;
use crate::escalation::decision::{EVENTS_BEFORE_FIRST_ATTEMPT, events_per_attempt};
use crate::escalation::plan::{NobodyToRing, local_date, plan_attempts};
use crate::mapping::Mapping;
use crate::message::spoken_message;
use crate::payload::{CurrentAttempt, EscalationState};
use crate::problem::Problem;
use crate::roster::Roster;

/// What the mapping (or simple mode) selected for an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The roster to read; `None` rings the fallback number.
    pub roster_key: Option<String>,
    pub message: String,
    pub time_zone: Tz,
    pub dry_run: bool,
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
        time_zone: config.time_zone,
        dry_run: false,
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
            selection.time_zone = entry.time_zone.unwrap_or(selection.time_zone);
            selection.dry_run = entry.dry_run;
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
    let AlertInput { alert, dry_run, at, problems } = input;
    let (roster_location, roster) = roster.map_or((None, None), |file| (Some(file.location), file.roster));
    let today = local_date(at.unwrap_or(now), selection.time_zone);
    let attempts = plan_attempts(roster.as_ref(), today, config.repeat, Some(&config.fallback))?;
    let dry_run = dry_run || selection.dry_run;
    let wait_seconds = if dry_run { 0 } else { config.timing.poll_interval_seconds };
    let current = attempts
        .first()
        .map(|first| CurrentAttempt::from_plan(first, wait_seconds))
        .ok_or_else(|| NobodyToRing { reason: "the plan has no attempts".to_owned() })?;
    let message = spoken_message(&selection.message, &alert);
    let history_events = EVENTS_BEFORE_FIRST_ATTEMPT.saturating_add(events_per_attempt(current.phone_numbers.len()));
    Ok(EscalationState {
        escalation_id,
        started_at: now,
        alert: alert.kept(),
        message,
        dry_run,
        roster: roster_location,
        time_zone: selection.time_zone,
        today,
        attempts,
        timing: config.timing,
        fallback: Some(config.fallback.clone()),
        problems,
        current,
        calls: Vec::new(),
        history: Vec::new(),
        decision: None,
        outcome: None,
        history_events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::phone::PhoneNumber;
    use chrono::TimeZone;

    fn mapping() -> Mapping {
        let json = r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json","message":"A","timeZone":"UTC","dryRun":true}]"#;
        Mapping::parse("m.json", json.as_bytes()).mapping.unwrap()
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
            Selection { roster_key: Some("a.json".into()), message: "A".into(), time_zone: Tz::UTC, dry_run: true }
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
        assert_eq!((state.time_zone, state.today.to_string()), (Tz::Asia__Tokyo, "2026-11-21".to_owned()));
        assert_eq!((state.started_at, state.current.wait_seconds), (now, 10));
        assert_eq!(state.roster.as_deref(), Some("mem://phoneNumber.json"));
        assert_eq!(state.history_events, EVENTS_BEFORE_FIRST_ATTEMPT + events_per_attempt(1));
    }
}
