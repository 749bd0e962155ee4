//! The escalation plan: the ordered attempts a real alert gets, as a pure function of the
//! roster, the local date and the repeat settings.
//!
//! The rules are the original tool's:
//! - the base group is the first group (file order) whose days contain today;
//! - normal mode: attempt `i` rings group `(base + i) mod n`, for `i` in `0..n * repeat`;
//! - repeat-group mode: the base group, `repeat` times;
//! - no group for today (or no usable roster): the fallback number, `repeat` times.
//!
//! An attempt whose group had numbers that cannot be dialled rings the fallback number too.
//!
//! The plan travels in the workflow's state, which Step Functions refuses past 256 KB (and no
//! Catch sees that): whatever the roster holds, an attempt rings at most
//! [`MAX_NUMBERS_PER_ATTEMPT`] numbers, a group's name is kept to [`MAX_GROUP_NAME_CHARS`],
//! and the plan stops at [`MAX_PLANNED_CALLS`] calls, each cut named by a problem.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::problem::Problem;
use crate::roster::Roster;
use crate::zone::Zone;

/// The most numbers one attempt rings: a duty group is a handful of people.
pub const MAX_NUMBERS_PER_ATTEMPT: usize = 20;

/// The most calls a plan holds, over all its attempts. With the calls' records in the history
/// and the fallback attempts the decision may add, this keeps the state far below 256 KB.
pub const MAX_PLANNED_CALLS: usize = 100;

/// The longest group name kept in the plan, in characters.
pub const MAX_GROUP_NAME_CHARS: usize = 64;

/// Where the plan's problems are reported from.
const PLAN: &str = "escalation plan";

/// The attempts, and what had to be cut to keep them within bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub attempts: Vec<PlannedAttempt>,
    pub problems: Vec<Problem>,
}

/// How many times to go round, and whether to stay with today's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepeatSettings {
    /// `CALL_REPEAT_COUNT`, at least 1.
    pub repeat_count: u32,
    /// `CALL_REPEAT_GROUP`.
    pub repeat_group: bool,
}

impl Default for RepeatSettings {
    fn default() -> Self {
        Self { repeat_count: 3, repeat_group: false }
    }
}

/// One planned attempt: everyone in it is rung at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAttempt {
    /// 0-based position in the escalation.
    pub index: u32,
    /// The roster group, or `None` when this attempt rings only the fallback number.
    pub group: Option<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    /// True when the fallback number was added to (or replaces) the group.
    pub includes_fallback: bool,
}

/// Nobody could be planned: the roster gave no one and no fallback number is configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("nobody to ring: {reason}, and CONNECT_EXTRA_DESTINATION_PHONE_NUMBER is not set")]
pub struct NobodyToRing {
    pub reason: String,
}

/// Today's date where the roster is kept. Correct on DST change days because it converts the
/// instant rather than adding a fixed offset.
pub fn local_date(now: DateTime<Utc>, zone: &Zone) -> NaiveDate {
    zone.local(now).date()
}

/// The ordered attempts for an alert on `today`, without what [`plan`] says about its cuts.
pub fn plan_attempts(
    roster: Option<&Roster>,
    today: NaiveDate,
    settings: RepeatSettings,
    fallback: Option<&PhoneNumber>,
) -> Result<Vec<PlannedAttempt>, NobodyToRing> {
    plan(roster, today, settings, fallback).map(|plan| plan.attempts)
}

