//! What every adapter shares: the SDK configuration, loaded once at init, and the one
//! classifier that turns any SDK error into a [`SdkFailure`] each adapter maps onto its own
//! domain error.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Builds the shared SDK configuration once, at init. `AWS_ENDPOINT_URL` (and the
/// per-service `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CONNECT`, ...) point the clients at
/// local servers in tests and local runs; the SDK reads them itself.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
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
