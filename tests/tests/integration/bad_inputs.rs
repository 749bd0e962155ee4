//! The hostile-input campaign of issue 12, kept as a table: every bad file, setting or alert
//! goes through resolve-roster's real handler over a real S3-protocol server, and for every
//! row someone is rung (the duty group, or at least the fallback number) and the problem is
//! named (where it is, and what), with no number in clear in what leaves the process.

// Fixture helpers panic on purpose: a broken fixture is a failing test.
#![allow(clippy::unwrap_used)]

use adapters::incidents::DynamoIncidents;
use adapters::s3::S3Store;
use domain::clock::FixedClock;
use domain::config::{ConfigError, RosterConfig};
use domain::payload::EscalationState;
use domain::phone::PhoneNumber;
use lambda_connect_tests::s3_server::S3Server;

use crate::resolve_roster::{BUCKET, FALLBACK, config, now};
use resolve_roster::{Deps, handle, handle_unconfigured};
use serde_json::{Value, json};

const DUTY: &str = "+819012340001";

/// One bad input: the files in the bucket, the mapping setting, the alert, and what the
/// named problem must mention.
struct Row {
    story: &'static str,
    files: Vec<(&'static str, String)>,
    mapping: Option<&'static str>,
    input: Value,
    named: &'static str,
}

fn roster(groups: Value) -> String {
    groups.to_string()
}

fn duty(extra: Value) -> Value {
    let mut group = json!({"startDay": 1, "endDay": 31, "phoneNumber": [DUTY]});
    group.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    group
}

fn rows() -> Vec<Row> {
    let alert = json!({"message": "DB down", "topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic"});
    let simple = |story, roster: String, named| Row {
        story,
        files: vec![("phoneNumber.json", roster)],
        mapping: None,
        input: alert.clone(),
        named,
    };
    let mapped = |story, mapping: String, named| Row {
        story,
        files: vec![("mapping.json", mapping), ("a.json", roster(json!([duty(json!({}))])))],
        mapping: Some("mapping.json"),
        input: alert.clone(),
        named,
    };
    vec![
        simple("no roster file", String::new(), "phoneNumber.json"),
        simple("not JSON", "{[".into(), "not valid JSON"),
        simple("an empty array", "[]".into(), "phoneNumber.json"),
        simple("a string", "\"group1\"".into(), "phoneNumber.json"),
        simple("a day as text", roster(json!([{"startDay": "1", "endDay": 31, "phoneNumber": [DUTY]}])), "startDay"),
        simple("a day out of range", roster(json!([{"startDay": 0, "endDay": 40, "phoneNumber": [DUTY]}])), "startDay"),
        simple("an undiallable number", roster(json!([duty(json!({"phoneNumber": ["+12", DUTY]}))])), "phoneNumber"),
        simple("a placeholder number", roster(json!([duty(json!({"phoneNumber": ["+81XXXXXXXXXX"]}))])), "phoneNumber"),
        simple(
            "a number pasted into a day",
            roster(json!([{"startDay": 819012345678_u64, "endDay": 31, "phoneNumber": [DUTY]}])),
            "startDay",
        ),
        simple(
            "no group for today",
            roster(json!([{"startDay": 1, "endDay": 2, "phoneNumber": [DUTY]}])),
            "covered by no group",
        ),
        simple(
            "a repeated key",
            r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819012340002"],"phoneNumber":["+819012340001"]}]"#.into(),
            "phoneNumber",
        ),
        simple("conflicting spellings", roster(json!([duty(json!({"end_day": 2}))])), "endDay"),
        simple("an unknown field", roster(json!([duty(json!({"phonenumber": ["+819012340002"]}))])), "phonenumber"),
        mapped("a mapping that is not JSON", "[{".into(), "mapping.json"),
        mapped(
            "a topic missing from the mapping",
            json!([{"snsTopicName": "b-topic", "phoneNumberJsonFile": "a.json"}]).to_string(),
            "a-topic",
        ),
        mapped(
            "a mapping naming a missing roster",
            json!([{"snsTopicName": "a-topic", "phoneNumberJsonFile": "gone.json"}]).to_string(),
            "gone.json",
        ),
        mapped(
            "a mapping key S3 would not find",
            json!([{"snsTopicName": "a-topic", "phoneNumberJsonFile": "../a.json"}]).to_string(),
            "../a.json",
        ),
        mapped(
            "a misspelt mapping field",
            json!([{"snsTopicName": "a-topic", "phoneNumberJsonFile": "a.json", "timezone": "UTC"}]).to_string(),
            "timezone",
        ),
        mapped(
            "a mapping dryRun that is not a boolean",
            json!([{"snsTopicName": "a-topic", "phoneNumberJsonFile": "a.json", "dryRun": "yes"}]).to_string(),
            "dryRun",
        ),
        Row {
            story: "an alert without a topic in mapping mode",
            files: vec![(
                "mapping.json",
                json!([{"snsTopicName": "a-topic", "phoneNumberJsonFile": "a.json"}]).to_string(),
            )],
            mapping: Some("mapping.json"),
            input: json!({"message": "DB down"}),
            named: "TopicArn",
        },
    ]
}

/// Someone is rung, the problem is named, and nothing shows a number in clear.
fn assert_rings_and_names(story: &str, state: &EscalationState, named: &str) {
    let rung: Vec<&str> = state.current.phone_numbers.iter().map(PhoneNumber::as_str).collect();
    assert!(!rung.is_empty(), "{story}: nobody is rung");
    assert!(!state.dry_run, "{story}: a bad input turned the alert into a dry run");
    let problems: Vec<String> = state
        .problems
        .iter()
        .map(|p| format!("{} {} {}", p.source, p.location.as_deref().unwrap_or(""), p.message))
        .collect();
    assert!(problems.iter().any(|p| p.contains(named)), "{story}: no problem names {named:?}: {problems:#?}");
    let written = serde_json::to_string(&state.problems).unwrap();
    assert_eq!(domain::phone::scrub_numbers(&written), written, "{story}: a number in clear in {written}");
}

/// Log lines written while it runs, as the Lambda runtime's JSON subscriber would write them.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn every_bad_input_still_rings_someone_and_names_the_problem() {
    let rows = rows();
    assert!(rows.len() >= 15);
    // Every log line of every row, too, must show no number in clear.
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for row in rows {
        let server = S3Server::start().await.unwrap();
        server.create_bucket(BUCKET).await.unwrap();
        for (key, body) in &row.files {
            if !body.is_empty() {
                server.put(BUCKET, key, body.clone().into_bytes()).await.unwrap();
            }
        }
        let deps = Deps {
            store: S3Store::new(server.client(), BUCKET),
            config: config(row.mapping),
            clock: FixedClock(now()),
            incidents: None::<DynamoIncidents>,
        };
        let state = handle(&deps, row.input.clone()).await.unwrap_or_else(|err| panic!("{}: {err}", row.story));
        assert_rings_and_names(row.story, &state, row.named);
    }
    let text = logs.text();
    assert!(text.contains("problem found"), "the problems were logged: {text}");
    assert_eq!(domain::phone::scrub_numbers(&text), text, "a number in clear in the logs");
}

