//! The dependency rule between the crates, read from Cargo's own resolution: the domain and
//! the CLI never pull in an AWS SDK or an HTTP client, and the functions reach the SDKs only
//! through the adapters crate. A `use aws_sdk_s3` added to the domain cannot compile (its
//! manifest does not list the crate); these checks stop the manifest from growing one.

use std::path::Path;
use std::process::Command;

/// The crates `package` is built with (`cargo tree -e normal,build`), names only.
fn resolved(package: &str, depth: Option<u32>) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(&root).args([
        "tree",
        "--offline",
        "--locked",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "-p",
        package,
    ]);
    if let Some(depth) = depth {
        command.args(["--depth", &depth.to_string()]);
    }
    let output = command.output().unwrap_or_else(|err| panic!("cargo tree -p {package}: {err}"));
    assert!(output.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&output.stderr));
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn is_sdk_or_http(name: &str) -> bool {
    name.starts_with("aws-") || ["reqwest", "hyper", "lambda_runtime", "tokio"].contains(&name)
}

#[test]
fn the_domain_crate_builds_without_any_sdk_http_client_or_runtime() {
    let outside: Vec<String> =
        resolved("lambda-connect-domain", None).into_iter().filter(|name| is_sdk_or_http(name)).collect();
    assert!(outside.is_empty(), "the domain crate depends on {outside:?}");
}

#[test]
fn the_cli_builds_without_any_aws_sdk_or_http_client() {
    let outside: Vec<String> = resolved("oncall", None)
        .into_iter()
        .filter(|name| name.starts_with("aws-") || name == "reqwest" || name == "hyper")
        .collect();
    assert!(outside.is_empty(), "`cargo build -p oncall` compiles {outside:?}");
    assert!(resolved("oncall", Some(1)).contains(&"lambda-connect-domain".to_owned()));
}

#[test]
fn functions_reach_the_sdks_only_through_the_adapters() {
    let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
    let mut names: Vec<String> = std::fs::read_dir(&functions)
        .unwrap_or_else(|err| panic!("{}: {err}", functions.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "functions/: {names:?}");
    for name in names {
        let direct = resolved(&name, Some(1));
        let sdks: Vec<&String> = direct.iter().filter(|dep| dep.starts_with("aws-")).collect();
        assert!(sdks.is_empty(), "functions/{name} depends on {sdks:?} directly, not through shared/adapters");
        assert!(direct.contains(&"lambda-connect-domain".to_owned()), "functions/{name} does not use the domain");
    }
}
