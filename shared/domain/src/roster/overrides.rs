//! Overrides: dated changes to the duty, for the days someone is ill, away or swapping.
//!
//! An override covers the dates `from`..=`to` (`YYYY-MM-DD`, in the roster's time zone, of
//! the duty day: see the roster's `handoff`) and does one thing:
//! - `phoneNumber`: these numbers are on duty instead of the day's group;
//! - `group`: that group of the roster is on duty instead (a swap), and the escalation walks
//!   on from it as it would on one of its own days;
//! - `replace` and `with`: one number is rung in place of another, in every group;
//! - `add`: numbers rung with the day's group.
//!
//! Overrides expire by themselves: one whose dates are past changes nothing. Where several
//! cover a day, the first in the file that changes who is on duty (`phoneNumber` or `group`)
//! wins, and every replacement and addition applies. An override that cannot be read is an
//! error naming it; when its dates can be read, its days ring the fallback number with the
//! day's group, because the file meant to change those days and nobody can tell how.

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::phone::{PhoneNumber, scrub_numbers};
use crate::problem::Problem;
use crate::reader::{Field, Found, JsonPath, Lookup, Object, Reader, kind, short};

use super::{DutyGroup, NAME, PHONE_NUMBER, Roster, phone_numbers};

pub const FROM: Field = Field::word("from");
pub const TO: Field = Field::word("to");
pub const GROUP: Field = Field::word("group");
pub const REPLACE: Field = Field::word("replace");
pub const WITH: Field = Field::word("with");
pub const ADD: Field = Field::word("add");
/// What happens when an override's change cannot be read.
const RINGS_FALLBACK: &str = "its days ring the fallback number with the roster's group";
const OVERRIDE_FIELDS: [Field; 8] = [FROM, TO, NAME, PHONE_NUMBER, GROUP, REPLACE, WITH, ADD];

/// How many overlaps between overrides `oncall check` lists one by one.
const SHOWN_OVERLAPS: usize = 10;

/// How many overrides an attempt's label names.
const SHOWN_NAMES: usize = 3;

/// One dated change to the duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Override {
    /// `overrideN` (1-based, in file order among the overrides), or its `name`.
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub change: Change,
    /// Where it is in the file (`[3]`, `overrides[0]`), for later findings.
    #[serde(skip)]
    pub at: JsonPath,
}

/// What an override does on its days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// These numbers are on duty instead of the day's group; `incomplete` when some listed
    /// ones cannot be dialled (the fallback number is rung with them).
    OnDuty { phone_numbers: Vec<PhoneNumber>, incomplete: bool },
    /// The roster's group at this position is on duty instead.
    Group(usize),
    /// `with` is rung instead of `number`, in every group.
    Replace { number: PhoneNumber, with: PhoneNumber },
    /// Numbers rung with the day's group.
    Add(Vec<PhoneNumber>),
    /// The override could not be read: its days ring the fallback number with the group.
    Unreadable,
}

impl Override {
    pub fn covers(&self, date: NaiveDate) -> bool {
        (self.from..=self.to).contains(&date)
    }

    /// The override's own numbers as a group on duty (none unless it is a stand-in).
    fn rung(&self) -> Rung<'_> {
        let name = Cow::Borrowed(self.name.as_str());
        match &self.change {
            Change::OnDuty { phone_numbers, incomplete } => {
                Rung { name, phone_numbers: Cow::Borrowed(phone_numbers), incomplete: *incomplete }
            }
            _ => Rung { name, phone_numbers: Cow::Borrowed(&[]), incomplete: true },
        }
    }

    /// The numbers the override brings in.
    fn numbers(&self) -> Vec<&PhoneNumber> {
        match &self.change {
            Change::OnDuty { phone_numbers, .. } => phone_numbers.iter().collect(),
            Change::Replace { with, .. } => vec![with],
            Change::Add(numbers) => numbers.iter().collect(),
            Change::Group(_) | Change::Unreadable => Vec::new(),
        }
    }
}

