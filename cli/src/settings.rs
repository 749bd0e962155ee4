//! From flags and environment variables to the shared typed configuration.
//!
//! A flag overrides the variable of the same meaning; anything not given on the command
//! line is read from the process environment. The values then go through the very parsing
//! the functions use (`domain::config`), so a bad value is refused with the same
//! message naming the same variable, plus the flag that sets it.

use std::collections::HashMap;
use std::path::Path;

use anyhow::anyhow;
use domain::config::{self as config, ConfigError, Env, ProcessEnv, RosterConfig, fallback_number};
use domain::phone::PhoneNumber;
use domain::zone::Zone;

use crate::args::{FallbackArgs, PlanSettings, ZoneArgs};

const CHECK_INTERVAL: &str = "CALL_STATE_CHECK_INTERVAL_SECONDS";
const CHECK_INTERVAL_ORIGINAL: &str = "CALL_STATE_CHACK_INTERVAL_SECONDS";
const FALLBACK: &str = "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER";
const TIME_ZONE: &str = "ROSTER_TIME_ZONE";

/// The flag that overrides each variable, for error messages.
const FLAGS: &[(&str, &str)] = &[
    (TIME_ZONE, "--time-zone"),
    ("CALL_REPEAT_COUNT", "--repeat-count"),
    ("CALL_REPEAT_GROUP", "--repeat-group"),
    (CHECK_INTERVAL, "--check-interval"),
    (CHECK_INTERVAL_ORIGINAL, "--check-interval"),
    ("CALL_POLL_INTERVAL_SECONDS", "--poll-interval"),
    ("CONNECT_ALARM_MSG", "--alarm-message"),
    (FALLBACK, "--fallback"),
];

/// The environment as the shared configuration sees it: values set here (from flags, or
/// fixed by the command) win, `None` hides a variable, the rest comes from the process.
#[derive(Debug, Default)]
pub struct Overrides {
    values: HashMap<&'static str, Option<String>>,
}

impl Overrides {
    /// Uses a flag's value for `name` when the flag was given.
    pub fn flag(&mut self, name: &'static str, value: Option<&String>) -> &mut Self {
        if let Some(value) = value {
            self.values.insert(name, Some(value.clone()));
        }
        self
    }

    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.values.insert(name, Some(value.into()));
        self
    }

    pub fn hide(&mut self, name: &'static str) -> &mut Self {
        self.values.insert(name, None);
        self
    }

    fn zone(&mut self, zone: &ZoneArgs) -> &mut Self {
        self.flag(TIME_ZONE, zone.time_zone.as_ref())
    }

    fn fallback(&mut self, fallback: &FallbackArgs) -> &mut Self {
        self.flag(FALLBACK, fallback.fallback.as_ref())
    }

    fn plan_settings(&mut self, settings: &PlanSettings) -> &mut Self {
        self.flag("CALL_REPEAT_COUNT", settings.repeat_count.as_ref())
            .flag("CALL_REPEAT_GROUP", settings.repeat_group.as_ref())
            .flag("CALL_POLL_INTERVAL_SECONDS", settings.poll_interval.as_ref())
            .flag("CONNECT_ALARM_MSG", settings.alarm_message.as_ref());
        if settings.check_interval.is_some() {
            // The flag replaces both spellings; left visible, the original's misspelt variable
            // would conflict with the flag's value instead of being overridden by it.
            self.flag(CHECK_INTERVAL, settings.check_interval.as_ref()).hide(CHECK_INTERVAL_ORIGINAL);
        }
        self
    }
}

impl Env for Overrides {
    fn var(&self, name: &str) -> Option<String> {
        match self.values.get(name) {
            Some(value) => value.clone(),
            None => ProcessEnv.var(name),
        }
    }
}

