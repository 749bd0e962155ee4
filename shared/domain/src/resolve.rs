//! From an alert to the escalation state, reading the files: the mapping in mapping mode,
//! then the roster it selects. resolve-roster runs this against S3; `oncall plan` runs the
//! very same code against a local folder, so a preview always agrees with what a real alert
//! would do. What is selected and planned is the escalation engine's
//! ([`crate::escalation::start`]); this module only reads.
//!
//! Every problem along the way (missing mapping entry, unreadable or broken roster, odd
//! input) is collected into `problems` and the plan falls back to the fallback number;
//! only a transient store failure is an error, so the workflow can retry it.

use chrono::{DateTime, Utc};

use crate::alert::AlertInput;
use crate::config::{ConfigError, RosterConfig};
use crate::escalation::plan::NobodyToRing;
use crate::escalation::start::{MappingFile, RosterFile, Selection, select, start, test_call};
use crate::incident::InsufficientData;
use crate::incident_store::IncidentPolicy;
use crate::mapping::Mapping;
use crate::payload::EscalationState;
use crate::phone::scrub_numbers;
use crate::problem::Problem;
use crate::roster::Roster;
use crate::store::{ObjectStore, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Worth retrying: S3 throttled or was briefly unreachable.
    #[error(transparent)]
    StoreUnavailable(StoreError),
    /// No roster group and no fallback number: nothing can ring anyone.
    #[error(transparent)]
    NobodyToRing(#[from] NobodyToRing),
}

impl ResolveError {
    /// Stable names for the workflow's Retry and Catch.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::StoreUnavailable(_) => "RosterStoreUnavailable",
            Self::NobodyToRing(_) => "NobodyToRing",
        }
    }
}

/// Builds the escalation for one alert. `now` is the real time; the input's `at`, when
/// given, only moves the date the roster is read for. A test call (`testCall`) reads no file.
pub async fn resolve(
    store: &impl ObjectStore,
    config: &RosterConfig,
    mut input: AlertInput,
    escalation_id: String,
    now: DateTime<Utc>,
) -> Result<EscalationState, ResolveError> {
    if let Some(number) = input.test_call.clone() {
        return Ok(test_call(config, input, &number, escalation_id, now));
    }
    let mapping = match &config.mapping_key {
        None => None,
        Some(key) => {
            let location = store.location(key);
            let mapping = read(store, key, &mut input.problems).await?.and_then(|bytes| {
                let report = Mapping::parse(&location, &bytes);
                input.problems.extend(report.problems);
                report.mapping
            });
            Some((location, mapping))
        }
    };
    let file = mapping.as_ref().map(|(location, mapping)| MappingFile { location, mapping: mapping.as_ref() });
    let selection = select(config, file, input.alert.topic_name.as_deref(), &mut input.problems);

    let roster = match &selection.roster_key {
        None => None,
        Some(key) => read(store, key, &mut input.problems).await?.map(|bytes| {
            let location = store.location(key);
            let report = Roster::parse(&location, &bytes);
            input.problems.extend(report.problems);
            RosterFile { location, roster: report.roster }
        }),
    };
    Ok(start(config, input, selection, roster, escalation_id, now)?)
}

/// Builds the escalation for one alert when resolve-roster's own settings are unusable
/// (`error`, found at start): no file is read, `config` is [`RosterConfig::fallback_only`], so
/// the fallback number alone is rung, and the problem names the setting. A typo in a setting
/// must never stop every alert from ringing someone.
pub fn resolve_unconfigured(
    config: &RosterConfig,
    error: &ConfigError,
    mut input: AlertInput,
    escalation_id: String,
    now: DateTime<Utc>,
) -> Result<EscalationState, ResolveError> {
    input.problems.push(Problem::error(
        "resolve-roster settings",
        Some(error.name().to_owned()),
        scrub_numbers(&format!(
            "{error}; no roster is read and every alert rings the fallback number until it is fixed"
        )),
    ));
    let selection = Selection {
        roster_key: None,
        message: config.alarm_message.clone(),
        time_zone: config.time_zone.clone(),
        dry_run: false,
        // Whether the project pages on alarms without data cannot be read either: it does.
        insufficient_data: InsufficientData::Page,
        // Nor whether it groups its incidents: it does not, every incident rings.
        incidents: IncidentPolicy { grouping: false, ..IncidentPolicy::default() },
        // Nor its maintenance windows: none silences the alert; nor its own policy.
        maintenance: Vec::new(),
        policy: crate::policy::ProjectPolicy::default(),
    };
    Ok(start(config, input, selection, None, escalation_id, now)?)
}

