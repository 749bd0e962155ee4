//! next-target: decides what the escalation does next, and hangs up what is no longer needed.
//!
//! The decision is [`lambda_connect::decision::decide`], a pure function of the state and the
//! time. When the attempt is over (someone acknowledged, everyone ended without the key, or
//! the interval passed), the calls of that attempt that are still ringing are stopped
//! (StopContact), so nobody answers a call that no longer means anything. A contact that has
//! already ended (410 ContactNotFoundException) is fine.

use lambda_connect::calls::{Clock, ConnectError, ContactStopper};
use lambda_connect::decision::decide;
use lambda_connect::payload::{Action, CallStatus, EscalationState};
use lambda_runtime::Diagnostic;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K> {
    pub connect: C,
    pub clock: K,
}

/// Why the decision could not be completed. Only retryable failures are errors: a call that
/// cannot be stopped for another reason is noted on the call and the escalation goes on.
#[derive(Debug, thiserror::Error)]
pub enum NextTargetError {
    #[error("stopping contact {contact_id}: {source}")]
    Throttled { contact_id: String, source: ConnectError },
    #[error("stopping contact {contact_id}: {source}")]
    Unavailable { contact_id: String, source: ConnectError },
}

impl NextTargetError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Throttled { .. } => "ConnectThrottled",
            Self::Unavailable { .. } => "ConnectUnavailable",
        }
    }
}

impl From<NextTargetError> for Diagnostic {
    fn from(err: NextTargetError) -> Self {
        Diagnostic { error_type: err.error_type().to_owned(), error_message: err.to_string() }
    }
}

/// Returns the state with `decision` set; see [`decide`].
#[tracing::instrument(skip_all, fields(escalation_id = %state.escalation_id, attempt = state.current.index))]
pub async fn handle<C: ContactStopper, K: Clock>(
    deps: &Deps<C, K>,
    state: EscalationState,
) -> Result<EscalationState, NextTargetError> {
    let now = deps.clock.now();
    let mut next = decide(&state, now);
    let Some(decision) = next.decision.clone() else {
        return Ok(next);
    };
    info!(action = ?decision.action, reason = %decision.reason, "decided");
    if decision.action == Action::Wait {
        return Ok(next);
    }
    let Some(finished) = next.history.last_mut() else {
        return Ok(next);
    };
    for call in finished.calls.iter_mut().filter(|c| !c.status.is_final()) {
        let Some(contact_id) = call.contact_id.clone() else {
            continue;
        };
        match deps.connect.stop(&contact_id).await {
            Ok(()) => {
                info!(number = %call.phone_number, contact_id, "call stopped");
                call.status = CallStatus::Stopped;
                call.ended_at = Some(now);
            }
            Err(ConnectError::NotFound { .. }) => {
                info!(number = %call.phone_number, contact_id, "call had already ended");
                call.status = CallStatus::Stopped;
                call.detail = Some("had already ended when the attempt was over".to_owned());
            }
            Err(source @ ConnectError::Throttled { .. }) => {
                return Err(NextTargetError::Throttled { contact_id, source });
            }
            Err(source @ ConnectError::Unavailable { .. }) => {
                return Err(NextTargetError::Unavailable { contact_id, source });
            }
            Err(err) => {
                warn!(number = %call.phone_number, contact_id, error = %err, "could not stop the call");
                call.detail = Some(format!("could not be stopped: {err}"));
            }
        }
    }
    Ok(next)
}