#[test]
fn every_bad_setting_still_rings_the_fallback_number_and_names_the_setting() {
    let fallback = RosterConfig::fallback_only(PhoneNumber::parse(FALLBACK).unwrap());
    let settings: [(&str, &str); 5] = [
        ("ROSTER_TIME_ZONE", "Asia/Tokio"),
        ("CALL_REPEAT_COUNT", "1000000"),
        ("CALL_STATE_CHECK_INTERVAL_SECONDS", "-1"),
        ("CALL_REPEAT_GROUP", "maybe"),
        ("PHONE_NUMBER_BUCKET", ""),
    ];
    for (name, value) in settings {
        let env = |asked: &str| match asked {
            "PHONE_NUMBER_BUCKET" if name != "PHONE_NUMBER_BUCKET" => Some(BUCKET.to_owned()),
            "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER" => Some(FALLBACK.to_owned()),
            asked if asked == name => Some(value.to_owned()),
            _ => None,
        };
        let error: ConfigError = RosterConfig::from_env(&env).unwrap_err();
        assert_eq!(error.name(), name);
        let state = handle_unconfigured(&fallback, &error, &FixedClock(now()), json!({"message": "DB down"})).unwrap();
        assert_eq!(state.current.phone_numbers, vec![PhoneNumber::parse(FALLBACK).unwrap()], "{name}");
        assert_rings_and_names(name, &state, name);
    }
}
