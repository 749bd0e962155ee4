//! Roster files: who is on duty on which days of the month.
//!
//! Three shapes are in use and all are accepted, keeping the file's group order:
//! - the documented array of `{startDay, endDay, phoneNumber}` objects,
//! - the same array with snake_case keys (what the original code actually read),
//! - the old object of `groupN` entries with snake_case keys.
//!
//! Parsing never stops at the first mistake: it returns every problem it finds, each naming
//! the file, the group and the field. A roster with a structural error (bad JSON, a missing
//! or out-of-range day) is unusable as a whole, because dropping one group could move the
//! duty to the wrong people; the escalation then rings the fallback number. An invalid
//! phone number (not E.164, or one that cannot be dialled, such as `+12`) only drops that
//! number: its group is still rung, and so is the fallback. A key given twice loses nobody:
//! a group's `phoneNumber` twice rings the numbers of both lists, an old-format `group1`
//! twice reads both groups, in file order; both are errors naming the key.
//!
//! Checking is linear in the file: overlaps are found by a sweep over the 31 days, and at
//! most [`SHOWN_OVERLAPS`] are reported one by one, then one warning counts the rest. Group
//! names are free text shown in logs and notifications, so a number in one is masked.
//!
//! Every alert reads its roster, so a file with nothing to report is read by a typed pass
//! (`read_plain`: a scanner of the plain array straight into groups, no JSON tree, no paths,
//! no message); the first thing the tolerant [`Reader`] would say anything about sends the
//! file to it, the one source of every problem's text. Both read a file the typed pass
//! accepts the same way (tests check it on every one-byte change to two rosters).

mod overrides;

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::Value;

pub use overrides::{ADD, Change, Duty, FROM, GROUP, Override, REPLACE, Rung, TO, WITH, override_warnings};

use crate::phone::{PhoneNumber, scrub_numbers};
use crate::problem::Problem;
use crate::reader::{Field, Found, JsonPath, Lookup, Object, Reader, kind, short};
use crate::zone::Zone;

/// How many overlaps between groups are reported one by one; one more warning counts the rest.
pub const SHOWN_OVERLAPS: usize = 10;

/// A parsed roster: groups in file order, the dated overrides, and the time of day the duty
/// changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Roster {
    pub groups: Vec<DutyGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
    /// The local time the duty day begins (`handoff`); `None` is midnight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<NaiveTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DutyGroup {
    /// `groupN` (1-based) for the array forms, the object key for the old form.
    pub name: Cow<'static, str>,
    pub start_day: u32,
    pub end_day: u32,
    /// The valid numbers, duplicates removed, in file order.
    pub phone_numbers: Vec<PhoneNumber>,
    /// True when the file listed numbers for this group that cannot be dialled (or none at
    /// all): an attempt on this group also rings the fallback number.
    pub incomplete: bool,
}

impl DutyGroup {
    pub fn covers(&self, day: u32) -> bool {
        (self.start_day..=self.end_day).contains(&day)
    }
}

/// The outcome of reading one roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterReport {
    /// `None` when the file is structurally unusable.
    pub roster: Option<Roster>,
    pub problems: Vec<Problem>,
}

const START_DAY: Field = Field::new("startDay", "start_day");
const END_DAY: Field = Field::new("endDay", "end_day");
const PHONE_NUMBER: Field = Field::new("phoneNumber", "phone_number");
/// An optional label shown instead of `groupN`.
const NAME: Field = Field::word("name");
const GROUP_FIELDS: [Field; 4] = [START_DAY, END_DAY, PHONE_NUMBER, NAME];
/// The object form's members (the old `groupN` form may carry the last two as well).
pub const GROUPS: Field = Field::word("groups");
pub const OVERRIDES: Field = Field::word("overrides");
pub const HANDOFF: Field = Field::word("handoff");
const ROSTER_FIELDS: [Field; 3] = [GROUPS, OVERRIDES, HANDOFF];

impl Roster {
    /// Parses a roster file. `source` names it in problems (`s3://bucket/key` or a path).
    pub fn parse(source: &str, bytes: &[u8]) -> RosterReport {
        let mut reader = Reader::new(source);
        let roster = match read_plain(bytes) {
            Some(groups) => Some(Self { groups, overrides: Vec::new(), handoff: None }),
            None => read(&mut reader, bytes),
        };
        if let Some(roster) = &roster {
            roster.coverage_warnings(&mut reader);
        }
        RosterReport { roster, problems: reader.finish() }
    }

    /// The first group, in file order, whose range contains `day` (as the original chose).
    pub fn group_for_day(&self, day: u32) -> Option<usize> {
        self.groups.iter().position(|group| group.covers(day))
    }

