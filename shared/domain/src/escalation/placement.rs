//! What place-call does with one request: ring nobody (a dry run), or ring one number, once.
//!
//! The number is the request's, or the fallback number when it names none (the workflow's
//! fail-safe path). The call carries the message to speak and the ids that tie it to its
//! escalation as contact attributes, and a ClientToken derived from the escalation, the
//! attempt and the number. The call ledger is read under that token first: a call an earlier
//! try placed, or a destination Connect refused, is returned without ringing again. A refused
//! destination is a failed call and the escalation goes on; throttling and outages are errors
//! the workflow retries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::calls::{
    ATTRIBUTE_ATTEMPT, ATTRIBUTE_ESCALATION, ATTRIBUTE_LANGUAGE, ATTRIBUTE_MESSAGE, ATTRIBUTE_PROMPT, ATTRIBUTE_VOICE,
    ATTRIBUTE_VOICE_ENGINE, ConnectError, OutboundCall,
};
use crate::config::ConnectConfig;
use crate::ledger::LedgerEntry;
use crate::payload::{CallRecord, CallStatus, PlaceCallRequest};
use crate::phone::PhoneNumber;

/// The detail of a call to the fallback number made because the request named nobody.
const FALLBACK_DETAIL: &str = "fallback number";

/// The StartOutboundVoiceContact ClientToken for one person in one attempt of one escalation.
///
/// Connect answers a repeated token with the first call's ContactId instead of ringing again,
/// so a Lambda retry, a Map retry or a duplicated step never rings a person twice. The number
/// is part of the input because the same attempt rings several people.
pub fn client_token(escalation_id: &str, attempt: u32, number: &PhoneNumber) -> String {
    let digest = Sha256::digest(format!("{escalation_id}:{attempt}:{}", number.as_str()).as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What to do with one place-call request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Nobody may be rung: the record of the call a real alert would make.
    DryRun(CallRecord),
    /// Ring, unless the call ledger shows that an earlier try already did.
    Ring(Ring),
}

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    /// The request for Connect. Its `client_token` is also the call's key in the ledger.
    pub call: OutboundCall,
    /// The call as it is recorded until Connect answers.
    pub record: CallRecord,
}

/// Decides what place-call does with `request` at `now`.
pub fn placement(
    request: &PlaceCallRequest,
    fallback: &PhoneNumber,
    connect: &ConnectConfig,
    now: DateTime<Utc>,
) -> Placement {
    let number = request.phone_number.clone().unwrap_or_else(|| fallback.clone());
    let mut record = CallRecord {
        phone_number: number.clone(),
        attempt: request.attempt,
        contact_id: None,
        status: CallStatus::Placed,
        placed_at: now,
        checked_at: None,
        answered_at: None,
        ended_at: None,
        detail: request.phone_number.is_none().then(|| FALLBACK_DETAIL.to_owned()),
        error: None,
    };
    if request.is_dry_run() {
        record.status = CallStatus::DryRun;
        return Placement::DryRun(record);
    }
    let call = OutboundCall {
        client_token: client_token(&request.escalation_id, request.attempt, &number),
        destination: number,
        source: connect.source_phone_number.clone(),
        contact_flow_id: connect.contact_flow_id.clone(),
        attributes: attributes(request, connect),
    };
    Placement::Ring(Ring { call, record })
}

/// The contact attributes the flow reads: the message, the prompt (the project's or the
/// deployment's), the project's voice and language when it has them, and what ties the call
/// to its escalation.
fn attributes(request: &PlaceCallRequest, connect: &ConnectConfig) -> BTreeMap<String, String> {
    let speech = request.speech.clone().unwrap_or_default();
    let prompt = speech.prompt.unwrap_or_else(|| connect.prompt.clone());
    let mut attributes = BTreeMap::from([
        (ATTRIBUTE_MESSAGE.to_owned(), request.message.clone()),
        (ATTRIBUTE_PROMPT.to_owned(), prompt),
        (ATTRIBUTE_ESCALATION.to_owned(), request.escalation_id.clone()),
        (ATTRIBUTE_ATTEMPT.to_owned(), request.attempt.to_string()),
    ]);
    let own = [
        (ATTRIBUTE_VOICE, speech.voice),
        (ATTRIBUTE_VOICE_ENGINE, speech.voice_engine),
        (ATTRIBUTE_LANGUAGE, speech.language_code),
    ];
    attributes.extend(own.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?))));
    attributes
}