/// Reads one override. `None` when even its dates cannot be read: it is skipped, with the
/// error naming it.
pub(super) fn read_override(
    reader: &mut Reader<'_>,
    groups: &[DutyGroup],
    position: usize,
    at: JsonPath,
    item: &Value,
) -> Option<Override> {
    const SKIPPED: &str = "the override is skipped: the roster's own group is rung on its days";
    let mut fields = reader.object(item, at.clone(), "an override object", SKIPPED)?;
    fields.unknown_keys(reader, &OVERRIDE_FIELDS);
    let name = match fields.get(reader, NAME, "") {
        Lookup::Found(Found { value: Value::String(label), .. }) if !label.trim().is_empty() => scrub_numbers(label),
        _ => format!("override{position}"),
    };
    let from = date(reader, &mut fields, FROM, true, SKIPPED);
    let to = date(reader, &mut fields, TO, false, SKIPPED);
    let from = from??;
    let to = to?.unwrap_or(from);
    if to < from {
        reader.error(&at, format!("runs from {from} to {to}; an override must not end before it starts; {SKIPPED}"));
        return None;
    }
    let change = change(reader, &mut fields, groups).unwrap_or(Change::Unreadable);
    Some(Override { name, from, to, change, at })
}

/// A date field: `Some(None)` when it is optional and absent, `None` when it cannot be read.
fn date(
    reader: &mut Reader<'_>,
    fields: &mut Object<'_>,
    field: Field,
    required: bool,
    consequence: &str,
) -> Option<Option<NaiveDate>> {
    let found = match fields.get(reader, field, consequence) {
        Lookup::Found(found) => found,
        Lookup::Conflict => return None,
        Lookup::Absent if required => {
            reader.error(fields.at(), format!("missing {}; {consequence}", field.names()));
            return None;
        }
        Lookup::Absent => return Some(None),
    };
    match found.value.as_str().map(|raw| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")) {
        Some(Ok(date)) => Some(Some(date)),
        _ => {
            reader.expected(&fields.path(field), "a date such as 2026-12-24", short(found.value), consequence);
            None
        }
    }
}

/// What the override does: exactly one of `phoneNumber`, `group`, `replace` with `with`, `add`.
/// `None` (reported) when that cannot be told.
fn change(reader: &mut Reader<'_>, fields: &mut Object<'_>, groups: &[DutyGroup]) -> Option<Change> {
    let given: Vec<Field> = [PHONE_NUMBER, GROUP, REPLACE, ADD]
        .into_iter()
        .filter(|field| fields.members().keys().any(|key| key == field.camel || key == field.snake))
        .collect();
    let Some(&field) = given.first() else {
        reader.error(
            fields.at(),
            format!("says nothing to change: give phoneNumber, group, replace and with, or add; {RINGS_FALLBACK}"),
        );
        return None;
    };
    if given.len() > 1 {
        let names: Vec<&str> = given.iter().map(|field| field.camel).collect();
        reader.error(
            fields.at(),
            format!("gives {}; give one change per override; {RINGS_FALLBACK}", names.join(" and ")),
        );
        return None;
    }
    if field == PHONE_NUMBER {
        let (phone_numbers, incomplete) = phone_numbers(reader, fields)?;
        return Some(Change::OnDuty { phone_numbers, incomplete });
    }
    if field == GROUP {
        let found = fields.require(reader, GROUP, RINGS_FALLBACK)?;
        let wanted = found.value.as_str().map(str::trim).unwrap_or_default();
        let position = groups.iter().position(|group| group.name == wanted).or_else(|| {
            let n: usize = wanted.strip_prefix("group")?.parse().ok()?;
            (1..=groups.len()).contains(&n).then(|| n - 1)
        });
        if position.is_none() {
            let names: Vec<&str> = groups.iter().map(|group| group.name.as_ref()).take(10).collect();
            reader.expected(
                &fields.path(GROUP),
                &format!("the name of a group of this roster ({})", names.join(", ")),
                short(found.value),
                RINGS_FALLBACK,
            );
        }
        return position.map(Change::Group);
    }
    if field == ADD {
        let found = fields.require(reader, ADD, RINGS_FALLBACK)?;
        let at = fields.path(ADD);
        let Value::Array(items) = found.value else {
            reader.expected(&at, "an array of phone numbers", kind(found.value), RINGS_FALLBACK);
            return None;
        };
        let numbers = items
            .iter()
            .enumerate()
            .map(|(i, item)| number(reader, &at.index(i), item))
            .collect::<Option<Vec<PhoneNumber>>>()?;
        if numbers.is_empty() {
            reader.error(&at, format!("adds no number; {RINGS_FALLBACK}"));
            return None;
        }
        return Some(Change::Add(numbers));
    }
    let replaced = fields.require(reader, REPLACE, RINGS_FALLBACK);
    let with = fields.require(reader, WITH, RINGS_FALLBACK);
    let (replaced, with) = (replaced?, with?);
    let (number, with) =
        (number(reader, &fields.path(REPLACE), replaced.value), number(reader, &fields.path(WITH), with.value));
    let (number, with) = (number?, with?);
    if !groups.iter().any(|group| group.phone_numbers.contains(&number)) {
        reader.warning(&fields.path(REPLACE), format!("{number} is in no group of the roster, so nothing is replaced"));
    }
    Some(Change::Replace { number, with })
}

