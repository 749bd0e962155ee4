//! resolve-roster's handler against a real S3-protocol server, for every input shape the
//! workflow accepts and every kind of broken input: the files are the ones users already
//! have (`tests/fixtures/compat/`) and the documented samples (`samplejson/`).

// Fixture helpers panic on purpose: a missing or broken fixture is a failing test.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use adapters::incidents::DynamoIncidents;
use adapters::s3::S3Store;
use chrono::{DateTime, TimeZone, Utc};
use domain::clock::FixedClock;
use domain::config::{RosterConfig, Timing};
use domain::escalation::plan::RepeatSettings;
use domain::payload::EscalationState;
use domain::phone::PhoneNumber;
use lambda_connect_tests::s3_server::S3Server;
use lambda_connect_tests::{compat_dir, sample};
use resolve_roster::{Deps, handle};
use serde_json::{Value, json};

pub(crate) const BUCKET: &str = "rosters";
pub(crate) const FALLBACK: &str = "+819099990000";

/// resolve-roster's settings in these tests; `mapping` names the mapping file in mapping mode.
pub(crate) fn config(mapping: Option<&str>) -> RosterConfig {
    RosterConfig {
        bucket: BUCKET.into(),
        roster_key: "phoneNumber.json".into(),
        mapping_key: mapping.map(str::to_owned),
        time_zone: domain::zone::Zone::tokyo(),
        alarm_message: "障害が発生しました。".into(),
        repeat: RepeatSettings { repeat_count: 2, repeat_group: false },
        timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
        fallback: PhoneNumber::parse(FALLBACK).unwrap(),
    }
}

/// 2026-11-21 12:00 in Tokyo.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn event(path: &Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap()
}

/// A server with the bucket holding `objects` (key, local file).
async fn server(objects: &[(&str, &Path)]) -> S3Server {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    for (key, path) in objects {
        server.put(BUCKET, key, read(path)).await.unwrap();
    }
    server
}

async fn run(server: &S3Server, mapping: Option<&str>, input: Value) -> EscalationState {
    let deps = Deps {
        store: S3Store::new(server.client(), BUCKET),
        config: config(mapping),
        clock: FixedClock(now()),
        incidents: None::<DynamoIncidents>,
    };
    handle(&deps, input).await.unwrap()
}

fn attempts(state: &EscalationState) -> Vec<Vec<&str>> {
    state.attempts.iter().map(|a| a.phone_numbers.iter().map(PhoneNumber::as_str).collect()).collect()
}

