//! Problems found in configuration and roster files, reported rather than fatal.
//!
//! A broken roster must not silence an alert, so parsing and planning collect problems
//! instead of stopping at the first one. Each names where it is (the file, then a path
//! inside it such as `group2.phone_number[1]`) so a duty maintainer can fix it at 3 a.m.
//!
//! A problem goes to the logs, the execution's output and Slack, so its message never shows
//! a phone number in clear: it is scrubbed ([`scrub_numbers`]) when the problem is made, when
//! it is shown and when it is serialised, whatever value or name found its way into it.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::phone::scrub_numbers;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be used as written; a fallback was taken.
    Error,
    /// The input is used, but probably not as its author meant.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub severity: Severity,
    /// The file (`s3://bucket/key` or a local path), variable or input the problem is in.
    pub source: String,
    /// Where inside the source, e.g. `group2.phone_number[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What is wrong and what is done instead; numbers masked.
    #[serde(serialize_with = "scrubbed")]
    pub message: String,
}

fn scrubbed<S: Serializer>(message: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&scrub_numbers(message))
}

impl Problem {
    pub fn error(source: impl Into<String>, location: Option<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, source: source.into(), location, message: scrub_numbers(&message.into()) }
    }

    pub fn warning(source: impl Into<String>, location: Option<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, source: source.into(), location, message: scrub_numbers(&message.into()) }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}", self.source)?;
        if let Some(location) = &self.location {
            write!(f, ": {location}")?;
        }
        write!(f, ": {}", scrub_numbers(&self.message))
    }
}

/// True when any problem is an error.
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(Problem::is_error)
}

/// How many problems a notification lists before it says how many more there are.
pub const SHOWN_PROBLEMS: usize = 10;

/// The problems to show people, one line each: at most [`SHOWN_PROBLEMS`], then
/// `… and N more (see <elsewhere>)`. Plain text: the caller escapes it for where it goes.
pub fn problem_lines<'p>(problems: impl IntoIterator<Item = &'p Problem>, elsewhere: &str) -> Vec<String> {
    let problems: Vec<&Problem> = problems.into_iter().collect();
    let mut lines: Vec<String> = problems.iter().take(SHOWN_PROBLEMS).map(ToString::to_string).collect();
    if problems.len() > SHOWN_PROBLEMS {
        lines.push(format!("… and {} more (see {elsewhere})", problems.len() - SHOWN_PROBLEMS));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_lines_show_ten_and_count_the_rest() {
        let problems: Vec<Problem> =
            (0..12).map(|i| Problem::error("r.json", Some(format!("group{i}")), "bad")).collect();
        let lines = problem_lines(&problems, "the logs");
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "error: r.json: group0: bad");
        assert_eq!(lines[10], "… and 2 more (see the logs)");
        assert_eq!(problem_lines(&problems[..3], "x").len(), 3);
        assert!(problem_lines(&[], "x").is_empty());
    }

    #[test]
    fn display_names_source_location_and_message() {
        let p = Problem::error("s3://b/phoneNumber.json", Some("group2.phone_number[1]".into()), "bad");
        assert_eq!(p.to_string(), "error: s3://b/phoneNumber.json: group2.phone_number[1]: bad");
        let w = Problem::warning("CALL_REPEAT_COUNT", None, "odd");
        assert_eq!(w.to_string(), "warning: CALL_REPEAT_COUNT: odd");
    }

    /// Issue 12, point 11: a problem's text never shows a number in clear, however it was made.
    #[test]
    fn display_and_serialisation_mask_numbers_in_the_message() {
        let made = Problem::error("r.json", Some("[0].startDay".into()), "found \"09012345678\" and +819012345678");
        assert_eq!(made.message, "found \"090****5678\" and +8190****5678");
        let literal = Problem { message: "named 819012345678".into(), ..made.clone() };
        assert_eq!(literal.to_string(), "error: r.json: [0].startDay: named 819****5678");
        let json = serde_json::to_string(&literal).unwrap();
        assert!(json.contains("named 819****5678") && !json.contains("819012345678"), "{json}");
        let warning = Problem::warning("CALL_REPEAT_COUNT", None, "on 2026-11-30 at 09:00, 3 times");
        assert_eq!(warning.to_string(), "warning: CALL_REPEAT_COUNT: on 2026-11-30 at 09:00, 3 times");
    }
}
