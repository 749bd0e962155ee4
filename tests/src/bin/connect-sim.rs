//! `connect-sim`: the Amazon Connect simulator as a standalone server, for local end-to-end
//! runs where the functions (under `cargo lambda watch`) reach it through
//! `AWS_ENDPOINT_URL_CONNECT`. See `tests/CONNECT_SIMULATOR.md`.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use lambda_connect_tests::connect_sim::{ConnectSim, Flow, Script, SimClock};

/// Serve the Amazon Connect simulator on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "connect-sim", version)]
struct Args {
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// JSON script: E.164 number → behaviour. Unscripted numbers never answer.
    #[arg(long)]
    script: Option<PathBuf>,
    /// `real`: scripted delays are wall-clock seconds; `manual`: time moves only with
    /// `POST /_sim/advance?seconds=N`.
    #[arg(long, value_enum, default_value_t = ClockKind::Real)]
    clock: ClockKind,
    /// Which contact flow to imitate: `shipped` sets acknowledged=true on key 1, `legacy`
    /// sets isTalking=true on answer.
    #[arg(long, value_enum, default_value_t = FlowKind::Shipped)]
    flow: FlowKind,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClockKind {
    Real,
    Manual,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FlowKind {
    Shipped,
    Legacy,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("connect-sim: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let script = match &args.script {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
            Script::parse(&text).map_err(|err| format!("{}: {err}", path.display()))?
        }
        None => Script::default(),
    };
    let clock = match args.clock {
        ClockKind::Real => SimClock::Real,
        ClockKind::Manual => SimClock::manual_default(),
    };
    let sim = ConnectSim::with_clock(script, clock);
    sim.set_flow(match args.flow {
        FlowKind::Shipped => Flow::Shipped,
        FlowKind::Legacy => Flow::Legacy,
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|err| format!("cannot listen on 127.0.0.1:{}: {err}", args.port))?;
    let addr = listener.local_addr().map_err(|err| err.to_string())?;
    println!("connect-sim listening on http://{addr}");
    axum::serve(listener, sim.router()).await.map_err(|err| err.to_string())
}
