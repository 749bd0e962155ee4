//! next-target: decides what the escalation does next, and hangs up what is no longer needed.
//!
//! The decision is [`domain::decision::decide`], a pure function of the state and the
//! time. When the attempt is over (someone acknowledged, everyone ended without the key, or
//! the interval passed), the calls of that attempt that are still ringing are stopped
//! (StopContact), so nobody answers a call that no longer means anything. A contact that has
//! already ended (410 ContactNotFoundException) is fine.

use std::convert::Infallible;

use domain::calls::{Clock, ConnectError, ContactStopper};
use domain::decision::decide;
use domain::payload::{Action, CallStatus, EscalationState};
use domain::problem::Problem;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K> {
    pub connect: C,
    pub clock: K,
}

/// Returns the state with `decision` set; see [`decide`]. It cannot fail: an acknowledgement
/// must never turn into a failure (and a failure path that rings the fallback number), so a
/// call that cannot be stopped, even after the SDK's retries, is reported on the call and in
/// the problems instead.
#[tracing::instrument(skip_all, fields(escalation_id = %state.escalation_id, attempt = state.current.index))]
pub async fn handle<C: ContactStopper, K: Clock>(
    deps: &Deps<C, K>,
    state: EscalationState,
) -> Result<EscalationState, Infallible> {
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
    let mut not_stopped = Vec::new();
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
            Err(err) => {
                warn!(number = %call.phone_number, contact_id, error = %err, "could not stop the call");
                call.detail = Some(format!("could not be stopped: {err}"));
                not_stopped.push(call.phone_number.masked());
            }
        }
    }
    if !not_stopped.is_empty() {
        let problem = Problem::warning(
            "escalation",
            None,
            format!(
                "{} of attempt {} could not be stopped and may still ring",
                not_stopped.join(", "),
                finished.index + 1
            ),
        );
        if let Some(outcome) = &mut next.outcome {
            outcome.problems.push(problem.clone());
        }
        next.problems.push(problem);
    }
    Ok(next)
}
