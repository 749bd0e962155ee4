//! place-call: rings one number of the current attempt through Amazon Connect.
//!
//! The call carries the message to speak and the ids that tie it to its escalation as contact
//! attributes, and a ClientToken derived from the escalation, the attempt and the number, so
//! a retried task never rings a person twice. A destination Connect refuses is recorded as a
//! failed call and the escalation goes on; throttling and outages are errors the workflow
//! retries with backoff.

use std::collections::BTreeMap;

use lambda_connect::calls::{
    ATTRIBUTE_ATTEMPT, ATTRIBUTE_ESCALATION, ATTRIBUTE_MESSAGE, CallStarter, Clock, ConnectError, OutboundCall,
    client_token,
};
use lambda_connect::config::ConnectConfig;
use lambda_connect::payload::{CallRecord, CallStatus, PlaceCallRequest};
use lambda_connect::phone::PhoneNumber;
use lambda_runtime::Diagnostic;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K> {
    pub connect: C,
    pub config: ConnectConfig,
    /// `CONNECT_EXTRA_DESTINATION_PHONE_NUMBER`, rung when the request names nobody.
    pub fallback: PhoneNumber,
    pub clock: K,
}

/// Why no call could be recorded. The ASL's Retry/Catch name the `error_type`s.
#[derive(Debug, thiserror::Error)]
pub enum PlaceCallError {
    #[error("calling {number}: {source}")]
    Throttled { number: PhoneNumber, source: ConnectError },
    #[error("calling {number}: {source}")]
    Unavailable { number: PhoneNumber, source: ConnectError },
    #[error("calling {number}: {source}")]
    Connect { number: PhoneNumber, source: ConnectError },
}

impl PlaceCallError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Throttled { .. } => "ConnectThrottled",
            Self::Unavailable { .. } => "ConnectUnavailable",
            Self::Connect { .. } => "ConnectFailed",
        }
    }
}