/// The same configuration resolve-roster builds, with the files taken from `folder`.
pub fn roster_config(
    folder: &Path,
    roster_key: Option<&str>,
    mapping_key: Option<&str>,
    zone: &ZoneArgs,
    settings: &PlanSettings,
    fallback: &FallbackArgs,
) -> anyhow::Result<RosterConfig> {
    let mut env = Overrides::default();
    env.zone(zone).fallback(fallback).plan_settings(settings);
    // The bucket is the local folder; it only names where the files are.
    env.set("PHONE_NUMBER_BUCKET", folder_name(folder));
    match roster_key {
        Some(key) => env.set("PHONE_NUMBER_JSON_FILE", key),
        None => env.hide("PHONE_NUMBER_JSON_FILE"),
    };
    match mapping_key {
        Some(key) => env.set("MAPPING_JSON_FILE", key),
        None => env.hide("MAPPING_JSON_FILE"),
    };
    RosterConfig::from_env(&env).map_err(explain)
}

/// `ROSTER_TIME_ZONE` (or `--time-zone`), default Asia/Tokyo.
pub fn time_zone(zone: &ZoneArgs) -> anyhow::Result<Zone> {
    let mut env = Overrides::default();
    env.zone(zone);
    config::time_zone(&env).map_err(explain)
}

/// The fallback number when one is configured; an invalid one is an error.
pub fn optional_fallback(fallback: &FallbackArgs) -> anyhow::Result<Option<PhoneNumber>> {
    let mut env = Overrides::default();
    env.fallback(fallback);
    match fallback_number(&env) {
        Ok(number) => Ok(Some(number)),
        Err(ConfigError::Missing { .. }) => Ok(None),
        Err(err) => Err(explain(err)),
    }
}

/// A file path given on the command line, or the variable the functions read it from.
pub fn file_or_env(flag: Option<&Path>, name: &'static str) -> Option<std::path::PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| ProcessEnv.var(name).map(|raw| raw.trim().to_owned()).filter(|raw| !raw.is_empty()).map(Into::into))
}

/// Adds the flag to the shared error, which names only the variable.
fn explain(err: ConfigError) -> anyhow::Error {
    let name = match &err {
        ConfigError::Missing { name } | ConfigError::Invalid { name, .. } => *name,
    };
    let flag = FLAGS.iter().find(|(variable, _)| *variable == name).map_or("", |(_, flag)| *flag);
    match err {
        ConfigError::Missing { name: FALLBACK } => anyhow!(
            "{FALLBACK} is not set: the plan needs the number rung when nobody else can be; \
             pass --fallback +E164NUMBER or set {FALLBACK}"
        ),
        other if flag.is_empty() => anyhow!("{other}"),
        other => anyhow!("{other} (given by {flag} or the environment variable {name})"),
    }
}

/// How the folder is named as the "bucket" (in messages only).
fn folder_name(folder: &Path) -> String {
    let name = folder.display().to_string();
    if name.is_empty() { ".".to_owned() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_win_and_hidden_ones_are_unset() {
        let mut env = Overrides::default();
        env.set("CALL_REPEAT_COUNT", "5").hide("PATH");
        assert_eq!(env.var("CALL_REPEAT_COUNT").as_deref(), Some("5"));
        assert_eq!(env.var("PATH"), None);
    }

    #[test]
    fn the_check_interval_flag_hides_the_misspelt_variable() {
        let settings = PlanSettings {
            repeat_count: None,
            repeat_group: None,
            check_interval: Some("30".into()),
            poll_interval: None,
            alarm_message: None,
        };
        let mut env = Overrides::default();
        env.plan_settings(&settings);
        assert_eq!(env.var(CHECK_INTERVAL).as_deref(), Some("30"));
        assert_eq!(env.var(CHECK_INTERVAL_ORIGINAL), None);
    }

    #[test]
    fn errors_name_the_variable_and_the_flag() {
        let err = explain(ConfigError::Invalid { name: "CALL_REPEAT_COUNT", value: "0".into(), reason: "x".into() });
        let text = err.to_string();
        assert!(text.starts_with("CALL_REPEAT_COUNT=\"0\" is invalid"), "{text}");
        assert!(text.contains("--repeat-count"), "{text}");
        let missing = explain(ConfigError::Missing { name: FALLBACK }).to_string();
        assert!(missing.contains(FALLBACK) && missing.contains("--fallback"), "{missing}");
    }
}
