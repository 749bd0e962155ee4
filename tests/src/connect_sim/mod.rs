//! A simulator of the four Amazon Connect operations the escalation uses
//! (StartOutboundVoiceContact, DescribeContact, GetContactAttributes, StopContact), speaking
//! their restJson1 wire format so that the real `aws-sdk-connect` client reaches it through
//! `endpoint_url`. Amazon Connect has no emulator; this is how every calling behaviour is
//! tested without a phone.
//!
//! Each callee's behaviour is scripted ([`Callee`]): acknowledges after N seconds, answers
//! without a key (voicemail), busy, never answers, refused, invalid number, throttled for the
//! first K requests. Time is a [`SimClock`]: manual in tests (advanced by the test, so no test
//! sleeps) or the wall clock for local end-to-end runs. The simulator honours ClientToken,
//! records every request, rejects requests without a SigV4 `Authorization` header, and has
//! control endpoints under `/_sim/`. See `tests/CONNECT_SIMULATOR.md`.
//!
//! Layout: [`script`] (how callees behave), [`clock`] (the simulator's time), [`contact`]
//! (one call's life from its callee's behaviour), [`request`] (recorded requests, faults and
//! responses), [`sim`] (the four operations over the shared state), [`http`] (the wire
//! routes and the `/_sim/` control endpoints) and [`client`] (an SDK client pointed at it).

mod client;
mod clock;
mod contact;
mod http;
mod request;
mod script;
mod sim;

pub use client::sdk_client;
pub use clock::SimClock;
pub use contact::ContactView;
pub use request::{Fault, Operation, RecordedRequest, SimResponse};
pub use script::{Behaviour, Callee, DIALING_TIMEOUT_SECONDS, Flow, Script};
pub use sim::{ConnectSim, RunningSim};
