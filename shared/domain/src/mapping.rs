//! The mapping file: which roster (and, optionally, which message, time zone and dry-run
//! setting) belongs to which SNS topic, so several projects can share one deployment.
//!
//! The file is read by the one tolerant [`reader`](crate::reader): keys in the documented
//! camelCase or the snake_case the original code read (both, with different values, is an
//! error), unknown keys a warning that names the known spelling they resemble. A broken
//! entry is skipped with an error naming it; the others stay usable, because the lookup is
//! by exact topic name and cannot fall through to the wrong project. No mistake in an entry
//! stops an alert from ringing someone: a skipped entry's topic rings the fallback number.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use crate::incident::InsufficientData;
use crate::incident_store::{IncidentPolicy, MAX_POLICY_MINUTES};
use crate::maintenance::{MAINTENANCE, MaintenanceWindow, read_windows};
use crate::policy::{POLICY_FIELDS, ProjectPolicy, read_policy};
use crate::problem::Problem;
use crate::reader::{Field, Found, JsonPath, Lookup, Object, ObjectLocation, Reader, kind, shown};
use crate::zone::Zone;

pub const SNS_TOPIC_NAME: Field = Field::new("snsTopicName", "sns_topic_name");
pub const PHONE_NUMBER_JSON_FILE: Field = Field::new("phoneNumberJsonFile", "phone_number_json_file");
pub const MESSAGE: Field = Field::word("message");
pub const TIME_ZONE: Field = Field::new("timeZone", "time_zone");
pub const DRY_RUN: Field = Field::new("dryRun", "dry_run");
pub const INSUFFICIENT_DATA: Field = Field::new("insufficientData", "insufficient_data");
pub const GROUPING: Field = Field::word("grouping");
pub const QUIET_MINUTES: Field = Field::new("quietMinutes", "quiet_minutes");
pub const RE_ESCALATE_MINUTES: Field = Field::new("reEscalateMinutes", "re_escalate_minutes");
/// An entry's own fields; the policy's ([`POLICY_FIELDS`]) are known too.
const ENTRY_FIELDS: [Field; 10] = [
    SNS_TOPIC_NAME,
    PHONE_NUMBER_JSON_FILE,
    MESSAGE,
    TIME_ZONE,
    DRY_RUN,
    INSUFFICIENT_DATA,
    GROUPING,
    QUIET_MINUTES,
    RE_ESCALATE_MINUTES,
    MAINTENANCE,
];

/// What happens to an entry whose topic or roster cannot be read.
const SKIPPED: &str = "entry skipped";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub entries: Vec<MappingEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingEntry {
    pub sns_topic_name: String,
    pub phone_number_json_file: String,
    /// The project's own alert message, spoken instead of `CONNECT_ALARM_MSG`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The project's own roster time zone (IANA name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Zone>,
    /// Every alert of this project is a dry run: handy while a project is being set up.
    pub dry_run: bool,
    /// What an alarm of this project without data (`INSUFFICIENT_DATA`) does: `"notice"`
    /// (the default) rings nobody, `"page"` rings as for `ALARM`.
    pub insufficient_data: InsufficientData,
    /// Grouping, the quiet window and re-escalation (`grouping`, `quietMinutes`,
    /// `reEscalateMinutes`).
    pub incidents: IncidentPolicy,
    /// Planned work: windows in which the project's alerts ring nobody (or walk as a dry run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<MaintenanceWindow>,
    /// The project's own repeat, timing, fallback number and speech; unset parts are the
    /// deployment's.
    pub policy: ProjectPolicy,
    /// Where the entry and its fields are in the file (`[1].dry_run`), for later findings.
    #[serde(skip)]
    pub location: ObjectLocation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MappingReport {
    /// `None` when the file as a whole cannot be read.
    pub mapping: Option<Mapping>,
    pub problems: Vec<Problem>,
}

impl Mapping {
    pub fn parse(source: &str, bytes: &[u8]) -> MappingReport {
        let mut reader = Reader::new(source);
        let mapping = read(&mut reader, bytes);
        MappingReport { mapping, problems: reader.finish() }
    }

    pub fn lookup(&self, topic_name: &str) -> Option<&MappingEntry> {
        self.entries.iter().find(|entry| entry.sns_topic_name == topic_name)
    }
}

/// The topic name is the last `:`-separated part of a topic ARN.
pub fn topic_name_from_arn(arn: &str) -> Option<&str> {
    let name = arn.rsplit(':').next()?;
    (arn.starts_with("arn:") && !name.is_empty()).then_some(name)
}

fn read(reader: &mut Reader<'_>, bytes: &[u8]) -> Option<Mapping> {
    let root = JsonPath::root();
    let value = reader.document(bytes)?;
    let Value::Array(items) = &value else {
        reader.expected(&root, "an array of mapping entries", kind(&value), "");
        return None;
    };
    let mut entries: Vec<MappingEntry> = Vec::with_capacity(items.len());
    let mut topics: HashSet<String> = HashSet::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(entry) = parse_entry(reader, root.index(i), item) else { continue };
        if !topics.insert(entry.sns_topic_name.clone()) {
            reader.warning(
                &entry.location.at,
                format!("topic {} is mapped twice; the first entry is used", entry.sns_topic_name),
            );
            continue;
        }
        entries.push(entry);
    }
    if items.is_empty() {
        reader.warning(&root, "the mapping has no entries");
    }
    Some(Mapping { entries })
}

