//! What goes wrong, by name.

use domain::config::ConfigError;
use domain::store::StoreError;

use crate::signature::EmptyToken;

/// What goes wrong while answering a call. None of it reaches Lambda (a caller must never
/// hear Twilio's application error): each is logged under its `error_type`, reported to
/// Slack, and answered with the apology, or with 403 for a request that is not Twilio's.
#[derive(Debug, thiserror::Error)]
pub enum ForwardCallError {
    #[error("the request is not signed by Twilio for {url}: {reason}")]
    InvalidSignature { url: String, reason: &'static str },
    #[error("the forwarding file could not be read: {0}")]
    ForwardingFileUnreadable(StoreError),
    #[error("the forwarding file cannot be used: {0}")]
    ForwardingFileInvalid(String),
    #[error("{called} is not in the forwarding file")]
    UnknownNumber { called: String },
    #[error("nobody to forward to: {0}")]
    NoDestination(String),
}

impl ForwardCallError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::InvalidSignature { .. } => "InvalidSignature",
            Self::ForwardingFileUnreadable(err) if err.is_transient() => "ForwardingFileTransient",
            Self::ForwardingFileUnreadable(_) => "ForwardingFileUnreadable",
            Self::ForwardingFileInvalid(_) => "ForwardingFileInvalid",
            Self::UnknownNumber { .. } => "UnknownNumber",
            Self::NoDestination(_) => "NoDestination",
        }
    }
}

/// Why the function could not start: without its settings or the auth token no request
/// can be trusted. (Slack is optional: a webhook URL that cannot be used only turns it off.)
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] adapters::ssm::SecretError),
    #[error("TWILIO_AUTH_TOKEN_PARAMETER {0}: {1}")]
    Token(String, EmptyToken),
}