    /// Who is on duty on the duty day `date`: the first group, in file order, whose days
    /// contain its day of the month, as the overrides in force that day change it.
    pub fn duty_on(&self, date: NaiveDate) -> Duty<'_> {
        Duty::on(self, date)
    }

    /// The duty day an alert at `at` falls on: its date in `zone`, or the day before while
    /// the local time is earlier than the handoff. Wall-clock times are compared, so a DST
    /// change moves nothing: with a 09:00 handoff the duty changes at 09:00 local every day.
    pub fn duty_date(&self, at: DateTime<Utc>, zone: &Zone) -> NaiveDate {
        let local = zone.local(at);
        match self.handoff {
            Some(handoff) if local.time() < handoff => local.date().pred_opt().unwrap_or(local.date()),
            _ => local.date(),
        }
    }

    /// Overlaps and uncovered days are legal but usually mistakes. One sweep over the days of
    /// the month finds, for each day, the group on duty (the first in the file that covers
    /// it); a group's days that another group has are its overlaps. Linear in the groups,
    /// with at most [`SHOWN_OVERLAPS`] + 1 overlap warnings however many groups overlap.
    fn coverage_warnings(&self, reader: &mut Reader<'_>) {
        let mut on_duty: [Option<usize>; 32] = [None; 32];
        for (index, group) in self.groups.iter().enumerate() {
            for day in group.start_day..=group.end_day.min(31) {
                on_duty[day as usize].get_or_insert(index);
            }
        }
        let mut overlaps = 0usize;
        for (index, group) in self.groups.iter().enumerate() {
            let mut day = group.start_day;
            while day <= group.end_day {
                let owner = on_duty[day as usize];
                let mut to = day;
                while to < group.end_day && on_duty[to as usize + 1] == owner {
                    to += 1;
                }
                if let Some(earlier) = owner.filter(|owner| *owner != index).map(|owner| &self.groups[owner]) {
                    overlaps += 1;
                    if overlaps <= SHOWN_OVERLAPS {
                        reader.warning(
                            &JsonPath::root().key(&group.name),
                            format!(
                                "days {} overlap with {}; {} is on duty then (the first group in the file wins)",
                                day_range(day, to),
                                earlier.name,
                                earlier.name
                            ),
                        );
                    }
                }
                day = to + 1;
            }
        }
        if overlaps > SHOWN_OVERLAPS {
            reader.warning(
                &JsonPath::root(),
                format!(
                    "… and {} more overlaps between groups, not listed (the first group in the file wins)",
                    overlaps - SHOWN_OVERLAPS
                ),
            );
        }
        let uncovered: Vec<u32> = (1..=31).filter(|day| on_duty[*day as usize].is_none()).collect();
        for (from, to) in day_runs(&uncovered) {
            reader.warning(
                &JsonPath::root(),
                format!(
                    "days {} are covered by no group; the fallback number is rung on those days",
                    day_range(from, to)
                ),
            );
        }
    }
}

/// The tolerant reader: the groups and overrides, with a problem for everything odd (the
/// coverage of the days is checked by the caller), or `None` when the file is unusable.
///
/// The forms: an array of groups, where an entry with `from` is an override; an object of
/// `groups`, `overrides` and `handoff`; the old object of `groupN` entries, which may carry
/// `overrides` and `handoff` too.
fn read(reader: &mut Reader<'_>, bytes: &[u8]) -> Option<Roster> {
    let value = reader.document(bytes)?;
    let root = JsonPath::root();
    // (default name, path, group) in file order; the overrides' (path, value).
    let mut entries: Vec<(Cow<'static, str>, JsonPath, Cow<'_, Value>)> = Vec::new();
    let mut dated: Vec<(JsonPath, &Value)> = Vec::new();
    let mut handoff = None;
    match &value {
        Value::Array(items) => split_entries(&root, items, &mut entries, &mut dated),
        Value::Object(map) => {
            let mut fields = reader.object(&value, root.clone(), "a roster", "")?;
            if let Lookup::Found(found) = fields.get(reader, OVERRIDES, "") {
                match found.value {
                    Value::Array(items) => {
                        let at = fields.path(OVERRIDES);
                        dated.extend(items.iter().enumerate().map(|(i, item)| (at.index(i), item)));
                    }
                    other => reader.expected(
                        &fields.path(OVERRIDES),
                        "an array of overrides",
                        kind(other),
                        "no override is applied",
                    ),
                }
            }
            handoff = handoff_time(reader, &mut fields);
            if map.contains_key(GROUPS.camel) {
                fields.unknown_keys(reader, &ROSTER_FIELDS);
                let found = fields.require(reader, GROUPS, "")?;
                let Value::Array(items) = found.value else {
                    reader.expected(&fields.path(GROUPS), "an array of groups", kind(found.value), "");
                    return None;
                };
                split_entries(&fields.path(GROUPS), items, &mut entries, &mut dated);
            } else {
                entries = old_form_groups(reader, map);
            }
        }
        other => {
            reader.expected(&root, "an array of groups (or an object of groups)", kind(other), "");
            return None;
        }
    }
    if entries.is_empty() {
        reader.error(&root, "the roster has no groups");
        return None;
    }
    let mut groups = Vec::with_capacity(entries.len());
    let mut usable = true;
    for (name, at, item) in entries {
        match group(reader, name, at, &item) {
            Some(group) => groups.push(group),
            None => usable = false,
        }
    }
    if !usable {
        return None;
    }
    let overrides = dated
        .into_iter()
        .enumerate()
        .filter_map(|(i, (at, item))| overrides::read_override(reader, &groups, i + 1, at, item))
        .collect();
    Some(Roster { groups, overrides, handoff })
}

/// An array's groups, named `groupN` by their place among the groups, and its overrides (the
/// entries with a date).
fn split_entries<'v>(
    at: &JsonPath,
    items: &'v [Value],
    entries: &mut Vec<(Cow<'static, str>, JsonPath, Cow<'v, Value>)>,
    dated: &mut Vec<(JsonPath, &'v Value)>,
) {
    for (i, item) in items.iter().enumerate() {
        let is_override = item.as_object().is_some_and(|o| o.contains_key(FROM.camel) || o.contains_key(TO.camel));
        if is_override {
            dated.push((at.index(i), item));
        } else {
            entries.push((group_name(entries.len() + 1), at.index(i), Cow::Borrowed(item)));
        }
    }
}

