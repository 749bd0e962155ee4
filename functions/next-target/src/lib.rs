//! next-target: ends an attempt by hanging up what the decision left ringing.
//!
//! check-contact takes the escalation engine's decision on every poll; when that decision
//! ends an attempt (someone pressed the key, the interval passed, the escalation is over)
//! while some of its calls are still live, it lists them in the state's `hangUp`, and the
//! workflow comes here. This handler stops each (StopContact), so nobody answers a call that
//! no longer means anything, and records what became of it. A contact that has already ended
//! (410 ContactNotFoundException) is fine.
//!
//! A state with nothing in `hangUp` is one from a workflow definition from before the poll
//! decided in one step (its DecideNext state, during an upgrade): it gets that definition's
//! answer, the decision ([`decide`]) and the hang-ups in one go.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use std::convert::Infallible;

use domain::calls::{ConnectError, ContactStopper};
use domain::clock::Clock;
use domain::escalation::decision::{Step, StopResult, decide};
use domain::payload::EscalationState;
use tracing::{info, warn};

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<C, K> {
    pub connect: C,
    pub clock: K,
}

/// Returns the state with the calls of `hangUp` stopped and recorded, `hangUp` empty; a state
/// without any gets the decision first (see the module). It cannot fail: an acknowledgement
/// must never turn into a failure (and a failure path that rings the fallback number), so a
/// call that cannot be stopped, even after the SDK's retries, is reported on the call and in
/// the problems instead.
#[tracing::instrument(skip_all, fields(escalation_id = %state.escalation_id, attempt = state.current.index))]
pub async fn handle<C: ContactStopper, K: Clock>(
    deps: &Deps<C, K>,
    state: EscalationState,
) -> Result<EscalationState, Infallible> {
    let step = if state.hang_up.is_empty() {
        let step = decide(&state, deps.clock.now());
        if let Some(decision) = &step.state.decision {
            info!(action = ?decision.action, reason = %decision.reason, "decided");
        }
        step
    } else {
        Step::to_hang_up(state)
    };
    let mut results = Vec::with_capacity(step.stop.len());
    for contact_id in &step.stop {
        let number = step.number(contact_id).map(ToString::to_string).unwrap_or_default();
        let result = match deps.connect.stop(contact_id).await {
            Ok(()) => {
                info!(number = %number, %contact_id, "call stopped");
                StopResult::Stopped
            }
            Err(ConnectError::NotFound { .. }) => {
                info!(number = %number, %contact_id, "call had already ended");
                StopResult::AlreadyEnded
            }
            Err(err) => {
                warn!(number = %number, %contact_id, error = %err, "could not stop the call");
                StopResult::Failed(err.to_string())
            }
        };
        results.push((contact_id.clone(), result));
    }
    Ok(step.stopped(&results, deps.clock.now()))
}
