//! `cold-start`: how long each function takes from a fresh process to its first answer.
//!
//! Every run starts one function binary fresh, as Lambda starts an instance, against a Lambda
//! Runtime API stand-in served here (the 2018-06-01 protocol, `AWS_LAMBDA_RUNTIME_API`) that
//! hands it one event, and against the project's local servers, started here in-process: the
//! S3-protocol server seeded from `samplejson/`, the Amazon Connect simulator, the SSM and
//! Slack stand-ins, and moto's DynamoDB-protocol server for place-call's call ledger. Each
//! server is reached through a loopback relay that notes when the first bytes of a request
//! arrive, so no server needs to know it is being timed.
//!
//! Per run it records, from just before the spawn:
//! - init: until the first bytes of the runtime's first `GET /runtime/invocation/next` (the
//!   end of Lambda's init phase) reach the stand-in, noted by a relay like the servers', so
//!   the stand-in's own request handling (a debug build) is not counted as the function's;
//! - first request: until the first request reaches any of the local servers;
//! - response: until the function posts its response;
//! - peak RSS: `VmHWM` of the process, read just before it is killed (the runtime would
//!   wait for the next event forever).
//!
//! The relay adds one loopback hop (tens of microseconds) to each request. notify-slack and
//! forward-call read their secrets from SSM in their first invocation, so it is their first
//! request.
//!
//! A function that answers with an error, exits or times out fails the whole benchmark with
//! its name: the numbers are only worth something for real work.
//!
//! `cold-start [--runs N] [--warmup N] [--bin-dir DIR] [--only NAME]... [--env NAME=VALUE]...`; see
//! `tests/bench/cold-start.sh`, which builds the release binaries first.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use lambda_connect_tests::connect_sim::{ConnectSim, RunningSim, Script, SimClock};
use lambda_connect_tests::dynamodb_server::{DynamoDbServer, LEDGER_TABLE};
use lambda_connect_tests::s3_server::{ACCESS_KEY, REGION, S3Server, SECRET_KEY};
use lambda_connect_tests::slack_server::SlackServer;
use lambda_connect_tests::ssm_server::SsmServer;
use lambda_connect_tests::{sample, workspace_root};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The six function binaries, in the order of the table.
const FUNCTIONS: [&str; 6] =
    ["resolve-roster", "place-call", "check-contact", "next-target", "notify-slack", "forward-call"];
const BUCKET: &str = "rosters";
const SLACK_PARAMETER: &str = "/lambda-connect/slack-webhook-url";
const TWILIO_PARAMETER: &str = "/lambda-connect/twilio-auth-token";
/// The token `samplejson/forward-call.json` is signed with.
const TWILIO_TOKEN: &str = "sample-twilio-auth-token";
/// The longest one run may take before the benchmark gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// Start each function binary fresh N times and time its cold start.
#[derive(Debug, Parser)]
#[command(name = "cold-start")]
struct Args {
    /// Fresh starts per function.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Starts per function before the measured ones, not counted (page cache, first-run noise).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// The folder of the function binaries; default `<CARGO_TARGET_DIR or target>/release`.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Only these functions (repeatable); default all six.
    #[arg(long)]
    only: Vec<String>,
    /// An extra variable for the functions, `NAME=VALUE` (repeatable), e.g. to try a setting.
    #[arg(long, value_parser = parse_env)]
    env: Vec<(String, String)>,
}

