//! Every file in `samplejson/` is valid: rosters and mappings parse without a problem, a
//! mapping's rosters are there too, each resolve-roster input reads as a clean alert, and
//! each notify-slack event reads as a post of its kind. Other functions' sample events are
//! checked by their own tests; here they must at least be JSON.

// Fixture helpers panic on purpose: a missing or broken fixture is a failing test.
#![allow(clippy::unwrap_used)]

use domain::alert::AlertInput;
use domain::mapping::Mapping;
use domain::roster::Roster;
use lambda_connect_tests::{sample, workspace_root};
use notify_slack::SnsEvent;
use notify_slack::alarm::AlarmNotification;

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = workspace_root().join("samplejson");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect();
    files.sort();
    files
}

fn is_roster(name: &str) -> bool {
    name.starts_with("phoneNumber") || name.ends_with("-phoneNumber.json")
}

#[test]
fn every_sample_roster_parses_without_problems() {
    let rosters: Vec<_> = samples().into_iter().filter(|(name, _)| is_roster(name)).collect();
    assert!(rosters.len() >= 3, "the three roster formats have samples");
    for (name, bytes) in rosters {
        let report = Roster::parse(&name, &bytes);
        assert!(report.roster.is_some(), "{name}");
        assert_eq!(report.problems, vec![], "{name}");
    }
}

#[test]
fn every_sample_mapping_parses_and_its_rosters_exist() {
    let all = samples();
    let mappings: Vec<_> = all.iter().filter(|(name, _)| name.starts_with("mapping")).collect();
    assert!(!mappings.is_empty());
    for (name, bytes) in mappings {
        let report = Mapping::parse(name, bytes);
        assert_eq!(report.problems, vec![], "{name}");
        for entry in report.mapping.unwrap().entries {
            assert!(all.iter().any(|(n, _)| *n == entry.phone_number_json_file), "{name} names a missing roster");
        }
    }
}

#[test]
fn every_resolve_roster_input_reads_as_a_clean_alert() {
    let inputs: Vec<_> = samples().into_iter().filter(|(name, _)| name.starts_with("resolve-roster.")).collect();
    assert_eq!(inputs.len(), 5, "pipe, sns, console, test-call and empty inputs");
    for (name, bytes) in inputs {
        let parsed = AlertInput::parse(&serde_json::from_slice(&bytes).unwrap());
        assert_eq!(parsed.problems, vec![], "{name}");
        assert_eq!(parsed.test_call.is_some(), name == "resolve-roster.test-call.json", "{name}");
    }
}

/// Every alert sample is classified as its name says: the alarm (metric, composite, or its
/// EventBridge event) is the key, ALARM triggers, OK resolves, INSUFFICIENT_DATA is a notice;
/// an explicit dedupKey and action win; anything else triggers, keyed by its text.
#[test]
fn every_alert_sample_is_classified_as_its_source_says() {
    use domain::incident::{Explicit, IncidentAction, InsufficientData, classify};

    let metric = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-db-cpu";
    let composite = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-service-down";
    let expected = [
        ("alert.composite-alarm.json", composite, IncidentAction::Trigger),
        ("alert.composite-ok.json", composite, IncidentAction::Resolve),
        ("alert.eventbridge-alarm.json", metric, IncidentAction::Trigger),
        ("alert.eventbridge-ok.json", metric, IncidentAction::Resolve),
        ("alert.explicit-resolve.json", "db/primary", IncidentAction::Resolve),
        ("alert.metric-alarm.json", metric, IncidentAction::Trigger),
        ("alert.metric-insufficient-data.json", metric, IncidentAction::Notice),
        ("alert.metric-ok.json", metric, IncidentAction::Resolve),
        ("resolve-roster.pipe.json", "", IncidentAction::Trigger),
        ("resolve-roster.sns.json", "", IncidentAction::Trigger),
        ("resolve-roster.console.json", "", IncidentAction::Trigger),
    ];
    let alerts: Vec<_> = samples().into_iter().filter(|(name, _)| name.starts_with("alert.")).collect();
    assert_eq!(alerts.len(), 8, "every alert sample has its expectation");
    for (name, key, action) in expected {
        let input = AlertInput::parse(&serde_json::from_slice(&std::fs::read(sample(name)).unwrap()).unwrap());
        assert_eq!(input.problems, vec![], "{name}");
        let (incident, problems) = classify(&input.alert, &input.explicit, InsufficientData::Notice);
        assert_eq!(problems, vec![], "{name}");
        assert_eq!(incident.action, action, "{name}");
        // The pipe sample's alarm has no ARN, account or region: it is keyed by what it has.
        if !key.is_empty() {
            assert_eq!(incident.key, key, "{name}");
        }
    }
    let (pipe, _) = {
        let input = AlertInput::parse(
            &serde_json::from_slice(&std::fs::read(sample("resolve-roster.pipe.json")).unwrap()).unwrap(),
        );
        classify(&input.alert, &Explicit::default(), InsufficientData::Notice)
    };
    assert_eq!(pipe.key, "cloudwatch:::prod-db-cpu", "an alarm without ARN, account and region is still its name");
}

