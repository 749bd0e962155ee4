//! The simulator.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, Method};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::clock::{SimClock, lock};
use super::contact::{Contact, ContactView, Timeline};
use super::http::{
    control_advance, control_contacts, control_faults, control_get_script, control_now, control_requests,
    control_reset, control_script, sdk_request,
};
use super::request::{Fault, Operation, RecordedRequest, SimResponse};
use super::script::{Behaviour, Callee, Flow, Script};

/// The default account and region in the ARNs the simulator returns.
const ARN_PREFIX: &str = "arn:aws:connect:ap-northeast-1:123456789012:instance";

#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) script: Script,
    pub(super) flow: Flow,
    pub(super) contacts: Vec<Contact>,
    pub(super) by_token: HashMap<String, String>,
    pub(super) start_requests_by_number: HashMap<String, u32>,
    pub(super) faults: VecDeque<Fault>,
    pub(super) requests: Vec<RecordedRequest>,
}

/// The simulator's state; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct ConnectSim {
    pub(super) inner: Arc<Mutex<Inner>>,
    pub(super) clock: SimClock,
}

impl ConnectSim {
    /// A simulator on a manual clock.
    pub fn new(script: Script) -> Self {
        Self::with_clock(script, SimClock::manual_default())
    }

    pub fn with_clock(script: Script, clock: SimClock) -> Self {
        Self { inner: Arc::new(Mutex::new(Inner { script, ..Inner::default() })), clock }
    }

    pub fn clock(&self) -> SimClock {
        self.clock.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves a manual clock forward.
    pub fn advance(&self, seconds: u64) -> DateTime<Utc> {
        self.clock.advance(seconds).unwrap_or_else(|_| self.clock.now())
    }

    /// Sets (or replaces) one callee's behaviour.
    pub fn script(&self, number: &str, callee: Callee) {
        lock(&self.inner).script.0.insert(number.to_owned(), callee);
    }

    /// Replaces the whole script; contacts already placed keep their behaviour.
    pub fn set_script(&self, script: Script) {
        lock(&self.inner).script = script;
    }

    pub fn set_flow(&self, flow: Flow) {
        lock(&self.inner).flow = flow;
    }

    /// The next `count` SDK requests, of any operation, fail with `fault`.
    pub fn inject_faults(&self, count: usize, fault: Fault) {
        lock(&self.inner).faults.extend(std::iter::repeat_n(fault, count));
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner).requests.clone()
    }

