//! Typed configuration, read once at start-up from the original tool's environment
//! variables (names and defaults kept) plus a few new ones.
//!
//! Each function reads only the parts it needs, so a bad deploy fails at init with an error
//! naming the variable, instead of on every invocation.

use std::ops::RangeInclusive;

use crate::escalation::plan::RepeatSettings;
use crate::phone::PhoneNumber;
use crate::zone::Zone;

pub const DEFAULT_ALARM_MESSAGE: &str = "障害が発生しました。";
/// The words that ask for the key, as the contact flow's `ConnectPromptText` default says them.
pub const DEFAULT_PROMPT: &str = "アラートです。確認したら1を押してください。";
pub const DEFAULT_ROSTER_KEY: &str = "phoneNumber.json";
pub const DEFAULT_CHECK_INTERVAL_SECONDS: u32 = 60;
/// `CALL_POLL_INTERVAL_SECONDS` when unset. A busy, declined or unanswered line moves the
/// escalation on at most this long after its last call ended; a 60 s attempt is four polls of
/// three state transitions each (README, performance: what an escalation costs).
pub const DEFAULT_POLL_INTERVAL_SECONDS: u32 = 15;
/// `CALL_REPEAT_COUNT` when unset, as in the original.
pub const DEFAULT_REPEAT_COUNT: u32 = 3;

/// Where configuration comes from: the process environment, or a map in tests and the CLI.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set")]
    Missing { name: &'static str },
    #[error("{name}={value:?} is invalid: {reason}")]
    Invalid { name: &'static str, value: String, reason: String },
}

impl ConfigError {
    /// The variable at fault.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Missing { name } | Self::Invalid { name, .. } => name,
        }
    }
}

/// Reads a variable, treating an empty value as unset (SAM passes empty parameters as "").
pub(crate) fn get(env: &impl Env, name: &str) -> Option<String> {
    env.var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn required(env: &impl Env, name: &'static str) -> Result<String, ConfigError> {
    get(env, name).ok_or(ConfigError::Missing { name })
}

pub(crate) fn invalid(name: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_owned(), reason: reason.into() }
}

/// The bounds of the escalation settings, the same as the SAM template's parameters. A
/// STANDARD execution's history holds at most 25,000 events and each poll adds about 14, so
/// an escalation's length must be bounded (the decision also ends one early, saying so,
/// before it could pass that limit).
pub const REPEAT_COUNT_RANGE: RangeInclusive<u32> = 1..=10;
pub const CHECK_INTERVAL_RANGE: RangeInclusive<u32> = 5..=600;
pub const POLL_INTERVAL_RANGE: RangeInclusive<u32> = 1..=60;

fn number(env: &impl Env, name: &'static str, default: u32, range: RangeInclusive<u32>) -> Result<u32, ConfigError> {
    match get(env, name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(invalid(name, &raw, format!("expected a whole number from {} to {}", range.start(), range.end()))),
        },
    }
}

/// `True`/`False` as the original wrote them, and the usual spellings.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn flag(env: &impl Env, name: &'static str) -> Result<bool, ConfigError> {
    match get(env, name) {
        None => Ok(false),
        Some(raw) => parse_bool(&raw).ok_or_else(|| invalid(name, &raw, "expected True or False")),
    }
}

fn phone(env: &impl Env, name: &'static str) -> Result<PhoneNumber, ConfigError> {
    let raw = required(env, name)?;
    PhoneNumber::parse(&raw).map_err(|err| ConfigError::Invalid {
        name,
        value: crate::phone::mask(&raw),
        reason: err.to_string(),
    })
}

/// Parses an IANA zone name.
pub fn parse_time_zone(raw: &str) -> Option<Zone> {
    raw.trim().parse().ok()
}

/// `ROSTER_TIME_ZONE`: the IANA zone "today" is read in, default Asia/Tokyo.
pub fn time_zone(env: &impl Env) -> Result<Zone, ConfigError> {
    match get(env, "ROSTER_TIME_ZONE") {
        None => Ok(Zone::tokyo()),
        Some(raw) => parse_time_zone(&raw)
            .ok_or_else(|| invalid("ROSTER_TIME_ZONE", &raw, "expected an IANA time zone such as Asia/Tokyo")),
    }
}

