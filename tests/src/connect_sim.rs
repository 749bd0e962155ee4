//! A simulator of the four Amazon Connect operations the escalation uses
//! (StartOutboundVoiceContact, DescribeContact, GetContactAttributes, StopContact), speaking
//! their restJson1 wire format so that the real `aws-sdk-connect` client reaches it through
//! `endpoint_url`. Amazon Connect has no emulator; this is how every calling behaviour is
//! tested without a phone.
//!
//! Each callee's behaviour is scripted ([`Callee`]): acknowledges after N seconds, answers
//! without a key (voicemail), busy, never answers, refused, invalid number, throttled for the
//! first K requests. Time is a [`SimClock`]: manual in tests (advanced by the test, so no test
//! sleeps) or the wall clock for local end-to-end runs. The simulator honours ClientToken,
//! records every request, rejects requests without a SigV4 `Authorization` header, and has
//! control endpoints under `/_sim/`. See `tests/CONNECT_SIMULATOR.md`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The default account and region in the ARNs the simulator returns.
const ARN_PREFIX: &str = "arn:aws:connect:ap-northeast-1:123456789012:instance";

// ---------------------------------------------------------------------------------------------
// Scripts

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
    /// Rings. With `ringSeconds` it rings out then (`TELECOM_UNANSWERED`); without, it rings
    /// until it is stopped.
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

fn one() -> u64 {
    1
}
fn five() -> u64 {
    5
}
fn ten() -> u64 {
    10
}
fn thirty() -> u64 {
    30
}
fn telecom_problem() -> String {
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

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
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

    /// Rings until stopped.
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

// ---------------------------------------------------------------------------------------------
// Time

/// The simulator's time. Manual clocks move only when the test advances them.
#[derive(Debug, Clone)]
pub enum SimClock {
    Real,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl SimClock {
    /// A manual clock starting at `start`.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// A manual clock at the default start, 2025-01-06T00:00:00Z.
    pub fn manual_default() -> Self {
        Self::manual(Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).single().unwrap_or_default())
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::Real => Utc::now(),
            Self::Manual(now) => *lock(now),
        }
    }

    /// Moves a manual clock forward; a real clock cannot be moved.
    pub fn advance(&self, seconds: u64) -> Result<DateTime<Utc>, &'static str> {
        match self {
            Self::Real => Err("the simulator runs on the real clock; start it with --clock manual to advance time"),
            Self::Manual(now) => {
                let mut now = lock(now);
                *now += Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000));
                Ok(*now)
            }
        }
    }
}

impl domain::calls::Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        SimClock::now(self)
    }
}

/// Locks a mutex, surviving a panicked test thread.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Contacts

/// A call's life relative to its start, from the callee's behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Timeline {
    answered: Option<u64>,
    key: Option<u64>,
    ended: Option<(u64, String)>,
}

impl Timeline {
    fn of(behaviour: &Behaviour) -> Self {
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
                Self { answered: None, key: None, ended: ring_seconds.map(|s| (s, "TELECOM_UNANSWERED".to_owned())) }
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
struct Contact {
    id: String,
    instance_id: String,
    destination: String,
    client_token: Option<String>,
    attributes: BTreeMap<String, String>,
    initiated_at: DateTime<Utc>,
    timeline: Timeline,
    stopped_at: Option<DateTime<Utc>>,
    invisible_for_seconds: u64,
    stop_throttled: bool,
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
    fn visible(&self, now: DateTime<Utc>) -> bool {
        now >= self.at(self.invisible_for_seconds)
    }

    fn at(&self, offset: u64) -> DateTime<Utc> {
        self.initiated_at + Duration::seconds(i64::try_from(offset).unwrap_or(i64::MAX / 1000))
    }

    fn view(&self, now: DateTime<Utc>, flow: Flow) -> ContactView {
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

// ---------------------------------------------------------------------------------------------
// Requests and faults

/// The four operations, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    StartOutboundVoiceContact,
    DescribeContact,
    GetContactAttributes,
    StopContact,
    Unknown,
}

/// One request the simulator received, and how it answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub operation: Operation,
    pub method: String,
    pub path: String,
    /// The JSON body, `null` when there was none.
    pub body: Value,
    pub at: DateTime<Utc>,
    pub signed: bool,
    pub status: u16,
    /// The `x-amzn-ErrorType` of an error answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
}

/// An error injected into the next SDK requests, whatever their operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// 429: `LimitExceededException` for StartOutboundVoiceContact, `ThrottlingException` otherwise.
    Throttling,
    /// 500 `InternalServiceException`.
    Internal,
}

/// An HTTP answer in Connect's format.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResponse {
    pub status: u16,
    pub error_type: Option<String>,
    pub body: Value,
}

impl SimResponse {
    fn ok(body: Value) -> Self {
        Self { status: 200, error_type: None, body }
    }

    fn error(status: u16, error_type: &str, message: impl Into<String>) -> Self {
        Self { status, error_type: Some(error_type.to_owned()), body: json!({ "Message": message.into() }) }
    }
}

