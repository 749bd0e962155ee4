//! The domain's ports carried out over the outside world: S3 for files, Amazon Connect for
//! calls, DynamoDB for the call ledger and the open incidents, SSM for secrets, Slack for notifications.
//!
//! # Layer
//!
//! Adapters depend on the domain crate and on the SDKs; the domain never depends on them.
//! Each adapter does one translation and nothing else: a domain request into an SDK call,
//! and the SDK's answer, or its error through the one classifier in [`sdk`], into the
//! domain's terms. The functions wire adapters to the domain at init; the tests point the
//! same adapters at real-protocol servers (`AWS_ENDPOINT_URL_*`).
//!
//! # Layout
//!
//! - [`sdk`]: the shared SDK configuration and the SDK error classifier.
//! - [`s3`]: [`domain::store::ObjectStore`] over one bucket.
//! - [`connect`]: [`domain::calls`]' call ports over Amazon Connect.
//! - [`ledger`]: [`domain::ledger::CallLedger`] over a DynamoDB table.
//! - [`incidents`]: [`domain::incident_store`]'s ports over a DynamoDB table.
//! - [`ssm`]: SecureString parameters (webhook URLs, auth tokens).
//! - [`slack`]: the Slack incoming-webhook notifier.

pub mod connect;
pub mod incidents;
pub mod ledger;
pub mod s3;
pub mod sdk;
pub mod slack;
pub mod ssm;

pub use aws_config::SdkConfig;
pub use sdk::sdk_config;