/// One entry. An entry whose topic or roster cannot be read is skipped, so its topic's alerts
/// ring the fallback number; a bad optional field is ignored and the deployment's setting
/// used, so the project's alerts still ring its roster.
fn parse_entry(reader: &mut Reader<'_>, at: JsonPath, item: &Value) -> Option<MappingEntry> {
    let mut fields = reader.object(item, at, "a mapping entry object", SKIPPED)?;
    fields.unknown_keys(reader, &[ENTRY_FIELDS.as_slice(), POLICY_FIELDS.as_slice()].concat());
    let topic = required_text(reader, &mut fields, SNS_TOPIC_NAME);
    let file = required_text(reader, &mut fields, PHONE_NUMBER_JSON_FILE);
    let message = optional_text(reader, &mut fields, MESSAGE, "the deployment's message is spoken");
    let zone = optional_text(reader, &mut fields, TIME_ZONE, "the deployment's zone is used");
    let time_zone = zone.and_then(|name| match name.parse::<Zone>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            reader.error(
                &fields.path(TIME_ZONE),
                format!("{name:?} is not an IANA time zone (e.g. Asia/Tokyo); the deployment's zone is used"),
            );
            None
        }
    });
    let dry_run = match fields.get(reader, DRY_RUN, "not a dry run: alerts ring as usual") {
        Lookup::Absent | Lookup::Conflict | Lookup::Found(Found { value: Value::Null, .. }) => false,
        Lookup::Found(Found { value: Value::Bool(flag), .. }) => *flag,
        // A typo must not silence a project's real alerts for as long as the file stays so.
        Lookup::Found(_) => {
            reader.error(&fields.path(DRY_RUN), "must be true or false; not a dry run: alerts ring as usual");
            false
        }
    };
    let insufficient_data = match fields.get(reader, INSUFFICIENT_DATA, "a notice: nobody is rung") {
        Lookup::Absent | Lookup::Conflict | Lookup::Found(Found { value: Value::Null, .. }) => InsufficientData::Notice,
        Lookup::Found(Found { value: Value::String(text), .. }) if text == "notice" => InsufficientData::Notice,
        Lookup::Found(Found { value: Value::String(text), .. }) if text == "page" => InsufficientData::Page,
        // Whoever wrote something here wanted a say: paging by mistake beats sleeping through.
        Lookup::Found(_) => {
            reader.error(
                &fields.path(INSUFFICIENT_DATA),
                "must be \"notice\" or \"page\"; the project's alarms without data page until it is fixed",
            );
            InsufficientData::Page
        }
    };
    let incidents = incident_policy(reader, &mut fields);
    let maintenance = read_windows(reader, &mut fields);
    let policy = read_policy(reader, &mut fields);
    Some(MappingEntry {
        sns_topic_name: topic?,
        phone_number_json_file: file?,
        message: message.filter(|m| !m.trim().is_empty()),
        time_zone,
        dry_run,
        insufficient_data,
        incidents,
        maintenance,
        policy,
        location: fields.into_location(),
    })
}

