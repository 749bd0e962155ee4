//! `oncall check FILE...`: every problem in roster and mapping files, before they are
//! uploaded. A mapping's rosters are looked for in the mapping's folder (as the bucket holds
//! them side by side) and checked too; a missing one is an error, because its project's
//! alerts would reach only the fallback number.
//!
//! Parsing is the shared code the functions run, so a file that passes here is read the
//! same way in production. An alert event (a sample execution input) is recognised too and
//! read as resolve-roster reads it. A few extra warnings only make sense before an upload:
//! a project left in dry-run mode, a message with characters the flow cannot speak, and
//! roster overrides that have ended, overlap, or bring in a number no group has, and
//! maintenance windows that have ended (one without an end is an error of the mapping).
//! Their locations are the ones the reader kept while parsing, spelt as the file spells
//! them: the JSON is never read twice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use domain::alert::{AlertInput, is_sns_envelope};
use domain::maintenance::window_warnings;
use domain::mapping::{DRY_RUN, MESSAGE, Mapping, MappingEntry, PHONE_NUMBER_JSON_FILE};
use domain::message::speakable;
use domain::problem::Problem;
use domain::reader::Field;
use domain::roster::{Roster, override_warnings};
use domain::store::{DirStore, StoreError, not_a_file_key};
use domain::zone::Zone;
use serde_json::Value;

use crate::Status;
use crate::args::CheckArgs;
use crate::settings::time_zone;

pub fn run(args: &CheckArgs) -> anyhow::Result<Status> {
    let mut checker =
        Checker { now: args.at.unwrap_or_else(Utc::now), zone: time_zone(&args.zone)?, ..Checker::default() };
    for file in &args.files {
        checker.file(file);
    }
    for problem in &checker.problems {
        println!("{problem}");
    }
    for unreadable in &checker.unreadable {
        eprintln!("error: {unreadable}");
    }
    println!("{}", checker.summary());
    Ok(checker.status())
}

#[derive(Debug, Default)]
struct Checker {
    /// The instant overrides are judged at (ended ones are reported), and the zone of the
    /// rosters no mapping entry gives one.
    now: DateTime<Utc>,
    zone: Zone,
    /// Files already checked, so a roster named by a mapping and on the command line is
    /// reported once.
    seen: HashSet<PathBuf>,
    problems: Vec<Problem>,
    /// Files given on the command line that could not be read at all.
    unreadable: Vec<String>,
    rosters: usize,
    mappings: usize,
    events: usize,
    others: usize,
}