/// `CALL_LEDGER_TABLE`: the DynamoDB table of the call ledger, if one is configured.
pub fn call_ledger_table(env: &impl Env) -> Option<String> {
    get(env, "CALL_LEDGER_TABLE")
}

/// `CALL_START_RATE_PER_SECOND` (default 2) and `CALL_START_BURST` (default 5): how fast
/// place-call starts calls, for the whole deployment; Connect's default quota. Raise them with
/// the account's quota.
pub fn call_rate(env: &impl Env) -> Result<crate::budget::CallRate, ConfigError> {
    let default = crate::budget::CallRate::default();
    Ok(crate::budget::CallRate {
        per_second: number(env, "CALL_START_RATE_PER_SECOND", default.per_second, 1..=100)?,
        burst: number(env, "CALL_START_BURST", default.burst, 1..=100)?,
    })
}

/// `INCIDENT_TABLE`: the DynamoDB table of the open incidents, if one is configured.
pub fn incident_table(env: &impl Env) -> Option<String> {
    get(env, "INCIDENT_TABLE")
}

/// `CONNECT_EXTRA_DESTINATION_PHONE_NUMBER`: rung when nobody else can be.
pub fn fallback_number(env: &impl Env) -> Result<PhoneNumber, ConfigError> {
    phone(env, "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER")
}

/// How long an attempt lasts and how often it is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// `CALL_STATE_CHECK_INTERVAL_SECONDS` (or the original's misspelt
    /// `CALL_STATE_CHACK_INTERVAL_SECONDS`): an attempt ends this long after it was placed.
    pub check_interval_seconds: u32,
    /// `CALL_POLL_INTERVAL_SECONDS`: how often the workflow looks at the calls meanwhile.
    pub poll_interval_seconds: u32,
}

impl Timing {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        const CORRECT: &str = "CALL_STATE_CHECK_INTERVAL_SECONDS";
        const ORIGINAL: &str = "CALL_STATE_CHACK_INTERVAL_SECONDS";
        let check_interval_seconds = match (get(env, CORRECT), get(env, ORIGINAL)) {
            (Some(a), Some(b)) if a != b => {
                return Err(invalid(CORRECT, &a, format!("conflicts with {ORIGINAL}={b:?}; set only one")));
            }
            (Some(_), _) => number(env, CORRECT, DEFAULT_CHECK_INTERVAL_SECONDS, CHECK_INTERVAL_RANGE)?,
            (None, Some(_)) => number(env, ORIGINAL, DEFAULT_CHECK_INTERVAL_SECONDS, CHECK_INTERVAL_RANGE)?,
            (None, None) => DEFAULT_CHECK_INTERVAL_SECONDS,
        };
        let poll = number(env, "CALL_POLL_INTERVAL_SECONDS", DEFAULT_POLL_INTERVAL_SECONDS, POLL_INTERVAL_RANGE)?;
        Ok(Self { check_interval_seconds, poll_interval_seconds: poll.min(check_interval_seconds) })
    }
}

/// What resolve-roster needs: where the files are and how to build the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterConfig {
    /// `PHONE_NUMBER_BUCKET`.
    pub bucket: String,
    /// `PHONE_NUMBER_JSON_FILE`, default `phoneNumber.json`.
    pub roster_key: String,
    /// `MAPPING_JSON_FILE`: when set, the topic selects the roster.
    pub mapping_key: Option<String>,
    /// `ROSTER_TIME_ZONE`, default Asia/Tokyo.
    pub time_zone: Zone,
    /// `CONNECT_ALARM_MSG`.
    pub alarm_message: String,
    /// `CALL_REPEAT_COUNT`, `CALL_REPEAT_GROUP`.
    pub repeat: RepeatSettings,
    pub timing: Timing,
    pub fallback: PhoneNumber,
}

