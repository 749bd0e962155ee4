//! HTTP.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::clock::lock;
use super::contact::ContactView;
use super::request::{Fault, RecordedRequest, SimResponse};
use super::script::Script;
use super::sim::ConnectSim;

pub(super) async fn sdk_request(
    State(sim): State<ConnectSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> SimResponse {
    sim.handle(&method, uri.path(), &headers, &body)
}

pub(super) async fn control_requests(State(sim): State<ConnectSim>) -> axum::Json<Vec<RecordedRequest>> {
    axum::Json(sim.requests())
}

pub(super) async fn control_contacts(State(sim): State<ConnectSim>) -> axum::Json<Vec<ContactView>> {
    axum::Json(sim.contacts())
}

pub(super) async fn control_now(State(sim): State<ConnectSim>) -> axum::Json<Value> {
    axum::Json(json!({ "now": sim.now() }))
}

#[derive(Debug, Deserialize)]
pub(super) struct AdvanceQuery {
    seconds: u64,
}

pub(super) async fn control_advance(State(sim): State<ConnectSim>, Query(query): Query<AdvanceQuery>) -> Response {
    match sim.clock.advance(query.seconds) {
        Ok(now) => axum::Json(json!({ "now": now })).into_response(),
        Err(message) => (StatusCode::CONFLICT, axum::Json(json!({ "Message": message }))).into_response(),
    }
}

pub(super) async fn control_script(State(sim): State<ConnectSim>, body: Bytes) -> Response {
    match Script::parse(&String::from_utf8_lossy(&body)) {
        Ok(script) => {
            sim.set_script(script);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "Message": message }))).into_response(),
    }
}

pub(super) async fn control_get_script(State(sim): State<ConnectSim>) -> axum::Json<Script> {
    axum::Json(lock(&sim.inner).script.clone())
}

#[derive(Debug, Deserialize)]
pub(super) struct FaultQuery {
    requests: usize,
    #[serde(default = "throttling")]
    kind: Fault,
}

pub(super) fn throttling() -> Fault {
    Fault::Throttling
}

pub(super) async fn control_faults(State(sim): State<ConnectSim>, Query(query): Query<FaultQuery>) -> StatusCode {
    sim.inject_faults(query.requests, query.kind);
    StatusCode::NO_CONTENT
}

pub(super) async fn control_reset(State(sim): State<ConnectSim>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}