impl Checker {
    fn file(&mut self, path: &Path) {
        if !self.first_visit(path) {
            return;
        }
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.unreadable.push(format!("{}: cannot be read: {err}", path.display()));
                return;
            }
        };
        match kind(path, &bytes) {
            Kind::Mapping => self.mapping(path, &bytes),
            Kind::Roster => self.roster(path, &bytes, &self.zone.clone()),
            Kind::Event(value) => self.event(path, &value),
            Kind::Other => {
                self.others += 1;
                self.problems.push(Problem::error(
                    path.display().to_string(),
                    None,
                    "neither a roster (groups of startDay, endDay, phoneNumber), a mapping (entries of \
                     snsTopicName, phoneNumberJsonFile) nor an alert event; not checked",
                ));
            }
        }
    }

    fn first_visit(&mut self, path: &Path) -> bool {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.seen.insert(key)
    }

    /// A roster's problems, and what its overrides look like on today's duty day in `zone`:
    /// ended, overlapping, bringing in numbers no group has.
    fn roster(&mut self, path: &Path, bytes: &[u8], zone: &Zone) {
        self.rosters += 1;
        let source = path.display().to_string();
        let report = Roster::parse(&source, bytes);
        self.problems.extend(report.problems);
        if let Some(roster) = report.roster {
            self.problems.extend(override_warnings(&source, &roster, roster.duty_date(self.now, zone)));
        }
    }

    fn event(&mut self, path: &Path, value: &Value) {
        self.events += 1;
        let source = path.display().to_string();
        // Input problems name "execution input"; here the file is the input.
        self.problems
            .extend(AlertInput::parse(value).problems.into_iter().map(|p| Problem { source: source.clone(), ..p }));
    }

    fn mapping(&mut self, path: &Path, bytes: &[u8]) {
        self.mappings += 1;
        let source = path.display().to_string();
        let report = Mapping::parse(&source, bytes);
        self.problems.extend(report.problems);
        let Some(mapping) = report.mapping else { return };
        let folder = path.parent().unwrap_or(Path::new(""));
        for entry in &mapping.entries {
            self.entry_warnings(&source, entry);
            self.referenced_roster(&source, folder, entry);
        }
    }

    /// Where a field of an entry is, as the file spells it (the reader kept it).
    fn at(entry: &MappingEntry, field: Field) -> Option<String> {
        entry.location.field(field).location()
    }

    fn entry_warnings(&mut self, source: &str, entry: &MappingEntry) {
        let topic = &entry.sns_topic_name;
        self.problems.extend(window_warnings(source, topic, &entry.maintenance, self.now));
        if entry.dry_run {
            self.problems.push(Problem::warning(
                source,
                Self::at(entry, DRY_RUN),
                format!("every alert of topic {topic} is a dry run: nobody is rung until dryRun is removed"),
            ));
        }
        if let Some(message) = &entry.message {
            let spoken = speakable(message);
            if spoken != message.split_whitespace().collect::<Vec<_>>().join(" ") {
                self.problems.push(Problem::warning(
                    source,
                    Self::at(entry, MESSAGE),
                    format!("has characters the call cannot speak, or is too long; it is spoken as {spoken:?}"),
                ));
            }
        }
    }

    /// The roster an entry names, read as resolve-roster reads it: the entry's file name is
    /// an S3 key beside the mapping, taken literally. A key S3 would not resolve to a file of
    /// the folder (`../x.json`, `/etc/passwd`, `./x.json`) is never looked up on the disk: it
    /// is the error production would hit, a roster that does not exist.
    fn referenced_roster(&mut self, source: &str, folder: &Path, entry: &MappingEntry) {
        let file = &entry.phone_number_json_file;
        let topic = &entry.sns_topic_name;
        let location = Self::at(entry, PHONE_NUMBER_JSON_FILE);
        if let Some(why) = not_a_file_key(file) {
            self.problems.push(Problem::error(
                source,
                location,
                format!(
                    "the roster {file:?} is read from the bucket as the key {file:?}, exactly: {why}, so S3 finds no \
                     such roster and alerts of topic {topic} would ring only the fallback number; name the roster \
                     by its key beside the mapping"
                ),
            ));
            return;
        }
        let path = folder.join(file);
        if !self.first_visit(&path) {
            return;
        }
        match DirStore::new(folder).read(file) {
            Ok(bytes) => self.roster(&path, &bytes, &entry.time_zone.clone().unwrap_or_else(|| self.zone.clone())),
            Err(err) => {
                let why = match err {
                    StoreError::NotFound { .. } => format!("is not in {}", folder_label(folder)),
                    other => other.reason(),
                };
                self.problems.push(Problem::error(
                    source,
                    location,
                    format!("the roster {file} {why}; alerts of topic {topic} would ring only the fallback number"),
                ));
            }
        }
    }

    fn summary(&self) -> String {
        let errors = self.problems.iter().filter(|p| p.is_error()).count();
        let warnings = self.problems.len() - errors;
        let checked = self.rosters + self.mappings + self.events + self.others;
        let mut kinds = vec![plural(self.mappings, "mapping"), plural(self.rosters, "roster")];
        if self.events > 0 {
            kinds.push(plural(self.events, "alert event"));
        }
        if self.others > 0 {
            kinds.push(format!("{} of another kind", self.others));
        }
        let mut line = format!(
            "checked {} ({}): {}, {}",
            plural(checked, "file"),
            kinds.join(", "),
            plural(errors, "error"),
            plural(warnings, "warning"),
        );
        if !self.unreadable.is_empty() {
            line.push_str(&format!("; {} could not be read", plural(self.unreadable.len(), "file")));
        }
        line
    }

    fn status(&self) -> Status {
        if !self.unreadable.is_empty() {
            Status::Unusable
        } else if domain::problem::has_errors(&self.problems) {
            Status::Problems
        } else {
            Status::Clean
        }
    }
}

/// What a file is, read from its content.
#[derive(Debug, PartialEq)]
enum Kind {
    Roster,
    Mapping,
    /// An execution input, as in `samplejson/resolve-roster.*.json`.
    Event(Value),
    /// JSON that is none of these (a step payload, say): reported, not checked.
    Other,
}

const MAPPING_KEYS: [&str; 4] = ["snsTopicName", "sns_topic_name", "phoneNumberJsonFile", "phone_number_json_file"];
const ROSTER_KEYS: [&str; 6] = ["startDay", "start_day", "endDay", "end_day", "phoneNumber", "phone_number"];
/// Keys only an alert has: a Lambda SNS event, an SNS envelope, a console start.
const EVENT_KEYS: [&str; 4] = ["Records", "Sns", "TopicArn", "topicArn"];
/// Keys of an SQS record, the items of an EventBridge Pipe batch.
const SQS_KEYS: [&str; 2] = ["body", "messageId"];