impl RosterConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let time_zone = time_zone(env)?;
        Ok(Self {
            bucket: required(env, "PHONE_NUMBER_BUCKET")?,
            roster_key: get(env, "PHONE_NUMBER_JSON_FILE").unwrap_or_else(|| DEFAULT_ROSTER_KEY.to_owned()),
            mapping_key: get(env, "MAPPING_JSON_FILE"),
            time_zone,
            alarm_message: get(env, "CONNECT_ALARM_MSG").unwrap_or_else(|| DEFAULT_ALARM_MESSAGE.to_owned()),
            repeat: RepeatSettings {
                repeat_count: number(env, "CALL_REPEAT_COUNT", DEFAULT_REPEAT_COUNT, REPEAT_COUNT_RANGE)?,
                repeat_group: flag(env, "CALL_REPEAT_GROUP")?,
            },
            timing: Timing::from_env(env)?,
            fallback: fallback_number(env)?,
        })
    }
}

impl RosterConfig {
    /// What resolve-roster runs with when its settings are unusable: the defaults, no file to
    /// read, and `fallback`, so every alert still rings the fallback number (see
    /// [`crate::resolve::resolve_unconfigured`]).
    pub fn fallback_only(fallback: PhoneNumber) -> Self {
        Self {
            bucket: String::new(),
            roster_key: DEFAULT_ROSTER_KEY.to_owned(),
            mapping_key: None,
            time_zone: Zone::tokyo(),
            alarm_message: DEFAULT_ALARM_MESSAGE.to_owned(),
            repeat: RepeatSettings { repeat_count: DEFAULT_REPEAT_COUNT, repeat_group: false },
            timing: Timing {
                check_interval_seconds: DEFAULT_CHECK_INTERVAL_SECONDS,
                poll_interval_seconds: DEFAULT_POLL_INTERVAL_SECONDS,
            },
            fallback,
        }
    }
}

/// What is needed to place calls through Amazon Connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectConfig {
    /// `CONNECT_INSTANCE_ID`.
    pub instance_id: String,
    /// `CONNECT_CONTACT_FLOW_ID`.
    pub contact_flow_id: String,
    /// `CONNECT_SOURCE_PHONE_NUMBER`.
    pub source_phone_number: PhoneNumber,
    /// `CONNECT_PROMPT_TEXT`: the words that ask for the key, spoken before the alert,
    /// unless the project has its own (mapping `prompt`).
    pub prompt: String,
}

impl ConnectConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            instance_id: required(env, "CONNECT_INSTANCE_ID")?,
            contact_flow_id: required(env, "CONNECT_CONTACT_FLOW_ID")?,
            source_phone_number: phone(env, "CONNECT_SOURCE_PHONE_NUMBER")?,
            prompt: get(env, "CONNECT_PROMPT_TEXT").unwrap_or_else(|| DEFAULT_PROMPT.to_owned()),
        })
    }
}

/// `CONNECT_INSTANCE_ID` alone, for the functions that only look calls up or stop them.
pub fn instance_id(env: &impl Env) -> Result<String, ConfigError> {
    required(env, "CONNECT_INSTANCE_ID")
}

