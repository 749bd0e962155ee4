//! The environment, read once at init.

use domain::config::{ConfigError, Env};
use domain::zone::Zone;

pub const DEFAULT_FORWARDING_KEY: &str = "forwarding.json";

#[derive(Debug, Clone, PartialEq)]
pub struct ForwardCallConfig {
    /// `FORWARDING_BUCKET`, or `PHONE_NUMBER_BUCKET` when unset: the forwarding file and the
    /// rosters it names live here.
    pub bucket: String,
    /// `FORWARDING_JSON_FILE`, default `forwarding.json`.
    pub forwarding_key: String,
    /// `TWILIO_AUTH_TOKEN_PARAMETER`: the SSM SecureString holding the auth token(s).
    pub auth_token_parameter: String,
    /// `TWILIO_WEBHOOK_URL`: the URL as configured in Twilio. When unset it is the function
    /// URL the request arrived on (`https://<domainName><rawPath>`).
    pub webhook_url: Option<String>,
    /// `SLACK_WEBHOOK_URL_PARAMETER`: the SSM SecureString holding the webhook URL; unset
    /// means no Slack.
    pub slack_webhook_url_parameter: Option<String>,
    /// `ROSTER_TIME_ZONE`, default Asia/Tokyo: "today" for roster destinations.
    pub time_zone: Zone,
    /// `INCIDENT_TABLE`: where answered requests are recorded, so a replay is refused; unset
    /// means no record (every verified request is answered).
    pub incident_table: Option<String>,
}

fn var(env: &impl Env, name: &str) -> Option<String> {
    env.var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl ForwardCallConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let bucket = var(env, "FORWARDING_BUCKET")
            .or_else(|| var(env, "PHONE_NUMBER_BUCKET"))
            .ok_or(ConfigError::Missing { name: "FORWARDING_BUCKET" })?;
        let webhook_url = var(env, "TWILIO_WEBHOOK_URL");
        if let Some(url) = &webhook_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid {
                name: "TWILIO_WEBHOOK_URL",
                value: url.clone(),
                reason: "expected the URL exactly as entered in Twilio, starting with https://".into(),
            });
        }
        let time_zone = domain::config::time_zone(env)?;
        Ok(Self {
            bucket,
            forwarding_key: var(env, "FORWARDING_JSON_FILE").unwrap_or_else(|| DEFAULT_FORWARDING_KEY.to_owned()),
            auth_token_parameter: var(env, "TWILIO_AUTH_TOKEN_PARAMETER")
                .ok_or(ConfigError::Missing { name: "TWILIO_AUTH_TOKEN_PARAMETER" })?,
            webhook_url,
            slack_webhook_url_parameter: var(env, "SLACK_WEBHOOK_URL_PARAMETER"),
            time_zone,
            incident_table: domain::config::incident_table(env),
        })
    }
}