    pub fn requests_for(&self, operation: Operation) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.operation == operation).collect()
    }

    /// Every contact placed, as it stands now.
    pub fn contacts(&self) -> Vec<ContactView> {
        let now = self.now();
        let inner = lock(&self.inner);
        inner.contacts.iter().map(|c| c.view(now, inner.flow)).collect()
    }

    pub fn contact(&self, contact_id: &str) -> Option<ContactView> {
        self.contacts().into_iter().find(|c| c.contact_id == contact_id)
    }

    /// How many calls were really placed to `number` (a repeated ClientToken is not a call).
    pub fn calls_to(&self, number: &str) -> usize {
        lock(&self.inner).contacts.iter().filter(|c| c.destination == number).count()
    }

    /// Forgets contacts, requests and faults; keeps the script and the flow.
    pub fn reset(&self) {
        let mut inner = lock(&self.inner);
        let script = std::mem::take(&mut inner.script);
        let flow = inner.flow;
        *inner = Inner { script, flow, ..Inner::default() };
    }

    /// Answers one SDK request. Every request is recorded, including refused ones.
    pub fn handle(&self, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> SimResponse {
        let now = self.now();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let operation = match (method.as_str(), segments.as_slice()) {
            ("PUT", ["contact", "outbound-voice"]) => Operation::StartOutboundVoiceContact,
            ("GET", ["contacts", _, _]) => Operation::DescribeContact,
            ("GET", ["contact", "attributes", _, _]) => Operation::GetContactAttributes,
            ("POST", ["contact", "stop"]) => Operation::StopContact,
            _ => Operation::Unknown,
        };
        let parsed: Result<Value, String> = if body.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_slice(body).map_err(|err| format!("the body is not JSON: {err}"))
        };
        let signed = is_signed(headers);
        let mut inner = lock(&self.inner);
        let response = match (&parsed, signed) {
            (_, false) => {
                SimResponse::error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
            }
            (Err(err), true) => SimResponse::error(400, "SerializationException", err.clone()),
            (Ok(_), true) if operation == Operation::Unknown => {
                SimResponse::error(404, "UnknownOperationException", format!("no operation at {method} {path}"))
            }
            (Ok(body), true) => match inner.faults.pop_front() {
                Some(Fault::Throttling) if operation == Operation::StartOutboundVoiceContact => SimResponse::error(
                    429,
                    "LimitExceededException",
                    "The allowed limit for the resource has been exceeded.",
                ),
                Some(Fault::Throttling) => SimResponse::error(429, "ThrottlingException", "Rate exceeded"),
                Some(Fault::Internal) => {
                    SimResponse::error(500, "InternalServiceException", "Request processing failed")
                }
                None => match operation {
                    Operation::StartOutboundVoiceContact => inner.start(body, now),
                    Operation::DescribeContact => inner.describe(segments[1], segments[2], now),
                    Operation::GetContactAttributes => inner.attributes(segments[2], segments[3], now),
                    Operation::StopContact => inner.stop(body, now),
                    Operation::Unknown => SimResponse::error(404, "UnknownOperationException", "unknown operation"),
                },
            },
        };
        inner.requests.push(RecordedRequest {
            operation,
            method: method.to_string(),
            path: path.to_owned(),
            body: parsed.unwrap_or(Value::Null),
            at: now,
            signed,
            status: response.status,
            error_type: response.error_type.clone(),
        });
        response
    }

    /// The HTTP app: the SDK operations, and the control endpoints under `/_sim/`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sim/requests", get(control_requests))
            .route("/_sim/contacts", get(control_contacts))
            .route("/_sim/now", get(control_now))
            .route("/_sim/advance", post(control_advance))
            .route("/_sim/script", post(control_script).get(control_get_script))
            .route("/_sim/faults", post(control_faults))
            .route("/_sim/reset", post(control_reset))
            .fallback(sdk_request)
            .with_state(self.clone())
    }

    /// Serves the simulator on an ephemeral port of 127.0.0.1 until the returned value drops.
    pub async fn start(&self) -> std::io::Result<RunningSim> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = self.router();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RunningSim { sim: self.clone(), addr, task })
    }
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    pub sim: ConnectSim,
    pub addr: SocketAddr,
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    /// The `endpoint_url` for the SDK.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// SigV4 leaves `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
/// and `x-amz-date`. The signature itself is not verified: the point is that the request went
/// through the SDK's signer, as it must for the real service.
pub(super) fn is_signed(headers: &HeaderMap) -> bool {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    authorization.starts_with("AWS4-HMAC-SHA256 ")
        && ["Credential=", "SignedHeaders=", "Signature="].iter().all(|part| authorization.contains(part))
        && headers.contains_key("x-amz-date")
}

pub(super) fn epoch(at: DateTime<Utc>) -> Value {
    // Connect sends fractional epoch seconds.
    #[allow(clippy::cast_precision_loss)]
    let seconds = at.timestamp_millis() as f64 / 1000.0;
    json!(seconds)
}

