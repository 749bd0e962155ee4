//! The lambda-connect domain: everything that decides who is phoned, when and with what
//! words, and the contract with the state machine. No SDK, no I/O of its own.
//!
//! # Layer
//!
//! This is the innermost layer. It may depend on serde, chrono and other plain-data crates,
//! never on an AWS SDK, an HTTP client or a runtime: the compiler keeps it that way, because
//! the crate's manifest lists none of them. Reading a file or placing a call goes through a
//! port (a trait such as [`store::ObjectStore`], [`calls::CallStarter`], [`ledger::CallLedger`])
//! that the adapters crate (`shared/adapters`) carries out over AWS and the tests carry out
//! over real-protocol servers. The `oncall` CLI depends on this crate alone.
//!
//! # Layout
//!
//! - The files people edit: [`roster`] (duty groups by date), [`mapping`] (a project per SNS
//!   topic), both read by [`reader`] (the one tolerant JSON reader: either spelling of a
//!   field, unknown keys warned about, typed locations), and [`problem`] (what is wrong with
//!   them, located).
//! - The escalation rules: [`escalation`], the one pure engine (the start of an escalation,
//!   the plan, placing a call, reading a call, the decision), with [`config`] (settings and
//!   their bounds) and [`clock`] (where "now" comes from).
//! - The ports the engine's decisions are carried out through: [`calls`] (Amazon Connect),
//!   [`ledger`] (one call per token), [`budget`] (the account's call-start rate), [`lines`] (one call per phone), [`store`] (files), [`answered`] (webhook requests
//!   already answered), and [`resolve`], which reads the files an escalation starts from.
//! - The words: [`alert`] (what arrived), [`incident`] (which problem it reports, and whether
//!   it triggers, resolves or only notes it; [`incident_store`] keeps one escalation per
//!   incident), [`message`] (what is spoken), [`phone`] (numbers,
//!   masked whenever they are shown).
//! - The contract with the state machine: [`payload`] (each step's input and output),
//!   [`errors`] (the error names its Retry and Catch rules match), [`report`] (the failure
//!   report the fail-safe path publishes).
//! - [`store`] also has the folder and in-memory stores.

pub mod alert;
pub mod answered;
pub mod budget;
pub mod calls;
pub mod clock;
pub mod config;
pub mod errors;
pub mod escalation;
pub mod incident;
pub mod incident_store;
pub mod ledger;
pub mod lines;
pub mod maintenance;
pub mod mapping;
pub mod message;
pub mod payload;
pub mod phone;
pub mod policy;
pub mod problem;
pub mod reader;
pub mod report;
pub mod resolve;
pub mod roster;
pub mod store;
pub mod zone;
