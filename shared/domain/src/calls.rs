//! Phone calls through Amazon Connect, seen from the domain: the three small capabilities the
//! calling functions need (start a call, look a contact up, stop it), the contact attributes
//! the contact flow reads, and the error split the workflow retries on.
//!
//! These are ports only. What a contact's state means, which ClientToken a call carries and
//! what place-call and next-target do are the escalation engine's ([`crate::escalation`]).
//! Nothing here knows the SDK: the adapter is `adapters::connect`, and tests run the same
//! handlers against a wire-level Connect simulator.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};

use crate::phone::{PhoneNumber, scrub_numbers};

/// Contact attribute carrying the text the contact flow speaks.
pub const ATTRIBUTE_MESSAGE: &str = "alertMessage";
/// Contact attribute tying the call to its escalation (the execution name).
pub const ATTRIBUTE_ESCALATION: &str = "escalationId";
/// Contact attribute carrying the 0-based attempt.
pub const ATTRIBUTE_ATTEMPT: &str = "attempt";
/// Contact attribute carrying the words that ask for the key, spoken before the message: the
/// project's `prompt`, or the deployment's (`CONNECT_PROMPT_TEXT`).
pub const ATTRIBUTE_PROMPT: &str = "prompt";
/// Contact attributes of the project's own Amazon Polly voice (`voice`, `voiceEngine`) and
/// language (`languageCode`), set only when the project has them; the contact flow speaks
/// with the deployment's voice when they are absent or Connect refuses them.
pub const ATTRIBUTE_VOICE: &str = "voice";
pub const ATTRIBUTE_VOICE_ENGINE: &str = "voiceEngine";
pub const ATTRIBUTE_LANGUAGE: &str = "languageCode";

/// One outbound call to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundCall {
    pub destination: PhoneNumber,
    pub source: PhoneNumber,
    pub contact_flow_id: String,
    pub client_token: String,
    /// Contact attributes the flow reads (see the `ATTRIBUTE_*` names).
    pub attributes: BTreeMap<String, String>,
}

/// A contact as DescribeContact reports it; only what the escalation needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSnapshot {
    pub initiated_at: Option<DateTime<Utc>>,
    /// Set once the callee answered (the contact flow started talking to them).
    pub connected_at: Option<DateTime<Utc>>,
    pub disconnected_at: Option<DateTime<Utc>>,
    pub disconnect_reason: Option<String>,
}

/// Why a Connect request failed, split the way the workflow reacts to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// Connect will not ring this destination (not allowed, not a valid number): the call is
    /// recorded as failed and the escalation goes on.
    #[error("Connect refused the destination ({code}: {message})")]
    Refused { code: String, message: String },
    /// Too many requests, even after the SDK's own retries: the workflow retries with backoff.
    #[error("Connect throttled the request ({code}: {message})")]
    Throttled { code: String, message: String },
    /// A 5xx, a timeout or a network failure: worth a retry.
    #[error("Connect is unavailable ({message})")]
    Unavailable { message: String },
    /// The contact (or instance) does not exist, or the contact has already ended.
    #[error("Connect does not know it ({code}: {message})")]
    NotFound { code: String, message: String },
    /// Anything else: a configuration or permission problem that a retry will not fix.
    #[error("Connect rejected the request ({code}: {message})")]
    Failed { code: String, message: String },
}

