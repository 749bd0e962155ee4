//! Phone calls through Amazon Connect, seen from the domain: the three small capabilities the
//! calling functions need (start a call, look a contact up, stop it), the error split the
//! workflow retries on, the idempotency token that keeps a retried step from ringing a person
//! twice, and the reading of a contact's state as one [`CallStatus`].
//!
//! Nothing here knows the SDK: the adapter is `adapters::connect`, and tests run the same
//! handlers against a wire-level Connect simulator.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::AckRule;
use crate::payload::CallStatus;
use crate::phone::PhoneNumber;

/// Contact attribute carrying the text the contact flow speaks.
pub const ATTRIBUTE_MESSAGE: &str = "alertMessage";
/// Contact attribute tying the call to its escalation (the execution name).
pub const ATTRIBUTE_ESCALATION: &str = "escalationId";
/// Contact attribute carrying the 0-based attempt.
pub const ATTRIBUTE_ATTEMPT: &str = "attempt";

/// Connect's DisconnectReason for a callee whose line was busy.
pub const REASON_BUSY: &str = "TELECOM_BUSY";
/// DisconnectReasons meaning the phone rang out without being answered.
pub const REASONS_NO_ANSWER: &[&str] = &["TELECOM_UNANSWERED", "TELECOM_TIMEOUT"];
/// The DisconnectReason of a contact ended by StopContact.
pub const REASON_STOPPED: &str = "API";

