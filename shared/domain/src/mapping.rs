//! The mapping file: which roster (and, optionally, which message, time zone and dry-run
//! setting) belongs to which SNS topic, so several projects can share one deployment.
//!
//! Keys are accepted in the documented camelCase and in the snake_case the original code
//! read. A broken entry is skipped with an error naming it; the others stay usable, because
//! the lookup is by exact topic name and cannot fall through to the wrong project.

use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::problem::Problem;

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
    pub time_zone: Option<Tz>,
    /// Every alert of this project is a dry run: handy while a project is being set up.
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MappingReport {
    /// `None` when the file as a whole cannot be read.
    pub mapping: Option<Mapping>,
    pub problems: Vec<Problem>,
}

impl Mapping {
    pub fn parse(source: &str, bytes: &[u8]) -> MappingReport {
        let mut problems = Vec::new();
        let items = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Array(items)) => items,
            Ok(other) => {
                let found = if other.is_object() { "an object" } else { "a non-array value" };
                problems.push(Problem::error(
                    source,
                    None,
                    format!("expected an array of mapping entries, found {found}"),
                ));
                return MappingReport { mapping: None, problems };
            }
            Err(err) => {
                problems.push(Problem::error(source, None, format!("not valid JSON: {err}")));
                return MappingReport { mapping: None, problems };
            }
        };
        let mut entries: Vec<MappingEntry> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let location = format!("[{i}]");
            let Some(entry) = parse_entry(source, &location, item, &mut problems) else { continue };
            if entries.iter().any(|e| e.sns_topic_name == entry.sns_topic_name) {
                problems.push(Problem::warning(
                    source,
                    Some(location),
                    format!("topic {} is mapped twice; the first entry is used", entry.sns_topic_name),
                ));
                continue;
            }
            entries.push(entry);
        }
        if items.is_empty() {
            problems.push(Problem::warning(source, None, "the mapping has no entries"));
        }
        MappingReport { mapping: Some(Mapping { entries }), problems }
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

fn parse_entry(source: &str, location: &str, item: &Value, problems: &mut Vec<Problem>) -> Option<MappingEntry> {
    let Value::Object(fields) = item else {
        problems.push(Problem::error(source, Some(location.to_owned()), "expected a mapping entry object"));
        return None;
    };
    let topic = text(source, location, fields, ("snsTopicName", "sns_topic_name"), true, problems);
    let file = text(source, location, fields, ("phoneNumberJsonFile", "phone_number_json_file"), true, problems);
    let message = text(source, location, fields, ("message", "message"), false, problems);
    let zone = text(source, location, fields, ("timeZone", "time_zone"), false, problems);
    let time_zone = zone.and_then(|name| match name.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.push(Problem::error(
                source,
                Some(format!("{location}.timeZone")),
                format!("{name:?} is not an IANA time zone (e.g. Asia/Tokyo); the deployment's zone is used"),
            ));
            None
        }
    });
    let dry_run = match fields.get("dryRun").or_else(|| fields.get("dry_run")) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            problems.push(Problem::error(
                source,
                Some(format!("{location}.dryRun")),
                "must be true or false; treated as true",
            ));
            true
        }
    };
    Some(MappingEntry {
        sns_topic_name: topic?,
        phone_number_json_file: file?,
        message: message.filter(|m| !m.trim().is_empty()),
        time_zone,
        dry_run,
    })
}

fn text(
    source: &str,
    location: &str,
    fields: &Map<String, Value>,
    (camel, snake): (&str, &str),
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match fields.get(camel).or_else(|| fields.get(snake)) {
        Some(Value::String(value)) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        None | Some(Value::Null) if !required => None,
        None => {
            problems.push(Problem::error(
                source,
                Some(location.to_owned()),
                format!("missing {camel} (or {snake}); entry skipped"),
            ));
            None
        }
        Some(_) => {
            problems.push(Problem::error(
                source,
                Some(format!("{location}.{camel}")),
                if required { "must be a non-empty string; entry skipped" } else { "must be a string; ignored" },
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!((b.message.as_deref(), b.time_zone, b.dry_run), (Some("B"), Some(Tz::UTC), true));
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
}