/// A mapping is an array of entries naming a topic or a roster file; an alert has keys no
/// roster has; an object that is a roster has group entries. Content that cannot tell
/// (broken JSON, an empty array, `{}`) goes by the file's name, so a broken `mapping.json`
/// gets the mapping's messages; the rest are read as rosters, whose messages fit best.
fn kind(path: &Path, bytes: &[u8]) -> Kind {
    let has_any = |item: &Value, keys: &[&str]| keys.iter().any(|key| item.get(key).is_some());
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) if items.iter().any(|item| has_any(item, &MAPPING_KEYS)) => Kind::Mapping,
        Ok(value @ Value::Array(_)) if value.get(0).is_some_and(|first| has_any(first, &SQS_KEYS)) => {
            Kind::Event(value)
        }
        Ok(value @ Value::Object(_)) if has_any(&value, &EVENT_KEYS) || is_sns_envelope(&value) => Kind::Event(value),
        Ok(Value::Object(fields))
            if !fields.is_empty()
                && !fields.iter().any(|(key, item)| key.starts_with("group") || has_any(item, &ROSTER_KEYS)) =>
        {
            Kind::Other
        }
        Ok(Value::Array(items)) if !items.is_empty() => Kind::Roster,
        _ if named_mapping(path) => Kind::Mapping,
        _ => Kind::Roster,
    }
}

fn named_mapping(path: &Path) -> bool {
    path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.to_ascii_lowercase().contains("mapping"))
}

fn folder_label(folder: &Path) -> String {
    if folder.as_os_str().is_empty() { "the current folder".to_owned() } else { folder.display().to_string() }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_is_recognised_by_its_keys_whatever_its_name() {
        let x = Path::new("x.json");
        assert_eq!(kind(x, br#"[{"sns_topic_name":"a","phone_number_json_file":"a.json"}]"#), Kind::Mapping);
        assert_eq!(kind(x, br#"[{"phoneNumberJsonFile":"a.json"}]"#), Kind::Mapping);
        let roster = br#"[{"startDay":1,"endDay":2,"phoneNumber":[]}]"#;
        assert_eq!(kind(Path::new("mapping.json"), roster), Kind::Roster);
        assert_eq!(kind(x, br#"{"group1":{"start_day":1,"end_day":2,"phone_number":[]}}"#), Kind::Roster);
    }

    #[test]
    fn alert_events_are_recognised() {
        let x = Path::new("x.json");
        assert!(matches!(kind(x, br#"{"Records":[{"Sns":{"TopicArn":"arn:aws:sns:r:1:t"}}]}"#), Kind::Event(_)));
        assert!(matches!(kind(x, br#"[{"messageId":"m","body":"x"}]"#), Kind::Event(_)));
        assert!(matches!(kind(x, br#"{"topicArn":"arn:aws:sns:r:1:t","dryRun":true}"#), Kind::Event(_)));
        // An SNS notification without TopicArn is still an alert, read as resolve-roster reads it.
        let bare =
            br#"{"Type":"Notification","MessageId":"m","Message":"disk full","Timestamp":"2026-11-21T03:00:05Z"}"#;
        assert!(matches!(kind(x, bare), Kind::Event(_)));
    }

    #[test]
    fn other_json_objects_are_not_mistaken_for_rosters() {
        let x = Path::new("x.json");
        assert_eq!(kind(x, br#"{"escalationId":"e","attempt":0,"message":"m"}"#), Kind::Other);
        assert_eq!(kind(x, br#"{"day_shift":{"start_day":1,"end_day":31,"phone_number":[]}}"#), Kind::Roster);
        assert_eq!(kind(x, br#"{"group1":3}"#), Kind::Roster);
    }

    #[test]
    fn content_that_cannot_tell_goes_by_the_file_name() {
        assert_eq!(kind(Path::new("dir/Mapping-prod.json"), b"[]"), Kind::Mapping);
        assert_eq!(kind(Path::new("mapping.json"), b"{"), Kind::Mapping);
        assert_eq!(kind(Path::new("phoneNumber.json"), b"[]"), Kind::Roster);
        assert_eq!(kind(Path::new("phoneNumber.json"), b"{}"), Kind::Roster);
    }

    #[test]
    fn locations_follow_the_files_spelling() {
        let bytes = br#"[{"snsTopicName": "a", "phoneNumberJsonFile": "a.json", "message": "<b>"},
                         {"sns_topic_name": " b ", "phone_number_json_file": "b.json", "dry_run": true}]"#;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("mapping.json");
        std::fs::write(&path, bytes).unwrap();
        let mut checker = Checker::default();
        checker.file(&path);
        let locations: Vec<&str> = checker.problems.iter().filter_map(|p| p.location.as_deref()).collect();
        assert_eq!(locations, ["[0].message", "[0].phoneNumberJsonFile", "[1].dry_run", "[1].phone_number_json_file"]);
    }
}