/// The ordered attempts for an alert on `today`, within the bounds above. `roster` is `None`
/// when the file could not be used; `fallback` is the number rung when no group covers the
/// day. Linear in the attempts kept, whatever the roster's size.
pub fn plan(
    roster: Option<&Roster>,
    today: NaiveDate,
    settings: RepeatSettings,
    fallback: Option<&PhoneNumber>,
) -> Result<Plan, NobodyToRing> {
    let repeat = settings.repeat_count.max(1);
    let Some(roster) = roster else {
        return fallback_only(repeat, fallback, "the roster is unusable".to_owned());
    };
    let duty = roster.duty_on(today);
    // The positions the attempts ring, `None` for a stand-in on a day no group covers.
    let (rounds, order): (usize, Box<dyn Iterator<Item = Option<usize>>>) = match duty.base {
        Some(base) if settings.repeat_group => (repeat as usize, Box::new(std::iter::repeat(Some(base)))),
        Some(base) => {
            let n = roster.groups.len();
            (n.saturating_mul(repeat as usize), Box::new((0..).map(move |i| Some((base + i) % n))))
        }
        None if duty.anyone() => (repeat as usize, Box::new(std::iter::repeat(None))),
        None => return fallback_only(repeat, fallback, format!("no group covers day {}", today.day())),
    };
    let mut attempts = Vec::new();
    let mut problems = Vec::new();
    let mut planned_calls = 0;
    // At most MAX_PLANNED_CALLS attempts are kept, so this stays short.
    let mut cut_groups: Vec<Option<usize>> = Vec::new();
    for (index, position) in (0u32..).zip(order.take(rounds)) {
        let group = duty.rung(position);
        let mut numbers: Vec<PhoneNumber> = group.phone_numbers.iter().take(MAX_NUMBERS_PER_ATTEMPT).cloned().collect();
        if group.phone_numbers.len() > MAX_NUMBERS_PER_ATTEMPT && !cut_groups.contains(&position) {
            cut_groups.push(position);
            problems.push(Problem::error(
                PLAN,
                Some(kept_name(&group.name)),
                format!(
                    "the group has {} numbers; only the first {MAX_NUMBERS_PER_ATTEMPT} are rung",
                    group.phone_numbers.len()
                ),
            ));
        }
        let mut includes_fallback = false;
        if group.incomplete
            && let Some(fallback) = fallback.filter(|f| !numbers.contains(f))
        {
            numbers.truncate(MAX_NUMBERS_PER_ATTEMPT - 1);
            numbers.push(fallback.clone());
            includes_fallback = true;
        }
        if numbers.is_empty() {
            return Err(NobodyToRing {
                reason: format!("{} has no number that can be dialled", kept_name(&group.name)),
            });
        }
        if !attempts.is_empty() && planned_calls + numbers.len() > MAX_PLANNED_CALLS {
            problems.push(Problem::warning(
                PLAN,
                None,
                format!(
                    "the plan stops after {} of {rounds} attempts: more would pass {MAX_PLANNED_CALLS} calls; shorten the roster or CALL_REPEAT_COUNT",
                    attempts.len()
                ),
            ));
            break;
        }
        planned_calls += numbers.len();
        attempts.push(PlannedAttempt {
            index,
            group: Some(kept_name(&group.name)),
            phone_numbers: numbers,
            includes_fallback,
        });
    }
    Ok(Plan { attempts, problems })
}