impl From<PlaceCallError> for Diagnostic {
    fn from(err: PlaceCallError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// Starts one call, or records why it could not be placed.
#[tracing::instrument(skip_all, fields(escalation_id = %request.escalation_id, attempt = request.attempt))]
pub async fn handle<C: CallStarter, K: Clock>(
    deps: &Deps<C, K>,
    request: PlaceCallRequest,
) -> Result<CallRecord, PlaceCallError> {
    let number = request.phone_number.clone().unwrap_or_else(|| deps.fallback.clone());
    let mut record = CallRecord {
        phone_number: number.clone(),
        attempt: request.attempt,
        contact_id: None,
        status: CallStatus::Placed,
        placed_at: deps.clock.now(),
        checked_at: None,
        ended_at: None,
        detail: request.phone_number.is_none().then(|| "fallback number".to_owned()),
    };
    if request.is_dry_run() {
        info!(number = %number, "dry run: call not placed");
        record.status = CallStatus::DryRun;
        return Ok(record);
    }

    let call = OutboundCall {
        destination: number.clone(),
        source: deps.config.source_phone_number.clone(),
        contact_flow_id: deps.config.contact_flow_id.clone(),
        client_token: client_token(&request.escalation_id, request.attempt, &number),
        attributes: BTreeMap::from([
            (ATTRIBUTE_MESSAGE.to_owned(), request.message.clone()),
            (ATTRIBUTE_ESCALATION.to_owned(), request.escalation_id.clone()),
            (ATTRIBUTE_ATTEMPT.to_owned(), request.attempt.to_string()),
        ]),
    };
    match deps.connect.start_call(&call).await {
        Ok(contact_id) => {
            info!(number = %number, contact_id = %contact_id, "call placed");
            record.contact_id = Some(contact_id);
            Ok(record)
        }
        Err(source @ ConnectError::Refused { .. }) => {
            warn!(number = %number, error = %source, "Connect refused the number; the escalation goes on");
            record.status = CallStatus::Failed;
            record.detail = Some(source.to_string());
            Ok(record)
        }
        Err(source @ ConnectError::Throttled { .. }) => Err(PlaceCallError::Throttled { number, source }),
        Err(source @ ConnectError::Unavailable { .. }) => Err(PlaceCallError::Unavailable { number, source }),
        Err(source) => Err(PlaceCallError::Connect { number, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use std::sync::Mutex;

    struct FixedClock;
    impl Clock for FixedClock {
        fn now(&self) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap()
        }
    }

    /// Records every call and answers with a scripted result.
    struct FakeConnect {
        calls: Mutex<Vec<OutboundCall>>,
        answer: fn() -> Result<String, ConnectError>,
    }
    impl CallStarter for FakeConnect {
        async fn start_call(&self, call: &OutboundCall) -> Result<String, ConnectError> {
            self.calls.lock().unwrap().push(call.clone());
            (self.answer)()
        }
    }

    fn deps(answer: fn() -> Result<String, ConnectError>) -> Deps<FakeConnect, FixedClock> {
        Deps {
            connect: FakeConnect { calls: Mutex::default(), answer },
            config: ConnectConfig {
                instance_id: "instance".into(),
                contact_flow_id: "flow".into(),
                source_phone_number: PhoneNumber::parse("+81300000000").unwrap(),
            },
            fallback: PhoneNumber::parse("+819099990000").unwrap(),
            clock: FixedClock,
        }
    }

    fn request(number: Option<&str>) -> PlaceCallRequest {
        PlaceCallRequest {
            escalation_id: "exec-1".into(),
            attempt: 1,
            phone_number: number.map(|n| PhoneNumber::parse(n).unwrap()),
            message: "Disk full".into(),
            dry_run: false,
            alert_input: None,
        }
    }

    #[tokio::test]
    async fn without_a_number_the_fallback_is_rung() {
        let deps = deps(|| Ok("c-1".into()));
        let record = handle(&deps, request(None)).await.unwrap();
        assert_eq!(record.phone_number.as_str(), "+819099990000");
        assert_eq!(deps.connect.calls.lock().unwrap()[0].destination.as_str(), "+819099990000");
    }

    #[tokio::test]
    async fn a_dry_run_sends_nothing_to_connect() {
        let deps = deps(|| Ok("c-1".into()));
        let record = handle(&deps, PlaceCallRequest { dry_run: true, ..request(Some("+819012345678")) }).await.unwrap();
        assert_eq!((record.status, record.contact_id), (CallStatus::DryRun, None));
        assert!(deps.connect.calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_fail_safe_call_of_a_dry_run_rings_nobody() {
        // The plan could not be made, so the workflow passes the execution input: an SQS
        // record whose SNS envelope asks for a dry run.
        let envelope = serde_json::json!({
            "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:a-topic",
            "MessageAttributes": {"dryRun": {"Type": "String", "Value": "true"}}
        });
        let input = serde_json::json!({"messageId": "m-1", "body": envelope.to_string()});
        let deps = deps(|| Ok("c-1".into()));
        let record = handle(&deps, PlaceCallRequest { alert_input: Some(input), ..request(None) }).await.unwrap();
        assert_eq!(record.status, CallStatus::DryRun);
        assert!(deps.connect.calls.lock().unwrap().is_empty());

        let real = serde_json::json!({"messageId": "m-2", "body": "disk full"});
        let record = handle(&deps, PlaceCallRequest { alert_input: Some(real), ..request(None) }).await.unwrap();
        assert_eq!(record.contact_id.as_deref(), Some("c-1"), "a real alert's fail-safe call is placed");
    }

    #[tokio::test]
    async fn errors_carry_the_type_the_workflow_retries_on() {
        let throttled = || Err(ConnectError::Throttled { code: "LimitExceededException".into(), message: "x".into() });
        let err = handle(&deps(throttled), request(Some("+819012345678"))).await.unwrap_err();
        assert_eq!(err.error_type(), "ConnectThrottled");
        let denied = || Err(ConnectError::Failed { code: "AccessDeniedException".into(), message: "x".into() });
        let diagnostic = Diagnostic::from(handle(&deps(denied), request(Some("+819012345678"))).await.unwrap_err());
        assert_eq!(diagnostic.error_type, "ConnectFailed");
        assert!(diagnostic.error_message.contains("+8190****5678") && !diagnostic.error_message.contains("9012345678"));
    }
}