#[cfg(test)]
impl RosterConfig {
    /// The settings the domain's tests start from: the original's defaults, one attempt,
    /// mapping mode when `mapping` names a file.
    pub(crate) fn example(mapping: Option<&str>) -> Self {
        Self {
            bucket: "rosters".into(),
            roster_key: "phoneNumber.json".into(),
            mapping_key: mapping.map(str::to_owned),
            time_zone: Zone::tokyo(),
            alarm_message: "障害が発生しました。".into(),
            repeat: RepeatSettings { repeat_count: 1, repeat_group: false },
            timing: Timing { check_interval_seconds: 60, poll_interval_seconds: 10 },
            fallback: PhoneNumber::parse("+819999999999").unwrap(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Env {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name: &str| map.get(name).cloned()
    }

    const MINIMAL: &[(&str, &str)] =
        &[("PHONE_NUMBER_BUCKET", "rosters"), ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+819012345678")];

    #[test]
    fn defaults_are_the_originals() {
        let config = RosterConfig::from_env(&env(MINIMAL)).unwrap();
        assert_eq!(config.roster_key, "phoneNumber.json");
        assert_eq!(config.mapping_key, None);
        assert_eq!(config.time_zone, Zone::tokyo());
        assert_eq!(config.alarm_message, "障害が発生しました。");
        assert_eq!(config.repeat, RepeatSettings { repeat_count: 3, repeat_group: false });
        let poll_interval_seconds = DEFAULT_POLL_INTERVAL_SECONDS;
        assert_eq!(config.timing, Timing { check_interval_seconds: 60, poll_interval_seconds });
    }

    #[test]
    fn reads_every_setting() {
        let mut pairs = MINIMAL.to_vec();
        pairs.extend([
            ("PHONE_NUMBER_JSON_FILE", "team/roster.json"),
            ("MAPPING_JSON_FILE", "mapping.json"),
            ("ROSTER_TIME_ZONE", "Europe/London"),
            ("CONNECT_ALARM_MSG", "Boom"),
            ("CALL_REPEAT_COUNT", "5"),
            ("CALL_REPEAT_GROUP", "True"),
            ("CALL_STATE_CHACK_INTERVAL_SECONDS", "30"),
            ("CALL_POLL_INTERVAL_SECONDS", "45"),
        ]);
        let config = RosterConfig::from_env(&env(&pairs)).unwrap();
        assert_eq!(config.roster_key, "team/roster.json");
        assert_eq!(config.mapping_key.as_deref(), Some("mapping.json"));
        assert_eq!(config.time_zone.name(), "Europe/London");
        assert_eq!(config.repeat, RepeatSettings { repeat_count: 5, repeat_group: true });
        // The poll never waits past the end of the attempt.
        assert_eq!(config.timing, Timing { check_interval_seconds: 30, poll_interval_seconds: 30 });
    }

    #[test]
    fn corrected_spelling_wins_and_a_conflict_is_an_error() {
        let both_same =
            env(&[("CALL_STATE_CHECK_INTERVAL_SECONDS", "30"), ("CALL_STATE_CHACK_INTERVAL_SECONDS", "30")]);
        assert_eq!(Timing::from_env(&both_same).unwrap().check_interval_seconds, 30);
        let conflict = env(&[("CALL_STATE_CHECK_INTERVAL_SECONDS", "30"), ("CALL_STATE_CHACK_INTERVAL_SECONDS", "60")]);
        let err = Timing::from_env(&conflict).unwrap_err().to_string();
        assert!(
            err.contains("CALL_STATE_CHECK_INTERVAL_SECONDS") && err.contains("CALL_STATE_CHACK_INTERVAL_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("CALL_REPEAT_COUNT", "0"),
            ("CALL_REPEAT_COUNT", "11"),
            ("CALL_REPEAT_COUNT", "three"),
            ("CALL_STATE_CHECK_INTERVAL_SECONDS", "4"),
            ("CALL_STATE_CHECK_INTERVAL_SECONDS", "601"),
            ("CALL_POLL_INTERVAL_SECONDS", "0"),
            ("CALL_POLL_INTERVAL_SECONDS", "61"),
            ("CALL_REPEAT_GROUP", "maybe"),
            ("CALL_STATE_CHACK_INTERVAL_SECONDS", "-1"),
            ("ROSTER_TIME_ZONE", "JST+9"),
            ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+81xxxxxxxxxx"),
        ] {
            let mut pairs = MINIMAL.to_vec();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, value));
            let err = RosterConfig::from_env(&env(&pairs)).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: n, .. } if n == name), "{name}: {err}");
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn missing_required_variables_are_named() {
        assert_eq!(
            RosterConfig::from_env(&env(&[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+12345")])).unwrap_err(),
            ConfigError::Missing { name: "PHONE_NUMBER_BUCKET" }
        );
        assert_eq!(
            RosterConfig::from_env(&env(&[
                ("PHONE_NUMBER_BUCKET", "b"),
                ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "")
            ]))
            .unwrap_err(),
            ConfigError::Missing { name: "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER" }
        );
        let err = ConnectConfig::from_env(&env(&[("CONNECT_INSTANCE_ID", "i")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "CONNECT_CONTACT_FLOW_ID" });
    }

    #[test]
    fn an_invalid_fallback_number_is_masked_in_the_error() {
        let err = fallback_number(&env(&[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+8190123456x8")])).unwrap_err();
        assert!(!err.to_string().contains("90123456"), "{err}");
    }
}