impl ConnectError {
    /// True when the workflow should retry the step.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Unavailable { .. })
    }

    /// Splits a Connect service error by its code (the `x-amzn-ErrorType`), message and HTTP
    /// status. Messages are scrubbed of phone numbers, because they end up in execution output.
    pub fn from_service(code: &str, message: &str, status: u16) -> Self {
        let code = code.to_owned();
        let message = scrub_numbers(message);
        let about_the_number = {
            let lower = message.to_ascii_lowercase();
            ["phone", "number", "destination"].iter().any(|word| lower.contains(word))
        };
        match code.as_str() {
            "DestinationNotAllowedException" | "OutboundContactNotPermittedException" => {
                Self::Refused { code, message }
            }
            "InvalidParameterException" | "InvalidRequestException" if about_the_number => {
                Self::Refused { code, message }
            }
            "ThrottlingException" | "LimitExceededException" | "TooManyRequestsException" => {
                Self::Throttled { code, message }
            }
            "ResourceNotFoundException" | "ContactNotFoundException" => Self::NotFound { code, message },
            "InternalServiceException"
            | "ServiceUnavailableException"
            | "RequestTimeout"
            | "RequestTimeoutException" => Self::Unavailable { message: format!("{code}: {message}") },
            _ if status == 429 => Self::Throttled { code, message },
            _ if status >= 500 => Self::Unavailable { message: format!("{code}: {message}") },
            _ => Self::Failed { code, message },
        }
    }
}

/// Starts outbound calls (StartOutboundVoiceContact).
pub trait CallStarter: Send + Sync {
    /// Starts `call` and returns Connect's ContactId.
    fn start_call(&self, call: &OutboundCall) -> impl Future<Output = Result<String, ConnectError>> + Send;

    /// True while the contact is live: not yet disconnected. One Connect no longer knows is not.
    /// (Whether another escalation's call still holds a phone's line, see [`crate::lines`].)
    fn is_live(&self, contact_id: &str) -> impl Future<Output = Result<bool, ConnectError>> + Send;
}

/// Reads what became of a call (DescribeContact, GetContactAttributes).
pub trait ContactReader: Send + Sync {
    fn describe(&self, contact_id: &str) -> impl Future<Output = Result<ContactSnapshot, ConnectError>> + Send;

    fn attributes(
        &self,
        contact_id: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, ConnectError>> + Send;
}

/// Ends calls that are no longer needed (StopContact). A contact that has already ended is
/// reported as [`ConnectError::NotFound`], which callers treat as done.
pub trait ContactStopper: Send + Sync {
    fn stop(&self, contact_id: &str) -> impl Future<Output = Result<(), ConnectError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_split_into_refused_throttled_unavailable_and_failed() {
        let refused = ConnectError::from_service("DestinationNotAllowedException", "not allowed", 403);
        assert!(matches!(refused, ConnectError::Refused { .. }));
        let invalid_number =
            ConnectError::from_service("InvalidParameterException", "DestinationPhoneNumber is invalid", 400);
        assert!(matches!(invalid_number, ConnectError::Refused { .. }));
        let invalid_flow = ConnectError::from_service("InvalidParameterException", "ContactFlowId is invalid", 400);
        assert!(matches!(invalid_flow, ConnectError::Failed { .. }));
        for code in ["ThrottlingException", "LimitExceededException", "TooManyRequestsException"] {
            let err = ConnectError::from_service(code, "slow down", 429);
            assert!(matches!(err, ConnectError::Throttled { .. }) && err.is_retryable(), "{code}");
        }
        assert!(ConnectError::from_service("InternalServiceException", "oops", 500).is_retryable());
        assert!(ConnectError::from_service("SomethingNew", "oops", 503).is_retryable());
        assert!(matches!(
            ConnectError::from_service("ContactNotFoundException", "gone", 410),
            ConnectError::NotFound { .. }
        ));
        let denied = ConnectError::from_service("AccessDeniedException", "no", 403);
        assert!(matches!(denied, ConnectError::Failed { .. }) && !denied.is_retryable());
    }

    #[test]
    fn error_messages_lose_their_phone_numbers() {
        let err = ConnectError::from_service("DestinationNotAllowedException", "+819012345678 is not allowed", 403);
        let text = err.to_string();
        assert!(!text.contains("9012345678") && text.contains("+8190****5678"), "{text}");
        assert_eq!(scrub_numbers("call +12 then +819012345678."), "call +12 then +8190****5678.");
    }
}