/// SQS puts the MD5 of the body in every record, and the workflow names each alert's
/// execution after it: a sample with a made-up digest would name the run after nothing.
#[test]
fn every_sqs_record_sample_carries_the_md5_of_its_body() {
    use md5::{Digest, Md5};
    let mut checked = 0;
    for (name, bytes) in samples() {
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let records = match &value {
            serde_json::Value::Array(items) => items.clone(),
            _ => vec![value.clone()],
        };
        for record in records.iter().filter(|r| r.get("eventSource").and_then(|s| s.as_str()) == Some("aws:sqs")) {
            let body = record["body"].as_str().unwrap_or_else(|| panic!("{name}: an SQS record without a body"));
            let digest: String = Md5::digest(body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(record["md5OfBody"], digest.as_str(), "{name}: md5OfBody");
            checked += 1;
        }
    }
    assert!(checked > 0, "no SQS record sample found");
}

#[test]
fn every_sample_is_json() {
    for (name, bytes) in samples() {
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "{name}");
    }
}

fn sns_event(bytes: &[u8]) -> SnsEvent {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn every_notify_slack_event_reads_as_a_post() {
    let events: Vec<_> = samples().into_iter().filter(|(name, _)| name.starts_with("notify-slack")).collect();
    assert_eq!(events.len(), 3, "an outcome, a failure report and a CloudWatch alarm");
    for (name, bytes) in events {
        let records = sns_event(&bytes).records;
        assert_eq!(records.len(), 1, "{name}");
        for record in records {
            let post = notify_slack::slack_message(&record.sns.message, record.sns.subject.as_deref());
            assert!(post.is_ok(), "{name}: {post:?}");
        }
    }
}

#[test]
fn the_alarm_sample_is_a_cloudwatch_metric_alarm_notification() {
    let event = sns_event(&std::fs::read(sample("notify-slack.alarm.json")).unwrap());
    let sns = &event.records[0].sns;
    let message: serde_json::Value = serde_json::from_str(&sns.message).unwrap();
    let alarm = AlarmNotification::from_value(&message).unwrap();
    assert_eq!(alarm.new_state, "ALARM");
    assert_eq!(alarm.old_state.as_deref(), Some("OK"));
    assert_eq!(alarm.region_code(), Some("ap-northeast-1"));
    assert!(alarm.trigger.is_some() && alarm.reason.is_some() && alarm.time.is_some());
    assert_eq!(sns.subject.as_deref(), Some(format!("ALARM: \"{}\" in Asia Pacific (Tokyo)", alarm.name).as_str()));
    assert!(sns.subject.as_deref().is_some_and(|s| s.len() <= 100), "SNS subjects are at most 100 characters");
}

/// The Message of `samplejson/<name>` read as `T` and written back unchanged: the writer's type
/// (next-target's outcome, place-call's failure report) and notify-slack's reader agree.
fn published_round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) -> T {
    let event = sns_event(&std::fs::read(sample(name)).unwrap());
    let raw: serde_json::Value = serde_json::from_str(&event.records[0].sns.message).unwrap();
    let typed: T = serde_json::from_value(raw.clone()).unwrap_or_else(|err| panic!("{name}: {err}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw, "{name}: the type does not keep every field");
    typed
}

#[test]
fn the_published_outcome_and_failure_report_round_trip_through_their_types() {
    use domain::payload::{Outcome, OutcomeStatus};
    use domain::report::{FailureReport, ReportStatus};

    let outcome: Outcome = published_round_trip("notify-slack.json");
    assert_eq!(outcome.status, OutcomeStatus::Acknowledged);
    let report: FailureReport = published_round_trip("notify-slack.failure.json");
    assert_eq!(report.status, ReportStatus::EscalationFailed);
    assert!(report.fallback_call.is_some() && report.failure.is_some());
    // Nothing in a published report shows a number in clear.
    let message = &sns_event(&std::fs::read(sample("notify-slack.failure.json")).unwrap()).records[0].sns.message;
    assert_eq!(domain::phone::scrub_numbers(message), *message);
}