/// A phone number that can be dialled; an error naming it otherwise.
fn number(reader: &mut Reader<'_>, at: &JsonPath, value: &Value) -> Option<PhoneNumber> {
    let Value::String(raw) = value else {
        reader.expected(at, "a phone number string", kind(value), RINGS_FALLBACK);
        return None;
    };
    match PhoneNumber::parse(raw.trim()) {
        Ok(number) => Some(number),
        Err(err) => {
            reader.error(at, format!("{err}; {RINGS_FALLBACK}"));
            None
        }
    }
}

/// Who is on duty on one duty day: the roster's group for its day of the month, changed by
/// the overrides in force.
#[derive(Debug, Clone)]
pub struct Duty<'r> {
    roster: &'r Roster,
    /// The group the escalation starts from, and walks on from: the day's group, or the group
    /// an override swapped in.
    pub base: Option<usize>,
    /// The override whose numbers are on duty instead of the base group.
    pub stand_in: Option<&'r Override>,
    /// Every override in force that day, in file order.
    pub overrides: Vec<&'r Override>,
}

/// A group as one day's escalation rings it. It borrows the roster's group (or override)
/// unless the day's overrides change it: the plan asks for one per attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung<'r> {
    pub name: Cow<'r, str>,
    pub phone_numbers: Cow<'r, [PhoneNumber]>,
    /// Numbers were listed that cannot be dialled (or an override could not be read): the
    /// fallback number is rung too.
    pub incomplete: bool,
}

impl<'r> Duty<'r> {
    pub(super) fn on(roster: &'r Roster, date: NaiveDate) -> Self {
        let overrides: Vec<&Override> = roster.overrides.iter().filter(|o| o.covers(date)).collect();
        let mut base = roster.group_for_day(date.day());
        let mut stand_in = None;
        if let Some(first) = overrides.iter().find(|o| matches!(o.change, Change::OnDuty { .. } | Change::Group(_))) {
            match first.change {
                Change::Group(position) => base = Some(position),
                _ => stand_in = Some(*first),
            }
        }
        Self { roster, base, stand_in, overrides }
    }

    /// Whether anyone is on duty: a group covers the day, or an override puts someone on it.
    pub fn anyone(&self) -> bool {
        self.base.is_some() || self.stand_in.is_some()
    }

