//! The escalation engine: every rule of an escalation, as pure functions of the state and
//! "now". The functions carry out its decisions and nothing else: they read files, ring,
//! look calls up and stop them through the ports, and hand what they learnt back to the
//! engine. Every rule is tested here, beside its code, without a phone or a clock.
//!
//! An escalation goes through the parts in this order:
//!
//! - [`start`]: which roster, message and zone an alert gets (through the mapping in mapping
//!   mode), and the first state (resolve-roster, through [`crate::resolve`]);
//! - [`plan`]: the ordered attempts from the roster, "today" and the repeat settings;
//! - [`placement`]: what place-call does with one number: ring it once (its ClientToken, what
//!   an earlier try left in the call ledger, Connect's answer), or nobody in a dry run;
//! - [`call_state`]: what check-contact reads from a contact, under the acknowledgement
//!   rule of [`ack`];
//! - [`decision`]: what next-target does next (`decide(state, now) -> Step { state, stop }`):
//!   wait, ring the next attempt, or end, acknowledged or exhausted, and which calls to stop.

pub mod ack;
pub mod call_state;
pub mod decision;
pub mod placement;
pub mod plan;
pub mod start;
