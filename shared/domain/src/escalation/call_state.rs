//! What a contact's state means for the escalation: one [`CallStatus`] read from what
//! Connect reports about a contact (DescribeContact) and its attributes, under the
//! acknowledgement rule ([`AckRule`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::calls::ContactSnapshot;
use crate::escalation::ack::AckRule;
use crate::payload::{CallRecord, CallStatus};

/// A contact DescribeContact does not know yet is taken as still ringing for this long after
/// it was placed: a new contact is not always visible at once, and marking it failed would
/// leave it unstopped and its key press ignored.
pub const CONTACT_VISIBILITY_GRACE_SECONDS: i64 = 30;

/// The detail of a call whose contact is not visible yet; replaced once it is.
const NOT_VISIBLE_YET: &str = "not visible in Connect yet";

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

/// What a contact Connect does not know (`ContactNotFoundException`) means for `call`: still
/// ringing within [`CONTACT_VISIBILITY_GRACE_SECONDS`] of placing it, failed after that.
pub fn unknown_contact(call: &CallRecord, contact_id: &str, error: &str, now: DateTime<Utc>) -> CallState {
    if (now - call.placed_at).num_seconds() < CONTACT_VISIBILITY_GRACE_SECONDS {
        CallState { status: CallStatus::Ringing, ended_at: None, detail: Some(NOT_VISIBLE_YET.to_owned()) }
    } else {
        CallState {
            status: CallStatus::Failed,
            ended_at: None,
            detail: Some(format!("contact {contact_id} not found in Connect: {error}")),
        }
    }
}

/// Brings `call` up to date with what was read at `now`. An answer once seen is kept, and a
/// detail from an earlier check is kept when this one has none, except the "not visible yet"
/// note, which no longer holds.
pub fn update(call: &mut CallRecord, state: CallState, answered_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    call.checked_at = Some(now);
    call.status = state.status;
    call.ended_at = state.ended_at;
    call.answered_at = answered_at.or(call.answered_at);
    call.detail = state.detail.or_else(|| call.detail.take().filter(|detail| detail != NOT_VISIBLE_YET));
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

    fn placed_at(second: u32) -> CallRecord {
        CallRecord {
            phone_number: crate::phone::PhoneNumber::parse("+819011110001").unwrap(),
            attempt: 0,
            contact_id: Some("c-1".into()),
            status: CallStatus::Placed,
            placed_at: at(second),
            checked_at: None,
            answered_at: None,
            ended_at: None,
            detail: None,
            error: None,
        }
    }

    #[test]
    fn an_unknown_contact_rings_during_the_grace_period_and_fails_after_it() {
        let call = placed_at(0);
        let grace = u32::try_from(CONTACT_VISIBILITY_GRACE_SECONDS).unwrap();
        let early = unknown_contact(&call, "c-1", "not found", at(grace - 1));
        assert_eq!(early.status, CallStatus::Ringing);
        let late = unknown_contact(&call, "c-1", "not found", at(grace));
        assert_eq!(late.status, CallStatus::Failed);
        assert!(late.detail.unwrap().contains("c-1"));
    }

    #[test]
    fn an_update_drops_the_not_visible_note_and_keeps_other_details_and_the_answer() {
        let mut call = placed_at(0);
        let not_visible = unknown_contact(&call, "c-1", "x", at(5));
        update(&mut call, not_visible, None, at(5));
        assert_eq!((call.status, call.checked_at), (CallStatus::Ringing, Some(at(5))));
        let ringing = CallState { status: CallStatus::Ringing, ended_at: None, detail: None };
        update(&mut call, ringing.clone(), None, at(10));
        assert_eq!(call.detail, None, "the note no longer holds once Connect knows the contact");

        call.detail = Some("queued".into());
        update(&mut call, CallState { status: CallStatus::InProgress, ..ringing.clone() }, Some(at(12)), at(15));
        assert_eq!((call.detail.as_deref(), call.answered_at), (Some("queued"), Some(at(12))));
        update(
            &mut call,
            CallState { status: CallStatus::AnsweredWithoutKey, ended_at: Some(at(20)), detail: None },
            None,
            at(20),
        );
        assert_eq!(call.answered_at, Some(at(12)));
    }
}
