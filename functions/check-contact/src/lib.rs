//! check-contact: reads what became of each call of the current attempt.
//!
//! For every call still live it asks Connect for the contact (DescribeContact) and its
//! attributes (GetContactAttributes) and turns them into one status: acknowledged (the key
//! was pressed), answered without the key (voicemail, or a person who hung up), still ringing
//! or in progress, no answer, busy, or failed with Connect's reason. Calls already final, or
//! never placed, are returned unchanged. What a contact means is the escalation engine's
//! ([`domain::escalation::call_state`]); this handler only looks the contacts up.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use domain::calls::{ConnectError, ContactReader};
use domain::clock::Clock;
use domain::errors::{CONNECT_FAILED, CONNECT_THROTTLED, CONNECT_UNAVAILABLE};
use domain::escalation::ack::AckRule;
use domain::escalation::call_state::{call_state, unknown_contact, update};
use domain::payload::{CallRecord, CallStatus, CheckCallsRequest};
use lambda_runtime::Diagnostic;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K> {
    pub connect: C,
    pub ack: AckRule,
    pub clock: K,
}

/// Why the calls could not be checked. The ASL's Retry/Catch name the `error_type`s.
#[derive(Debug, thiserror::Error)]
pub enum CheckContactError {
    #[error("checking contact {contact_id}: {source}")]
    Throttled { contact_id: String, source: ConnectError },
    #[error("checking contact {contact_id}: {source}")]
    Unavailable { contact_id: String, source: ConnectError },
    #[error("checking contact {contact_id}: {source}")]
    Connect { contact_id: String, source: ConnectError },
}

impl CheckContactError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Throttled { .. } => CONNECT_THROTTLED,
            Self::Unavailable { .. } => CONNECT_UNAVAILABLE,
            Self::Connect { .. } => CONNECT_FAILED,
        }
    }

    fn new(contact_id: &str, source: ConnectError) -> Self {
        let contact_id = contact_id.to_owned();
        match source {
            ConnectError::Throttled { .. } => Self::Throttled { contact_id, source },
            ConnectError::Unavailable { .. } => Self::Unavailable { contact_id, source },
            _ => Self::Connect { contact_id, source },
        }
    }
}

impl From<CheckContactError> for Diagnostic {
    fn from(err: CheckContactError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// Returns the calls with their statuses brought up to date, in the same order.
#[tracing::instrument(skip_all, fields(escalation_id = request.escalation_id.as_deref().unwrap_or("-"), calls = request.calls.len()))]
pub async fn handle<C: ContactReader, K: Clock>(
    deps: &Deps<C, K>,
    request: CheckCallsRequest,
) -> Result<Vec<CallRecord>, CheckContactError> {
    let mut calls = request.calls;
    for call in &mut calls {
        let Some(contact_id) = call.contact_id.clone().filter(|_| !call.status.is_final()) else {
            continue;
        };
        check(deps, &contact_id, call).await?;
    }
    Ok(calls)
}

async fn check<C: ContactReader, K: Clock>(
    deps: &Deps<C, K>,
    contact_id: &str,
    call: &mut CallRecord,
) -> Result<(), CheckContactError> {
    let now = deps.clock.now();
    let contact = match deps.connect.describe(contact_id).await {
        Ok(contact) => contact,
        Err(err @ ConnectError::NotFound { .. }) => {
            let state = unknown_contact(call, contact_id, &err.to_string(), now);
            match state.status {
                CallStatus::Ringing => {
                    info!(number = %call.phone_number, contact_id, "contact not visible in Connect yet; still ringing")
                }
                _ => warn!(number = %call.phone_number, contact_id, error = %err, "Connect does not know the contact"),
            }
            update(call, state, None, now);
            return Ok(());
        }
        Err(err) => return Err(CheckContactError::new(contact_id, err)),
    };
    // Attributes can be missing for a contact that never reached the flow; that is not an error.
    let attributes = match deps.connect.attributes(contact_id).await {
        Ok(attributes) => attributes,
        Err(ConnectError::NotFound { .. }) => Default::default(),
        Err(err) => return Err(CheckContactError::new(contact_id, err)),
    };
    let state = call_state(&contact, &attributes, &deps.ack);
    info!(number = %call.phone_number, contact_id, status = ?state.status, detail = ?state.detail, "call checked");
    update(call, state, contact.connected_at, now);
    Ok(())
}
