//! Test harness shared by the integration tests in `tests/tests/`: a real S3-protocol
//! server, the Amazon Connect simulator, and paths to the project's fixtures.

pub mod connect_sim;
pub mod s3_server;
pub mod slack_server;
pub mod ssm_server;

use std::path::PathBuf;

/// The workspace root, for reading `samplejson/` and `../shared/compat/`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `samplejson/<name>`.
pub fn sample(name: &str) -> PathBuf {
    workspace_root().join("samplejson").join(name)
}

/// The compatibility fixtures that existing users have (`../shared/compat/` beside the
/// checkout, or `$LAMBDA_CONNECT_COMPAT_DIR`).
pub fn compat_dir() -> PathBuf {
    std::env::var_os("LAMBDA_CONNECT_COMPAT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("compat"))
}