impl IntoResponse for SimResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body)).into_response();
        if let Some(error_type) = self.error_type.and_then(|e| HeaderValue::from_str(&e).ok()) {
            response.headers_mut().insert("x-amzn-ErrorType", error_type);
        }
        response
    }
}

// ---------------------------------------------------------------------------------------------
// The simulator

#[derive(Debug, Default)]
struct Inner {
    script: Script,
    flow: Flow,
    contacts: Vec<Contact>,
    by_token: HashMap<String, String>,
    start_requests_by_number: HashMap<String, u32>,
    faults: VecDeque<Fault>,
    requests: Vec<RecordedRequest>,
}

/// The simulator's state; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct ConnectSim {
    inner: Arc<Mutex<Inner>>,
    clock: SimClock,
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
    task: tokio::task::JoinHandle<()>,
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
fn is_signed(headers: &HeaderMap) -> bool {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    authorization.starts_with("AWS4-HMAC-SHA256 ")
        && ["Credential=", "SignedHeaders=", "Signature="].iter().all(|part| authorization.contains(part))
        && headers.contains_key("x-amz-date")
}

fn epoch(at: DateTime<Utc>) -> Value {
    // Connect sends fractional epoch seconds.
    #[allow(clippy::cast_precision_loss)]
    let seconds = at.timestamp_millis() as f64 / 1000.0;
    json!(seconds)
}

fn text<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Inner {
    fn start(&mut self, body: &Value, now: DateTime<Utc>) -> SimResponse {
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
    fn find(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == contact_id && c.instance_id == instance_id && c.visible(now))
    }

    fn describe(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> SimResponse {
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

    fn attributes(&self, instance_id: &str, contact_id: &str, now: DateTime<Utc>) -> SimResponse {
        match self.find(instance_id, contact_id, now) {
            Some(contact) => SimResponse::ok(json!({ "Attributes": contact.view(now, self.flow).attributes })),
            None => SimResponse::error(404, "ResourceNotFoundException", format!("Contact {contact_id} not found")),
        }
    }

    fn stop(&mut self, body: &Value, now: DateTime<Utc>) -> SimResponse {
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

// ---------------------------------------------------------------------------------------------
// HTTP

async fn sdk_request(
    State(sim): State<ConnectSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> SimResponse {
    sim.handle(&method, uri.path(), &headers, &body)
}

async fn control_requests(State(sim): State<ConnectSim>) -> axum::Json<Vec<RecordedRequest>> {
    axum::Json(sim.requests())
}

async fn control_contacts(State(sim): State<ConnectSim>) -> axum::Json<Vec<ContactView>> {
    axum::Json(sim.contacts())
}

async fn control_now(State(sim): State<ConnectSim>) -> axum::Json<Value> {
    axum::Json(json!({ "now": sim.now() }))
}

#[derive(Debug, Deserialize)]
struct AdvanceQuery {
    seconds: u64,
}

async fn control_advance(State(sim): State<ConnectSim>, Query(query): Query<AdvanceQuery>) -> Response {
    match sim.clock.advance(query.seconds) {
        Ok(now) => axum::Json(json!({ "now": now })).into_response(),
        Err(message) => (StatusCode::CONFLICT, axum::Json(json!({ "Message": message }))).into_response(),
    }
}

async fn control_script(State(sim): State<ConnectSim>, body: Bytes) -> Response {
    match Script::parse(&String::from_utf8_lossy(&body)) {
        Ok(script) => {
            sim.set_script(script);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "Message": message }))).into_response(),
    }
}

async fn control_get_script(State(sim): State<ConnectSim>) -> axum::Json<Script> {
    axum::Json(lock(&sim.inner).script.clone())
}

#[derive(Debug, Deserialize)]
struct FaultQuery {
    requests: usize,
    #[serde(default = "throttling")]
    kind: Fault,
}

fn throttling() -> Fault {
    Fault::Throttling
}

async fn control_faults(State(sim): State<ConnectSim>, Query(query): Query<FaultQuery>) -> StatusCode {
    sim.inject_faults(query.requests, query.kind);
    StatusCode::NO_CONTENT
}

async fn control_reset(State(sim): State<ConnectSim>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}

// ---------------------------------------------------------------------------------------------
// SDK client

/// An `aws-sdk-connect` client pointed at `endpoint_url`, with test credentials (so requests
/// are SigV4-signed) and retries a few milliseconds apart, so throttling tests stay fast.
pub fn sdk_client(endpoint_url: &str) -> aws_sdk_connect::Client {
    use aws_sdk_connect::config::retry::RetryConfig;
    use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_connect::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-northeast-1"))
        .credentials_provider(Credentials::new("AKIDSIMULATOR", "simulator-secret", None, None, "connect-sim"))
        .endpoint_url(endpoint_url)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(2))
                .with_max_backoff(std::time::Duration::from_millis(10)),
        )
        .build();
    aws_sdk_connect::Client::from_conf(config)
}

#[cfg(test)]
mod tests {
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