/// Reads an object; a missing or unreadable one becomes a problem, a transient failure an error.
async fn read(
    store: &impl ObjectStore,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Result<Option<Vec<u8>>, ResolveError> {
    match store.get(key).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.is_transient() => Err(ResolveError::StoreUnavailable(err)),
        Err(err) => {
            problems.push(Problem::error(
                store.location(key),
                None,
                format!("{}; the fallback number is rung", err.reason()),
            ));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::phone::PhoneNumber;
    use crate::store::MemoryStore;
    use chrono::TimeZone;

    use serde_json::json;

    const ROSTER: &str = r#"[{"startDay":1,"endDay":15,"phoneNumber":["+811111111111"]},
                             {"startDay":16,"endDay":31,"phoneNumber":["+812222222222"]}]"#;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
    }

    fn numbers(state: &EscalationState) -> Vec<Vec<&str>> {
        state.attempts.iter().map(|a| a.phone_numbers.iter().map(PhoneNumber::as_str).collect()).collect()
    }

    async fn run(store: &MemoryStore, config: &RosterConfig, input: serde_json::Value) -> EscalationState {
        resolve(store, config, AlertInput::parse(&input), "exec-1".into(), now()).await.unwrap()
    }

    #[tokio::test]
    async fn simple_mode_plans_from_the_configured_roster() {
        let store = MemoryStore::from([("phoneNumber.json", ROSTER)]);
        let state = run(&store, &RosterConfig::example(None), json!({})).await;
        assert_eq!(numbers(&state), [["+812222222222"], ["+811111111111"]]);
        assert_eq!(state.current.phone_numbers, state.attempts[0].phone_numbers);
        assert_eq!(state.current.wait_seconds, 10);
        assert_eq!(state.message, "障害が発生しました。");
        assert_eq!(state.roster.as_deref(), Some("mem://phoneNumber.json"));
        assert_eq!(state.today.to_string(), "2026-11-21");
        assert_eq!(state.problems, vec![]);
    }

    #[tokio::test]
    async fn mapping_mode_picks_the_topics_roster_message_and_zone() {
        let store = MemoryStore::from([
            (
                "mapping.json",
                r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json","message":"A案件で障害です。","timeZone":"Pacific/Honolulu"}]"#,
            ),
            ("a.json", ROSTER),
        ]);
        // 2026-11-16T03:00Z is the 16th in Tokyo but still the 15th in Honolulu.
        let input =
            json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic", "at": "2026-11-16T03:00:00Z"});
        let state = run(&store, &RosterConfig::example(Some("mapping.json")), input).await;
        assert_eq!(numbers(&state)[0], ["+811111111111"]);
        assert_eq!(state.message, "A案件で障害です。");
        assert_eq!(state.time_zone.name(), "Pacific/Honolulu");
        assert_eq!(state.problems, vec![]);
    }

    #[tokio::test]
    async fn an_alarm_without_data_rings_nobody_unless_its_project_pages_on_it() {
        let store = MemoryStore::from([
            (
                "mapping.json",
                r#"[{"snsTopicName":"quiet","phoneNumberJsonFile":"a.json"},
                    {"snsTopicName":"loud","phoneNumberJsonFile":"a.json","insufficientData":"page"}]"#,
            ),
            ("a.json", ROSTER),
        ]);
        let alarm = r#"{"AlarmName":"db","AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:db","NewStateValue":"INSUFFICIENT_DATA"}"#;
        let config = RosterConfig::example(Some("mapping.json"));
        let input = |topic: &str| json!({"topicArn": format!("arn:aws:sns:ap-northeast-1:123456789012:{topic}"), "message": alarm});
        let quiet = run(&store, &config, input("quiet")).await;
        assert!(quiet.attempts.is_empty() && quiet.current.phone_numbers.is_empty());
        assert_eq!(quiet.decision.as_ref().map(|d| d.action), Some(crate::payload::Action::RingNobody));
        assert_eq!(quiet.outcome.as_ref().map(|o| o.status), Some(crate::payload::OutcomeStatus::Notice));
        let loud = run(&store, &config, input("loud")).await;
        assert_eq!(loud.incident.as_ref().map(|i| i.action), Some(crate::incident::IncidentAction::Trigger));
        assert_eq!(numbers(&loud)[0], ["+812222222222"]);
        assert!(loud.decision.is_none() && loud.outcome.is_none());
    }

    #[tokio::test]
    async fn a_topic_missing_from_the_mapping_rings_the_fallback_and_says_so() {
        let store = MemoryStore::from([
            ("mapping.json", r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json"}]"#),
            ("a.json", ROSTER),
            ("phoneNumber.json", ROSTER),
        ]);
        let input = json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:c-topic"});
        let state = run(&store, &RosterConfig::example(Some("mapping.json")), input).await;
        assert_eq!(numbers(&state), [["+819999999999"]]);
        assert_eq!(state.roster, None);
        assert_eq!(state.problems.len(), 1);
        assert!(state.problems[0].message.contains("topic c-topic is not in the mapping"), "{:?}", state.problems);
    }

    #[tokio::test]
    async fn mapping_mode_without_a_topic_rings_the_fallback() {
        let store = MemoryStore::from([("mapping.json", "[]"), ("phoneNumber.json", ROSTER)]);
        let state = run(&store, &RosterConfig::example(Some("mapping.json")), json!({})).await;
        assert_eq!(numbers(&state), [["+819999999999"]]);
        assert!(state.problems.iter().any(|p| p.location.as_deref() == Some("TopicArn")));
    }

    #[tokio::test]
    async fn a_missing_or_broken_roster_rings_the_fallback_with_the_problem() {
        let missing = run(&MemoryStore::default(), &RosterConfig::example(None), json!({})).await;
        assert_eq!(numbers(&missing), [["+819999999999"]]);
        assert_eq!(missing.problems[0].source, "mem://phoneNumber.json");
        assert_eq!(missing.problems[0].message, "the file does not exist; the fallback number is rung");

        let broken = MemoryStore::from([("phoneNumber.json", "[{\"startDay\": 1,")]);
        let state = run(&broken, &RosterConfig::example(None), json!({})).await;
        assert_eq!(numbers(&state), [["+819999999999"]]);
        assert!(state.problems[0].message.contains("not valid JSON"));
    }

    #[tokio::test]
    async fn a_transient_store_failure_is_a_retryable_error() {
        let store =
            MemoryStore::failing(StoreError::Transient { location: "s3://b/k".into(), message: "SlowDown".into() });
        let err =
            resolve(&store, &RosterConfig::example(None), AlertInput::default(), "e".into(), now()).await.unwrap_err();
        assert_eq!(err.error_type(), "RosterStoreUnavailable");
    }

    #[tokio::test]
    async fn dry_run_comes_from_the_input_or_the_mapping_and_never_waits() {
        let store = MemoryStore::from([
            ("mapping.json", r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"phoneNumber.json","dryRun":true}]"#),
            ("phoneNumber.json", ROSTER),
        ]);
        let by_mapping =
            run(&store, &RosterConfig::example(Some("mapping.json")), json!({"topicArn": "arn:aws:sns:r:1:a-topic"}))
                .await;
        assert!(by_mapping.dry_run);
        assert_eq!(by_mapping.current.wait_seconds, 0);
        let by_input = run(&store, &RosterConfig::example(None), json!({"dryRun": true})).await;
        assert!(by_input.dry_run);
    }

    #[tokio::test]
    async fn the_alert_text_is_what_gets_spoken() {
        let store = MemoryStore::from([("phoneNumber.json", ROSTER)]);
        let state = run(&store, &RosterConfig::example(None), json!({"message": "DB down"})).await;
        assert_eq!(state.message, "DB down");
        assert_eq!(state.alert.message.as_deref(), Some("DB down"));
    }

    /// A project with a notify window on 2026-11-21 10:00-11:00 JST and a dry-run one the
    /// next morning.
    fn maintenance_store() -> MemoryStore {
        MemoryStore::from([
            (
                "mapping.json",
                r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json","maintenance":[
                      {"from":"2026-11-21T10:00:00+09:00","to":"2026-11-21T11:00:00+09:00","reason":"DB upgrade"},
                      {"from":"2026-11-22T09:00:00+09:00","to":"2026-11-22T10:00:00+09:00","mode":"dryRun"}]}]"#,
            ),
            ("a.json", ROSTER),
        ])
    }

    async fn alert_at(at: &str) -> EscalationState {
        let input = json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic", "at": at});
        run(&maintenance_store(), &RosterConfig::example(Some("mapping.json")), input).await
    }

    #[tokio::test]
    async fn an_alert_in_a_notify_window_rings_nobody_and_the_outcome_names_the_window() {
        let state = alert_at("2026-11-21T10:30:00+09:00").await;
        assert!(state.attempts.is_empty() && state.current.phone_numbers.is_empty());
        assert_eq!(state.decision.as_ref().map(|d| d.action), Some(crate::payload::Action::RingNobody));
        let outcome = state.outcome.unwrap();
        assert_eq!(outcome.status, crate::payload::OutcomeStatus::Notice);
        assert!(
            outcome.summary.contains("maintenance window \"DB upgrade\", 2026-11-21T01:00:00Z to 2026-11-21T02:00:00Z"),
            "{}",
            outcome.summary
        );
        let window = outcome.maintenance.unwrap();
        assert_eq!((window.location.as_str(), window.reason.as_deref()), ("[0].maintenance[0]", Some("DB upgrade")));
        assert_eq!(state.maintenance, Some(window));
        assert_eq!(state.problems, vec![]);
    }

    #[tokio::test]
    async fn a_window_silences_from_its_start_up_to_its_end_and_only_triggers() {
        for (at, silenced) in [
            ("2026-11-21T09:59:59+09:00", false),
            ("2026-11-21T10:00:00+09:00", true),
            ("2026-11-21T10:59:59+09:00", true),
            ("2026-11-21T11:00:00+09:00", false),
        ] {
            let state = alert_at(at).await;
            assert_eq!(state.maintenance.is_some(), silenced, "{at}");
            assert_eq!(state.attempts.is_empty(), silenced, "{at}");
        }
        // An alarm back to OK in the window still resolves its incident, as outside one.
        let ok = r#"{"AlarmName":"db","AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:db","NewStateValue":"OK"}"#;
        let input = json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic", "at": "2026-11-21T10:30:00+09:00", "message": ok});
        let resolved = run(&maintenance_store(), &RosterConfig::example(Some("mapping.json")), input).await;
        assert_eq!(resolved.outcome.map(|o| o.status), Some(crate::payload::OutcomeStatus::Resolved));
        assert_eq!(resolved.maintenance, None);
    }

    #[tokio::test]
    async fn an_escalation_already_ringing_when_a_window_opens_keeps_ringing() {
        // Started a second before the window: planned, and its next steps never look at windows.
        let state = alert_at("2026-11-21T09:59:59+09:00").await;
        let inside = Utc.with_ymd_and_hms(2026, 11, 21, 1, 0, 30).unwrap();
        let next = crate::escalation::decision::decide(&state, inside).state;
        assert_ne!(next.decision.as_ref().map(|d| d.action), Some(crate::payload::Action::RingNobody));
        assert!(next.outcome.is_none(), "still ringing: {:?}", next.outcome);
        assert!(!next.dry_run);
    }

    #[tokio::test]
    async fn a_dry_run_window_walks_the_escalation_as_a_dry_run() {
        let state = alert_at("2026-11-22T09:30:00+09:00").await;
        assert!(state.dry_run);
        assert_eq!(numbers(&state)[0], ["+812222222222"]);
        assert_eq!(state.current.wait_seconds, 0);
        assert_eq!(state.maintenance.map(|w| w.mode), Some(crate::maintenance::MaintenanceMode::DryRun));
    }

    #[tokio::test]
    async fn a_window_that_cannot_be_read_is_an_error_and_the_alert_rings() {
        let store = MemoryStore::from([
            (
                "mapping.json",
                r#"[{"snsTopicName":"a-topic","phoneNumberJsonFile":"a.json","maintenance":[
                      {"from":"2026-11-21T10:00:00+09:00","reason":"open-ended"},
                      {"from":"2026-11-21T10:00:00","to":"2026-11-21T11:00:00+09:00"},
                      {"from":"2026-11-21T10:00:00+09:00","to":"2026-11-21T11:00:00+09:00","mode":"silent"},
                      {"from":"2026-11-21T11:00:00+09:00","to":"2026-11-21T10:00:00+09:00"}]}]"#,
            ),
            ("a.json", ROSTER),
        ]);
        let input =
            json!({"topicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic", "at": "2026-11-21T10:30:00+09:00"});
        let state = run(&store, &RosterConfig::example(Some("mapping.json")), input).await;
        assert_eq!(numbers(&state)[0], ["+812222222222"], "rings as usual");
        assert_eq!(state.maintenance, None);
        let found: Vec<(Option<&str>, bool)> = state
            .problems
            .iter()
            .map(|p| (p.location.as_deref(), p.message.contains("the window is ignored")))
            .collect();
        assert_eq!(
            found,
            [
                (Some("[0].maintenance[0]"), true),
                (Some("[0].maintenance[1].from"), true),
                (Some("[0].maintenance[2].mode"), true),
                (Some("[0].maintenance[3]"), true),
            ]
        );
        assert!(state.problems[0].message.contains("missing to; a window must end"), "{}", state.problems[0]);
    }

    #[tokio::test]
    async fn a_projects_own_policy_replaces_the_deployments_settings_for_its_alerts_only() {
        let store = MemoryStore::from([
            (
                "mapping.json",
                r#"[{"snsTopicName":"own","phoneNumberJsonFile":"a.json","repeatCount":2,"repeatGroup":true,
                      "checkIntervalSeconds":30,"pollIntervalSeconds":5,"fallbackNumber":"+818888888888",
                      "languageCode":"en-US","voice":"Joanna","voiceEngine":"neural","prompt":"Press 1."},
                    {"snsTopicName":"plain","phoneNumberJsonFile":"a.json"},
                    {"snsTopicName":"gap","phoneNumberJsonFile":"missing.json","fallbackNumber":"+818888888888"}]"#,
            ),
            ("a.json", ROSTER),
        ]);
        let config = RosterConfig::example(Some("mapping.json"));
        let alert = |topic: &str| json!({"topicArn": format!("arn:aws:sns:ap-northeast-1:123456789012:{topic}")});
        let own = run(&store, &config, alert("own")).await;
        assert_eq!(numbers(&own), [["+812222222222"], ["+812222222222"]], "two rounds of today's group only");
        assert_eq!((own.timing.check_interval_seconds, own.timing.poll_interval_seconds), (30, 5));
        assert_eq!(own.current.wait_seconds, 5);
        assert_eq!(own.fallback.as_ref().map(PhoneNumber::as_str), Some("+818888888888"));
        assert_eq!(own.speech.voice.as_deref(), Some("Joanna"));
        assert_eq!(own.speech.prompt.as_deref(), Some("Press 1."));
        let plain = run(&store, &config, alert("plain")).await;
        assert_eq!(numbers(&plain), [["+812222222222"], ["+811111111111"]], "the deployment's one round");
        assert_eq!((plain.timing.check_interval_seconds, plain.timing.poll_interval_seconds), (60, 10));
        assert_eq!(plain.fallback.as_ref().map(PhoneNumber::as_str), Some("+819999999999"));
        assert!(plain.speech.is_empty());
        // With nobody to ring from the roster, the project's own fallback number is rung.
        let gap = run(&store, &config, alert("gap")).await;
        assert_eq!(numbers(&gap), [["+818888888888"]]);
    }

    #[test]
    fn unusable_settings_ring_the_fallback_number_and_name_the_setting() {
        let fallback = PhoneNumber::parse("+819999999999").unwrap();
        let config = RosterConfig::fallback_only(fallback.clone());
        let error =
            ConfigError::Invalid { name: "ROSTER_TIME_ZONE", value: "Asia/Tokio".into(), reason: "unknown".into() };
        let input = AlertInput::parse(&json!({"message": "DB down", "dryRun": false}));
        let state = resolve_unconfigured(&config, &error, input, "e".into(), now()).unwrap();
        assert_eq!(state.current.phone_numbers, vec![fallback]);
        assert_eq!(state.roster, None);
        let problem = state.problems.iter().find(|p| p.location.as_deref() == Some("ROSTER_TIME_ZONE")).unwrap();
        assert!(problem.is_error() && problem.message.contains("Asia/Tokio"), "{problem}");
        // A dry run asked for by the alert still rings nobody.
        let dry = AlertInput::parse(&json!({"message": "DB down", "dryRun": true}));
        assert!(resolve_unconfigured(&config, &error, dry, "e".into(), now()).unwrap().dry_run);
    }
}
