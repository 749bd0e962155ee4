//! Test harness shared by the integration tests in `tests/tests/` and the local runner
//! (`tests/local/`): a real S3-protocol server, the DynamoDB (moto) and SSM stand-ins, a
//! local Slack, the Amazon Connect simulator, and paths to the project's fixtures.
//!
//! # Layer
//!
//! The outermost layer: test code only, never a dependency of a function or the CLI (they
//! name it under `[dev-dependencies]` at most). It may depend on every workspace crate and on
//! the SDKs, to drive the real adapters against its servers.

pub mod connect_sim;
pub mod dynamodb_server;
pub mod s3_server;
pub mod slack_server;
pub mod ssm_server;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's folder), for reading `samplejson/`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `samplejson/<name>`.
pub fn sample(name: &str) -> PathBuf {
    workspace_root().join("samplejson").join(name)
}

/// The compatibility fixtures: the files that existing users of the original tool have
/// (`tests/fixtures/compat/`, kept in the repository so that a checkout stands alone).
pub fn compat_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("compat")
}
