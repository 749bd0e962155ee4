//! Maintenance windows: a project's planned work, during which its alerts ring nobody.
//!
//! A mapping entry's `maintenance` lists windows of `from` and `to` instants (RFC 3339 with
//! an offset, `to` exclusive) and a `mode`: `notify` (the default) rings nobody and publishes
//! the outcome saying which window silenced the alert; `dryRun` walks the escalation as a dry
//! run, listing who would have been rung. Only the start of an escalation looks: one already
//! ringing when a window opens keeps ringing, and an alert as a window closes rings.
//!
//! A window must end. One that cannot be read (no `to`, an instant without an offset, an
//! unknown mode, an end before the start) is an error naming it and is ignored, so the
//! project's alerts ring: a typo must never silence a project.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::problem::Problem;
use crate::reader::{Field, Found, JsonPath, Lookup, Object, Reader, kind, short};

pub const MAINTENANCE: Field = Field::word("maintenance");
const FROM: Field = Field::word("from");
const TO: Field = Field::word("to");
const MODE: Field = Field::word("mode");
const REASON: Field = Field::word("reason");
const WINDOW_FIELDS: [Field; 4] = [FROM, TO, MODE, REASON];

/// The longest reason kept, in characters: it travels in the workflow's state.
pub const MAX_REASON_CHARS: usize = 200;

/// What happens to a window that cannot be read.
const IGNORED: &str = "the window is ignored: the project's alerts ring";

/// One window of planned work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceWindow {
    pub from: DateTime<Utc>,
    /// Exclusive: an alert at `to` rings.
    pub to: DateTime<Utc>,
    pub mode: MaintenanceMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where it is in the mapping (`[0].maintenance[1]`).
    pub location: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MaintenanceMode {
    /// Ring nobody; the outcome says which window silenced the alert.
    Notify,
    /// Walk the escalation as a dry run.
    DryRun,
}

impl MaintenanceWindow {
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        (self.from..self.to).contains(&at)
    }

    /// One line for people: `planned DB upgrade, 2026-12-05T01:00:00Z to 2026-12-05T03:00:00Z`.
    pub fn describe(&self) -> String {
        let span = format!("{} to {}", self.from.format("%Y-%m-%dT%H:%M:%SZ"), self.to.format("%Y-%m-%dT%H:%M:%SZ"));
        match &self.reason {
            Some(reason) => format!("\"{reason}\", {span}"),
            None => span,
        }
    }
}

/// The window covering `at`, the first in the file.
pub fn covering(windows: &[MaintenanceWindow], at: DateTime<Utc>) -> Option<&MaintenanceWindow> {
    windows.iter().find(|window| window.covers(at))
}

/// A mapping entry's windows; the ones that cannot be read are errors and left out.
pub fn read_windows(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Vec<MaintenanceWindow> {
    let Lookup::Found(found) = fields.get(reader, MAINTENANCE, IGNORED) else { return Vec::new() };
    let at = fields.path(MAINTENANCE);
    match found.value {
        Value::Array(items) => {
            items.iter().enumerate().filter_map(|(i, item)| read_window(reader, at.index(i), item)).collect()
        }
        Value::Null => Vec::new(),
        other => {
            reader.expected(&at, "an array of windows", kind(other), "no window applies: the project's alerts ring");
            Vec::new()
        }
    }
}

fn read_window(reader: &mut Reader<'_>, at: JsonPath, item: &Value) -> Option<MaintenanceWindow> {
    let mut fields = reader.object(item, at.clone(), "a window object", IGNORED)?;
    fields.unknown_keys(reader, &WINDOW_FIELDS);
    let from = instant(reader, &mut fields, FROM);
    let to = instant(reader, &mut fields, TO);
    let mode = match fields.get(reader, MODE, IGNORED) {
        Lookup::Absent | Lookup::Found(Found { value: Value::Null, .. }) => Some(MaintenanceMode::Notify),
        Lookup::Found(Found { value: Value::String(mode), .. }) if mode == "notify" => Some(MaintenanceMode::Notify),
        Lookup::Found(Found { value: Value::String(mode), .. }) if mode == "dryRun" || mode == "dry_run" => {
            Some(MaintenanceMode::DryRun)
        }
        Lookup::Found(Found { value, .. }) => {
            reader.expected(&fields.path(MODE), "\"notify\" or \"dryRun\"", short(value), IGNORED);
            None
        }
        Lookup::Conflict => None,
    };
    let reason = match fields.get(reader, REASON, "") {
        Lookup::Found(Found { value: Value::String(reason), .. }) if !reason.trim().is_empty() => {
            Some(reason.trim().chars().take(MAX_REASON_CHARS).collect())
        }
        _ => None,
    };
    let (from, to, mode) = (from?, to?, mode?);
    if to <= from {
        reader.error(&at, format!("ends at {to} but starts at {from}; a window must end after it starts; {IGNORED}"));
        return None;
    }
    Some(MaintenanceWindow { from, to, mode, reason, location: at.location().unwrap_or_default() })
}

/// An instant with its offset. A window without `to` is open-ended, which is refused.
fn instant(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<DateTime<Utc>> {
    let why = if field == TO { "a window must end, so planned work cannot silence a project for good" } else { "" };
    let found = fields.require(reader, field, &join(why, IGNORED))?;
    let parsed = found.value.as_str().and_then(|raw| DateTime::parse_from_rfc3339(raw.trim()).ok());
    if parsed.is_none() {
        reader.expected(
            &fields.path(field),
            "an instant with its offset, such as 2026-12-05T01:00:00+09:00",
            short(found.value),
            IGNORED,
        );
    }
    parsed.map(|at| at.with_timezone(&Utc))
}

fn join(first: &str, then: &str) -> String {
    if first.is_empty() { then.to_owned() } else { format!("{first}; {then}") }
}

/// What `oncall check` says about a mapping's windows at `now`: the ones that have ended.
pub fn window_warnings(source: &str, topic: &str, windows: &[MaintenanceWindow], now: DateTime<Utc>) -> Vec<Problem> {
    windows
        .iter()
        .filter(|window| window.to <= now)
        .map(|window| {
            Problem::warning(
                source,
                Some(window.location.clone()),
                format!(
                    "the maintenance window of topic {topic} ended at {}; it silences nothing any more and can be \
                     removed",
                    window.to.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            )
        })
        .collect()
}
