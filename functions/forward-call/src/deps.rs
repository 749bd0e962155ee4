//! What the handler needs, built once per instance.

use std::time::Duration;

use adapters::incidents::DynamoIncidents;
use adapters::ledger::dynamodb_client;
use adapters::slack::{SlackNotifier, SlackSettings, notifier_from_parameter};
use adapters::ssm::read_secure_parameter;
use tracing::error;

use crate::config::ForwardCallConfig;
use crate::error::InitError;
use crate::signature::AuthTokens;

/// How long a caller may wait on Slack in total: Twilio waits 15 s for the whole answer.
pub const SLACK_BUDGET: Duration = Duration::from_millis(2500);

#[derive(Debug)]
pub struct Deps<S, N, A> {
    pub store: S,
    pub notifier: N,
    /// The requests answered before; `None` when no incident table is configured.
    pub answered: Option<A>,
    pub tokens: AuthTokens,
    pub config: ForwardCallConfig,
    /// The longest a Slack post may hold up the answer.
    pub slack_budget: Duration,
}

/// The production notifier: pauses with tokio's timer.
pub type Slack = SlackNotifier<fn(Duration) -> tokio::time::Sleep>;

impl Deps<adapters::s3::S3Store, Option<Slack>, DynamoIncidents> {
    /// Builds the clients and reads the secrets, once per instance. The auth token is required
    /// (without it no request can be trusted); Slack is optional, and a webhook URL that
    /// cannot be read only turns Slack off, with an error in the log.
    pub async fn init(aws: &adapters::SdkConfig, config: ForwardCallConfig) -> Result<Self, InitError> {
        let ssm = adapters::ssm::ssm_client(aws);
        let raw = read_secure_parameter(&ssm, &config.auth_token_parameter).await?;
        let tokens =
            AuthTokens::parse(&raw).map_err(|err| InitError::Token(config.auth_token_parameter.clone(), err))?;
        let notifier = match &config.slack_webhook_url_parameter {
            None => None,
            Some(name) => {
                let pause: fn(Duration) -> tokio::time::Sleep = tokio::time::sleep;
                match notifier_from_parameter(&ssm, name, SlackSettings::INTERACTIVE, pause).await {
                    Ok(notifier) => Some(notifier),
                    Err(err) => {
                        error!(parameter = %name, error = %err, "Slack is off: its webhook URL could not be used");
                        None
                    }
                }
            }
        };
        let store = adapters::s3::S3Store::new(adapters::s3::s3_client(aws), config.bucket.clone());
        let answered = config.incident_table.as_ref().map(|table| DynamoIncidents::new(dynamodb_client(aws), table));
        Ok(Self { store, notifier, answered, tokens, config, slack_budget: SLACK_BUDGET })
    }
}