/// The old form's groups: every member but `overrides` and `handoff`, in file order.
fn old_form_groups<'v>(
    reader: &mut Reader<'_>,
    map: &'v serde_json::Map<String, Value>,
) -> Vec<(Cow<'static, str>, JsonPath, Cow<'v, Value>)> {
    let root = JsonPath::root();
    let reserved = |key: &str| key == OVERRIDES.camel || key == HANDOFF.camel;
    for key in map.keys().filter(|key| !is_group_key(key) && !reserved(key)) {
        reader.warning(
            &root.key(key),
            "old-format group keys are named groupN (group1, group2, ...); used in file order anyway",
        );
    }
    let members = reader.members(&root, map);
    for member in members.iter().filter(|member| member.times > 1 && member.nth == 1) {
        reader.error(
            &root.key(&member.key),
            format!(
                "the key is given {} times; each is read as a group of its own, in file order, so nobody \
                 is left out; give each group its own key",
                member.times
            ),
        );
    }
    members
        .into_iter()
        .filter(|member| !reserved(&member.key))
        .map(|member| (Cow::Owned(scrub_numbers(&member.key)), root.key(&member.key), member.value))
        .collect()
}

/// `handoff`: the local time of day the duty day begins, `HH:MM`. One that cannot be read is
/// an error, and the day changes at midnight, as without one.
fn handoff_time(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Option<NaiveTime> {
    let Lookup::Found(found) = fields.get(reader, HANDOFF, "") else { return None };
    let time = found.value.as_str().and_then(|raw| NaiveTime::parse_from_str(raw.trim(), "%H:%M").ok());
    if time.is_none() {
        reader.expected(
            &fields.path(HANDOFF),
            "a local time of day such as \"09:00\"",
            short(found.value),
            "the duty day changes at midnight",
        );
    }
    time.filter(|time| *time != NaiveTime::MIN)
}

fn group(reader: &mut Reader<'_>, name: Cow<'static, str>, at: JsonPath, item: &Value) -> Option<DutyGroup> {
    let mut fields = reader.object(item, at, "a group object", "")?;
    fields.unknown_keys(reader, &GROUP_FIELDS);
    let name = match fields.get(reader, NAME, "") {
        Lookup::Found(Found { value: Value::String(label), .. }) if !label.trim().is_empty() => {
            Cow::Owned(scrub_numbers(label))
        }
        _ => name,
    };
    let start = day(reader, &mut fields, START_DAY);
    let end = day(reader, &mut fields, END_DAY);
    let numbers = phone_numbers(reader, &mut fields);
    let (start_day, end_day) = (start?, end?);
    if start_day > end_day {
        reader.error(
            fields.at(),
            format!("starts on day {start_day} but ends on day {end_day}; a group must not end before it starts"),
        );
        return None;
    }
    let (phone_numbers, incomplete) = numbers?;
    Some(DutyGroup { name, start_day, end_day, phone_numbers, incomplete })
}

fn day(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<u32> {
    let found = fields.require(reader, field, "")?;
    match found.value.as_u64() {
        Some(day @ 1..=31) => u32::try_from(day).ok(),
        _ => {
            reader.expected(&fields.path(field), "a whole number from 1 to 31", short(found.value), "");
            None
        }
    }
}

/// The valid numbers of a group, and whether any listed number was unusable. A group that
/// gives `phoneNumber` more than once rings the numbers of every list, in file order.
fn phone_numbers(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Option<(Vec<PhoneNumber>, bool)> {
    let earlier = fields.earlier_values(reader, PHONE_NUMBER);
    let found = fields.require(reader, PHONE_NUMBER, "")?;
    let at = fields.path(PHONE_NUMBER);
    if !earlier.is_empty() {
        reader.error(
            &at,
            format!(
                "the key is given {} times; the numbers of every list are rung, so nobody is left out; merge \
                 them into one list",
                earlier.len() + 1
            ),
        );
    }
    let mut numbers = Distinct::default();
    let mut incomplete = false;
    let mut listed = 0;
    for list in earlier.iter().chain(std::iter::once(found.value)) {
        let Value::Array(items) = list else {
            reader.expected(&at, "an array of phone numbers", kind(list), "");
            return None;
        };
        listed += items.len();
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let parsed = match item {
                Value::String(raw) => PhoneNumber::parse(raw.trim()),
                other => {
                    incomplete = true;
                    reader.expected(&at, "a string", kind(other), "not dialled");
                    continue;
                }
            };
            match parsed.map(|number| numbers.add(number)) {
                Ok(Ok(())) => {}
                Ok(Err(number)) => reader.warning(&at, format!("{number} is listed twice; rung once")),
                Err(err) => {
                    incomplete = true;
                    reader.error(&at, format!("{err}; this number is not dialled"));
                }
            }
        }
    }
    if listed == 0 {
        incomplete = true;
        reader.error(&at, "the group has no phone numbers; the fallback number is rung instead");
    }
    Some((numbers.numbers, incomplete))
}

/// A group's numbers, each once, in file order: a scan while they are a handful, a hash set
/// past that, so a group of thousands stays linear.
#[derive(Debug, Default)]
struct Distinct {
    numbers: Vec<PhoneNumber>,
    /// Every number, once there are more than [`Distinct::SCANNED`].
    set: Option<HashSet<PhoneNumber>>,
}

impl Distinct {
    const SCANNED: usize = 16;

    /// Adds `number`, or gives it back when it is there already.
    fn add(&mut self, number: PhoneNumber) -> Result<(), PhoneNumber> {
        let known = match &mut self.set {
            None if self.numbers.len() < Self::SCANNED => self.numbers.contains(&number),
            None => {
                let set = self.set.insert(self.numbers.iter().cloned().collect());
                !set.insert(number.clone())
            }
            Some(set) => !set.insert(number.clone()),
        };
        if known {
            return Err(number);
        }
        self.numbers.push(number);
        Ok(())
    }
}

/// The typed pass: the groups of a roster the tolerant reader would read without a word, or
/// `None` as soon as anything is one it would say something about (not UTF-8 or not JSON, no
/// groups, a wrong type, a day out of range, a missing or unknown field, a field given twice
/// in either spelling, an invalid or repeated number) or is merely unusual (an escape in a
/// string, a `null`, a number written as `1.0`, the old `groupN` form, overrides). The
/// coverage of the days is checked afterwards, on the groups, as for the tolerant reader.
///
/// It is on the path of every alert, so it reads the one shape nearly every roster has, an
/// array of `{startDay, endDay, phoneNumber[, name]}` objects, with a scanner of that shape
/// alone: each group and its numbers are checked as they are read, strings are borrowed, and
/// nothing is allocated but what it returns. Anything else is the tolerant reader's, which
/// is serde_json's and the source of every problem's text; the tests compare the two on
/// every one-byte change to two rosters.
fn read_plain(bytes: &[u8]) -> Option<Vec<DutyGroup>> {
    let mut json = PlainJson { text: std::str::from_utf8(bytes).ok()?, at: 0 };
    json.expect(b'[')?;
    let mut groups = Vec::new();
    loop {
        groups.push(json.group(groups.len() + 1)?);
        if !json.more(b']')? {
            break;
        }
    }
    json.whitespace();
    (json.at == json.text.len()).then_some(groups)
}

/// The bytes a plain string stops at: its closing quote, or what the tolerant reader is left
/// (an escape, a control character). A table, since every byte of every string is looked up.
const ENDS_A_PLAIN_STRING: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The scanner of [`read_plain`]: JSON's grammar for the values a plain roster holds, each
/// method consuming one of them (and the whitespace before it), or `None` when the text is
/// not that value.
struct PlainJson<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> PlainJson<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text.as_bytes()[self.at..]
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.rest().first() {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        self.whitespace();
        let byte = *self.rest().first()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// After an item: `,` and another one (true), or the `close` of its array or object.
    fn more(&mut self, close: u8) -> Option<bool> {
        match self.next()? {
            b',' => Some(true),
            byte if byte == close => Some(false),
            _ => None,
        }
    }

    /// A string with no escape and no control character, borrowed from the text.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let len = self.rest().iter().position(|byte| ENDS_A_PLAIN_STRING[usize::from(*byte)])?;
        self.at += len;
        (self.rest().first() == Some(&b'"')).then_some(())?;
        self.at += 1;
        // Between two ASCII quotes of valid UTF-8: always a whole string.
        self.text.get(start..start + len)
    }

    /// A day of the month, as JSON writes an integer (no sign, no leading zero).
    fn day(&mut self) -> Option<u32> {
        self.whitespace();
        let digits = self.rest().iter().take_while(|byte| byte.is_ascii_digit()).count();
        let day = match self.rest()[..digits] {
            [units @ b'1'..=b'9'] => u32::from(units - b'0'),
            [tens @ b'1'..=b'9', units] => u32::from(tens - b'0') * 10 + u32::from(units - b'0'),
            _ => return None,
        };
        self.at += digits;
        // A fraction or an exponent after the digits is refused by the `,` or `}` expected next.
        (day <= 31).then_some(day)
    }

    /// A group, the `position`th of the array.
    fn group(&mut self, position: usize) -> Option<DutyGroup> {
        self.expect(b'{')?;
        let (mut start_day, mut end_day, mut numbers, mut name) = (None, None, None, None);
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            let given_before = match key {
                "startDay" | "start_day" => start_day.replace(self.day()?).is_some(),
                "endDay" | "end_day" => end_day.replace(self.day()?).is_some(),
                "phoneNumber" | "phone_number" => numbers.replace(self.numbers()?).is_some(),
                "name" => name.replace(self.string()?).is_some(),
                _ => return None,
            };
            if given_before {
                return None;
            }
            if !self.more(b'}')? {
                break;
            }
        }
        let (start_day, end_day, phone_numbers) = (start_day?, end_day?, numbers?);
        if start_day > end_day {
            return None;
        }
        let name = match name.filter(|label| !label.trim().is_empty()) {
            Some(label) => Cow::Owned(scrub_numbers(label)),
            None => group_name(position),
        };
        Some(DutyGroup { name, start_day, end_day, phone_numbers, incomplete: false })
    }

    /// A group's numbers: at least one, all valid, none repeated.
    fn numbers(&mut self) -> Option<Vec<PhoneNumber>> {
        self.expect(b'[')?;
        // Room for the usual one to three numbers from the start.
        let mut numbers = Distinct { numbers: Vec::with_capacity(4), set: None };
        loop {
            let raw = self.string()?;
            // Nearly every number is written as `+` and digits: nothing to trim.
            let number = PhoneNumber::from_bytes(raw.as_bytes())
                .or_else(|_| PhoneNumber::from_bytes(raw.trim().as_bytes()))
                .ok()?;
            numbers.add(number).ok()?;
            if !self.more(b']')? {
                break;
            }
        }
        Some(numbers.numbers)
    }
}

