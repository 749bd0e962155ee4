//! Domain code shared by the lambda-connect functions and the `oncall` CLI: rosters and
//! mappings, the escalation plan, configuration, the alert inputs and the step payloads
//! that form the contract with the state machine.
//!
//! Everything outside [`aws`] is pure and free of SDK types, so it is tested on its own and
//! reused unchanged by the CLI.

pub mod alert;
pub mod calls;
pub mod config;
pub mod decision;
pub mod errors;
pub mod ledger;
pub mod mapping;
pub mod message;
pub mod payload;
pub mod phone;
pub mod plan;
pub mod problem;
pub mod report;
pub mod resolve;
pub mod roster;
pub mod store;

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod connect_aws;
#[cfg(feature = "ledger")]
pub mod ledger_aws;

#[cfg(feature = "slack")]
pub mod slack;
