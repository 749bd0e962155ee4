//! `oncall` as users run it: the real binary, its output and its exit status, over the
//! project's samples (`samplejson/`), the files existing users have (`tests/fixtures/compat/`)
//! and files written for one test. One test binary with a module per subcommand, plus the
//! proof that `oncall plan --json` agrees with resolve-roster.

// The helpers outside `#[test]` functions fail the test on a broken fixture, by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agrees_with_resolve_roster;
mod calendar;
mod check;
mod keys;
mod override_add;
mod plan;
mod test_call;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every variable the CLI reads: cleared so the developer's shell cannot change a result.
pub const VARIABLES: [&str; 11] = [
    "ROSTER_TIME_ZONE",
    "CALL_REPEAT_COUNT",
    "CALL_REPEAT_GROUP",
    "CALL_STATE_CHECK_INTERVAL_SECONDS",
    "CALL_STATE_CHACK_INTERVAL_SECONDS",
    "CALL_POLL_INTERVAL_SECONDS",
    "CONNECT_ALARM_MSG",
    "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER",
    "PHONE_NUMBER_JSON_FILE",
    "MAPPING_JSON_FILE",
    "STATE_MACHINE_ARN",
];

pub const FALLBACK: &str = "+819099990000";

/// What one run of `oncall` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON object `plan --json` printed.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {self:?}"))
    }
}

/// Runs `oncall args...` with `env` as the only configuration variables.
pub fn oncall_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oncall"));
    command.args(args);
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("oncall runs");
    Run {
        code: output.status.code().expect("oncall exits with a status"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

pub fn oncall(args: &[&str]) -> Run {
    oncall_with_env(args, &[])
}

pub fn sample(name: &str) -> String {
    path_arg(&lambda_connect_tests::sample(name))
}

pub fn compat(name: &str) -> String {
    path_arg(&lambda_connect_tests::compat_dir().join(name))
}

pub fn path_arg(path: &Path) -> String {
    path.to_str().expect("paths are UTF-8").to_owned()
}

/// A temporary folder holding `files` (name, content): a bucket's worth of files.
pub fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("writing a test file");
    }
    dir
}

pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

pub fn join(dir: &tempfile::TempDir, name: &str) -> String {
    path_arg(&PathBuf::from(dir.path()).join(name))
}
