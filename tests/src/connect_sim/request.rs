//! Requests and faults.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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
    pub(super) fn ok(body: Value) -> Self {
        Self { status: 200, error_type: None, body }
    }

    pub(super) fn error(status: u16, error_type: &str, message: impl Into<String>) -> Self {
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
