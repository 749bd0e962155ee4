//! What every adapter shares: the SDK configuration, loaded once at init, and the one
//! classifier that turns any SDK error into a [`SdkFailure`] each adapter maps onto its own
//! domain error.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Builds the shared SDK configuration once, at init. `AWS_ENDPOINT_URL` (and the
/// per-service `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CONNECT`, ...) point the clients at
/// local servers in tests and local runs; the SDK reads them itself.
///
/// It is `aws_config`'s default configuration, with one shortcut for Lambda: when the
/// credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, the
/// instance's role, static for its life) and the region (`AWS_REGION`) are in the
/// environment, they are what the default chains would find first, so the loader is given
/// the environment's providers directly instead of building the chains (profile, web
/// identity, container and instance-metadata providers) that would never be reached: about
/// 0.7 ms of a cold start. Everything else (retries, timeouts, endpoint overrides, profile
/// settings) the loader resolves as before.
pub async fn sdk_config() -> SdkConfig {
    loader(&|name| std::env::var(name).ok()).load().await
}

/// The loader for the environment `var` reads.
fn loader(var: &dyn Fn(&str) -> Option<String>) -> ConfigLoader {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    // The region chain's first provider takes `AWS_REGION`, or `AWS_DEFAULT_REGION` when it
    // is unset (an empty value is left to the loader, as before).
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).filter(|region| !region.is_empty());
    // The credentials chain's first provider answers when both keys are set and not blank.
    let credentials = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        .iter()
        .all(|name| var(name).is_some_and(|value| !value.trim().is_empty()));
    match region {
        Some(region) if credentials => {
            loader.region(Region::new(region)).credentials_provider(EnvironmentVariableCredentialsProvider::new())
        }
        _ => loader,
    }
}

/// A timeout configuration that gives a whole operation (with the SDK's own retries) `limit`.
pub(crate) fn operation_timeout(limit: std::time::Duration) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder().operation_timeout(limit).build()
}

/// One failed SDK request, sorted the way every adapter needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkFailure {
    /// The service answered with an error code (`NoSuchKey`, `ThrottlingException`, ...).
    Service { code: String, message: String, status: u16 },
    /// No answer: a timeout, a connection that failed, a response that could not be read.
    /// Worth a retry.
    Unreachable { message: String },
    /// The request was never sent (invalid input, no credentials, ...).
    NotSent { message: String },
}

impl SdkFailure {
    /// The failure as one line, for error messages: `code: message`, or the transport's story.
    pub fn describe(&self) -> String {
        match self {
            Self::Service { code, message, .. } => format!("{code}: {message}"),
            Self::Unreachable { message } | Self::NotSent { message } => message.clone(),
        }
    }
}

/// Sorts an SDK error. The one place that reads `SdkError`'s variants.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> SdkFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown").to_owned();
            let message = inner.message().unwrap_or(&code).to_owned();
            SdkFailure::Service { code, message, status: service.raw().status().as_u16() }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            SdkFailure::Unreachable { message: DisplayErrorContext(err).to_string() }
        }
        _ => SdkFailure::NotSent { message: DisplayErrorContext(err).to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
    }

    #[tokio::test]
    async fn lambdas_environment_gives_the_region_and_the_credentials() {
        let config = loader(&env(&[
            ("AWS_REGION", "ap-northeast-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .load()
        .await;
        assert_eq!(config.region().map(ToString::to_string).as_deref(), Some("ap-northeast-1"));
        assert!(config.credentials_provider().is_some());
        // What the loader resolves on its own is still there.
        assert!(config.timeout_config().and_then(|t| t.connect_timeout()).is_some());
        assert!(config.retry_config().is_some());
        assert!(config.identity_cache().is_some());
    }

    #[tokio::test]
    async fn the_default_region_is_the_fallback_as_in_the_region_chain() {
        let config = loader(&env(&[
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .load()
        .await;
        assert_eq!(config.region().map(ToString::to_string).as_deref(), Some("us-east-1"));
    }
}
