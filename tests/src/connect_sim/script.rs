//! Scripts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How one callee behaves when rung. JSON: `{"behaviour": "acknowledges", "afterSeconds": 5}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "behaviour", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum Behaviour {
    /// Answers after `answerAfterSeconds` (default: 2, never later than the key), presses 1
    /// `afterSeconds` after the call started; the flow says goodbye and hangs up
    /// `hangUpAfterSeconds` (default 5) after the key.
    Acknowledges {
        #[serde(default = "five")]
        after_seconds: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer_after_seconds: Option<u64>,
        #[serde(default = "five")]
        hang_up_after_seconds: u64,
    },
    /// Answered (by a person or a voicemail box) after `answerAfterSeconds` (default 10), no
    /// key pressed; ends `hangUpAfterSeconds` (default 30) after the answer.
    Voicemail {
        #[serde(default = "ten")]
        answer_after_seconds: u64,
        #[serde(default = "thirty")]
        hang_up_after_seconds: u64,
    },
    /// The line is busy: the call ends after `afterSeconds` (default 1) with `TELECOM_BUSY`.
    Busy {
        #[serde(default = "one")]
        after_seconds: u64,
    },
    /// Rings until it rings out after `ringSeconds` (`TELECOM_UNANSWERED`), or until it is
    /// stopped. Without `ringSeconds`, Connect's own dialing timeout: StartOutboundVoiceContact
    /// fails a call that is not connected after [`DIALING_TIMEOUT_SECONDS`].
    NeverAnswers {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ring_seconds: Option<u64>,
    },
    /// Never connects: ends after `afterSeconds` (default 1) with `reason` (default
    /// `TELECOM_PROBLEM`).
    Fails {
        #[serde(default = "one")]
        after_seconds: u64,
        #[serde(default = "telecom_problem")]
        reason: String,
    },
    /// Connect will not call this destination: 403 `DestinationNotAllowedException`.
    Refused,
    /// Connect rejects the number: 400 `InvalidParameterException`.
    InvalidNumber,
}

/// StartOutboundVoiceContact: "There is a 60-second dialing timeout for this operation. If the
/// call is not connected after 60 seconds, it fails." (Amazon Connect API reference; a call
/// made with `RingTimeoutInSeconds`, campaign traffic only, may ring 15 to 60 s.)
pub const DIALING_TIMEOUT_SECONDS: u64 = 60;

pub(super) fn one() -> u64 {
    1
}
pub(super) fn five() -> u64 {
    5
}
pub(super) fn ten() -> u64 {
    10
}
pub(super) fn thirty() -> u64 {
    30
}
pub(super) fn telecom_problem() -> String {
    "TELECOM_PROBLEM".to_owned()
}

/// A callee: a behaviour, and optionally how the service misbehaves around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callee {
    #[serde(flatten)]
    pub behaviour: Behaviour,
    /// This many StartOutboundVoiceContact requests for the number are throttled (429
    /// `LimitExceededException`) before one gets through.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub throttled_requests: u32,
    /// For this many seconds after the call starts, DescribeContact and GetContactAttributes
    /// answer 404 `ResourceNotFoundException`: a new contact is not visible at once.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub invisible_for_seconds: u64,
    /// Every StopContact for this callee's contacts is throttled (429 `ThrottlingException`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stop_throttled: bool,
}

pub(super) fn is_zero(n: &u32) -> bool {
    *n == 0
}

pub(super) fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl Callee {
    pub fn new(behaviour: Behaviour) -> Self {
        Self { behaviour, throttled_requests: 0, invisible_for_seconds: 0, stop_throttled: false }
    }

    /// Answers at once and presses 1 after `seconds`.
    pub fn acknowledges_after(seconds: u64) -> Self {
        Self::new(Behaviour::Acknowledges {
            after_seconds: seconds,
            answer_after_seconds: None,
            hang_up_after_seconds: 5,
        })
    }

    /// Answered after `answer_after` seconds, hangs up `hang_up_after` seconds later, no key.
    pub fn voicemail(answer_after: u64, hang_up_after: u64) -> Self {
        Self::new(Behaviour::Voicemail { answer_after_seconds: answer_after, hang_up_after_seconds: hang_up_after })
    }

    pub fn busy() -> Self {
        Self::new(Behaviour::Busy { after_seconds: 1 })
    }

    /// Rings until stopped, or until Connect's dialing timeout.
    pub fn never_answers() -> Self {
        Self::new(Behaviour::NeverAnswers { ring_seconds: None })
    }

    /// Rings out after `seconds` with `TELECOM_UNANSWERED`.
    pub fn rings_out_after(seconds: u64) -> Self {
        Self::new(Behaviour::NeverAnswers { ring_seconds: Some(seconds) })
    }

    pub fn fails(reason: &str) -> Self {
        Self::new(Behaviour::Fails { after_seconds: 1, reason: reason.to_owned() })
    }

    pub fn refused() -> Self {
        Self::new(Behaviour::Refused)
    }

    pub fn invalid_number() -> Self {
        Self::new(Behaviour::InvalidNumber)
    }

    /// The first `requests` StartOutboundVoiceContact requests for this number are throttled.
    pub fn throttled_for(mut self, requests: u32) -> Self {
        self.throttled_requests = requests;
        self
    }

    /// The contact is unknown to DescribeContact for its first `seconds`.
    pub fn invisible_for(mut self, seconds: u64) -> Self {
        self.invisible_for_seconds = seconds;
        self
    }

    /// StopContact is always throttled for this callee's calls.
    pub fn stop_throttled(mut self) -> Self {
        self.stop_throttled = true;
        self
    }
}

/// E.164 number → callee. Numbers not in the script never answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Script(pub BTreeMap<String, Callee>);

impl Script {
    /// Parses a script file, checking that every key is an E.164 number.
    pub fn parse(json: &str) -> Result<Self, String> {
        let script: Self = serde_json::from_str(json).map_err(|err| format!("not a simulator script: {err}"))?;
        for number in script.0.keys() {
            domain::phone::PhoneNumber::parse(number).map_err(|err| format!("script key: {err}"))?;
        }
        Ok(script)
    }

    pub fn with(mut self, number: &str, callee: Callee) -> Self {
        self.0.insert(number.to_owned(), callee);
        self
    }
}

/// What the contact flow does with the callee, i.e. which attributes it sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    /// The shipped flow: `acknowledged=true` when the callee presses 1.
    #[default]
    Shipped,
    /// The original tool's flow: `isTalking=true` as soon as the call is answered.
    Legacy,
}
