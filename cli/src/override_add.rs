//! `oncall override add`: adds one override to a roster file, in the file's own form and
//! style, and only when the result reads as intended.
//!
//! The file is edited as text, not rewritten: the new entry goes at the end of the array of
//! an array form, or of the `overrides` array of an object form (which gains one when it has
//! none), with the file's indentation, spacing and key spelling (`phoneNumber` or
//! `phone_number`). Every other byte stays as it was, so a review shows one added entry.
//!
//! Safely means: the roster must be usable before, the new text is parsed by the same code
//! the functions run and must hold exactly one more override that can be read, with no new
//! error; only then is it written, through a temporary file renamed over the original.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use domain::phone::PhoneNumber;
use domain::problem::Problem;
use domain::roster::{Change, Roster};

use crate::Status;
use crate::args::OverrideAddArgs;

pub fn run(args: &OverrideAddArgs) -> anyhow::Result<Status> {
    let path = &args.roster;
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot be read", path.display()))?;
    let source = path.display().to_string();
    let before = Roster::parse(&source, text.as_bytes());
    let Some(roster) = before.roster else {
        bail!("{source} cannot be used as it is ({}); fix it first", errors(&before.problems));
    };
    let change = ChangeArg::from_args(args)?;
    let style = Style::of(&text);
    let entry = style.entry(args.from, args.to, args.name.as_deref(), &change);
    let edited =
        insert(&text, &entry, &style).with_context(|| format!("{source}: cannot find where to add the override"))?;

    let after = Roster::parse(&source, edited.as_bytes());
    let Some(new_roster) = after.roster else {
        bail!("the override would make {source} unusable ({}); nothing written", errors(&after.problems));
    };
    let added = match new_roster.overrides.len().checked_sub(roster.overrides.len()) {
        Some(1) => new_roster.overrides.last(),
        _ => None,
    };
    let Some(added) = added.filter(|o| o.change != Change::Unreadable) else {
        bail!("the override cannot be read as given ({}); nothing written", errors(&after.problems));
    };
    let new_errors: Vec<&Problem> =
        after.problems.iter().filter(|p| p.is_error() && !before.problems.contains(p)).collect();
    if !new_errors.is_empty() {
        let listed: Vec<String> = new_errors.iter().map(ToString::to_string).collect();
        bail!("the override brings new errors ({}); nothing written", listed.join("; "));
    }
    write_atomically(path, &edited)?;
    println!("{source}: added {} ({}): {}", added.name, dates(added.from, added.to), change.describe());
    for problem in after.problems.iter().filter(|p| !before.problems.contains(p)) {
        println!("{problem}");
    }
    Ok(Status::Clean)
}

/// What the override does, from the flags (clap lets exactly one kind through).
enum ChangeArg {
    Group(String),
    Replace(PhoneNumber, PhoneNumber),
    Add(Vec<PhoneNumber>),
    OnDuty(Vec<PhoneNumber>),
}

impl ChangeArg {
    fn from_args(args: &OverrideAddArgs) -> anyhow::Result<Self> {
        let number = |flag: &str, raw: &str| {
            PhoneNumber::parse(raw.trim())
                .map_err(|err| anyhow::anyhow!("--{flag} {}: {err}", domain::phone::mask(raw)))
        };
        let numbers =
            |flag: &str, raw: &[String]| raw.iter().map(|n| number(flag, n)).collect::<anyhow::Result<Vec<_>>>();
        if let Some(group) = &args.group {
            return Ok(Self::Group(group.clone()));
        }
        if let (Some(replace), Some(with)) = (&args.replace, &args.with) {
            return Ok(Self::Replace(number("replace", replace)?, number("with", with)?));
        }
        if !args.add.is_empty() {
            return Ok(Self::Add(numbers("add", &args.add)?));
        }
        if !args.on_duty.is_empty() {
            return Ok(Self::OnDuty(numbers("on-duty", &args.on_duty)?));
        }
        bail!("say what the override does: --group, --replace with --with, --add or --on-duty")
    }

    fn describe(&self) -> String {
        let list = |numbers: &[PhoneNumber]| numbers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Self::Group(group) => format!("{group} on duty instead"),
            Self::Replace(number, with) => format!("{with} rung instead of {number}"),
            Self::Add(numbers) => format!("{} rung too", list(numbers)),
            Self::OnDuty(numbers) => format!("{} on duty instead", list(numbers)),
        }
    }
}

/// How the file writes JSON: its key spelling and its spacing.
struct Style {
    snake_case: bool,
    /// `": "` or `":"`.
    colon: &'static str,
    /// `", "` or `","`.
    comma: &'static str,
}

impl Style {
    fn of(text: &str) -> Self {
        let snake_case = text.contains("\"phone_number\"") || text.contains("\"start_day\"");
        // A file that puts a space after its colons is spaced; a compact one is compact.
        let spaced = text.contains("\": ");
        Self { snake_case, colon: if spaced { ": " } else { ":" }, comma: if spaced { ", " } else { "," } }
    }