/// `group7`: the name of the 7th group of an array form. Those of a month of daily groups are
/// static, since every alert names each group of its roster this way and the plan copies them.
fn group_name(position: usize) -> Cow<'static, str> {
    const MONTH: [&str; 31] = [
        "group1", "group2", "group3", "group4", "group5", "group6", "group7", "group8", "group9", "group10", "group11",
        "group12", "group13", "group14", "group15", "group16", "group17", "group18", "group19", "group20", "group21",
        "group22", "group23", "group24", "group25", "group26", "group27", "group28", "group29", "group30", "group31",
    ];
    match position.checked_sub(1).and_then(|index| MONTH.get(index)) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("group{position}")),
    }
}

fn is_group_key(key: &str) -> bool {
    key.strip_prefix("group").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `7`, or `1-3`: a run of days for people.
pub fn day_range(from: u32, to: u32) -> String {
    if from == to { from.to_string() } else { format!("{from}-{to}") }
}

/// Consecutive runs in a sorted list of days: `[1, 2, 3, 7]` → `[(1, 3), (7, 7)]`.
pub fn day_runs(days: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &day in days {
        match out.last_mut() {
            Some((_, to)) if *to + 1 == day => *to = day,
            _ => out.push((day, day)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;

    fn parse(json: &str) -> RosterReport {
        Roster::parse("phoneNumber.json", json.as_bytes())
    }

    fn numbers(group: &DutyGroup) -> Vec<&str> {
        group.phone_numbers.iter().map(PhoneNumber::as_str).collect()
    }

    #[test]
    fn parses_the_documented_camel_case_array() {
        let report = parse(
            r#"[{"startDay":1,"endDay":15,"phoneNumber":["+14155550101","+2222222222"]},
                {"startDay":16,"endDay":31,"phoneNumber":["+3333333333"]}]"#,
        );
        assert_eq!(report.problems, vec![]);
        let roster = report.roster.unwrap();
        assert_eq!(roster.groups.len(), 2);
        assert_eq!(roster.groups[0].name, "group1");
        assert_eq!((roster.groups[1].start_day, roster.groups[1].end_day), (16, 31));
        assert_eq!(numbers(&roster.groups[0]), ["+14155550101", "+2222222222"]);
    }

    #[test]
    fn parses_the_snake_case_array_the_original_code_read() {
        let report = parse(r#"[{"start_day":1,"end_day":31,"phone_number":["+11111111111"]}]"#);
        assert_eq!(report.problems, vec![]);
        assert_eq!(numbers(&report.roster.unwrap().groups[0]), ["+11111111111"]);
    }

    #[test]
    fn old_format_keeps_file_order_even_past_group9() {
        let mut json = String::from("{");
        for i in 1..=10 {
            let day = i * 3 - 2;
            json.push_str(&format!(
                r#""group{i}":{{"start_day":{day},"end_day":{},"phone_number":["+8190000000{:02}"]}},"#,
                day + 2,
                i
            ));
        }
        json.push_str(r#""group11":{"start_day":31,"end_day":31,"phone_number":["+819000000099"]}}"#);
        let roster = parse(&json).roster.unwrap();
        let names: Vec<&str> = roster.groups.iter().map(|g| g.name.as_ref()).collect();
        assert_eq!(names[8..], ["group9", "group10", "group11"]);
        assert_eq!(roster.group_for_day(28), Some(9));
    }

    #[test]
    fn invalid_numbers_are_dropped_and_mark_the_group_incomplete() {
        let report = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+81xxxxxxxxxx","+819012345678"]}]"#);
        let roster = report.roster.unwrap();
        assert_eq!(numbers(&roster.groups[0]), ["+819012345678"]);
        assert!(roster.groups[0].incomplete);
        assert_eq!(report.problems.len(), 1);
        let problem = &report.problems[0];
        assert_eq!(problem.severity, Severity::Error);
        assert_eq!(problem.location.as_deref(), Some("[0].phoneNumber[0]"));
        assert!(problem.message.contains("not dialled"), "{problem}");
        assert!(!problem.message.contains("+81xxxxxxxxxx"), "numbers are masked: {problem}");
    }

    #[test]
    fn an_empty_group_is_an_error_and_incomplete() {
        let report = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":[]}]"#);
        assert!(report.roster.unwrap().groups[0].incomplete);
        assert!(report.problems[0].is_error());
        assert_eq!(report.problems[0].location.as_deref(), Some("[0].phoneNumber"));
    }

    #[test]
    fn day_rules_make_the_roster_unusable_and_name_the_field() {
        for (json, location, needle) in [
            (r#"[{"startDay":0,"endDay":3,"phoneNumber":["+819000000012"]}]"#, "[0].startDay", "1 to 31"),
            (r#"[{"startDay":1,"end_day":32,"phoneNumber":["+819000000012"]}]"#, "[0].end_day", "1 to 31"),
            (r#"[{"startDay":"1","endDay":3,"phoneNumber":["+819000000012"]}]"#, "[0].startDay", "\"1\""),
            (r#"[{"startDay":5,"endDay":3,"phoneNumber":["+819000000012"]}]"#, "[0]", "ends on day 3"),
            (r#"[{"endDay":3,"phoneNumber":["+819000000012"]}]"#, "[0]", "missing startDay (or start_day)"),
            (r#"[{"startDay":1,"endDay":3,"phoneNumber":"+819000000012"}]"#, "[0].phoneNumber", "array"),
            (r#"[{"startDay":1,"start_day":2,"endDay":3,"phoneNumber":["+819000000012"]}]"#, "[0]", "different values"),
            (r#"[3]"#, "[0]", "group object"),
        ] {
            let report = parse(json);
            assert_eq!(report.roster, None, "{json}");
            let problem = report.problems.iter().find(|p| p.is_error()).unwrap();
            assert_eq!(problem.location.as_deref(), Some(location), "{json}: {problem}");
            assert!(problem.message.contains(needle), "{json}: {problem}");
        }
    }

    #[test]
    fn unparseable_or_empty_files_are_unusable() {
        for json in ["[{\"startDay\":1,", "\"text\"", "[]", "{}", ""] {
            let report = parse(json);
            assert_eq!(report.roster, None, "{json:?}");
            assert!(report.problems[0].is_error());
            assert_eq!(report.problems[0].source, "phoneNumber.json");
        }
    }

    #[test]
    fn overlaps_and_gaps_are_warnings() {
        let report = parse(
            r#"[{"startDay":1,"endDay":15,"phoneNumber":["+819000000012"]},
                {"startDay":10,"endDay":20,"phoneNumber":["+819000000013"]},
                {"startDay":25,"endDay":30,"phoneNumber":["+819000000014"]}]"#,
        );
        assert!(report.roster.is_some());
        let messages: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("group2: days 10-15 overlap with group1"), "{messages:?}");
        assert!(messages[1].contains("days 21-24 are covered by no group"), "{messages:?}");
        assert!(messages[2].contains("days 31 are covered by no group"), "{messages:?}");
        assert!(report.problems.iter().all(|p| p.severity == Severity::Warning));
    }

    #[test]
    fn unknown_fields_and_odd_group_keys_are_warnings() {
        let report =
            parse(r#"{"day_shift":{"start_day":1,"end_day":31,"phone_number":["+819000000012"],"phone":"x"}}"#);
        assert!(report.roster.is_some());
        let locations: Vec<_> = report.problems.iter().map(|p| p.location.clone().unwrap_or_default()).collect();
        assert_eq!(locations, ["day_shift", "day_shift.phone"]);
    }

    #[test]
    fn duplicate_numbers_are_rung_once() {
        let report = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819000012345","+819000012345"]}]"#);
        let roster = report.roster.unwrap();
        assert_eq!(numbers(&roster.groups[0]), ["+819000012345"]);
        assert!(!roster.groups[0].incomplete);
        assert_eq!(report.problems[0].severity, Severity::Warning);
    }

    #[test]
    fn an_incomplete_group_rings_the_fallback_too_once() {
        let report = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819000012345","+1x"]}]"#);
        let group = &report.roster.unwrap().groups[0];
        let fallback = PhoneNumber::parse("+819000019999").unwrap();
        let (numbers, added) = Rung::from(group).numbers_with_fallback(Some(&fallback));
        assert_eq!(
            (numbers.iter().map(PhoneNumber::as_str).collect::<Vec<_>>(), added),
            (vec!["+819000012345", "+819000019999"], true)
        );
        assert_eq!(
            Rung::from(group).numbers_with_fallback(None),
            (vec![PhoneNumber::parse("+819000012345").unwrap()], false)
        );
        let listed = PhoneNumber::parse("+819000012345").unwrap();
        assert!(!Rung::from(group).numbers_with_fallback(Some(&listed)).1, "already in the group");
        let complete = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819000012345"]}]"#).roster.unwrap();
        assert!(!Rung::from(&complete.groups[0]).numbers_with_fallback(Some(&fallback)).1);
    }

    #[test]
    fn day_runs_and_ranges_read_naturally() {
        assert_eq!(day_runs(&[1, 2, 3, 7, 9, 10]), [(1, 3), (7, 7), (9, 10)]);
        assert_eq!((day_range(7, 7), day_range(1, 3)), ("7".to_owned(), "1-3".to_owned()));
    }

    #[test]
    fn unknown_group_fields_suggest_the_known_spelling() {
        let report = parse(r#"[{"startDay":1,"endday":31,"end_day":31,"phoneNumber":["+819000000012"]}]"#);
        assert!(report.roster.is_some());
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].location.as_deref(), Some("[0].endday"));
        assert!(report.problems[0].message.contains("did you mean endDay?"), "{}", report.problems[0]);
    }

    #[test]
    fn first_group_in_file_order_wins() {
        let roster = parse(
            r#"[{"startDay":10,"endDay":20,"phoneNumber":["+819000000012"]},{"startDay":1,"endDay":31,"phoneNumber":["+819000000013"]}]"#,
        )
        .roster
        .unwrap();
        assert_eq!(roster.group_for_day(15), Some(0));
        assert_eq!(roster.group_for_day(5), Some(1));
        // The same choice by date: its day of the month, whatever the month.
        let on = |m, d| roster.duty_on(NaiveDate::from_ymd_opt(2026, m, d).unwrap()).base;
        assert_eq!(on(11, 15), Some(0));
        assert_eq!(on(2, 5), Some(1));
        assert_eq!(on(12, 31), Some(1));
    }

    /// Issue 12, point 2: `+12` and `+1234` passed and were rung; now they are errors and the
    /// group rings the fallback number too, as a placeholder does.
    #[test]
    fn numbers_that_cannot_be_dialled_are_errors_and_bring_in_the_fallback() {
        let report = parse(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+12","+1234","+819012345678"]}]"#);
        let group = &report.roster.unwrap().groups[0];
        assert_eq!(numbers(group), ["+819012345678"]);
        assert!(group.incomplete);
        let fallback = PhoneNumber::parse("+819099990000").unwrap();
        assert!(Rung::from(group).numbers_with_fallback(Some(&fallback)).1);
        let texts: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: phoneNumber.json: [0].phoneNumber[0]: **** has 1 digits after the country code +1, which has \
                 numbers of 10 digits; this number is not dialled",
                "error: phoneNumber.json: [0].phoneNumber[1]: **** has 3 digits after the country code +1, which has \
                 numbers of 10 digits; this number is not dialled",
            ]
        );
    }

    /// Issue 12, point 5: `phoneNumber` twice kept only the last list, silently.
    #[test]
    fn a_repeated_phone_number_key_rings_every_list_and_is_an_error() {
        let report = parse(
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001","+819011110002"],
                 "phoneNumber":["+819011110003","+819011110001"]}]"#,
        );
        let group = &report.roster.unwrap().groups[0];
        assert_eq!(numbers(group), ["+819011110001", "+819011110002", "+819011110003"]);
        assert!(!group.incomplete, "nobody is lost, so no fallback is needed");
        let texts: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: phoneNumber.json: [0].phoneNumber: the key is given 2 times; the numbers of every list are \
                 rung, so nobody is left out; merge them into one list",
                "warning: phoneNumber.json: [0].phoneNumber[1]: +8190****0001 is listed twice; rung once",
            ]
        );
    }

    #[test]
    fn a_repeated_old_format_group_key_reads_both_groups_in_file_order() {
        let report = parse(
            r#"{"group1":{"start_day":1,"end_day":15,"phone_number":["+819011110001"]},
                "group2":{"start_day":16,"end_day":31,"phone_number":["+819011110002"]},
                "group1":{"start_day":1,"end_day":31,"phone_number":["+819011110003"]}}"#,
        );
        let roster = report.roster.unwrap();
        let read: Vec<(&str, Vec<&str>)> = roster.groups.iter().map(|g| (g.name.as_ref(), numbers(g))).collect();
        assert_eq!(
            read,
            [("group1", vec!["+819011110001"]), ("group2", vec!["+819011110002"]), ("group1", vec!["+819011110003"])]
        );
        let errors: Vec<String> = report.problems.iter().filter(|p| p.is_error()).map(ToString::to_string).collect();
        assert_eq!(
            errors,
            ["error: phoneNumber.json: group1: the key is given 2 times; each is read as a group of its own, in file \
              order, so nobody is left out; give each group its own key"]
        );
    }

    #[test]
    fn a_repeated_day_key_with_different_values_makes_the_roster_unusable() {
        let report = parse(r#"[{"startDay":1,"startDay":16,"endDay":31,"phoneNumber":["+819011110001"]}]"#);
        assert_eq!(report.roster, None, "which days were meant is unknown");
        assert_eq!(
            report.problems[0].to_string(),
            "error: phoneNumber.json: [0].startDay: the key is given 2 times, with different values; keep one"
        );
    }

    /// Issue 12, point 4: every pair of overlapping groups gave a warning: 10,000 full-month
    /// groups made 50 million. Now at most SHOWN_OVERLAPS, then one that counts the rest.
    #[test]
    fn overlap_warnings_are_bounded_for_ten_thousand_groups() {
        let groups: Vec<String> =
            (0..10_000).map(|i| format!(r#"{{"startDay":1,"endDay":31,"phoneNumber":["+8190{:08}"]}}"#, i)).collect();
        let report = parse(&format!("[{}]", groups.join(",")));
        assert_eq!(report.roster.as_ref().map(|r| r.groups.len()), Some(10_000));
        assert_eq!(report.problems.len(), SHOWN_OVERLAPS + 1, "{:?}", &report.problems[..3]);
        assert_eq!(
            report.problems[0].to_string(),
            "warning: phoneNumber.json: group2: days 1-31 overlap with group1; group1 is on duty then (the first \
             group in the file wins)"
        );
        assert_eq!(
            report.problems[SHOWN_OVERLAPS].to_string(),
            "warning: phoneNumber.json: … and 9989 more overlaps between groups, not listed (the first group in the \
             file wins)"
        );
    }

    #[test]
    fn overlaps_name_the_group_on_duty_on_those_days() {
        let report = parse(
            r#"[{"startDay":1,"endDay":10,"phoneNumber":["+819011110001"]},
                {"startDay":5,"endDay":15,"phoneNumber":["+819011110002"]},
                {"startDay":8,"endDay":31,"phoneNumber":["+819011110003"]}]"#,
        );
        let texts: Vec<String> = report.problems.iter().map(|p| p.message.clone()).collect();
        let wins = "(the first group in the file wins)";
        assert_eq!(
            texts,
            [
                format!("days 5-10 overlap with group1; group1 is on duty then {wins}"),
                format!("days 8-10 overlap with group1; group1 is on duty then {wins}"),
                format!("days 11-15 overlap with group2; group2 is on duty then {wins}"),
            ]
        );
    }

    /// Issue 12, point 11: a group named after a number showed it in logs and Slack.
    #[test]
    fn group_names_and_keys_that_look_like_numbers_are_masked() {
        let report = parse(
            r#"[{"name":"田中 09012345678","startDay":1,"endDay":15,"phoneNumber":["+819011110001"]},
                {"name":"+819012345678","startDay":10,"endDay":31,"phoneNumber":["+819011110002"]}]"#,
        );
        let roster = report.roster.unwrap();
        assert_eq!(roster.groups[0].name, "田中 090****5678");
        assert_eq!(roster.groups[1].name, "+8190****5678");
        let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "warning: phoneNumber.json: +8190****5678: days 10-15 overlap with 田中 090****5678; 田中 090****5678 is on \
              duty then (the first group in the file wins)"
            ]
        );
        let old = parse(
            r#"{"09012345678":{"start_day":1,"end_day":31,"phone_number":["+819011110001"],"day": "0312345678"}}"#,
        );
        let text = old.problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert_eq!(old.roster.unwrap().groups[0].name, "090****5678");
        assert!(!text.contains("9012345678") && !text.contains("12345678"), "{text}");
        assert!(
            text.contains("error: phoneNumber.json: 090****5678.day: ") || text.contains("090****5678.day"),
            "{text}"
        );
    }

    /// What the typed pass accepts, it reads as the tolerant reader does, which has nothing
    /// to say about it; everything else is left to the tolerant reader.
    #[test]
    fn the_typed_pass_reads_what_it_accepts_as_the_tolerant_reader_does() {
        let tolerant = |json: &[u8]| {
            let mut reader = Reader::new("r.json");
            let roster = read(&mut reader, json);
            (roster, reader.finish())
        };
        let sample = |name: &str| {
            std::fs::read(format!("{}/../../samplejson/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
        };
        let mut accepted: Vec<Vec<u8>> =
            ["phoneNumber.json", "phoneNumber_snake.json"].into_iter().map(sample).collect();
        accepted.extend(
            [
                r#"[{"startDay":1,"endDay":15,"phoneNumber":["+14155550101","+2222222222"]},
                    {"start_day":10,"end_day":31,"phone_number":[" +819012345678 "]}]"#,
                r#"[{"name":"田中 09012345678","startDay":1,"endDay":31,"phoneNumber":["+819011110001"]},
                    {"name":"  ","startDay":3,"endDay":3,"phoneNumber":["+819011110002","+819011110001"]}]"#,
                "[{\"startDay\":1,\"endDay\":31,\"phoneNumber\":[\"+819011110001\u{3000}\"],\"name\":\"\u{3000}\"}]",
                " \t\r\n[ { \"startDay\" : 1 , \"endDay\" : 31 , \"phoneNumber\" : [ \"+819011110001\" ] } ] \n",
            ]
            .map(|json| json.as_bytes().to_vec()),
        );
        let many: Vec<String> = (0..40).map(|i| format!("\"+8190{i:08}\"")).collect();
        accepted.push(format!(r#"[{{"startDay":1,"endDay":31,"phoneNumber":[{}]}}]"#, many.join(",")).into_bytes());
        for json in &accepted {
            let text = String::from_utf8_lossy(json);
            let groups = read_plain(json);
            assert!(groups.is_some(), "the typed pass reads {text}");
            assert_eq!(
                tolerant(json),
                (groups.map(|groups| Roster { groups, overrides: Vec::new(), handoff: None }), vec![]),
                "{text}"
            );
        }
        let old_form = sample("phoneNumber_old.json");
        let old_form = String::from_utf8_lossy(&old_form);
        for json in [
            old_form.as_ref(),
            r#"{"group2":{"start_day":1,"end_day":31,"phone_number":["+819011110001"]},
                "group1":{"start_day":5,"end_day":6,"phone_number":["+819011110002"],"name":"night"}}"#,
            r#"[{"name":null,"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            "",
            "[]",
            "{}",
            "3",
            "[3]",
            "[{\"startDay\":1,",
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}] x"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"],"phone":"x"}]"#,
            r#"[{"startDay":1,"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1,"start_day":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":0,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1.0,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":"1","endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":5,"endDay":3,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1,"endDay":31}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":[]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":"+819011110001"}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+12"]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":[819011110001]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001","+819011110001"]}]"#,
            r#"[{"name":3,"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"name":{"a":1,"a":2},"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"{"day_shift":{"start_day":1,"end_day":31,"phone_number":["+819011110001"]}}"#,
            r#"{"group1":{"start_day":1,"end_day":31,"phone_number":["+819011110001"]},
                "group1":{"start_day":1,"end_day":31,"phone_number":["+819011110002"]}}"#,
            r#"[{"start\u0044ay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+81\u0039011110001"]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"],"name":"a\nb"}]"#,
            r#"[{"startDay":01,"endDay":31,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1,"endDay":3.1e1,"phoneNumber":["+819011110001"]}]"#,
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001",]}]"#,
            "\u{feff}[{\"startDay\":1,\"endDay\":31,\"phoneNumber\":[\"+819011110001\"]}]",
        ] {
            // Left to the tolerant reader, unless it reads the file the same way without a word.
            if let Some(groups) = read_plain(json.as_bytes()) {
                assert_eq!(
                    tolerant(json.as_bytes()),
                    (Some(Roster { groups, overrides: Vec::new(), handoff: None }), vec![]),
                    "{json}"
                );
            }
        }
    }

    #[test]
    fn group_names_are_spelt_as_format_spells_them() {
        for position in [1, 9, 10, 31, 32, 100, 12_345, usize::MAX] {
            assert_eq!(group_name(position), format!("group{position}"));
        }
    }

    /// The typed pass reads a strict subset of JSON: whatever it reads, serde_json reads too,
    /// and the tolerant reader reads the same groups without a word. Tried on every cut of two
    /// rosters and every one-byte deletion, replacement and insertion.
    #[test]
    fn the_typed_pass_reads_nothing_the_tolerant_reader_would_say_a_word_about() {
        let rosters = [
            r#"[{"startDay":1,"end_day":12,"phoneNumber":["+819011110001"," +14155550100"],"name":"a b"},
                {"start_day":13,"endDay":31,"phone_number":["+819011110002"]}]"#,
            r#"{"group1":{"start_day":1,"end_day":31,"phone_number":["+819011110001"]},
                "group2":{"name":"x","startDay":5,"endDay":5,"phoneNumber":["+819011110002"]}}"#,
        ];
        let bytes_tried = [
            b' ', b'\n', b'0', b'1', b'9', b',', b':', b'"', b'\\', b'{', b'}', b'[', b']', b'-', b'.', b'e', b'x',
            b'+', 0x01, 0xff,
        ];
        let mut accepted = 0;
        for roster in rosters.map(str::as_bytes) {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for at in 0..=roster.len() {
                variants.push(roster[..at].to_vec());
                if at < roster.len() {
                    variants.push([&roster[..at], &roster[at + 1..]].concat());
                }
                for byte in bytes_tried {
                    variants.push([&roster[..at], &[byte], &roster[at..]].concat());
                    if at < roster.len() {
                        variants.push([&roster[..at], &[byte], &roster[at + 1..]].concat());
                    }
                }
            }
            for variant in &variants {
                let Some(groups) = read_plain(variant) else { continue };
                accepted += 1;
                let text = String::from_utf8_lossy(variant);
                assert!(serde_json::from_slice::<Value>(variant).is_ok(), "{text}");
                let mut reader = Reader::new("r.json");
                let tolerant = read(&mut reader, variant);
                assert_eq!(
                    (tolerant, reader.finish()),
                    (Some(Roster { groups, overrides: Vec::new(), handoff: None }), vec![]),
                    "{text}"
                );
            }
        }
        assert!(accepted > 100, "only {accepted} variants were read by the typed pass");
    }

    #[test]
    fn a_wrong_day_value_is_shown_masked() {
        let report = parse(r#"[{"startDay":"09012345678","endDay":31,"phoneNumber":["+819011110001"]}]"#);
        assert_eq!(
            report.problems[0].to_string(),
            "error: phoneNumber.json: [0].startDay: expected a whole number from 1 to 31, found \"090****5678\""
        );
    }
}
