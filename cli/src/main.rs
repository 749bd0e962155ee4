//! `oncall`: check roster and mapping files, preview the escalation a real alert would get,
//! print who is on duty each day of a month, add a dated override to a roster, and print the
//! command for a real test call —
//! all with the same domain code
//! (`shared/domain`) the Lambda functions run, so what it says is what the deployment does.
//!
//! Layer: a client of the domain crate alone. It never depends on an AWS SDK or an HTTP
//! client (`cargo build -p oncall` compiles none; tests/tests/integration/layers.rs checks), and
//! reads files from a local folder through the domain's `DirStore`.
//!
//! `main` only turns the outcome into an exit status: 0 clean, 1 the files have errors,
//! 2 usage, configuration or an unreadable file.

mod args;
mod calendar;
mod check;
mod override_add;
mod plan;
mod settings;
mod test_call;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, OverrideCommand};

/// What a subcommand found, as the exit status scripts and CI read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing wrong (warnings allowed).
    Clean,
    /// At least one error in the files.
    Problems,
    /// Bad usage, a bad setting or a file that cannot be read.
    Unusable,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Problems => ExitCode::from(1),
            Status::Unusable => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("oncall: {err:#}");
            Status::Unusable.into()
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Calendar(args) => calendar::run(&args),
        Command::TestCall(args) => test_call::run(&args),
        Command::Override(OverrideCommand::Add(args)) => override_add::run(&args),
    }
}
