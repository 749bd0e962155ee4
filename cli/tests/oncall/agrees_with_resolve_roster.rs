//! `oncall plan --json` agrees with resolve-roster: the same files, once in a local folder
//! and once in a real S3-protocol server, the same variables, the same alert and instant
//! give the same escalation state — attempts, problems, message, day, zone and all. Only
//! what names the run or the store differs: the id, the start time, and the files' location
//! (a path for the CLI, s3://bucket/key for the Lambda), which is normalised away.

use adapters::incidents::DynamoIncidents;
use adapters::s3::S3Store;
use chrono::{DateTime, Utc};
use domain::clock::FixedClock;
use domain::config::RosterConfig;
use lambda_connect_tests::s3_server::S3Server;
use resolve_roster::{Deps, handle};
use serde_json::{Value, json};

use super::*;

const BUCKET: &str = "rosters";

struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    /// The topic in mapping mode; simple mode reads `phoneNumber.json`.
    topic: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let roster = |name: &str| read(&sample(name));
    let compat_file = |name: &str| read(&compat(name));
    let sample_mapping = || {
        vec![
            ("mapping.json", roster("mapping.json")),
            ("projectA-phoneNumber.json", roster("projectA-phoneNumber.json")),
            ("projectB-phoneNumber.json", roster("projectB-phoneNumber.json")),
        ]
    };
    let snake_mapping = || {
        vec![
            ("mapping.json", compat_file("mapping_snake.json")),
            ("a-phoneNumber.json", compat_file("phoneNumber_snake_array.json")),
            ("b-phoneNumber.json", compat_file("b-phoneNumber_placeholder_numbers.json")),
        ]
    };
    let simple = |name, bytes: Vec<u8>| Case { name, files: vec![("phoneNumber.json", bytes)], topic: None };
    vec![
        simple("sample roster", roster("phoneNumber.json")),
        simple("sample old format", roster("phoneNumber_old.json")),
        simple("compat snake array", compat_file("phoneNumber_snake_array.json")),
        simple("compat placeholders", compat_file("b-phoneNumber_placeholder_numbers.json")),
        simple("compat old placeholders", compat_file("phoneNumber_old.json")),
        simple("broken roster", b"[{\"startDay\": 1,".to_vec()),
        simple(
            "gaps and overlaps",
            br#"[{"startDay":1,"endDay":20,"phoneNumber":["+819012341001","+819012341001"]},
                {"startDay":15,"endDay":29,"phoneNumber":["+819012342001","0312345678"]}]"#
                .to_vec(),
        ),
        simple("sample overrides", roster("phoneNumber_overrides.json")),
        // Overrides on both instants' days, and a handoff: 2026-11-30T15:00Z is 00:00 on the
        // 1st in Tokyo, still the 30th's duty before 09:00.
        simple(
            "overrides and a handoff",
            br#"{"handoff":"09:00","groups":[{"startDay":1,"endDay":15,"phoneNumber":["+819012341001"]},
                  {"startDay":16,"endDay":31,"phoneNumber":["+819012342001","+819012342002"]}],
                 "overrides":[{"from":"2026-11-21","phoneNumber":["+819012343001"]},
                  {"from":"2026-11-30","replace":"+819012342001","with":"+819012341001"},
                  {"from":"2026-11-30","add":["+819012343001"]},
                  {"from":"2026-11-30","group":"nobody"}]}"#
                .to_vec(),
        ),
        Case { name: "missing roster", files: vec![], topic: None },
        Case {
            name: "mapping with maintenance windows",
            files: vec![
                (
                    "mapping.json",
                    br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","maintenance":[
                          {"from":"2026-11-21T02:00:00Z","to":"2026-11-21T04:00:00Z","reason":"upgrade"},
                          {"from":"2026-11-30T14:00:00Z","to":"2026-11-30T16:00:00Z","mode":"dryRun"},
                          {"from":"2026-11-30T14:00:00Z"}]}]"#
                        .to_vec(),
                ),
                ("r.json", roster("phoneNumber.json")),
            ],
            topic: Some("t"),
        },
        Case { name: "sample mapping, project A", files: sample_mapping(), topic: Some("projectA-sns-topic") },
        Case { name: "sample mapping, project B", files: sample_mapping(), topic: Some("projectB-sns-topic") },
        Case { name: "sample mapping, unknown topic", files: sample_mapping(), topic: Some("projectC-sns-topic") },
        Case { name: "sample mapping, project D's own policy", files: sample_mapping(), topic: Some("projectD-sns-topic") },
        Case { name: "compat snake mapping, a-topic", files: snake_mapping(), topic: Some("a-topic") },
        Case { name: "compat snake mapping, b-topic", files: snake_mapping(), topic: Some("b-topic") },
        Case {
            name: "mapping without its roster",
            files: vec![("mapping.json", compat_file("mapping_snake.json"))],
            topic: Some("a-topic"),
        },
        Case {
            name: "mapping with message, zone and dry run",
            files: vec![
                (
                    "mapping.json",
                    br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","message":"<T> & co","timeZone":"Pacific/Honolulu","dryRun":true},
                         {"snsTopicName":"u"}]"#
                        .to_vec(),
                ),
                ("r.json", roster("phoneNumber.json")),
            ],
            topic: Some("t"),
        },
    ]
}

