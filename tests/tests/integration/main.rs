//! The integration tests, one binary as ripgrep has it: one link instead of nine, and one
//! place that lists them. Each module drives the real handlers, adapters and SDK clients
//! against the harness's real-protocol servers (`lambda_connect_tests`).
//!
//! `cargo test -p lambda-connect-tests --test integration <module>::` runs one module.

mod bad_inputs;
mod budget;
mod calling;
mod forward_call;
mod incidents;
mod infra;
mod layers;
mod resolve_roster;
mod samples;
mod slack;
mod standalone;
mod workflow_contract;
