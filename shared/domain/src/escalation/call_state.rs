//! What a contact's state means for the escalation: one [`CallStatus`] read from what
//! Connect reports about a contact (DescribeContact) and its attributes, under the
//! acknowledgement rule ([`AckRule`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::calls::ContactSnapshot;
use crate::escalation::ack::AckRule;
use crate::payload::CallStatus;

/// Connect's DisconnectReason for a callee whose line was busy.
pub const REASON_BUSY: &str = "TELECOM_BUSY";
/// DisconnectReasons meaning the phone rang out without being answered.
pub const REASONS_NO_ANSWER: &[&str] = &["TELECOM_UNANSWERED", "TELECOM_TIMEOUT"];
/// The DisconnectReason of a contact ended by StopContact.
pub const REASON_STOPPED: &str = "API";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::ack::LEGACY_ACK_ATTRIBUTE;
    use chrono::TimeZone;

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
        let legacy = AckRule { attribute: LEGACY_ACK_ATTRIBUTE.to_owned() };
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