/// The deployment's variables, shared by both sides.
fn settings() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK)],
        vec![
            ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK),
            ("CALL_REPEAT_COUNT", "2"),
            ("CALL_REPEAT_GROUP", "True"),
            ("ROSTER_TIME_ZONE", "America/New_York"),
            ("CONNECT_ALARM_MSG", "Production alert."),
            ("CALL_STATE_CHACK_INTERVAL_SECONDS", "45"),
            ("CALL_POLL_INTERVAL_SECONDS", "5"),
        ],
    ]
}

/// One instant on the 21st everywhere, one that is the 30th or the 1st depending on the zone.
const INSTANTS: [&str; 2] = ["2026-11-21T03:00:00Z", "2026-11-30T15:00:00Z"];

fn arn(topic: &str) -> String {
    format!("arn:aws:sns:ap-northeast-1:123456789012:{topic}")
}

async fn lambda(case: &Case, env: &[(&str, &str)], at: &str) -> Value {
    let server = S3Server::start().await.unwrap();
    server.create_bucket(BUCKET).await.unwrap();
    for (key, bytes) in &case.files {
        server.put(BUCKET, key, bytes.clone()).await.unwrap();
    }
    let mut vars = env.to_vec();
    vars.push(("PHONE_NUMBER_BUCKET", BUCKET));
    if case.topic.is_some() {
        vars.push(("MAPPING_JSON_FILE", "mapping.json"));
    }
    let lookup = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned());
    let config = RosterConfig::from_env(&lookup).unwrap();
    let input = case.topic.map_or_else(|| json!({}), |topic| json!({"topicArn": arn(topic)}));
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc);
    let deps = Deps {
        store: S3Store::new(server.client(), BUCKET),
        config,
        clock: FixedClock(now),
        incidents: None::<DynamoIncidents>,
    };
    let state = handle(&deps, input).await.unwrap();
    normalise(serde_json::to_value(state).unwrap(), &format!("s3://{BUCKET}/"))
}

fn cli(case: &Case, env: &[(&str, &str)], at: &str) -> Value {
    let files: Vec<(&str, &[u8])> = case.files.iter().map(|(key, bytes)| (*key, bytes.as_slice())).collect();
    let dir = folder(&files);
    let topic = case.topic.map(arn);
    let (flag, file) =
        if case.topic.is_some() { ("--mapping", "mapping.json") } else { ("--roster", "phoneNumber.json") };
    let file = join(&dir, file);
    let mut args = vec!["plan", "--json", "--at", at, flag, &file];
    if let Some(topic) = &topic {
        args.extend(["--topic", topic]);
    }
    let run = oncall_with_env(&args, env);
    let prefix = format!("{}/", path_arg(dir.path()));
    normalise(run.json(), &prefix)
}