fn problems(state: &EscalationState) -> Vec<String> {
    state.problems.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn pipe_batch_in_mapping_mode_plans_the_projects_roster_and_speaks_the_alarm() {
    let server = server(&[
        ("mapping.json", &sample("mapping.json")),
        ("projectA-phoneNumber.json", &sample("projectA-phoneNumber.json")),
    ])
    .await;
    let input = json!({"input": event(&sample("resolve-roster.pipe.json")), "executionName": "exec-pipe"});
    let state = run(&server, Some("mapping.json"), input).await;
    assert_eq!(state.escalation_id, "exec-pipe");
    assert_eq!(state.alert.topic_name.as_deref(), Some("projectA-sns-topic"));
    assert_eq!(state.roster.as_deref(), Some("s3://rosters/projectA-phoneNumber.json"));
    // The 21st: group3 first, then round the groups, twice.
    assert_eq!(
        attempts(&state)[..3],
        [vec!["+819012343001"], vec!["+819012341001", "+819012341002"], vec!["+819012342001", "+819012342002"]]
    );
    assert_eq!(state.attempts.len(), 6);
    assert!(state.message.starts_with("A案件で障害が発生しました。 アラーム prod-db-cpu が ALARM になりました。"));
    assert_eq!(problems(&state), Vec::<String>::new());
}

#[tokio::test]
async fn lambda_sns_event_uses_the_projects_time_zone() {
    let server = server(&[
        ("mapping.json", &sample("mapping.json")),
        ("projectB-phoneNumber.json", &sample("projectB-phoneNumber.json")),
    ])
    .await;
    let state = run(&server, Some("mapping.json"), event(&sample("resolve-roster.sns.json"))).await;
    assert_eq!(state.escalation_id, "95df01b4-ee98-5cb9-9903-4c221d41eb5e");
    assert_eq!(state.time_zone.name(), "America/Los_Angeles");
    assert_eq!(state.today.to_string(), "2026-11-20");
    assert_eq!(attempts(&state), [["+14155550101", "+14155550102"], ["+14155550101", "+14155550102"]]);
    assert_eq!(state.message, "Disk usage on web-1 is 97%.");
}

#[tokio::test]
async fn console_start_previews_another_day_as_a_dry_run() {
    let server = server(&[
        ("mapping.json", &sample("mapping.json")),
        ("projectA-phoneNumber.json", &sample("projectA-phoneNumber.json")),
    ])
    .await;
    let state = run(&server, Some("mapping.json"), event(&sample("resolve-roster.console.json"))).await;
    assert!(state.dry_run);
    assert_eq!(state.current.wait_seconds, 0);
    assert_eq!(state.today.to_string(), "2026-12-01");
    assert_eq!(attempts(&state)[0], ["+819012341001", "+819012341002"]);
}

#[tokio::test]
async fn empty_input_in_simple_mode_reads_every_roster_format() {
    for file in ["phoneNumber.json", "phoneNumber_snake.json", "phoneNumber_old.json"] {
        let server = server(&[("phoneNumber.json", &sample(file))]).await;
        let state = run(&server, None, event(&sample("resolve-roster.empty.json"))).await;
        assert_eq!(problems(&state), Vec::<String>::new(), "{file}");
        assert!(state.attempts.iter().all(|a| a.group.is_some() && !a.includes_fallback), "{file}");
        assert_eq!(state.message, "障害が発生しました。");
    }
}

#[tokio::test]
async fn compat_snake_case_mapping_and_roster_work_unchanged() {
    let server = server(&[
        ("mapping.json", &compat_dir().join("mapping_snake.json")),
        ("a-phoneNumber.json", &compat_dir().join("phoneNumber_snake_array.json")),
    ])
    .await;
    let input = json!({"Records": [{"Sns": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:a-topic"}}]});
    let state = run(&server, Some("mapping.json"), input).await;
    assert_eq!(attempts(&state)[0], ["+55555555555", "+66666666666"]);
    assert_eq!(problems(&state), Vec::<String>::new());
}

#[tokio::test]
async fn compat_placeholder_numbers_are_reported_and_never_dialled() {
    let server = server(&[
        ("mapping.json", &compat_dir().join("mapping_snake.json")),
        ("b-phoneNumber.json", &compat_dir().join("b-phoneNumber_placeholder_numbers.json")),
    ])
    .await;
    let state = run(&server, Some("mapping.json"), event(&compat_dir().join("event_minimal_sns.json"))).await;
    assert!(attempts(&state).iter().all(|numbers| numbers == &[FALLBACK]), "{:?}", attempts(&state));
    let found = problems(&state);
    assert_eq!(found.len(), 6, "{found:?}");
    assert!(found[0].starts_with("error: s3://rosters/b-phoneNumber.json: [0].phone_number[0]: "), "{found:?}");
    assert!(found.iter().all(|p| !p.contains("+bbbbbbbbbbb")), "numbers are masked: {found:?}");
}

#[tokio::test]
async fn compat_old_format_placeholders_ring_the_fallback() {
    let server = server(&[("phoneNumber.json", &compat_dir().join("phoneNumber_old.json"))]).await;
    let state = run(&server, None, json!({})).await;
    assert!(attempts(&state).iter().all(|numbers| numbers == &[FALLBACK]));
    assert_eq!(state.problems.iter().filter(|p| p.is_error()).count(), 4);
    assert_eq!(state.problems[0].location.as_deref(), Some("group1.phone_number[0]"));
}

#[tokio::test]
async fn a_topic_missing_from_the_mapping_rings_the_fallback() {
    let server = server(&[("mapping.json", &compat_dir().join("mapping_snake.json"))]).await;
    let input = json!({"topicArn": "arn:aws:sns:us-east-1:123456789012:unknown-topic"});
    let state = run(&server, Some("mapping.json"), input).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert_eq!(
        problems(&state),
        ["error: s3://rosters/mapping.json: topic unknown-topic is not in the mapping; the fallback number is rung"]
    );
}

#[tokio::test]
async fn a_missing_roster_or_mapping_file_rings_the_fallback() {
    let server = server(&[]).await;
    let state = run(&server, None, json!({})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert_eq!(
        problems(&state),
        ["error: s3://rosters/phoneNumber.json: the file does not exist; the fallback number is rung"]
    );
    let state = run(&server, Some("mapping.json"), json!({"topicArn": "arn:aws:sns:r:1:a-topic"})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert_eq!(
        problems(&state),
        ["error: s3://rosters/mapping.json: the file does not exist; the fallback number is rung"]
    );
}

#[tokio::test]
async fn an_unparseable_roster_rings_the_fallback_and_names_the_file() {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    server.put(BUCKET, "phoneNumber.json", "[{\"startDay\": 1, \"endDay\": 9,").await.unwrap();
    let state = run(&server, None, json!({})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert!(problems(&state)[0].starts_with("error: s3://rosters/phoneNumber.json: not valid JSON"));
}

#[tokio::test]
async fn a_missing_bucket_rings_the_fallback_instead_of_retrying() {
    let server = S3Server::start().await.unwrap();
    let state = run(&server, None, json!({})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert!(problems(&state)[0].starts_with("error: s3://rosters/phoneNumber.json: "), "{:?}", problems(&state));
}

#[tokio::test]
async fn an_unreachable_s3_is_a_retryable_error_for_the_workflow() {
    let server = S3Server::start().await.unwrap();
    let client = server.client();
    let endpoint = server.endpoint();
    drop(server);
    // The server is gone: every request fails to connect. One attempt keeps the test fast.
    let sdk_config = client
        .config()
        .to_builder()
        .endpoint_url(endpoint)
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let store = S3Store::new(aws_sdk_s3::Client::from_conf(sdk_config), BUCKET);
    let deps = Deps { store, config: config(None), clock: FixedClock(now()), incidents: None::<DynamoIncidents> };
    let err = handle(&deps, json!({})).await.unwrap_err();
    let diagnostic = lambda_runtime::Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "RosterStoreUnavailable");
    assert!(diagnostic.error_message.contains("s3://rosters/phoneNumber.json"), "{}", diagnostic.error_message);
}

#[tokio::test]
async fn a_roster_the_role_may_not_read_rings_the_fallback_and_names_the_file() {
    let server = S3Server::start_denying(0, vec!["phoneNumber.json".into()]).await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    server.put(BUCKET, "phoneNumber.json", read(&lambda_connect_tests::sample("phoneNumber.json"))).await.unwrap();
    let state = run(&server, None, json!({})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    assert_eq!(state.roster, None);
    let found = problems(&state);
    assert!(
        found[0].starts_with("error: s3://rosters/phoneNumber.json: ") && found[0].contains("AccessDenied"),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_mistake_in_a_mapping_entry_never_stops_an_alert_from_ringing_someone() {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    let mapping = r#"[
      {"snsTopicName": "a-topic", "sns_topic_name": "other-topic", "phoneNumberJsonFile": "r.json"},
      {"snsTopicName": "b-topic", "phoneNumberJsonFile": "r.json", "timezone": "UTC",
       "dryRun": true, "dry_run": false}
    ]"#;
    server.put(BUCKET, "mapping.json", mapping).await.unwrap();
    server.put(BUCKET, "r.json", read(&sample("phoneNumber.json"))).await.unwrap();

    // Which topic the first entry is for cannot be told: skipped, so its alerts ring the
    // fallback number, and the error says why.
    let state = run(&server, Some("mapping.json"), json!({"topicArn": "arn:aws:sns:r:1:a-topic"})).await;
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    let found = problems(&state);
    assert!(
        found[0].starts_with(
            "error: s3://rosters/mapping.json: [0]: both snsTopicName and sns_topic_name are given, with different \
             values; keep one; entry skipped"
        ),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p.contains("topic a-topic is not in the mapping")), "{found:?}");

    // A misspelt key is a warning naming the file, the entry and the key; a conflicting
    // dry-run flag is an error that leaves the alert ringing the project's roster.
    let state = run(&server, Some("mapping.json"), json!({"topicArn": "arn:aws:sns:r:1:b-topic"})).await;
    assert!(!state.dry_run);
    assert_eq!(state.roster.as_deref(), Some("s3://rosters/r.json"));
    assert!(attempts(&state).iter().all(|numbers| numbers != &[FALLBACK]), "{:?}", attempts(&state));
    assert_eq!(state.time_zone.to_string(), "Asia/Tokyo", "the misspelt zone is ignored, not guessed");
    let found = problems(&state);
    assert!(
        found.iter().any(|p| p.starts_with(
            "warning: s3://rosters/mapping.json: [1].timezone: unknown field, ignored; did you mean timeZone?"
        )),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("error: s3://rosters/mapping.json: [1]: both dryRun and dry_run")),
        "{found:?}"
    );
}

#[tokio::test]
async fn s3_reads_a_key_literally_so_a_parent_folder_key_finds_no_roster() {
    // A mapping naming `../projectA-phoneNumber.json` next to a roster stored as
    // `projectA-phoneNumber.json`: S3 looks for the key with its `..`, finds nothing, and only
    // the fallback number is rung. The local server must not resolve the `..` on its disk.
    let mapping =
        json!([{"snsTopicName": "projectA-sns-topic", "phoneNumberJsonFile": "../projectA-phoneNumber.json"}]);
    let server = server(&[("projectA-phoneNumber.json", &sample("projectA-phoneNumber.json"))]).await;
    server.put(BUCKET, "mapping.json", mapping.to_string()).await.unwrap();
    let state = run(&server, Some("mapping.json"), json!({"topicArn": "arn:aws:sns:r:1:projectA-sns-topic"})).await;
    assert_eq!(state.roster, None);
    assert_eq!(attempts(&state), [[FALLBACK], [FALLBACK]]);
    let found = problems(&state);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("error: s3://rosters/../projectA-phoneNumber.json: the file does not exist")),
        "{found:?}"
    );

    // A GET of `a/../b.json` is not `b.json`, nor is `./b.json`, `a//b.json` or `/b.json`.
    let store = S3Store::new(server.client(), BUCKET);
    use domain::store::{ObjectStore, StoreError};
    assert!(store.get("projectA-phoneNumber.json").await.is_ok());
    for key in [
        "team/../projectA-phoneNumber.json",
        "../rosters/projectA-phoneNumber.json",
        "./projectA-phoneNumber.json",
        "/projectA-phoneNumber.json",
    ] {
        let err = store.get(key).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{key}: {err:?}");
    }
}

#[tokio::test]
async fn an_sns_envelope_without_topic_arn_speaks_its_message_not_the_envelope() {
    let server = server(&[("phoneNumber.json", &sample("phoneNumber.json"))]).await;
    let envelope = json!({
        "Type": "Notification",
        "MessageId": "7c1e4b1a-9d2f-4c3e-8a5b-2f6d9e0c1b23",
        "Subject": "disk almost full",
        "Message": "Disk usage on web-1 is 97%.",
        "Timestamp": "2026-11-21T03:00:05.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE"
    });
    let batch = json!([{"messageId": "sqs-1", "md5OfBody": "d41d8cd9", "body": envelope.to_string()}]);
    for input in [json!({"input": batch, "executionName": "exec-bare"}), envelope.clone()] {
        let state = run(&server, None, input.clone()).await;
        assert_eq!(state.message, "Disk usage on web-1 is 97%.", "{input}");
        assert_eq!(state.alert.subject.as_deref(), Some("disk almost full"));
        assert!(state.attempts.iter().all(|a| a.group.is_some()), "the roster is still rung");
        let found = problems(&state);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("warning: execution input: TopicArn: an SNS notification without TopicArn")),
            "{found:?}"
        );
    }
}

/// Issue 12, points 2, 5 and 11 through the handler: a number Connect cannot dial, a
/// repeated `phoneNumber` key and a group named after a number. Everyone listed who can be
/// dialled is rung, the fallback with them; every problem names the file and the field, and
/// neither a problem nor a group name shows a number in clear.
#[tokio::test]
async fn undiallable_numbers_and_repeated_keys_still_ring_everyone_and_show_no_number() {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    let roster = r#"[{"name": "田中 09012345678", "startDay": 1, "endDay": 31,
                      "phoneNumber": ["+819011110001", "+1234"], "phoneNumber": ["+819011110002"]}]"#;
    server.put(BUCKET, "phoneNumber.json", roster).await.unwrap();
    let state = run(&server, None, json!({})).await;
    assert_eq!(attempts(&state)[0], ["+819011110001", "+819011110002", FALLBACK]);
    assert!(state.attempts[0].includes_fallback);
    assert_eq!(state.attempts[0].group.as_deref(), Some("田中 090****5678"));
    let found = problems(&state);
    let source = "error: s3://rosters/phoneNumber.json";
    assert!(found.iter().any(|p| p.starts_with(&format!("{source}: [0].phoneNumber: the key is given 2 times"))));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with(&format!("{source}: [0].phoneNumber[1]: ")) && p.contains("country code +1")),
        "{found:?}"
    );
    let shown = serde_json::to_string(&(&state.problems, &state.attempts[0].group)).unwrap();
    assert!(!shown.contains("9012345678") && !shown.contains("1234\""), "{shown}");
}