pub(super) fn text<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Inner {
    pub(super) fn start(&mut self, body: &Value, now: DateTime<Utc>) -> SimResponse {
        for field in ["InstanceId", "ContactFlowId", "DestinationPhoneNumber"] {
            if text(body, field).is_none() {
                return SimResponse::error(400, "InvalidParameterException", format!("{field} is required"));
            }
        }
        if text(body, "SourcePhoneNumber").is_none() && text(body, "QueueId").is_none() {
            return SimResponse::error(400, "InvalidRequestException", "SourcePhoneNumber or QueueId is required");
        }
        let destination = text(body, "DestinationPhoneNumber").unwrap_or_default().to_owned();
        let instance_id = text(body, "InstanceId").unwrap_or_default().to_owned();
        let callee = self.script.0.get(&destination).cloned().unwrap_or_else(Callee::never_answers);

        let seen = self.start_requests_by_number.entry(destination.clone()).or_default();
        *seen += 1;
        if *seen <= callee.throttled_requests {
            return SimResponse::error(
                429,
                "LimitExceededException",
                "The allowed limit for the resource has been exceeded.",
            );
        }
        let client_token = text(body, "ClientToken").map(str::to_owned);
        // The API reference: a repeated ClientToken returns the first ContactId only while that
        // contact is live; "if the contact is disconnected, a new contact is started".
        let flow = self.flow;
        let live = client_token
            .as_ref()
            .and_then(|t| self.by_token.get(t))
            .and_then(|id| self.contacts.iter().find(|c| &c.id == id))
            .filter(|c| c.view(now, flow).is_live());
        if let Some(existing) = live {
            return SimResponse::ok(json!({ "ContactId": existing.id }));
        }
        if domain::phone::PhoneNumber::parse(&destination).is_err() || callee.behaviour == Behaviour::InvalidNumber {
            return SimResponse::error(
                400,
                "InvalidParameterException",
                format!("DestinationPhoneNumber {destination} is not a valid phone number"),
            );
        }
        if callee.behaviour == Behaviour::Refused {
            return SimResponse::error(
                403,
                "DestinationNotAllowedException",
                format!("Outbound calls to {destination} are not allowed for this instance"),
            );
        }
        let attributes = body
            .get("Attributes")
            .and_then(Value::as_object)
            .map(|map| map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
            .unwrap_or_default();
        let id = format!("5e1a0000-0000-4000-8000-{:012x}", self.contacts.len() + 1);
        self.contacts.push(Contact {
            id: id.clone(),
            instance_id,
            destination,
            client_token: client_token.clone(),
            attributes,
            initiated_at: now,
            timeline: Timeline::of(&callee.behaviour),
            stopped_at: None,
            invisible_for_seconds: callee.invisible_for_seconds,
            stop_throttled: callee.stop_throttled,
        });
        if let Some(token) = client_token {
            self.by_token.insert(token, id.clone());
        }
        SimResponse::ok(json!({ "ContactId": id }))
    }

    /// A contact that DescribeContact can see now.
    pub(super) fn find(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == contact_id && c.instance_id == instance_id && c.visible(now))
    }

    pub(super) fn describe(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> SimResponse {
        let Some(contact) = self.find(instance_id, contact_id, now) else {
            return SimResponse::error(404, "ResourceNotFoundException", format!("Contact {contact_id} not found"));
        };
        let view = contact.view(now, self.flow);
        let mut out = json!({
            "Arn": format!("{ARN_PREFIX}/{instance_id}/contact/{contact_id}"),
            "Id": contact_id,
            "InitialContactId": contact_id,
            "Channel": "VOICE",
            "InitiationMethod": "API",
            "InitiationTimestamp": epoch(view.initiated_at),
            "LastUpdateTimestamp": epoch(now),
            "CustomerEndpoint": { "Type": "TELEPHONE_NUMBER", "Address": view.destination },
        });
        if let Some(map) = out.as_object_mut() {
            if let Some(at) = view.connected_at {
                map.insert("ConnectedToSystemTimestamp".into(), epoch(at));
            }
            if let Some(at) = view.disconnected_at {
                map.insert("DisconnectTimestamp".into(), epoch(at));
            }
            if let Some(reason) = view.disconnect_reason {
                map.insert("DisconnectReason".into(), json!(reason));
            }
        }
        SimResponse::ok(json!({ "Contact": out }))
    }

    pub(super) fn attributes(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> SimResponse {
        match self.find(instance_id, contact_id, now) {
            Some(contact) => SimResponse::ok(json!({ "Attributes": contact.view(now, self.flow).attributes })),
            None => SimResponse::error(404, "ResourceNotFoundException", format!("Contact {contact_id} not found")),
        }
    }

    pub(super) fn stop(&mut self, body: &Value, now: DateTime<Utc>) -> SimResponse {
        let (Some(instance_id), Some(contact_id)) = (text(body, "InstanceId"), text(body, "ContactId")) else {
            return SimResponse::error(400, "InvalidParameterException", "InstanceId and ContactId are required");
        };
        let flow = self.flow;
        let contact = self.contacts.iter_mut().find(|c| c.id == contact_id && c.instance_id == instance_id);
        match contact {
            Some(contact) if contact.stop_throttled => SimResponse::error(429, "ThrottlingException", "Rate exceeded"),
            Some(contact) if contact.view(now, flow).is_live() => {
                contact.stopped_at = Some(now);
                SimResponse::ok(json!({}))
            }
            _ => SimResponse::error(
                410,
                "ContactNotFoundException",
                format!("Contact {contact_id} is not active or does not exist"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn signed() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID/20250106/ap-northeast-1/connect/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"),
        );
        headers.insert("x-amz-date", HeaderValue::from_static("20250106T000000Z"));
        headers
    }

    fn start(sim: &ConnectSim, number: &str, token: &str) -> SimResponse {
        let body = json!({
            "InstanceId": "i", "ContactFlowId": "f", "SourcePhoneNumber": "+81300000000",
            "DestinationPhoneNumber": number, "ClientToken": token, "Attributes": {"alertMessage": "boom"}
        });
        sim.handle(&Method::PUT, "/contact/outbound-voice", &signed(), body.to_string().as_bytes())
    }

    fn describe(sim: &ConnectSim, id: &str) -> Value {
        sim.handle(&Method::GET, &format!("/contacts/i/{id}"), &signed(), b"").body
    }

    #[test]
    fn scripts_read_the_documented_json() {
        let script = Script::parse(
            r#"{"+819012341001": {"behaviour": "acknowledges", "afterSeconds": 8},
                "+819012341002": {"behaviour": "voicemail"},
                "+819011110003": {"behaviour": "neverAnswers", "ringSeconds": 45, "throttledRequests": 2},
                "+819011110004": {"behaviour": "refused"}}"#,
        )
        .unwrap();
        assert_eq!(
            script.0["+819012341001"].behaviour,
            Behaviour::Acknowledges { after_seconds: 8, answer_after_seconds: None, hang_up_after_seconds: 5 }
        );
        assert_eq!(script.0["+819012341002"], Callee::voicemail(10, 30));
        assert_eq!(script.0["+819011110003"], Callee::rings_out_after(45).throttled_for(2));
        assert!(Script::parse(r#"{"+81xx": {"behaviour": "busy"}}"#).is_err());
        assert!(Script::parse(r#"{"+819012341001": {"behaviour": "sings"}}"#).is_err());
    }

    #[test]
    fn unsigned_requests_are_rejected_and_recorded() {
        let sim = ConnectSim::new(Script::default());
        let response = sim.handle(&Method::GET, "/contacts/i/x", &HeaderMap::new(), b"");
        assert_eq!(
            (response.status, response.error_type.as_deref()),
            (403, Some("MissingAuthenticationTokenException"))
        );
        assert!(!sim.requests()[0].signed);
    }

    #[test]
    fn an_acknowledging_callee_answers_then_presses_the_key_then_the_flow_hangs_up() {
        let sim = ConnectSim::new(Script::default().with("+819012341001", Callee::acknowledges_after(6)));
        let id = start(&sim, "+819012341001", "t1").body["ContactId"].as_str().unwrap().to_owned();
        let contact = describe(&sim, &id)["Contact"].clone();
        assert!(contact.get("ConnectedToSystemTimestamp").is_none() && contact.get("DisconnectTimestamp").is_none());
        sim.advance(2);
        assert!(describe(&sim, &id)["Contact"].get("ConnectedToSystemTimestamp").is_some());
        assert!(!sim.contact(&id).unwrap().attributes.contains_key("acknowledged"));
        sim.advance(4);
        assert_eq!(sim.contact(&id).unwrap().attributes["acknowledged"], "true");
        assert_eq!(sim.contact(&id).unwrap().attributes["alertMessage"], "boom");
        sim.advance(5);
        assert_eq!(describe(&sim, &id)["Contact"]["DisconnectReason"], "CONTACT_FLOW_DISCONNECT");
    }

    #[test]
    fn the_legacy_flow_sets_is_talking_on_answer() {
        let sim = ConnectSim::new(Script::default().with("+819012341002", Callee::voicemail(3, 10)));
        sim.set_flow(Flow::Legacy);
        let id = start(&sim, "+819012341002", "t").body["ContactId"].as_str().unwrap().to_owned();
        sim.advance(3);
        assert_eq!(sim.contact(&id).unwrap().attributes["isTalking"], "true");
    }

    #[test]
    fn a_repeated_client_token_returns_the_same_contact_without_a_second_call() {
        let sim = ConnectSim::new(Script::default());
        let first = start(&sim, "+819012341001", "same").body;
        let second = start(&sim, "+819012341001", "same").body;
        assert_eq!(first, second);
        assert_eq!(sim.calls_to("+819012341001"), 1);
        start(&sim, "+819012341001", "other");
        assert_eq!(sim.calls_to("+819012341001"), 2);
    }

    #[test]
    fn a_repeated_client_token_after_the_contact_ended_starts_a_new_contact() {
        // StartOutboundVoiceContact API reference: "If the contact is disconnected, a new
        // contact is started." A busy line ends at once, so a retry rings again.
        let sim = ConnectSim::new(Script::default().with("+819012341001", Callee::busy()));
        let first = start(&sim, "+819012341001", "same").body;
        assert_eq!(start(&sim, "+819012341001", "same").body, first, "still live: the same contact");
        sim.advance(2);
        let second = start(&sim, "+819012341001", "same").body;
        assert_ne!(second, first);
        assert_eq!(sim.calls_to("+819012341001"), 2);
    }

    #[test]
    fn a_new_contact_can_be_invisible_for_a_while() {
        let sim = ConnectSim::new(Script::default().with("+819012341001", Callee::never_answers().invisible_for(3)));
        let id = start(&sim, "+819012341001", "t").body["ContactId"].as_str().unwrap().to_owned();
        let early = sim.handle(&Method::GET, &format!("/contacts/i/{id}"), &signed(), b"");
        assert_eq!((early.status, early.error_type.as_deref()), (404, Some("ResourceNotFoundException")));
        sim.advance(3);
        assert_eq!(sim.handle(&Method::GET, &format!("/contacts/i/{id}"), &signed(), b"").status, 200);
    }

    #[test]
    fn stop_contact_can_be_throttled_for_a_callee() {
        let sim = ConnectSim::new(Script::default().with("+819012341001", Callee::never_answers().stop_throttled()));
        let id = start(&sim, "+819012341001", "t").body["ContactId"].as_str().unwrap().to_owned();
        let stop = json!({"InstanceId": "i", "ContactId": id}).to_string();
        let response = sim.handle(&Method::POST, "/contact/stop", &signed(), stop.as_bytes());
        assert_eq!((response.status, response.error_type.as_deref()), (429, Some("ThrottlingException")));
        assert!(sim.contact(&id).unwrap().is_live());
    }

    #[test]
    fn stop_ends_a_live_call_and_answers_410_once_it_has_ended() {
        let sim = ConnectSim::new(Script::default());
        let id = start(&sim, "+819012341001", "t").body["ContactId"].as_str().unwrap().to_owned();
        let stop = json!({"InstanceId": "i", "ContactId": id}).to_string();
        assert_eq!(sim.handle(&Method::POST, "/contact/stop", &signed(), stop.as_bytes()).status, 200);
        let view = sim.contact(&id).unwrap();
        assert_eq!((view.disconnect_reason.as_deref(), view.stopped), (Some("API"), true));
        let again = sim.handle(&Method::POST, "/contact/stop", &signed(), stop.as_bytes());
        assert_eq!((again.status, again.error_type.as_deref()), (410, Some("ContactNotFoundException")));
    }

    #[test]
    fn nothing_happens_on_a_call_after_it_was_stopped() {
        let sim = ConnectSim::new(Script::default().with("+819012341001", Callee::acknowledges_after(10)));
        let id = start(&sim, "+819012341001", "t").body["ContactId"].as_str().unwrap().to_owned();
        sim.advance(1);
        let stop = json!({"InstanceId": "i", "ContactId": id}).to_string();
        sim.handle(&Method::POST, "/contact/stop", &signed(), stop.as_bytes());
        sim.advance(60);
        let view = sim.contact(&id).unwrap();
        assert!(view.connected_at.is_none() && !view.attributes.contains_key("acknowledged"));
    }

    #[test]
    fn a_contact_of_another_instance_is_not_found() {
        let sim = ConnectSim::new(Script::default());
        let id = start(&sim, "+819012341001", "t").body["ContactId"].as_str().unwrap().to_owned();
        let response = sim.handle(&Method::GET, &format!("/contacts/other/{id}"), &signed(), b"");
        assert_eq!((response.status, response.error_type.as_deref()), (404, Some("ResourceNotFoundException")));
    }
}