/// The StartOutboundVoiceContact ClientToken for one person in one attempt of one escalation.
///
/// Connect answers a repeated token with the first call's ContactId instead of ringing again,
/// so a Lambda retry, a Map retry or a duplicated step never rings a person twice. The number
/// is part of the input because the same attempt rings several people.
pub fn client_token(escalation_id: &str, attempt: u32, number: &PhoneNumber) -> String {
    let digest = Sha256::digest(format!("{escalation_id}:{attempt}:{}", number.as_str()).as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Where "now" comes from: the system clock in Lambda, a controlled clock in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

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

/// What a contact's state means for the escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallState {
    pub status: CallStatus,
    pub ended_at: Option<DateTime<Utc>>,
    /// Connect's disconnect reason, when there is one.
    pub detail: Option<String>,
}

/// Reads one [`CallStatus`] from a contact and its attributes.
///
/// The acknowledgement attribute wins over everything: a callee who pressed 1 and then hung
/// up is acknowledged. An answered call that ended without it is `answeredWithoutKey`, never
/// an acknowledgement, because carriers' voicemail answers calls too.
pub fn call_state(contact: &ContactSnapshot, attributes: &BTreeMap<String, String>, ack: &AckRule) -> CallState {
    let reason = contact.disconnect_reason.clone();
    let ended_at = contact.disconnected_at;
    if ack.is_acknowledged(attributes.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        let detail = ack.is_legacy().then(|| format!("{}=true (legacy: set on answer, voicemail too)", ack.attribute));
        return CallState { status: CallStatus::Acknowledged, ended_at, detail };
    }
    let status = match (ended_at, reason.as_deref()) {
        (None, _) if contact.connected_at.is_some() => CallStatus::InProgress,
        (None, _) => CallStatus::Ringing,
        (Some(_), Some(REASON_BUSY)) => CallStatus::Busy,
        (Some(_), Some(r)) if REASONS_NO_ANSWER.contains(&r) => CallStatus::NoAnswer,
        (Some(_), _) if contact.connected_at.is_some() => CallStatus::AnsweredWithoutKey,
        (Some(_), Some(REASON_STOPPED)) => CallStatus::Stopped,
        (Some(_), _) => CallStatus::Failed,
    };
    let detail = match (status, reason) {
        (CallStatus::Failed, None) => Some("ended without being answered; Connect gave no reason".to_owned()),
        (_, reason) => reason,
    };
    CallState { status, ended_at, detail }
}

/// Masks every phone-number-like run (`+` and 6 or more digits) in free text such as a
/// Connect error message, so that it can be logged and kept in the execution's output.
pub fn scrub_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('+') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits >= 6 {
            out.push_str(&crate::phone::mask(&rest[at..at + 1 + digits]));
        } else {
            out.push_str(&rest[at..at + 1 + digits]);
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn number(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, second).unwrap()
    }

    fn rule() -> AckRule {
        AckRule { attribute: "acknowledged".to_owned() }
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn client_token_is_the_sha256_of_escalation_attempt_and_number() {
        let token = client_token("exec-1", 2, &number("+819012345678"));
        // printf 'exec-1:2:+819012345678' | sha256sum
        assert_eq!(token, "cdc3bacf4df1bcfc23cfb1aaad26df76c29d2beee60b7777134b61c7e214327e");
        assert_eq!(token, client_token("exec-1", 2, &number("+819012345678")));
        assert_ne!(token, client_token("exec-1", 3, &number("+819012345678")));
        assert_ne!(token, client_token("exec-2", 2, &number("+819012345678")));
        assert_ne!(token, client_token("exec-1", 2, &number("+819012345679")));
    }

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

    #[test]
    fn the_ack_attribute_wins_even_after_the_callee_hung_up() {
        let contact = ContactSnapshot {
            connected_at: Some(at(3)),
            disconnected_at: Some(at(9)),
            disconnect_reason: Some("CUSTOMER_DISCONNECT".into()),
            ..Default::default()
        };
        let state = call_state(&contact, &attrs(&[("acknowledged", "true")]), &rule());
        assert_eq!(state.status, CallStatus::Acknowledged);
        assert_eq!(state.ended_at, Some(at(9)));
    }

    #[test]
    fn an_answer_without_the_key_is_not_an_acknowledgement() {
        let voicemail = ContactSnapshot {
            connected_at: Some(at(3)),
            disconnected_at: Some(at(30)),
            disconnect_reason: Some("CUSTOMER_DISCONNECT".into()),
            ..Default::default()
        };
        let state = call_state(&voicemail, &attrs(&[("alertMessage", "boom")]), &rule());
        assert_eq!(state.status, CallStatus::AnsweredWithoutKey);
        assert_eq!(state.detail.as_deref(), Some("CUSTOMER_DISCONNECT"));
        // The legacy flow's attribute does not count under the default rule.
        let state = call_state(&voicemail, &attrs(&[("isTalking", "true")]), &rule());
        assert_eq!(state.status, CallStatus::AnsweredWithoutKey);
    }

    #[test]
    fn the_legacy_rule_counts_an_answer_and_says_so() {
        let legacy = AckRule { attribute: "isTalking".to_owned() };
        let contact = ContactSnapshot { connected_at: Some(at(3)), ..Default::default() };
        let state = call_state(&contact, &attrs(&[("isTalking", "true")]), &legacy);
        assert_eq!(state.status, CallStatus::Acknowledged);
        assert!(state.detail.unwrap().contains("voicemail"));
    }

    #[test]
    fn disconnect_reasons_become_statuses() {
        let ended = |reason: Option<&str>, connected: bool| ContactSnapshot {
            initiated_at: Some(at(0)),
            connected_at: connected.then(|| at(2)),
            disconnected_at: Some(at(5)),
            disconnect_reason: reason.map(str::to_owned),
        };
        let status = |c: ContactSnapshot| call_state(&c, &BTreeMap::new(), &rule());
        assert_eq!(status(ended(Some("TELECOM_BUSY"), false)).status, CallStatus::Busy);
        assert_eq!(status(ended(Some("TELECOM_UNANSWERED"), false)).status, CallStatus::NoAnswer);
        assert_eq!(status(ended(Some("TELECOM_TIMEOUT"), false)).status, CallStatus::NoAnswer);
        assert_eq!(status(ended(Some("API"), false)).status, CallStatus::Stopped);
        let failed = status(ended(Some("TELECOM_PROBLEM"), false));
        assert_eq!((failed.status, failed.detail.as_deref()), (CallStatus::Failed, Some("TELECOM_PROBLEM")));
        assert_eq!(status(ended(None, false)).status, CallStatus::Failed);
        assert_eq!(status(ended(Some("CONTACT_FLOW_DISCONNECT"), true)).status, CallStatus::AnsweredWithoutKey);
    }

    #[test]
    fn live_contacts_are_ringing_until_answered() {
        let ringing = ContactSnapshot { initiated_at: Some(at(0)), ..Default::default() };
        assert_eq!(call_state(&ringing, &BTreeMap::new(), &rule()).status, CallStatus::Ringing);
        let talking = ContactSnapshot { connected_at: Some(at(2)), ..ringing };
        let state = call_state(&talking, &BTreeMap::new(), &rule());
        assert_eq!((state.status, state.ended_at), (CallStatus::InProgress, None));
    }
}