/// A group's name as the plan keeps it: cut to [`MAX_GROUP_NAME_CHARS`].
fn kept_name(name: &str) -> String {
    match name.char_indices().nth(MAX_GROUP_NAME_CHARS) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

fn fallback_only(repeat: u32, fallback: Option<&PhoneNumber>, reason: String) -> Result<Plan, NobodyToRing> {
    let fallback = fallback.ok_or(NobodyToRing { reason })?;
    let attempts = (0..repeat)
        .map(|index| PlannedAttempt {
            index,
            group: None,
            phone_numbers: vec![fallback.clone()],
            includes_fallback: true,
        })
        .collect();
    Ok(Plan { attempts, problems: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn roster(json: &str) -> Roster {
        Roster::parse("r.json", json.as_bytes()).roster.unwrap()
    }

    fn three_groups() -> Roster {
        roster(
            r#"[{"startDay":1,"endDay":9,"phoneNumber":["+11111111111","+12222222222"]},
                {"startDay":10,"endDay":19,"phoneNumber":["+13333333333"]},
                {"startDay":20,"endDay":31,"phoneNumber":["+15555555555"]}]"#,
        )
    }

    fn fallback() -> PhoneNumber {
        PhoneNumber::parse("+819999999999").unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn groups(attempts: &[PlannedAttempt]) -> Vec<&str> {
        attempts.iter().map(|a| a.group.as_deref().unwrap_or("fallback")).collect()
    }

    #[test]
    fn normal_mode_walks_the_groups_from_today_round_repeat_times() {
        let settings = RepeatSettings { repeat_count: 2, repeat_group: false };
        let attempts = plan_attempts(Some(&three_groups()), date(2026, 11, 12), settings, Some(&fallback())).unwrap();
        assert_eq!(groups(&attempts), ["group2", "group3", "group1", "group2", "group3", "group1"]);
        assert_eq!(attempts.iter().map(|a| a.index).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
        assert_eq!(attempts[2].phone_numbers.len(), 2);
        assert!(attempts.iter().all(|a| !a.includes_fallback));
    }

    #[test]
    fn repeat_group_mode_rings_only_todays_group() {
        let settings = RepeatSettings { repeat_count: 3, repeat_group: true };
        let attempts = plan_attempts(Some(&three_groups()), date(2026, 11, 25), settings, Some(&fallback())).unwrap();
        assert_eq!(groups(&attempts), ["group3", "group3", "group3"]);
    }

    #[test]
    fn no_group_for_today_rings_the_fallback_number() {
        let r = roster(r#"[{"startDay":1,"endDay":10,"phoneNumber":["+11111111111"]}]"#);
        let attempts =
            plan_attempts(Some(&r), date(2026, 11, 21), RepeatSettings::default(), Some(&fallback())).unwrap();
        assert_eq!(groups(&attempts), ["fallback", "fallback", "fallback"]);
        assert!(attempts.iter().all(|a| a.phone_numbers == [fallback()] && a.includes_fallback));
    }

    #[test]
    fn unusable_roster_rings_the_fallback_number() {
        let attempts = plan_attempts(None, date(2026, 11, 21), RepeatSettings::default(), Some(&fallback())).unwrap();
        assert_eq!(attempts.len(), 3);
        assert!(attempts.iter().all(|a| a.group.is_none()));
    }

    #[test]
    fn without_a_fallback_number_nobody_to_ring_is_an_error() {
        let err = plan_attempts(None, date(2026, 11, 21), RepeatSettings::default(), None).unwrap_err();
        assert!(err.to_string().contains("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER"), "{err}");
        let placeholder = Roster::parse("b.json", br#"[{"startDay":1,"endDay":31,"phoneNumber":["+bbb"]}]"#).roster;
        assert!(plan_attempts(placeholder.as_ref(), date(2026, 11, 21), RepeatSettings::default(), None).is_err());
    }

    #[test]
    fn a_group_with_invalid_numbers_also_rings_the_fallback() {
        let r = roster(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+11111111111","+81xxxxxxxxxx"]}]"#);
        let attempts =
            plan_attempts(Some(&r), date(2026, 11, 21), RepeatSettings::default(), Some(&fallback())).unwrap();
        assert_eq!(attempts[0].phone_numbers, [PhoneNumber::parse("+11111111111").unwrap(), fallback()]);
        assert!(attempts[0].includes_fallback);
    }

    #[test]
    fn day_31_in_a_30_day_month_is_never_reached() {
        let r = roster(
            r#"[{"startDay":1,"endDay":30,"phoneNumber":["+11111111111"]},{"startDay":31,"endDay":31,"phoneNumber":["+12222222222"]}]"#,
        );
        let settings = RepeatSettings { repeat_count: 1, repeat_group: false };
        assert_eq!(groups(&plan_attempts(Some(&r), date(2026, 11, 30), settings, None).unwrap()), ["group1", "group2"]);
        assert_eq!(groups(&plan_attempts(Some(&r), date(2026, 12, 1), settings, None).unwrap()), ["group1", "group2"]);
        assert_eq!(groups(&plan_attempts(Some(&r), date(2026, 12, 31), settings, None).unwrap()), ["group2", "group1"]);
    }

    #[test]
    fn the_day_rolls_over_at_midnight_in_the_roster_zone() {
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap();
        // 2026-11-30T15:00Z is still the 30th in UTC but already 1 December in Tokyo.
        let instant = Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap();
        assert_eq!(instant.date_naive(), date(2026, 11, 30));
        assert_eq!(local_date(instant, &tokyo), date(2026, 12, 1));
        let just_before = Utc.with_ymd_and_hms(2026, 11, 30, 14, 59, 59).unwrap();
        assert_eq!(local_date(just_before, &tokyo), date(2026, 11, 30));
        let attempts =
            plan_attempts(Some(&three_groups()), local_date(instant, &tokyo), RepeatSettings::default(), None).unwrap();
        assert_eq!(attempts[0].group.as_deref(), Some("group1"));
    }

    #[test]
    fn dst_change_days_use_the_local_offset_of_that_instant() {
        let new_york: Zone = "America/New_York".parse().unwrap();
        // Spring forward 2026-03-08: 02:00 EST -> 03:00 EDT. 04:30Z is 23:30 EST on the 7th,
        // 05:30Z is 00:30 EST on the 8th; 03:59Z on the 9th is 23:59 EDT on the 8th.
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 3, 8, 4, 30, 0).unwrap(), &new_york), date(2026, 3, 7));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 3, 8, 5, 30, 0).unwrap(), &new_york), date(2026, 3, 8));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 3, 9, 3, 59, 0).unwrap(), &new_york), date(2026, 3, 8));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 3, 9, 4, 0, 0).unwrap(), &new_york), date(2026, 3, 9));
        // Fall back 2026-11-01: 02:00 EDT -> 01:00 EST. Midnight of the 2nd is 05:00Z (EST).
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 11, 1, 3, 59, 0).unwrap(), &new_york), date(2026, 10, 31));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 11, 1, 4, 0, 0).unwrap(), &new_york), date(2026, 11, 1));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 11, 2, 4, 59, 0).unwrap(), &new_york), date(2026, 11, 1));
        assert_eq!(local_date(Utc.with_ymd_and_hms(2026, 11, 2, 5, 0, 0).unwrap(), &new_york), date(2026, 11, 2));
    }

    fn group_json(name: &str, numbers: usize, first: usize) -> serde_json::Value {
        let numbers: Vec<String> = (first..first + numbers).map(|i| format!("+8190{i:08}")).collect();
        serde_json::json!({"name": name, "startDay": 1, "endDay": 31, "phoneNumber": numbers})
    }

    #[test]
    fn a_huge_group_rings_its_first_numbers_and_says_so_once() {
        let json = serde_json::json!([group_json("big", MAX_NUMBERS_PER_ATTEMPT + 10, 0), group_json("small", 2, 100)]);
        let r = roster(&json.to_string());
        let settings = RepeatSettings { repeat_count: 2, repeat_group: false };
        let plan = plan(Some(&r), date(2026, 11, 21), settings, Some(&fallback())).unwrap();
        assert_eq!(plan.attempts[0].phone_numbers.len(), MAX_NUMBERS_PER_ATTEMPT);
        assert_eq!(plan.attempts.len(), 4);
        assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
        assert!(plan.problems[0].is_error() && plan.problems[0].message.contains("30 numbers"), "{:?}", plan.problems);
    }

    #[test]
    fn the_plan_stops_at_its_call_budget_and_says_where() {
        let groups: Vec<serde_json::Value> = (0..50).map(|g| group_json(&format!("g{g}"), 10, g * 10)).collect();
        let r = roster(&serde_json::Value::Array(groups).to_string());
        let settings = RepeatSettings { repeat_count: 10, repeat_group: false };
        let plan = plan(Some(&r), date(2026, 11, 21), settings, Some(&fallback())).unwrap();
        let calls: usize = plan.attempts.iter().map(|a| a.phone_numbers.len()).sum();
        assert_eq!((plan.attempts.len(), calls), (MAX_PLANNED_CALLS / 10, MAX_PLANNED_CALLS));
        assert!(plan.problems[0].message.contains("stops after 10 of 500 attempts"), "{:?}", plan.problems);
    }

    #[test]
    fn a_long_group_name_is_cut_in_the_plan() {
        let json = serde_json::json!([group_json(&"n".repeat(1_000), 1, 0)]);
        let plan = plan(Some(&roster(&json.to_string())), date(2026, 11, 21), RepeatSettings::default(), None).unwrap();
        let name = plan.attempts[0].group.as_deref().unwrap();
        assert_eq!(name.chars().count(), MAX_GROUP_NAME_CHARS + 1, "{name}");
    }
}