    /// The group at `position` (`None`: the stand-in of a day no group covers) as this day
    /// rings it: the stand-in's numbers in place of the base group, every replacement, and
    /// on the base group, the additions. The name says which overrides changed it.
    pub fn rung(&self, position: Option<usize>) -> Rung<'r> {
        let on_duty = position == self.base;
        let mut changed_by: Vec<&str> = Vec::new();
        let mut rung = match (self.stand_in.filter(|_| on_duty), position) {
            (Some(stand_in), _) => stand_in.rung(),
            (None, Some(position)) => {
                if on_duty && let Some(swap) = self.overrides.iter().find(|o| o.change == Change::Group(position)) {
                    changed_by.push(&swap.name);
                }
                Rung::from(&self.roster.groups[position])
            }
            (None, None) => Rung { name: Cow::Borrowed(""), phone_numbers: Cow::Borrowed(&[]), incomplete: true },
        };
        for found in &self.overrides {
            match &found.change {
                Change::Replace { number, with } => {
                    let Some(at) = rung.phone_numbers.iter().position(|n| n == number) else { continue };
                    if rung.phone_numbers.contains(with) {
                        rung.phone_numbers.to_mut().remove(at);
                    } else {
                        rung.phone_numbers.to_mut()[at] = with.clone();
                    }
                }
                Change::Add(numbers) if on_duty => {
                    for number in numbers {
                        if !rung.phone_numbers.contains(number) {
                            rung.phone_numbers.to_mut().push(number.clone());
                        }
                    }
                }
                Change::Unreadable if on_duty => rung.incomplete = true,
                _ => continue,
            }
            changed_by.push(&found.name);
        }
        // Named in the attempt's label; a day many overrides change names the first few.
        if let Some(more) = changed_by.len().checked_sub(SHOWN_NAMES).filter(|more| *more > 0) {
            changed_by.truncate(SHOWN_NAMES);
            rung.name = Cow::Owned(format!("{} ({} and {more} more)", rung.name, changed_by.join(", ")));
        } else if !changed_by.is_empty() {
            rung.name = Cow::Owned(format!("{} ({})", rung.name, changed_by.join(", ")));
        }
        rung
    }
}

impl Rung<'_> {
    /// The numbers an attempt on this group rings: the group's, and the fallback number too
    /// when the group is incomplete. The flag says whether the fallback was added.
    pub fn numbers_with_fallback(&self, fallback: Option<&PhoneNumber>) -> (Vec<PhoneNumber>, bool) {
        let mut numbers = self.phone_numbers.to_vec();
        match fallback.filter(|f| self.incomplete && !numbers.contains(f)) {
            Some(fallback) => {
                numbers.push(fallback.clone());
                (numbers, true)
            }
            None => (numbers, false),
        }
    }
}

impl<'r> From<&'r DutyGroup> for Rung<'r> {
    fn from(group: &'r DutyGroup) -> Self {
        Self {
            name: Cow::Borrowed(&group.name),
            phone_numbers: Cow::Borrowed(&group.phone_numbers),
            incomplete: group.incomplete,
        }
    }
}