/// The entry's incident settings. A value that cannot be read is an error, and the choice
/// that rings more is made: no grouping, no quiet window (a re-escalation it cannot read is
/// left out, its delay unknown).
fn incident_policy(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> IncidentPolicy {
    let mut policy = IncidentPolicy::default();
    match fields.get(reader, GROUPING, "no grouping: every incident rings") {
        Lookup::Absent | Lookup::Conflict | Lookup::Found(Found { value: Value::Null, .. }) => {}
        Lookup::Found(Found { value: Value::Bool(flag), .. }) => policy.grouping = *flag,
        Lookup::Found(_) => {
            reader.error(&fields.path(GROUPING), "must be true or false; no grouping: every incident rings");
            policy.grouping = false;
        }
    }
    policy.quiet_minutes = minutes(reader, fields, QUIET_MINUTES, 0, "no quiet window").unwrap_or(0);
    policy.re_escalate_minutes = minutes(reader, fields, RE_ESCALATE_MINUTES, 1, "no re-escalation");
    policy
}

/// A whole number of minutes from `min` to [`MAX_POLICY_MINUTES`]; anything else is an error
/// and `None` (`instead` says what happens then).
fn minutes(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field, min: u32, instead: &str) -> Option<u32> {
    match fields.get(reader, field, instead) {
        Lookup::Absent | Lookup::Conflict | Lookup::Found(Found { value: Value::Null, .. }) => None,
        Lookup::Found(Found { value, .. }) => {
            let read =
                value.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| (min..=MAX_POLICY_MINUTES).contains(n));
            if read.is_none() {
                reader.error(
                    &fields.path(field),
                    format!(
                        "must be a whole number of minutes from {min} to {MAX_POLICY_MINUTES}, not {}; {instead}",
                        if value.is_number() { value.to_string() } else { shown(value).to_string() }
                    ),
                );
            }
            read
        }
    }
}