impl Ring {
    /// The call's ClientToken, its key in the call ledger.
    pub fn token(&self) -> &str {
        &self.call.client_token
    }

    /// What an earlier try left in the ledger decides: the call it placed, or Connect's
    /// refusal, is the answer, and nobody is rung again (`Some`). A claim without a result
    /// ([`LedgerEntry::Placing`]: the try died, or Connect failed in a way worth retrying) is
    /// placed again (`None`) with the same token, which Connect deduplicates while the first
    /// contact is live.
    pub fn earlier(&self, entry: LedgerEntry) -> Option<CallRecord> {
        let mut record = self.record.clone();
        match entry {
            LedgerEntry::Placing => return None,
            LedgerEntry::Placed { contact_id, placed_at } => {
                record.contact_id = Some(contact_id.into());
                record.placed_at = placed_at;
            }
            LedgerEntry::Refused { detail, at } => {
                record.status = CallStatus::Failed;
                record.placed_at = at;
                record.detail = Some(detail);
            }
        }
        Some(record)
    }

    /// The call as recorded when another escalation's live call holds the number's line (see
    /// [`crate::lines`]): nothing placed yet; the workflow asks again at each poll.
    pub fn waiting_for_line(&self, escalation_id: &str) -> CallRecord {
        let mut record = self.record.clone();
        record.status = CallStatus::WaitingForLine;
        record.detail = Some(format!("on a call of escalation {escalation_id}"));
        record
    }

