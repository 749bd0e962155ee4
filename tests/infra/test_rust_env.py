"""The Rust source reading behind the SAM local env-file test: it must find the variables a
function really reads, through the shared/ functions it calls, and no others."""

from __future__ import annotations

from pathlib import Path

from rust_env import crate_env_reads, reads_in

# Shaped like shared/domain/src/config.rs: helpers, a const name, a method calling another type's.
SHARED_CONFIG = """
pub trait Env { fn var(&self, name: &str) -> Option<String>; }

fn get(env: &impl Env, name: &str) -> Option<String> { env.var(name) }
fn required(env: &impl Env, name: &'static str) -> Result<String, E> { get(env, name).ok_or(E) }

/// `ZONE_IN_A_COMMENT` is not read: "QUOTED_IN_A_STRING" neither.
pub fn time_zone(env: &impl Env) -> Tz { get(env, "ROSTER_TIME_ZONE").map(parse).unwrap_or_default() }

pub struct Timing { pub seconds: u32 }
impl Timing {
    pub fn from_env(env: &impl Env) -> Self {
        const CORRECT: &str = "CALL_STATE_CHECK_INTERVAL_SECONDS";
        Self { seconds: number(env, CORRECT, 60) }
    }
}

pub struct RosterConfig { pub bucket: String, pub time_zone: Tz, pub timing: Timing }
impl RosterConfig {
    pub fn from_env(env: &impl Env) -> Self {
        Self { bucket: required(env, "PHONE_NUMBER_BUCKET")?, time_zone: time_zone(env), timing: Timing::from_env(env) }
    }
}

pub struct ConnectConfig { pub instance: String }
impl ConnectConfig {
    pub fn from_env(env: &impl Env) -> Self { Self { instance: required(env, "CONNECT_INSTANCE_ID")? } }
}

pub fn s3_client() -> Client {
    let path_style = std::env::var("AWS_S3_FORCE_PATH_STYLE").is_ok();
    build(path_style)
}

#[cfg(test)]
mod tests {
    fn sets_one() { let env = |n: &str| (n == "ONLY_IN_TESTS").then(String::new); get(&env, "ONLY_IN_TESTS"); }
}
"""


def _crate(tmp_path: Path, main: str) -> tuple[Path, Path]:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "config.rs").write_text(SHARED_CONFIG, encoding="utf-8")
    crate = tmp_path / "function"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "main.rs").write_text(main, encoding="utf-8")
    return crate, shared


def test_a_function_reads_what_the_config_it_builds_reads_and_no_more(tmp_path):
    main = """
fn main() { let c = RosterConfig::from_env(&ProcessEnv); let s = s3_client(); }

#[cfg(test)]
mod tests {
    fn only_in_tests() { std::env::var("SET_BY_A_TEST").ok(); }
}
"""
    crate, shared = _crate(tmp_path, main)
    assert crate_env_reads(crate, shared) == {
        "PHONE_NUMBER_BUCKET",
        "ROSTER_TIME_ZONE",
        "CALL_STATE_CHECK_INTERVAL_SECONDS",
        "AWS_S3_FORCE_PATH_STYLE",
    }


def test_a_field_or_another_types_method_of_the_same_name_is_not_a_call(tmp_path):
    # `time_zone` is a field of RosterConfig and `from_env` a method of three types here.
    crate, shared = _crate(tmp_path, "fn main() { let c = ConnectConfig::from_env(&ProcessEnv); let z = c.time_zone; }")
    assert crate_env_reads(crate, shared) == {"CONNECT_INSTANCE_ID"}


def test_reads_through_the_env_trait_and_the_process_environment():
    code = 'let a = env.var("A_VAR"); let b = std::env::var("B_VAR"); let c = var(env, NAME); let d = format!("D_VAR");'
    assert reads_in(code, {"NAME": "C_VAR"}) == {"A_VAR", "B_VAR", "C_VAR"}