    /// The override as one line of JSON, its keys in the documented order.
    fn entry(&self, from: NaiveDate, to: Option<NaiveDate>, name: Option<&str>, change: &ChangeArg) -> String {
        let text = |raw: &str| serde_json::to_string(raw).unwrap_or_default();
        let list = |numbers: &[PhoneNumber]| {
            let items: Vec<String> = numbers.iter().map(|n| text(n.as_str())).collect();
            format!("[{}]", items.join(self.comma))
        };
        let mut members = vec![("from", text(&from.to_string()))];
        if let Some(to) = to.filter(|to| *to != from) {
            members.push(("to", text(&to.to_string())));
        }
        if let Some(name) = name {
            members.push(("name", text(name)));
        }
        match change {
            ChangeArg::Group(group) => members.push(("group", text(group))),
            ChangeArg::Replace(number, with) => {
                members.push(("replace", text(number.as_str())));
                members.push(("with", text(with.as_str())));
            }
            ChangeArg::Add(numbers) => members.push(("add", list(numbers))),
            ChangeArg::OnDuty(numbers) => {
                members.push((if self.snake_case { "phone_number" } else { "phoneNumber" }, list(numbers)));
            }
        }
        let members: Vec<String> =
            members.iter().map(|(key, value)| format!("\"{key}\"{}{value}", self.colon)).collect();
        format!("{{{}}}", members.join(self.comma))
    }
}

/// The file with `entry` added: at the end of a top-level array, or of the `overrides` array
/// of a top-level object, which gets one when it has none.
fn insert(text: &str, entry: &str, style: &Style) -> Option<String> {
    let open = text.find(|c: char| !c.is_whitespace())?;
    let close = closing(text, open)?;
    match text.as_bytes()[open] {
        b'[' => Some(append(text, open, close, entry)),
        b'{' => match member_value(text, open, "overrides") {
            Some(at) if text.as_bytes()[at] == b'[' => Some(append(text, at, closing(text, at)?, entry)),
            Some(_) => None,
            None => Some(append(text, open, close, &format!("\"overrides\"{}[{entry}]", style.colon))),
        },
        _ => None,
    }
}

/// `item` added after the last item of the array or object spanning `open..=close`, on a
/// line of its own, indented as that item, when the items are on lines of their own.
fn append(text: &str, open: usize, close: usize, item: &str) -> String {
    let inside = &text[open + 1..close];
    let last = inside.trim_end();
    let at = open + 1 + last.len();
    let separator = if last.trim().is_empty() {
        String::new()
    } else if inside.contains('\n') {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        format!(",\n{indent}")
    } else {
        ", ".to_owned()
    };
    format!("{}{separator}{item}{}", &text[..at], &text[at..])
}

/// The offset of the bracket that closes the one at `open`, skipping strings.
fn closing(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, byte) in text.bytes().enumerate().skip(open) {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => depth += 1,
            (false, b']' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The offset where the value of the member `key` of the object at `open` starts.
fn member_value(text: &str, open: usize, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = closing(text, open)?;
    let next = |from: usize| (from..end).find(|&i| !bytes[i].is_ascii_whitespace());
    let mut i = open + 1;
    while i < end {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let colon = next(i + 1).filter(|&at| bytes[at] == b':');
                i += 1;
                if let Some(colon) = colon {
                    let value = next(colon + 1)?;
                    if serde_json::from_str::<String>(&text[start..i]).ok()? == key {
                        return Some(value);
                    }
                    i = value;
                }
            }
            b'[' | b'{' => i = closing(text, i)? + 1,
            _ => i += 1,
        }
    }
    None
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.oncall-tmp"));
    std::fs::write(&temporary, text).with_context(|| format!("{}: cannot be written", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("{}: cannot be replaced", path.display()))
}

fn dates(from: NaiveDate, to: NaiveDate) -> String {
    if from == to { from.to_string() } else { format!("{from} to {to}") }
}

fn errors(problems: &[Problem]) -> String {
    let listed: Vec<String> = problems.iter().filter(|p| p.is_error()).map(ToString::to_string).collect();
    if listed.is_empty() { "no readable groups".to_owned() } else { listed.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLE: Style = Style { snake_case: false, colon: ": ", comma: ", " };

    #[test]
    fn an_array_gains_a_last_entry_on_a_line_of_its_own() {
        let text = "[\n    {\"startDay\": 1, \"endDay\": 31, \"phoneNumber\": [\"+819011110001\"]}\n]\n";
        let edited = insert(text, "{\"from\": \"2026-12-24\"}", &STYLE).unwrap();
        assert_eq!(
            edited,
            "[\n    {\"startDay\": 1, \"endDay\": 31, \"phoneNumber\": [\"+819011110001\"]},\n    {\"from\": \"2026-12-24\"}\n]\n"
        );
        let one_line = insert(r#"[{"startDay":1}]"#, "{}", &STYLE).unwrap();
        assert_eq!(one_line, r#"[{"startDay":1}, {}]"#);
    }

    #[test]
    fn an_object_gains_an_overrides_member_or_an_entry_in_it() {
        let without = "{\n  \"group1\": {\"start_day\": 1}\n}";
        assert_eq!(
            insert(without, "{}", &STYLE).unwrap(),
            "{\n  \"group1\": {\"start_day\": 1},\n  \"overrides\": [{}]\n}"
        );
        let with = r#"{"overrides": [], "groups": [{"a": "]"}], "x": "\"overrides\""}"#;
        assert_eq!(
            insert(with, "{}", &STYLE).unwrap(),
            r#"{"overrides": [{}], "groups": [{"a": "]"}], "x": "\"overrides\""}"#
        );
    }

    #[test]
    fn a_key_named_in_a_string_value_is_not_the_member() {
        let text = r#"{"groups": [{"name": "overrides"}], "handoff": "09:00"}"#;
        assert_eq!(member_value(text, 0, "overrides"), None);
        assert_eq!(member_value(text, 0, "handoff").map(|at| &text[at..at + 7]), Some("\"09:00\""));
    }
}