/// Drops what names the run and turns file locations into bare keys.
fn normalise(mut state: Value, prefix: &str) -> Value {
    let fields = state.as_object_mut().unwrap();
    for field in ["escalationId", "startedAt", "calls", "history", "outcome"] {
        fields.remove(field);
    }
    let strip = |value: &mut Value| {
        if let Some(text) = value.as_str() {
            *value = Value::String(text.strip_prefix(prefix).unwrap_or(text).to_owned());
        }
    };
    if let Some(roster) = fields.get_mut("roster") {
        strip(roster);
    }
    for problem in fields.get_mut("problems").and_then(Value::as_array_mut).into_iter().flatten() {
        strip(&mut problem["source"]);
    }
    state
}

#[tokio::test]
async fn plan_json_agrees_with_resolve_roster_on_the_same_inputs() {
    let mut compared = 0;
    for case in cases() {
        for env in settings() {
            for at in INSTANTS {
                let expected = lambda(&case, &env, at).await;
                let actual = cli(&case, &env, at);
                assert_eq!(actual, expected, "{} with {env:?} at {at}", case.name);
                // Every case plans someone, but an alert a maintenance window silences.
                let silenced = expected["maintenance"]["mode"] == "notify";
                assert_eq!(expected["attempts"].as_array().unwrap().is_empty(), silenced, "{}", case.name);
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 19 * 2 * 2);
}

/// The override case compares plans the overrides and the handoff really change.
#[tokio::test]
async fn the_override_case_is_changed_by_its_overrides_and_handoff() {
    let case = cases().into_iter().find(|case| case.name == "overrides and a handoff").unwrap();
    let env = &settings()[0];
    let first = |state: &Value| state["attempts"][0]["phoneNumbers"].clone();
    let on_21st = lambda(&case, env, INSTANTS[0]).await;
    assert_eq!(first(&on_21st), json!(["+819012343001"]), "the stand-in: {on_21st}");
    let on_30th = lambda(&case, env, INSTANTS[1]).await;
    assert_eq!(on_30th["today"], json!("2026-11-30"), "before the 09:00 handoff: {on_30th}");
    // Replaced, added, and the fallback too for the override that cannot be read.
    assert_eq!(first(&on_30th), json!(["+819012341001", "+819012342002", "+819012343001", FALLBACK]), "{on_30th}");
}

#[tokio::test]
async fn the_comparison_sees_problems_and_per_project_settings() {
    // Guards the test above against agreeing on empty output: the cases do exercise
    // problems, the per-project message and zone, and dry runs.
    let cases = cases();
    let env = &settings()[0];
    let find = |name: &str| cases.iter().find(|case| case.name == name).unwrap();
    let placeholders = lambda(find("compat placeholders"), env, INSTANTS[0]).await;
    assert_eq!(placeholders["problems"].as_array().unwrap().len(), 6);
    assert_eq!(placeholders["problems"][0]["source"], "phoneNumber.json");
    let project = lambda(find("mapping with message, zone and dry run"), env, INSTANTS[0]).await;
    assert_eq!(project["message"], "T and co");
    assert_eq!(project["timeZone"], "Pacific/Honolulu");
    assert_eq!(project["today"], "2026-11-20");
    assert_eq!(project["dryRun"], true);
    assert_eq!(project["problems"][0]["location"], "[1]");
}

/// The sample's project D compares plans its own policy really changes.
#[tokio::test]
async fn project_d_is_planned_with_its_own_policy() {
    let case = cases().into_iter().find(|case| case.name == "sample mapping, project D's own policy").unwrap();
    let state = lambda(&case, &settings()[0], INSTANTS[0]).await;
    let groups: Vec<&str> =
        state["attempts"].as_array().unwrap().iter().map(|a| a["group"].as_str().unwrap()).collect();
    assert_eq!(groups.len(), 2, "repeatCount 2 of today's group only: {state}");
    assert!(groups.iter().all(|group| *group == groups[0]), "{state}");
    assert_eq!(state["timing"], json!({"checkIntervalSeconds": 90, "pollIntervalSeconds": 10}));
    assert_eq!(state["fallback"], json!("+819000001111"));
    assert_eq!(state["speech"]["voice"], json!("Kazuha"));
    assert_eq!(state["speech"]["voiceEngine"], json!("Neural"));
}