    /// Connect's answer to the call: the record and the ledger entry to keep, or the error the
    /// workflow retries (throttled, unavailable) or fails on. A destination Connect refuses is
    /// a failed call, and the escalation goes on.
    pub fn answered(self, answer: Result<String, ConnectError>) -> Result<(CallRecord, LedgerEntry), ConnectError> {
        let mut record = self.record;
        let at = record.placed_at;
        match answer {
            Ok(contact_id) => {
                record.contact_id = Some(contact_id.clone().into());
                Ok((record, LedgerEntry::Placed { contact_id, placed_at: at }))
            }
            Err(refused @ ConnectError::Refused { .. }) => {
                record.status = CallStatus::Failed;
                record.detail = Some(refused.to_string());
                Ok((record, LedgerEntry::Refused { detail: refused.to_string(), at }))
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn number(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap()
    }

    fn connect() -> ConnectConfig {
        ConnectConfig {
            instance_id: "instance".into(),
            contact_flow_id: "flow".into(),
            source_phone_number: number("+81300000000"),
            prompt: crate::config::DEFAULT_PROMPT.into(),
        }
    }

    #[test]
    fn the_call_carries_the_prompt_and_the_projects_voice_and_language_when_it_has_them() {
        let Placement::Ring(plain) =
            placement(&request(Some("+819012345678")), &number("+819099990000"), &connect(), now())
        else {
            panic!("rings");
        };
        assert_eq!(plain.call.attributes[ATTRIBUTE_PROMPT], crate::config::DEFAULT_PROMPT);
        for name in [ATTRIBUTE_VOICE, ATTRIBUTE_VOICE_ENGINE, ATTRIBUTE_LANGUAGE] {
            assert!(!plain.call.attributes.contains_key(name), "{name}: the flow's own default");
        }
        let speech = crate::policy::Speech {
            language_code: Some("en-US".into()),
            voice: Some("Joanna".into()),
            voice_engine: Some("Neural".into()),
            prompt: Some("Press 1.".into()),
        };
        let own = PlaceCallRequest { speech: Some(speech), ..request(Some("+819012345678")) };
        let Placement::Ring(ring) = placement(&own, &number("+819099990000"), &connect(), now()) else {
            panic!("rings")
        };
        let attributes = &ring.call.attributes;
        assert_eq!(
            (&attributes[ATTRIBUTE_PROMPT], &attributes[ATTRIBUTE_VOICE], &attributes[ATTRIBUTE_VOICE_ENGINE]),
            (&"Press 1.".to_owned(), &"Joanna".to_owned(), &"Neural".to_owned())
        );
        assert_eq!(attributes[ATTRIBUTE_LANGUAGE], "en-US");
        assert_eq!(attributes[ATTRIBUTE_MESSAGE], "Disk full");
    }

    fn request(raw: Option<&str>) -> PlaceCallRequest {
        PlaceCallRequest {
            escalation_id: "exec-1".into(),
            attempt: 1,
            phone_number: raw.map(number),
            message: "Disk full".into(),
            dry_run: false,
            alert_input: None,
            speech: None,
        }
    }

    fn ring(request: &PlaceCallRequest) -> Ring {
        match placement(request, &number("+819099990000"), &connect(), now()) {
            Placement::Ring(ring) => ring,
            Placement::DryRun(record) => panic!("expected a call, got a dry run: {record:?}"),
        }
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
    fn a_call_carries_the_message_the_ids_and_the_token() {
        let ring = ring(&request(Some("+819012345678")));
        assert_eq!(ring.call.destination, number("+819012345678"));
        assert_eq!(ring.call.source, number("+81300000000"));
        assert_eq!(ring.call.contact_flow_id, "flow");
        assert_eq!(ring.token(), client_token("exec-1", 1, &number("+819012345678")));
        assert_eq!(ring.call.attributes[ATTRIBUTE_MESSAGE], "Disk full");
        assert_eq!(ring.call.attributes[ATTRIBUTE_ESCALATION], "exec-1");
        assert_eq!(ring.call.attributes[ATTRIBUTE_ATTEMPT], "1");
        assert_eq!((ring.record.status, ring.record.placed_at, ring.record.detail), (CallStatus::Placed, now(), None));
    }

    #[test]
    fn without_a_number_the_fallback_is_rung_and_said_to_be() {
        let ring = ring(&request(None));
        assert_eq!(ring.call.destination, number("+819099990000"));
        assert_eq!(ring.record.detail.as_deref(), Some("fallback number"));
    }

    #[test]
    fn a_dry_run_rings_nobody() {
        let dry = PlaceCallRequest { dry_run: true, ..request(Some("+819012345678")) };
        let Placement::DryRun(record) = placement(&dry, &number("+819099990000"), &connect(), now()) else {
            panic!("a dry run must not ring");
        };
        assert_eq!((record.status, record.contact_id), (CallStatus::DryRun, None));
        let asked_by_the_input =
            PlaceCallRequest { alert_input: Some(serde_json::json!({"input": {"dryRun": true}})), ..request(None) };
        let placed = placement(&asked_by_the_input, &number("+819099990000"), &connect(), now());
        assert!(matches!(placed, Placement::DryRun(_)), "{placed:?}");
    }

    #[test]
    fn what_an_earlier_try_recorded_is_the_answer() {
        let ring = ring(&request(Some("+819012345678")));
        let earlier = now() - chrono::Duration::seconds(5);
        let placed = ring.earlier(LedgerEntry::Placed { contact_id: "c-1".into(), placed_at: earlier }).unwrap();
        assert_eq!((placed.contact_id.as_deref(), placed.placed_at), (Some("c-1"), earlier));
        let refused = ring.earlier(LedgerEntry::Refused { detail: "no".into(), at: earlier }).unwrap();
        assert_eq!((refused.status, refused.detail.as_deref()), (CallStatus::Failed, Some("no")));
        assert_eq!(ring.earlier(LedgerEntry::Placing), None, "a claim without a result is placed again");
    }

    #[test]
    fn connects_answer_becomes_the_record_and_the_ledger_entry() {
        let (record, entry) = ring(&request(Some("+819012345678"))).answered(Ok("c-1".into())).unwrap();
        assert_eq!(record.contact_id.as_deref(), Some("c-1"));
        assert_eq!(entry, LedgerEntry::Placed { contact_id: "c-1".into(), placed_at: now() });

        let refusal = ConnectError::Refused { code: "DestinationNotAllowedException".into(), message: "no".into() };
        let (record, entry) = ring(&request(Some("+819012345678"))).answered(Err(refusal.clone())).unwrap();
        assert_eq!((record.status, record.detail), (CallStatus::Failed, Some(refusal.to_string())));
        assert_eq!(entry, LedgerEntry::Refused { detail: refusal.to_string(), at: now() });

        let throttled = ConnectError::Throttled { code: "LimitExceededException".into(), message: "x".into() };
        let err = ring(&request(Some("+819012345678"))).answered(Err(throttled.clone())).unwrap_err();
        assert_eq!(err, throttled);
    }
}
