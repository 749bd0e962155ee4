//! Contacts.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::script::{Behaviour, DIALING_TIMEOUT_SECONDS, Flow};

/// A call's life relative to its start, from the callee's behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Timeline {
    pub(super) answered: Option<u64>,
    pub(super) key: Option<u64>,
    pub(super) ended: Option<(u64, String)>,
}

impl Timeline {
    pub(super) fn of(behaviour: &Behaviour) -> Self {
        match behaviour {
            Behaviour::Acknowledges { after_seconds, answer_after_seconds, hang_up_after_seconds } => {
                let key = *after_seconds;
                Self {
                    answered: Some(answer_after_seconds.unwrap_or(2).min(key)),
                    key: Some(key),
                    ended: Some((key + hang_up_after_seconds, "CONTACT_FLOW_DISCONNECT".to_owned())),
                }
            }
            Behaviour::Voicemail { answer_after_seconds, hang_up_after_seconds } => Self {
                answered: Some(*answer_after_seconds),
                key: None,
                ended: Some((answer_after_seconds + hang_up_after_seconds, "CUSTOMER_DISCONNECT".to_owned())),
            },
            Behaviour::Busy { after_seconds } => {
                Self { answered: None, key: None, ended: Some((*after_seconds, "TELECOM_BUSY".to_owned())) }
            }
            Behaviour::NeverAnswers { ring_seconds } => {
                let rings = ring_seconds.unwrap_or(DIALING_TIMEOUT_SECONDS);
                Self { answered: None, key: None, ended: Some((rings, "TELECOM_UNANSWERED".to_owned())) }
            }
            Behaviour::Fails { after_seconds, reason } => {
                Self { answered: None, key: None, ended: Some((*after_seconds, reason.clone())) }
            }
            Behaviour::Refused | Behaviour::InvalidNumber => {
                Self { answered: None, key: None, ended: Some((0, "OTHER".to_owned())) }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Contact {
    pub(super) id: String,
    pub(super) instance_id: String,
    pub(super) destination: String,
    pub(super) client_token: Option<String>,
    pub(super) attributes: BTreeMap<String, String>,
    pub(super) initiated_at: DateTime<Utc>,
    pub(super) timeline: Timeline,
    pub(super) stopped_at: Option<DateTime<Utc>>,
    pub(super) invisible_for_seconds: u64,
    pub(super) stop_throttled: bool,
}

/// A contact as it stands at one instant: what DescribeContact and GetContactAttributes say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub contact_id: String,
    pub instance_id: String,
    pub destination: String,
    pub client_token: Option<String>,
    pub initiated_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub disconnected_at: Option<DateTime<Utc>>,
    pub disconnect_reason: Option<String>,
    /// The attributes given to StartOutboundVoiceContact plus those the flow has set.
    pub attributes: BTreeMap<String, String>,
    /// True when the escalation ended this call with StopContact.
    pub stopped: bool,
}

impl ContactView {
    pub fn is_live(&self) -> bool {
        self.disconnected_at.is_none()
    }
}

impl Contact {
    /// False while a new contact is not yet visible to DescribeContact.
    pub(super) fn visible(&self, now: DateTime<Utc>) -> bool {
        now >= self.at(self.invisible_for_seconds)
    }

    pub(super) fn at(&self, offset: u64) -> DateTime<Utc> {
        self.initiated_at + Duration::seconds(i64::try_from(offset).unwrap_or(i64::MAX / 1000))
    }

    pub(super) fn view(&self, now: DateTime<Utc>, flow: Flow) -> ContactView {
        let natural_end = self.timeline.ended.as_ref().map(|(offset, reason)| (self.at(*offset), reason.clone()));
        let end = match (natural_end, self.stopped_at) {
            (Some((at, reason)), Some(stopped)) if at <= stopped => Some((at, reason)),
            (_, Some(stopped)) => Some((stopped, "API".to_owned())),
            (natural, None) => natural,
        };
        let end = end.filter(|(at, _)| *at <= now);
        // Nothing happens on the call after it ended.
        let happened = |offset: Option<u64>| {
            offset.map(|o| self.at(o)).filter(|at| *at <= now && end.as_ref().is_none_or(|(e, _)| at <= e))
        };
        let connected_at = happened(self.timeline.answered);
        let key_at = happened(self.timeline.key);
        let mut attributes = self.attributes.clone();
        match flow {
            Flow::Shipped if key_at.is_some() => {
                attributes.insert("acknowledged".to_owned(), "true".to_owned());
            }
            Flow::Legacy if connected_at.is_some() => {
                attributes.insert("isTalking".to_owned(), "true".to_owned());
            }
            _ => {}
        }
        ContactView {
            contact_id: self.id.clone(),
            instance_id: self.instance_id.clone(),
            destination: self.destination.clone(),
            client_token: self.client_token.clone(),
            initiated_at: self.initiated_at,
            connected_at,
            disconnected_at: end.as_ref().map(|(at, _)| *at),
            disconnect_reason: end.map(|(_, reason)| reason),
            attributes,
            stopped: self.stopped_at.is_some(),
        }
    }
}