/// What `oncall check` says about a roster's overrides on `today`: the ones that have ended,
/// the ones that overlap, and numbers they bring in that are in no group. Sorted by start,
/// so the overlaps are found in one sweep.
pub fn override_warnings(source: &str, roster: &Roster, today: NaiveDate) -> Vec<Problem> {
    let mut problems = Vec::new();
    let warn = |problems: &mut Vec<Problem>, o: &Override, message: String| {
        problems.push(Problem::warning(source, o.at.location(), message));
    };
    for o in roster.overrides.iter().filter(|o| o.to < today) {
        warn(&mut problems, o, format!("{} ended on {}; it changes nothing any more and can be removed", o.name, o.to));
    }
    let mut by_start: Vec<&Override> = roster.overrides.iter().collect();
    by_start.sort_by_key(|o| o.from);
    let mut latest: Option<&Override> = None;
    let mut overlaps = 0usize;
    for o in by_start {
        if let Some(earlier) = latest.filter(|earlier| earlier.to >= o.from) {
            overlaps += 1;
            if overlaps <= SHOWN_OVERLAPS {
                let until = earlier.to.min(o.to);
                warn(
                    &mut problems,
                    o,
                    format!(
                        "{} overlaps {} from {} to {until}; on those days the first in the file decides who is on \
                         duty, and every replacement and addition applies",
                        o.name, earlier.name, o.from
                    ),
                );
            }
        }
        if latest.is_none_or(|l| o.to > l.to) {
            latest = Some(o);
        }
    }
    if overlaps > SHOWN_OVERLAPS {
        problems.push(Problem::warning(
            source,
            None,
            format!("… and {} more overlaps between overrides, not listed", overlaps - SHOWN_OVERLAPS),
        ));
    }
    // One set of the groups' numbers: linear in the roster, whatever the number of overrides.
    let known: HashSet<&PhoneNumber> = roster.groups.iter().flat_map(|group| &group.phone_numbers).collect();
    for o in &roster.overrides {
        for number in o.numbers() {
            if !known.contains(number) {
                warn(
                    &mut problems,
                    o,
                    format!("{} brings in {number}, which is in no group; check the number", o.name),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::plan::{RepeatSettings, plan_attempts};
    use chrono::{NaiveTime, TimeZone, Utc};

    /// Taro (group1) is on duty on days 1-15, Hanako (group2) on 16-31; Jiro is in group2 too.
    const TEAM: &str = r#"{"startDay":1,"endDay":15,"name":"taro","phoneNumber":["+819011110001"]},
                          {"startDay":16,"endDay":31,"name":"hanako","phoneNumber":["+819022220002","+819033330003"]}"#;

    fn parse(overrides: &str) -> (Roster, Vec<Problem>) {
        let json = format!("[{TEAM}{}{overrides}]", if overrides.is_empty() { "" } else { "," });
        let report = Roster::parse("r.json", json.as_bytes());
        (report.roster.expect("usable"), report.problems)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fallback() -> PhoneNumber {
        PhoneNumber::parse("+819099990000").unwrap()
    }

    /// (group label, numbers) of each attempt of a plan on `day`, 2 rounds.
    fn plan_on(roster: &Roster, day: NaiveDate) -> Vec<(String, Vec<String>)> {
        let settings = RepeatSettings { repeat_count: 2, repeat_group: false };
        plan_attempts(Some(roster), day, settings, Some(&fallback()))
            .unwrap()
            .into_iter()
            .map(|a| {
                let group = a.group.unwrap_or_else(|| "fallback".into());
                (group, a.phone_numbers.iter().map(|n| n.as_str().to_owned()).collect())
            })
            .collect()
    }

    fn labels(plan: &[(String, Vec<String>)]) -> Vec<&str> {
        plan.iter().map(|(group, _)| group.as_str()).collect()
    }

    #[test]
    fn a_stand_in_replaces_the_duty_group_on_its_days_only() {
        let (roster, problems) =
            parse(r#"{"from":"2026-12-24","to":"2026-12-25","name":"jiro covers","phoneNumber":["+819044440004"]}"#);
        assert_eq!(problems, vec![]);
        let on_24 = plan_on(&roster, date(2026, 12, 24));
        assert_eq!(labels(&on_24), ["jiro covers", "taro", "jiro covers", "taro"]);
        assert_eq!(on_24[0].1, ["+819044440004"]);
        assert_eq!(labels(&plan_on(&roster, date(2026, 12, 23))), ["hanako", "taro", "hanako", "taro"]);
        assert_eq!(labels(&plan_on(&roster, date(2026, 12, 26))), ["hanako", "taro", "hanako", "taro"]);
        // The same day of another month is untouched: an override is dated, not a day of the month.
        assert_eq!(labels(&plan_on(&roster, date(2027, 1, 24))), ["hanako", "taro", "hanako", "taro"]);
    }

    #[test]
    fn an_override_crossing_a_month_end_covers_both_months() {
        let (roster, _) = parse(r#"{"from":"2026-12-31","to":"2027-01-02","group":"hanako"}"#);
        for day in [date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)] {
            assert_eq!(labels(&plan_on(&roster, day))[0], "hanako (override1)", "{day}");
        }
        // The swap walks on from the swapped-in group, as on one of its own days.
        assert_eq!(
            labels(&plan_on(&roster, date(2027, 1, 1))),
            ["hanako (override1)", "taro", "hanako (override1)", "taro"]
        );
        assert_eq!(labels(&plan_on(&roster, date(2027, 1, 3)))[0], "taro");
    }

    #[test]
    fn a_group_can_be_named_by_its_place_or_its_label() {
        let (by_place, _) = parse(r#"{"from":"2026-12-01","group":"group2"}"#);
        let (by_label, _) = parse(r#"{"from":"2026-12-01","group":"hanako"}"#);
        let day = date(2026, 12, 1);
        assert_eq!(by_place.duty_on(day).base, Some(1));
        assert_eq!(by_label.duty_on(day).base, Some(1));
        // `to` defaults to `from`: one day.
        assert_eq!(by_label.duty_on(date(2026, 12, 2)).base, Some(0));
    }

    #[test]
    fn replace_swaps_one_number_in_every_group_and_add_joins_the_duty_group() {
        let (roster, problems) = parse(
            r#"{"from":"2026-12-20","to":"2026-12-21","replace":"+819033330003","with":"+819011110001"},
               {"from":"2026-12-20","add":["+819055550005"]}"#,
        );
        assert_eq!(problems, vec![]);
        let plan = plan_on(&roster, date(2026, 12, 20));
        // Taro is already in the group: the replaced number is simply dropped, not rung twice.
        assert_eq!(plan[0].1, ["+819022220002", "+819011110001", "+819055550005"]);
        assert_eq!(plan[0].0, "hanako (override1, override2)");
        // The addition is for the duty group only; taro's own attempt is unchanged.
        assert_eq!(plan[1], ("taro".to_owned(), vec!["+819011110001".to_owned()]));
        let next_day = plan_on(&roster, date(2026, 12, 21));
        assert_eq!(next_day[0].1, ["+819022220002", "+819011110001"]);
    }

    #[test]
    fn the_first_override_in_the_file_decides_who_is_on_duty() {
        let (roster, _) = parse(
            r#"{"from":"2026-12-01","to":"2026-12-10","group":"hanako"},
               {"from":"2026-12-05","phoneNumber":["+819044440004"]}"#,
        );
        let duty = roster.duty_on(date(2026, 12, 5));
        assert_eq!((duty.base, duty.stand_in.map(|o| o.name.as_str())), (Some(1), None));
        assert_eq!(duty.overrides.len(), 2);
    }

    #[test]
    fn a_stand_in_on_a_day_no_group_covers_is_rung_instead_of_the_fallback() {
        let json = r#"[{"startDay":1,"endDay":10,"phoneNumber":["+819011110001"]},
                       {"from":"2026-12-20","phoneNumber":["+819044440004"]}]"#;
        let roster = Roster::parse("r.json", json.as_bytes()).roster.unwrap();
        let plan = plan_on(&roster, date(2026, 12, 20));
        assert_eq!(labels(&plan), ["override1", "override1"]);
        assert_eq!(plan[0].1, ["+819044440004"]);
        assert_eq!(labels(&plan_on(&roster, date(2026, 12, 21))), ["fallback", "fallback"]);
    }

    #[test]
    fn overrides_do_not_rename_the_groups_around_them() {
        let json = r#"[{"from":"2026-12-24","add":["+819044440004"]},
                       {"startDay":1,"endDay":15,"phoneNumber":["+819011110001"]},
                       {"startDay":16,"endDay":31,"phoneNumber":["+819022220002"]}]"#;
        let roster = Roster::parse("r.json", json.as_bytes()).roster.unwrap();
        let names: Vec<&str> = roster.groups.iter().map(|g| g.name.as_ref()).collect();
        assert_eq!(names, ["group1", "group2"]);
        assert_eq!(roster.overrides[0].at.location().as_deref(), Some("[0]"));
    }

    #[test]
    fn every_form_carries_overrides_and_the_object_forms_a_handoff() {
        let object = r#"{"handoff":"09:00","groups":[{"start_day":1,"end_day":31,"phone_number":["+819011110001"]}],
                          "overrides":[{"from":"2026-12-24","phone_number":["+819044440004"]}]}"#;
        let old = r#"{"group1":{"start_day":1,"end_day":31,"phone_number":["+819011110001"]},
                       "overrides":[{"from":"2026-12-24","phone_number":["+819044440004"]}],"handoff":"09:00"}"#;
        for json in [object, old] {
            let report = Roster::parse("r.json", json.as_bytes());
            assert_eq!(report.problems, vec![], "{json}");
            let roster = report.roster.unwrap();
            assert_eq!(roster.groups.len(), 1, "{json}");
            assert_eq!(roster.overrides.len(), 1, "{json}");
            assert_eq!(roster.handoff, NaiveTime::from_hms_opt(9, 0, 0), "{json}");
        }
    }

    #[test]
    fn unreadable_overrides_name_the_field_and_ring_the_fallback_on_their_days() {
        for (entry, location, needle) in [
            (r#"{"from":"2026-12-24","group":"nobody"}"#, "[2].group", "the name of a group"),
            (
                r#"{"from":"2026-12-24","replace":"+819011110001","with":"+8190"}"#,
                "[2].with",
                "digits after the country code",
            ),
            (r#"{"from":"2026-12-24","add":[]}"#, "[2].add", "adds no number"),
            (r#"{"from":"2026-12-24"}"#, "[2]", "says nothing to change"),
            (r#"{"from":"2026-12-24","group":"taro","add":["+819044440004"]}"#, "[2]", "one change per override"),
        ] {
            let (roster, problems) = parse(entry);
            let error = problems.iter().find(|p| p.is_error()).unwrap_or_else(|| panic!("{entry}: {problems:?}"));
            assert_eq!(error.location.as_deref(), Some(location), "{entry}: {error}");
            assert!(error.message.contains(needle), "{entry}: {error}");
            assert!(error.message.contains("fallback number"), "{entry}: {error}");
            let settings = RepeatSettings { repeat_count: 1, repeat_group: true };
            let attempts = plan_attempts(Some(&roster), date(2026, 12, 24), settings, Some(&fallback())).unwrap();
            assert!(attempts[0].includes_fallback, "{entry}");
            assert!(attempts[0].phone_numbers.contains(&PhoneNumber::parse("+819022220002").unwrap()), "{entry}");
        }
    }

    #[test]
    fn overrides_whose_dates_cannot_be_read_are_skipped_with_an_error() {
        for (entry, location, needle) in [
            (r#"{"from":"24/12/2026","add":["+819044440004"]}"#, "[2].from", "a date such as 2026-12-24"),
            (r#"{"from":"2026-12-25","to":"2026-12-24","add":["+819044440004"]}"#, "[2]", "must not end before"),
            (r#"{"to":"2026-12-25","add":["+819044440004"]}"#, "[2]", "missing from"),
        ] {
            let (roster, problems) = parse(entry);
            assert!(roster.overrides.is_empty(), "{entry}");
            let error = problems.iter().find(|p| p.is_error()).unwrap();
            assert_eq!(error.location.as_deref(), Some(location), "{entry}: {error}");
            assert!(error.message.contains(needle) && error.message.contains("skipped"), "{entry}: {error}");
        }
    }

    #[test]
    fn a_handoff_at_nine_keeps_the_previous_duty_day_until_nine() {
        let json = r#"{"handoff":"09:00","groups":[{"startDay":1,"endDay":15,"phoneNumber":["+819011110001"]},
                        {"startDay":16,"endDay":31,"phoneNumber":["+819022220002"]}]}"#;
        let roster = Roster::parse("r.json", json.as_bytes()).roster.unwrap();
        let tokyo = crate::zone::Zone::tokyo();
        let at = |h, m| chrono_tz::Asia::Tokyo.with_ymd_and_hms(2026, 12, 16, h, m, 0).unwrap().with_timezone(&Utc);
        assert_eq!(roster.duty_date(at(8, 59), &tokyo), date(2026, 12, 15));
        assert_eq!(roster.duty_date(at(9, 0), &tokyo), date(2026, 12, 16));
        assert_eq!(roster.duty_date(at(3, 0), &tokyo), date(2026, 12, 15));
        // Without a handoff the day changes at midnight, as before.
        let midnight = Roster { handoff: None, ..roster.clone() };
        assert_eq!(midnight.duty_date(at(3, 0), &tokyo), date(2026, 12, 16));
    }

    #[test]
    fn the_handoff_follows_the_wall_clock_on_dst_change_days() {
        let json = r#"{"handoff":"09:00","groups":[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}],
                        "overrides":[{"from":"2026-03-08","phoneNumber":["+819044440004"]}]}"#;
        let roster = Roster::parse("r.json", json.as_bytes()).roster.unwrap();
        let new_york: crate::zone::Zone = "America/New_York".parse().unwrap();
        // 2026-03-08 is the spring-forward day in New York: 08:59 EDT is 12:59Z, 09:00 EDT 13:00Z.
        let utc = |h, m| Utc.with_ymd_and_hms(2026, 3, 8, h, m, 0).unwrap();
        assert_eq!(roster.duty_date(utc(12, 59), &new_york), date(2026, 3, 7));
        assert_eq!(roster.duty_date(utc(13, 0), &new_york), date(2026, 3, 8));
        // The override on the DST day applies from that day's handoff to the next day's.
        assert!(roster.duty_on(roster.duty_date(utc(13, 0), &new_york)).stand_in.is_some());
        let next_morning = Utc.with_ymd_and_hms(2026, 3, 9, 12, 59, 0).unwrap();
        assert!(roster.duty_on(roster.duty_date(next_morning, &new_york)).stand_in.is_some());
        // Autumn back (2026-11-01): 09:00 EST is 14:00Z.
        let autumn = |h, m| Utc.with_ymd_and_hms(2026, 11, 1, h, m, 0).unwrap();
        assert_eq!(roster.duty_date(autumn(13, 59), &new_york), date(2026, 10, 31));
        assert_eq!(roster.duty_date(autumn(14, 0), &new_york), date(2026, 11, 1));
    }

    #[test]
    fn a_handoff_that_cannot_be_read_is_an_error_and_midnight_is_used() {
        let json = r#"{"handoff":"9am","groups":[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]}"#;
        let report = Roster::parse("r.json", json.as_bytes());
        assert_eq!(report.roster.unwrap().handoff, None);
        assert_eq!(report.problems[0].location.as_deref(), Some("handoff"));
        assert!(report.problems[0].message.contains("changes at midnight"), "{}", report.problems[0]);
    }

    #[test]
    fn check_warns_of_ended_and_overlapping_overrides_and_unknown_numbers() {
        let (roster, _) = parse(
            r#"{"from":"2026-11-01","to":"2026-11-02","group":"hanako"},
               {"from":"2026-12-20","to":"2026-12-26","phoneNumber":["+819044440004"]},
               {"from":"2026-12-24","add":["+819011110001"]}"#,
        );
        let warnings = override_warnings("r.json", &roster, date(2026, 11, 30));
        let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[0].contains("[2]: override1 ended on 2026-11-02"), "{texts:?}");
        assert!(texts[1].contains("[4]: override3 overlaps override2 from 2026-12-24 to 2026-12-24"), "{texts:?}");
        assert!(texts[2].contains("override2 brings in +8190****0004, which is in no group"), "{texts:?}");
        assert!(warnings.iter().all(|p| !p.is_error()));
    }

    #[test]
    fn a_day_many_overrides_change_names_the_first_few() {
        let many: Vec<String> =
            (0..50).map(|i| format!(r#"{{"from":"2026-12-01","name":"o{i}","add":["+8190444400{i:02}"]}}"#)).collect();
        let (roster, _) = parse(&many.join(","));
        let plan = plan_on(&roster, date(2026, 12, 1));
        assert_eq!(plan[0].0, "taro (o0, o1, o2 and 47 more)");
    }

    #[test]
    fn overlap_warnings_are_bounded_for_many_overrides() {
        let many: Vec<String> =
            (0..1000).map(|_| r#"{"from":"2026-12-01","to":"2026-12-31","group":"taro"}"#.to_owned()).collect();
        let (roster, _) = parse(&many.join(","));
        let warnings = override_warnings("r.json", &roster, date(2026, 11, 30));
        assert_eq!(warnings.len(), SHOWN_OVERLAPS + 1);
        assert!(warnings[SHOWN_OVERLAPS].message.contains("989 more overlaps"), "{}", warnings[SHOWN_OVERLAPS]);
    }
}
