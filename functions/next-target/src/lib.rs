//! next-target: decides what the escalation does next, and hangs up what is no longer needed.
//!
//! The decision is the escalation engine's [`decide`], a pure function of the state and the
//! time: wait, ring the next attempt, or end, and which calls of the attempt that just ended
//! are still live. This handler stops those (StopContact), so nobody answers a call that no
//! longer means anything, and hands the engine what became of each. A contact that has
//! already ended (410 ContactNotFoundException) is fine.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

use std::convert::Infallible;

use domain::calls::{ConnectError, ContactStopper};
use domain::clock::Clock;
use domain::escalation::decision::{StopResult, decide};
use domain::payload::EscalationState;
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
    let step = decide(&state, now);
    if let Some(decision) = &step.state.decision {
        info!(action = ?decision.action, reason = %decision.reason, "decided");
    }
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
    Ok(step.stopped(&results, now))
}
