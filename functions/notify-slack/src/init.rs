//! The setting, read at init, and the webhook, read by the first invocation.

use std::time::Duration;

use adapters::slack::{SlackNotifier, SlackSettings, SlackStartError, notifier_from_parameter};
use domain::config::{ConfigError, Env};

use crate::deliver::Retry;

/// `SLACK_WEBHOOK_URL_PARAMETER`: the SSM SecureString holding the webhook URL. Required:
/// this function does nothing else.
pub fn webhook_parameter(env: &impl Env) -> Result<String, ConfigError> {
    env.var("SLACK_WEBHOOK_URL_PARAMETER")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing { name: "SLACK_WEBHOOK_URL_PARAMETER" })
}

/// What the handler needs, built once per instance.
#[derive(Debug)]
pub struct Deps<N> {
    pub notifier: N,
    /// How a post that failed is retried within the invocation.
    pub retry: Retry,
}

/// The production notifier: pauses with tokio's timer.
pub type Slack = SlackNotifier<fn(Duration) -> tokio::time::Sleep>;

impl Deps<Slack> {
    /// Reads the webhook URL: once, at the instance's first invocation.
    pub async fn init(aws: &adapters::SdkConfig, parameter: &str) -> Result<Self, SlackStartError> {
        let pause: fn(Duration) -> tokio::time::Sleep = tokio::time::sleep;
        let ssm = adapters::ssm::ssm_client(aws);
        let notifier = notifier_from_parameter(&ssm, parameter, SlackSettings::BACKGROUND, pause).await?;
        Ok(Self { notifier, retry: Retry::BACKGROUND })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_parameter_is_required() {
        let env = |name: &str| (name == "SLACK_WEBHOOK_URL_PARAMETER").then(|| " /lc/slack ".to_owned());
        assert_eq!(webhook_parameter(&env).unwrap(), "/lc/slack");
        let none = |_: &str| None;
        assert_eq!(webhook_parameter(&none), Err(ConfigError::Missing { name: "SLACK_WEBHOOK_URL_PARAMETER" }));
    }
}