fn required_text(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<String> {
    let found = fields.require(reader, field, SKIPPED)?;
    match found.value {
        Value::String(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        other => {
            reader.expected(&fields.path(field), "a non-empty string", shown(other), SKIPPED);
            None
        }
    }
}

fn optional_text(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field, instead: &str) -> Option<String> {
    match fields.get(reader, field, &format!("ignored, {instead}")) {
        Lookup::Found(Found { value: Value::String(value), .. }) if !value.trim().is_empty() => {
            Some(value.trim().to_owned())
        }
        Lookup::Absent | Lookup::Conflict | Lookup::Found(Found { value: Value::Null, .. }) => None,
        Lookup::Found(Found { value, .. }) => {
            reader.expected(&fields.path(field), "a non-empty string", shown(value), &format!("ignored, {instead}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_settings_default_to_grouping_and_a_bad_one_rings_more() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","phoneNumberJsonFile":"a.json"},
                 {"snsTopicName":"b","phoneNumberJsonFile":"b.json","grouping":false,"quietMinutes":30,"reEscalateMinutes":60},
                 {"sns_topic_name":"c","phone_number_json_file":"c.json","quiet_minutes":0,"re_escalate_minutes":1440},
                 {"snsTopicName":"d","phoneNumberJsonFile":"d.json","grouping":"yes","quietMinutes":-5,"reEscalateMinutes":0}]"#,
        );
        let policies: Vec<IncidentPolicy> = report.mapping.unwrap().entries.iter().map(|e| e.incidents).collect();
        let policy = |grouping, quiet_minutes, re_escalate_minutes| IncidentPolicy {
            grouping,
            quiet_minutes,
            re_escalate_minutes,
        };
        assert_eq!(
            policies,
            [policy(true, 0, None), policy(false, 30, Some(60)), policy(true, 0, Some(1440)), policy(false, 0, None)]
        );
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "error: mapping.json: [3].grouping: must be true or false; no grouping: every incident rings",
                "error: mapping.json: [3].quietMinutes: must be a whole number of minutes from 0 to 1440, not -5; no quiet window",
                "error: mapping.json: [3].reEscalateMinutes: must be a whole number of minutes from 1 to 1440, not 0; no re-escalation",
            ]
        );
    }

    #[test]
    fn accepts_camel_and_snake_case_keys() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json"},
                 {"sns_topic_name":"b-topic","phone_number_json_file":"b.json","message":"B","time_zone":"UTC","dry_run":true}]"#,
        );
        assert_eq!(report.problems, vec![]);
        let mapping = report.mapping.unwrap();
        assert_eq!(mapping.lookup("a-topic").unwrap().phone_number_json_file, "a.json");
        let b = mapping.lookup("b-topic").unwrap();
        assert_eq!((b.message.as_deref(), b.time_zone.clone(), b.dry_run), (Some("B"), Some(Zone::UTC), true));
        assert!(mapping.lookup("c-topic").is_none());
    }

    #[test]
    fn broken_entries_are_skipped_with_an_error_naming_them() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a-topic"},{"snsTopicName":"b","phoneNumberJsonFile":"b.json","timeZone":"Mars/Base"}]"#,
        );
        let mapping = report.mapping.unwrap();
        assert!(mapping.lookup("a-topic").is_none());
        assert_eq!(mapping.lookup("b").unwrap().time_zone, None);
        let texts: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: mapping.json: [0]: missing phoneNumberJsonFile (or phone_number_json_file); entry skipped",
                "error: mapping.json: [1].timeZone: \"Mars/Base\" is not an IANA time zone (e.g. Asia/Tokyo); the deployment's zone is used",
            ]
        );
    }

    fn texts(report: &MappingReport) -> Vec<String> {
        report.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_unknown_key_is_a_warning_naming_the_file_the_entry_and_the_key() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","phoneNumberJsonFile":"a.json"},
                 {"snsTopicName":"b","phoneNumberJsonFile":"b.json","timezone":"UTC","dryrun":true}]"#,
        );
        let b = report.mapping.as_ref().unwrap().lookup("b").unwrap().clone();
        assert_eq!((b.time_zone, b.dry_run), (None, false), "a misspelt key is ignored, not guessed");
        let expected = "(expected one of: snsTopicName, phoneNumberJsonFile, message, timeZone, dryRun, \
                        insufficientData, grouping, quietMinutes, reEscalateMinutes, maintenance, repeatCount, repeatGroup, checkIntervalSeconds, pollIntervalSeconds, fallbackNumber, languageCode, voice, voiceEngine, prompt, or their snake_case forms)";
        assert_eq!(
            texts(&report),
            [
                format!(
                    "warning: mapping.json: [1].timezone: unknown field, ignored; did you mean timeZone? {expected}"
                ),
                format!("warning: mapping.json: [1].dryrun: unknown field, ignored; did you mean dryRun? {expected}"),
            ]
        );
        assert!(!report.problems.iter().any(Problem::is_error));
    }

    #[test]
    fn both_spellings_with_different_values_are_an_error() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","sns_topic_name":"b","phoneNumberJsonFile":"a.json"},
                 {"snsTopicName":"c","phoneNumberJsonFile":"c.json","timeZone":"UTC","time_zone":"Asia/Tokyo",
                  "dryRun":true,"dry_run":false,"message":"M","MESSAGE":"x"},
                 {"snsTopicName":"d","sns_topic_name":"d","phoneNumberJsonFile":"d.json"}]"#,
        );
        let mapping = report.mapping.as_ref().unwrap();
        assert!(mapping.lookup("a").is_none() && mapping.lookup("b").is_none(), "which topic is unknown: skipped");
        let c = mapping.lookup("c").unwrap();
        assert_eq!((c.time_zone.clone(), c.dry_run, c.message.as_deref()), (None, false, Some("M")));
        assert!(mapping.lookup("d").is_some(), "the same value twice is no conflict");
        let texts = texts(&report);
        assert!(
            texts[1].starts_with("warning: mapping.json: [1].MESSAGE: unknown field, ignored; did you mean message?")
        );
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert_eq!(
            [&texts[0], &texts[2], &texts[3]],
            [
                "error: mapping.json: [0]: both snsTopicName and sns_topic_name are given, with different values; \
                 keep one; entry skipped",
                "error: mapping.json: [1]: both timeZone and time_zone are given, with different values; keep one; \
                 ignored, the deployment's zone is used",
                "error: mapping.json: [1]: both dryRun and dry_run are given, with different values; keep one; \
                 not a dry run: alerts ring as usual",
            ]
        );
    }

    #[test]
    fn a_project_chooses_what_an_alarm_without_data_does_and_a_typo_pages() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","phoneNumberJsonFile":"a.json"},
                 {"snsTopicName":"b","phoneNumberJsonFile":"b.json","insufficientData":"page"},
                 {"sns_topic_name":"c","phone_number_json_file":"c.json","insufficient_data":"notice"},
                 {"snsTopicName":"d","phoneNumberJsonFile":"d.json","insufficientData":"ignore"}]"#,
        );
        let choices: Vec<InsufficientData> =
            report.mapping.as_ref().unwrap().entries.iter().map(|e| e.insufficient_data).collect();
        use InsufficientData::{Notice, Page};
        assert_eq!(choices, [Notice, Page, Notice, Page]);
        assert_eq!(
            texts(&report),
            [
                r#"error: mapping.json: [3].insufficientData: must be "notice" or "page"; the project's alarms without data page until it is fixed"#
            ]
        );
    }

    #[test]
    fn entries_remember_where_their_fields_are_as_the_file_spells_them() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","phoneNumberJsonFile":"a.json"},
                 {"sns_topic_name":"b","phone_number_json_file":"b.json","dry_run":true,"message":"m"}]"#,
        );
        let mapping = report.mapping.unwrap();
        let [a, b] = &mapping.entries[..] else { panic!("two entries") };
        assert_eq!(a.location.at.to_string(), "[0]");
        assert_eq!(a.location.field(DRY_RUN).to_string(), "[0].dryRun");
        assert_eq!(b.location.field(DRY_RUN).to_string(), "[1].dry_run");
        assert_eq!(b.location.field(PHONE_NUMBER_JSON_FILE).to_string(), "[1].phone_number_json_file");
        assert_eq!(b.location.field(MESSAGE).to_string(), "[1].message");
    }

    #[test]
    fn wrong_types_say_what_was_expected_and_what_happens_instead() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[3, {"snsTopicName":"a","phone_number_json_file":7},
                 {"snsTopicName":"b","phoneNumberJsonFile":"b.json","message":"","time_zone":9,"dry_run":"yes"}]"#,
        );
        let b = report.mapping.as_ref().unwrap().lookup("b").unwrap().clone();
        assert_eq!((b.message, b.time_zone, b.dry_run), (None, None, false));
        assert_eq!(
            texts(&report),
            [
                "error: mapping.json: [0]: expected a mapping entry object, found a number; entry skipped",
                "error: mapping.json: [1].phone_number_json_file: expected a non-empty string, found a number; \
                 entry skipped",
                "error: mapping.json: [2].message: expected a non-empty string, found \"\"; ignored, the deployment's \
                 message is spoken",
                "error: mapping.json: [2].time_zone: expected a non-empty string, found a number; ignored, the \
                 deployment's zone is used",
                "error: mapping.json: [2].dry_run: must be true or false; not a dry run: alerts ring as usual",
            ]
        );
    }

    #[test]
    fn unreadable_mapping_is_an_error() {
        for bytes in [&b"{"[..], b"{}", b"3"] {
            let report = Mapping::parse("mapping.json", bytes);
            assert!(report.mapping.is_none());
            assert!(report.problems[0].is_error());
        }
    }

    #[test]
    fn topic_name_is_the_last_arn_segment() {
        assert_eq!(topic_name_from_arn("arn:aws:sns:us-east-1:123456789012:b-topic"), Some("b-topic"));
        assert_eq!(topic_name_from_arn("b-topic"), None);
        assert_eq!(topic_name_from_arn("arn:aws:sns:us-east-1:123:"), None);
    }

    /// Issue 12, point 5: a repeated key was read as its last value without a word.
    #[test]
    fn a_repeated_key_is_an_error_naming_it() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"a","phoneNumberJsonFile":"a.json","phoneNumberJsonFile":"b.json"},
                 {"snsTopicName":"c","phoneNumberJsonFile":"c.json","dryRun":false,"dryRun":true}]"#,
        );
        let mapping = report.mapping.as_ref().unwrap();
        assert!(mapping.lookup("a").is_none(), "which roster was meant is unknown: skipped, the fallback is rung");
        assert!(!mapping.lookup("c").unwrap().dry_run);
        assert_eq!(
            texts(&report),
            [
                "error: mapping.json: [0].phoneNumberJsonFile: the key is given 2 times, with different values; keep \
                 one; entry skipped",
                "error: mapping.json: [1].dryRun: the key is given 2 times, with different values; keep one; not a \
                 dry run: alerts ring as usual",
            ]
        );
    }

    /// Issue 12, point 11: values shown in problems are masked.
    #[test]
    fn numbers_in_values_and_topics_are_masked_in_problems() {
        let report = Mapping::parse(
            "mapping.json",
            br#"[{"snsTopicName":"alert-09012345678","phoneNumberJsonFile":"a.json"},
                 {"snsTopicName":"alert-09012345678","phoneNumberJsonFile":"b.json","timeZone":"+819012345678"}]"#,
        );
        assert_eq!(
            texts(&report),
            [
                "error: mapping.json: [1].timeZone: \"+8190****5678\" is not an IANA time zone (e.g. Asia/Tokyo); the \
                 deployment's zone is used",
                "warning: mapping.json: [1]: topic alert-090****5678 is mapped twice; the first entry is used",
            ]
        );
    }
}