fn parse_env(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{raw}: expected NAME=VALUE"))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cold-start: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let bin_dir = args.bin_dir.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| workspace_root().join("target"), PathBuf::from)
            .join("release")
    });
    let functions: Vec<&str> = if args.only.is_empty() {
        FUNCTIONS.to_vec()
    } else {
        for name in &args.only {
            if !FUNCTIONS.contains(&name.as_str()) {
                return Err(format!("--only {name}: not one of {}", FUNCTIONS.join(", ")));
            }
        }
        FUNCTIONS.iter().copied().filter(|f| args.only.iter().any(|o| o == f)).collect()
    };
    for function in &functions {
        let binary = bin_dir.join(function);
        if !binary.is_file() {
            return Err(format!("{function}: no binary at {} (build it: tests/bench/cold-start.sh)", binary.display()));
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    // The functions' output; removed after a clean run, kept when one fails.
    let logs = std::env::temp_dir().join(format!("lambda-connect-cold-start-{}", std::process::id()));
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let world = World::start(&functions).await?;
    println!(
        "cold starts of {} (fresh process per run; {} measured, {} warm-up), times from spawn",
        bin_dir.display(),
        args.runs,
        args.warmup
    );
    let mut summary = Vec::new();
    for function in functions {
        let log = logs.join(format!("{function}.log"));
        let mut samples = Vec::with_capacity(args.runs);
        for index in 0..args.warmup + args.runs {
            let sample = world
                .run_once(&bin_dir.join(function), function, index, &log, &args.env)
                .await
                .map_err(|err| format!("{function}: {err}; its output is in {}", log.display()))?;
            if index >= args.warmup {
                samples.push(sample);
            }
        }
        print_table(function, &samples);
        summary.push((function, samples));
    }
    print_summary(&summary);
    let _ = std::fs::remove_dir_all(&logs);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The local world: the servers, each behind a relay that notes the first request.

/// When the first request of the current run reached the relays it is given to: those of the
/// local servers (one for them all), or the Runtime API stand-in's.
#[derive(Debug, Clone, Default)]
struct FirstRequest(Arc<Mutex<Option<Instant>>>);

impl FirstRequest {
    fn reset(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn note(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(Instant::now);
    }

    fn get(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Relays every connection to `upstream`, noting when a request's first bytes arrive: its
/// address, and the task, which relays until it is aborted.
async fn relay(upstream: String, first: FirstRequest) -> Result<(String, JoinHandle<()>), String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let target: SocketAddr = upstream
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .parse()
        .map_err(|_| format!("cannot relay to {upstream}"))?;
    let task = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let first = first.clone();
            tokio::spawn(async move {
                // Noted when the first bytes are readable, before they are read.
                if inbound.readable().await.is_err() {
                    return;
                }
                first.note();
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    Ok((format!("http://{addr}"), task))
}

/// The local servers, kept alive for the whole benchmark.
#[derive(Debug)]
struct World {
    env: BTreeMap<&'static str, String>,
    first: FirstRequest,
    _s3: S3Server,
    _sim: RunningSim,
    _ssm: SsmServer,
    _slack: SlackServer,
    _dynamodb: Option<DynamoDbServer>,
}

impl World {
    async fn start(functions: &[&str]) -> Result<Self, String> {
        let first = FirstRequest::default();
        let s3 = S3Server::start().await.map_err(|e| format!("S3 server: {e}"))?;
        s3.create_bucket(BUCKET).await.map_err(|e| format!("S3 server: {e}"))?;
        let seed = workspace_root().join("samplejson");
        for entry in std::fs::read_dir(&seed).map_err(|e| format!("{}: {e}", seed.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                let key = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                s3.put(BUCKET, &key, bytes).await.map_err(|e| format!("S3 server: seeding {key}: {e}"))?;
            }
        }
        let sim = ConnectSim::with_clock(Script::default(), SimClock::Real)
            .start()
            .await
            .map_err(|e| format!("Connect simulator: {e}"))?;
        let slack = SlackServer::start(Vec::new()).await.map_err(|e| format!("Slack stand-in: {e}"))?;
        let origin = slack_origin(&slack.url());
        let slack_url = slack.url().replacen(&origin, &relay(origin.clone(), first.clone()).await?.0, 1);
        let ssm = SsmServer::start(&[(SLACK_PARAMETER, slack_url.as_str()), (TWILIO_PARAMETER, TWILIO_TOKEN)])
            .await
            .map_err(|e| format!("SSM stand-in: {e}"))?;
        // moto starts in a few seconds; only place-call needs it.
        let dynamodb = if functions.contains(&"place-call") {
            Some(DynamoDbServer::start().await.map_err(|e| format!("DynamoDB server (place-call's ledger): {e}"))?)
        } else {
            None
        };
        let mut env: BTreeMap<&'static str, String> = BTreeMap::new();
        // tests/local/harness.mjs DEFAULT_ENV, as every local run starts from.
        for (name, value) in [
            ("PHONE_NUMBER_BUCKET", BUCKET),
            ("PHONE_NUMBER_JSON_FILE", "phoneNumber.json"),
            ("CONNECT_INSTANCE_ID", "11111111-2222-3333-4444-555555555555"),
            ("CONNECT_CONTACT_FLOW_ID", "66666666-7777-8888-9999-000000000000"),
            ("CONNECT_SOURCE_PHONE_NUMBER", "+815000000000"),
            ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+815099990000"),
            ("CALL_REPEAT_COUNT", "1"),
            ("CALL_REPEAT_GROUP", "False"),
            ("CALL_STATE_CHECK_INTERVAL_SECONDS", "8"),
            ("CALL_POLL_INTERVAL_SECONDS", "1"),
            ("CALL_LEDGER_TABLE", LEDGER_TABLE),
            ("RUST_LOG", "info"),
            ("SLACK_WEBHOOK_URL_PARAMETER", SLACK_PARAMETER),
            ("TWILIO_AUTH_TOKEN_PARAMETER", TWILIO_PARAMETER),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_S3_FORCE_PATH_STYLE", "true"),
        ] {
            env.insert(name, value.to_owned());
        }
        env.insert("AWS_ENDPOINT_URL_S3", relay(s3.endpoint(), first.clone()).await?.0);
        env.insert("AWS_ENDPOINT_URL_CONNECT", relay(sim.url(), first.clone()).await?.0);
        env.insert("AWS_ENDPOINT_URL_SSM", relay(ssm.endpoint(), first.clone()).await?.0);
        if let Some(dynamodb) = &dynamodb {
            env.insert("AWS_ENDPOINT_URL_DYNAMODB", relay(dynamodb.endpoint().to_owned(), first.clone()).await?.0);
        }
        Ok(Self { env, first, _s3: s3, _sim: sim, _ssm: ssm, _slack: slack, _dynamodb: dynamodb })
    }

    /// Starts `binary` once, hands it its event, and times it.
    async fn run_once(
        &self,
        binary: &Path,
        function: &str,
        index: usize,
        log: &Path,
        extra_env: &[(String, String)],
    ) -> Result<Sample, String> {
        let event = event(function, index)?;
        let runtime = RuntimeApi::start(event).await?;
        self.first.reset();
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(binary);
        command
            .env_clear()
            .current_dir(workspace_root())
            .envs(&self.env)
            .envs(lambda_env(function, &runtime.addr))
            .envs(extra_env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file);
        let spawned = Instant::now();
        let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let outcome = tokio::time::timeout(RUN_LIMIT, runtime.finished(&mut child)).await;
        let peak_rss_kib = peak_rss_kib(child.id());
        let _ = child.kill();
        let _ = child.wait();
        let end = match outcome {
            Err(_) => return Err(format!("no response within {RUN_LIMIT:?} (run {index})")),
            Ok(Err(message)) => return Err(format!("run {index}: {message}")),
            Ok(Ok(end)) => end,
        };
        let init = runtime.first_poll().ok_or("answered without polling for an event")?;
        Ok(Sample {
            init: init - spawned,
            first_request: self.first.get().map(|at| at.saturating_duration_since(spawned)),
            response: end - spawned,
            peak_rss_kib: peak_rss_kib?,
        })
    }
}

/// `http://127.0.0.1:port` of a URL.
fn slack_origin(url: &str) -> String {
    let rest = url.trim_start_matches("http://");
    format!("http://{}", rest.split('/').next().unwrap_or_default())
}

/// The variables Lambda sets for every runtime (as tests/local/lambda.mjs sets them).
fn lambda_env(function: &str, runtime: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("AWS_LAMBDA_RUNTIME_API", runtime.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]00000000000000000000000000000000".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("LAMBDA_TASK_ROOT", workspace_root().display().to_string()),
        ("_HANDLER", "bootstrap".to_owned()),
    ]
}

/// The event of one run: the function's sample, made to do real work.
fn event(function: &str, index: usize) -> Result<Vec<u8>, String> {
    let file = match function {
        "resolve-roster" => "resolve-roster.sns.json",
        other => &format!("{other}.json"),
    };
    let path = sample(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut event: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if function == "place-call" {
        // A real call (the sample is a dry run), claimed in the ledger under a fresh id each run.
        event["dryRun"] = Value::Bool(false);
        event["escalationId"] = Value::String(format!("cold-start-{}-{index}", std::process::id()));
    }
    serde_json::to_vec(&event).map_err(|e| e.to_string())
}

/// `VmHWM` of a live process, from `/proc/<pid>/status`.
fn peak_rss_kib(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("/proc/{pid}/status has no VmHWM"))
}

// ---------------------------------------------------------------------------------------
// The Lambda Runtime API stand-in: one event per process.

#[derive(Debug, Default)]
struct RuntimeState {
    event: Vec<u8>,
    delivered: bool,
    /// The end of the invocation: when, and the error if it was one.
    end: Option<(Instant, Option<String>)>,
}

#[derive(Debug)]
struct RuntimeApi {
    /// `AWS_LAMBDA_RUNTIME_API`: the relay in front of the stand-in.
    addr: String,
    state: Arc<Mutex<RuntimeState>>,
    ended: Arc<Notify>,
    /// When the first request's first bytes reached the relay.
    polled: FirstRequest,
    tasks: [JoinHandle<()>; 2],
}

const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000001";

type Shared = (Arc<Mutex<RuntimeState>>, Arc<Notify>);

impl RuntimeApi {
    async fn start(event: Vec<u8>) -> Result<Self, String> {
        let state = Arc::new(Mutex::new(RuntimeState { event, ..RuntimeState::default() }));
        let ended = Arc::new(Notify::new());
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(end))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state((state.clone(), ended.clone()));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let polled = FirstRequest::default();
        let (url, relay) = relay(format!("http://{addr}"), polled.clone()).await?;
        let addr = url.trim_start_matches("http://").to_owned();
        Ok(Self { addr, state, ended, polled, tasks: [server, relay] })
    }

    fn first_poll(&self) -> Option<Instant> {
        self.polled.get()
    }

    /// Waits for the invocation's end: its time, or why it is not a response.
    async fn finished(&self, child: &mut Child) -> Result<Instant, String> {
        loop {
            let notified = self.ended.notified();
            if let Some((at, error)) = self.state.lock().unwrap_or_else(PoisonError::into_inner).end.clone() {
                return match error {
                    None => Ok(at),
                    Some(error) => Err(format!("answered with an error instead of a response: {error}")),
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("the process exited ({status}) without answering"));
            }
            // Woken by the end; the exit is checked every few milliseconds.
            let _ = tokio::time::timeout(Duration::from_millis(5), notified).await;
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn next(State((state, _)): State<Shared>) -> Response {
    let event = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.delivered {
            None
        } else {
            state.delivered = true;
            Some(state.event.clone())
        }
    };
    let Some(event) = event else {
        // One event per process: the next poll waits until the process is killed.
        return std::future::pending().await;
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|now| now + RUN_LIMIT)
        .unwrap_or_default()
        .as_millis();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_static(REQUEST_ID));
    if let Ok(value) = HeaderValue::from_str(&deadline.to_string()) {
        headers.insert("lambda-runtime-deadline-ms", value);
    }
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:ap-northeast-1:123456789012:function:cold-start"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"),
    );
    (StatusCode::OK, headers, event).into_response()
}

async fn end(
    State((state, ended)): State<Shared>,
    UrlPath((id, kind)): UrlPath<(String, String)>,
    body: Bytes,
) -> Response {
    let error = match kind.as_str() {
        "response" => None,
        "error" => Some(String::from_utf8_lossy(&body).into_owned()),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let error = if id == REQUEST_ID { error } else { Some(format!("answered an unknown request id {id}")) };
    state.lock().unwrap_or_else(PoisonError::into_inner).end.get_or_insert_with(|| (Instant::now(), error));
    ended.notify_one();
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

async fn init_error(State((state, ended)): State<Shared>, body: Bytes) -> Response {
    let error = format!("init failed: {}", String::from_utf8_lossy(&body));
    state.lock().unwrap_or_else(PoisonError::into_inner).end.get_or_insert_with(|| (Instant::now(), Some(error)));
    ended.notify_one();
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

// ---------------------------------------------------------------------------------------
// The tables.

#[derive(Debug, Clone, Copy)]
struct Sample {
    init: Duration,
    first_request: Option<Duration>,
    response: Duration,
    peak_rss_kib: u64,
}

/// min, median, max.
fn stats(mut values: Vec<f64>) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    Some((values[0], median, values[n - 1]))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn print_table(function: &str, samples: &[Sample]) {
    println!();
    println!("{function} ({} runs)", samples.len());
    println!("  {:<15} {:>11} {:>11} {:>11}", "", "min", "median", "max");
    let row = |name: &str, values: Vec<f64>, unit: &str| match stats(values) {
        Some((min, median, max)) => {
            println!("  {name:<15} {:>7.2} {unit:<3} {:>7.2} {unit:<3} {:>7.2} {unit:<3}", min, median, max);
        }
        None => println!("  {name:<15} {:>11} {:>11} {:>11}", "-", "-", "-"),
    };
    row("init", samples.iter().map(|s| ms(s.init)).collect(), "ms");
    let firsts: Vec<f64> = samples.iter().filter_map(|s| s.first_request.map(ms)).collect();
    if firsts.len() < samples.len() && !firsts.is_empty() {
        println!("  (first request: {} of {} runs made one)", firsts.len(), samples.len());
    }
    row("first request", firsts, "ms");
    row("response", samples.iter().map(|s| ms(s.response)).collect(), "ms");
    row("peak RSS", samples.iter().map(|s| s.peak_rss_kib as f64 / 1024.0).collect(), "MiB");
}

fn print_summary(summary: &[(&str, Vec<Sample>)]) {
    println!();
    println!("medians");
    println!("  {:<15} {:>10} {:>14} {:>10} {:>11}", "function", "init", "first request", "response", "peak RSS");
    for (function, samples) in summary {
        let median = |values: Vec<f64>| stats(values).map_or_else(|| "-".to_owned(), |(_, m, _)| format!("{m:.2}"));
        let init = median(samples.iter().map(|s| ms(s.init)).collect());
        let first = median(samples.iter().filter_map(|s| s.first_request.map(ms)).collect());
        let response = median(samples.iter().map(|s| ms(s.response)).collect());
        let rss = median(samples.iter().map(|s| s.peak_rss_kib as f64 / 1024.0).collect());
        println!("  {function:<15} {:>7} ms {:>11} ms {:>7} ms {:>7} MiB", init, first, response, rss);
    }
}
