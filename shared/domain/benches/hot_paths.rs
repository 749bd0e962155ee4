//! Benchmarks of the work every alert does before the first call: parsing a roster and a
//! mapping, planning the attempts and building the spoken message, then resolve-roster's
//! whole run for one alert, and the size of the state it hands to Step Functions.
//! `cargo bench -p lambda-connect-domain` prints the time per iteration (`-- --quick` for a
//! shorter run); compare runs on the same machine. Nothing here asserts a time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lambda_connect_domain::alert::{Alert, AlertInput};
use lambda_connect_domain::config::RosterConfig;
use lambda_connect_domain::escalation::plan::{RepeatSettings, local_date, plan_attempts};
use lambda_connect_domain::incident::{Explicit, InsufficientData, classify};
use lambda_connect_domain::mapping::Mapping;
use lambda_connect_domain::message::spoken_message;
use lambda_connect_domain::payload::EscalationState;
use lambda_connect_domain::phone::PhoneNumber;
use lambda_connect_domain::resolve::resolve;
use lambda_connect_domain::roster::Roster;
use lambda_connect_domain::store::MemoryStore;
use lambda_connect_domain::zone::Zone;

/// Step Functions refuses a state larger than this (and no Catch sees it).
const STATE_LIMIT: usize = 256 * 1024;

/// What to run: `-- --quick` for a shorter run, `-- <text>` for the rows whose name has it.
#[derive(Debug)]
struct Options {
    budget: Duration,
    filter: Option<String>,
}

impl Options {
    fn runs(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|filter| name.contains(filter.as_str()))
    }

    fn from_args() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let quick = args.iter().any(|a| a == "--quick");
        Self {
            budget: Duration::from_millis(if quick { 50 } else { 500 }),
            filter: args.into_iter().find(|a| !a.starts_with('-')),
        }
    }
}

/// Runs `f` for about the budget, in batches of about a 200th of it, and prints the time
/// per call of the median batch and of the fastest one (the least disturbed by anything else
/// the machine is doing: compare that one between runs).
fn bench<T>(options: &Options, name: &str, mut f: impl FnMut() -> T) {
    if !options.runs(name) {
        return;
    }
    let warm_up = Instant::now();
    for _ in 0..100 {
        black_box(f());
    }
    let per_call = warm_up.elapsed() / 100;
    let batch = (options.budget.as_nanos() / 200 / per_call.as_nanos().max(1)).clamp(1, 1_000_000) as u32;
    let start = Instant::now();
    let mut batches: Vec<u128> = Vec::new();
    while start.elapsed() < options.budget || batches.len() < 5 {
        let timer = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        batches.push(timer.elapsed().as_nanos() / u128::from(batch));
    }
    batches.sort_unstable();
    let (median, best) = (batches[batches.len() / 2], batches[0]);
    let calls = batches.len() as u64 * u64::from(batch);
    println!("{name:<52} {median:>10} ns {best:>10} ns   ({calls} calls)");
}

/// resolve-roster's run for one alert, as its handler makes it: the alert read from the
/// event, the roster read from the store, parsed and checked, the plan, the first state.
fn resolve_roster(
    runtime: &tokio::runtime::Runtime,
    store: &MemoryStore,
    config: &RosterConfig,
    event: &serde_json::Value,
    now: DateTime<Utc>,
) -> Option<EscalationState> {
    runtime.block_on(resolve(store, config, AlertInput::parse(event), "bench".to_owned(), now)).ok()
}

/// A month of daily duty: 31 groups of three numbers, the largest roster in normal use.
fn big_roster() -> String {
    let groups: Vec<String> = (1..=31)
        .map(|day| {
            format!(
                r#"{{"startDay":{day},"endDay":{day},"phoneNumber":["+8190{day:02}000001","+8190{day:02}000002","+8190{day:02}000003"]}}"#
            )
        })
        .collect();
    format!("[{}]", groups.join(","))
}

/// 10,000 groups on duty all month: a roster no team keeps, but one a generator or a mistake
/// can make. Checking it once compared every pair of groups (50 million overlap warnings);
/// it must stay linear in the file and bounded in memory.
fn huge_roster() -> String {
    let groups: Vec<String> =
        (0..10_000).map(|i| format!(r#"{{"startDay":1,"endDay":31,"phoneNumber":["+8190{i:08}"]}}"#)).collect();
    format!("[{}]", groups.join(","))
}

fn main() {
    let options = &Options::from_args();
    println!("{:<52} {:>13} {:>13}", "per call", "median", "best");
    let small = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/phoneNumber.json"))
        .unwrap_or_else(|_| big_roster().into_bytes());
    let big = big_roster().into_bytes();
    let mapping =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/mapping.json")).unwrap_or_default();
    let pipe = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/resolve-roster.pipe.json"))
        .unwrap_or_default();

    bench(options, "roster: parse sample (3 groups)", || Roster::parse("phoneNumber.json", &small));
    bench(options, "roster: parse 31 groups x 3 numbers", || Roster::parse("phoneNumber.json", &big));
    bench(options, "mapping: parse sample", || Mapping::parse("mapping.json", &mapping));
    let huge = huge_roster().into_bytes();
    bench(options, "roster: parse 10,000 overlapping groups", || Roster::parse("phoneNumber.json", &huge));
    let huge_roster = Roster::parse("phoneNumber.json", &huge).roster;

    let roster = Roster::parse("phoneNumber.json", &big).roster;
    let fallback = PhoneNumber::parse("+819099990000").ok();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
    let settings = RepeatSettings { repeat_count: 3, repeat_group: false };
    bench(options, "plan: 31 groups x 3 rounds", || plan_attempts(roster.as_ref(), today, settings, fallback.as_ref()));
    bench(options, "plan: 10,000 groups x 3 rounds", || {
        plan_attempts(huge_roster.as_ref(), today, settings, fallback.as_ref())
    });
    let instant = Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).single().unwrap_or_default();
    let tokyo = Zone::tokyo();
    bench(options, "local date in Asia/Tokyo", || local_date(instant, &tokyo));

    let input: serde_json::Value = serde_json::from_slice(&pipe).unwrap_or_default();
    bench(options, "alert: read a Pipe batch", || AlertInput::parse(&input));
    let alarm = AlertInput::parse(&input).alert;
    bench(options, "message: CloudWatch alarm", || spoken_message("障害が発生しました。", &alarm));
    let plain = Alert { message: Some("x".repeat(2000)), ..Alert::default() };
    bench(options, "message: 2000-character text", || spoken_message("障害が発生しました。", &plain));
    let none = Explicit::default();
    let notice = InsufficientData::Notice;
    bench(options, "incident: classify a CloudWatch alarm", || classify(&alarm, &none, notice));
    bench(options, "incident: key a 2000-character text", || classify(&plain, &none, notice));

    // resolve-roster end to end: simple mode, today's date in Tokyo, the default 3 rounds.
    let (Ok(runtime), Some(fallback)) = (tokio::runtime::Builder::new_current_thread().build(), fallback) else {
        return;
    };
    let mut config = RosterConfig::fallback_only(fallback);
    config.roster_key = "phoneNumber.json".to_owned();
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).single().unwrap_or_default();
    let mut states = Vec::new();
    for (label, roster) in [("31 groups", &big), ("10,000 groups", &huge)] {
        let mut store = MemoryStore::default();
        store.insert("phoneNumber.json", roster.clone());
        let label = format!("{label} ({} KB)", roster.len().div_ceil(1024));
        let run = || resolve_roster(&runtime, &store, &config, &input, now);
        bench(options, &format!("resolve-roster, {label}: end to end"), run);
        let state = run();
        bench(options, &format!("resolve-roster, {label}: its state to JSON"), || {
            state.as_ref().map(serde_json::to_vec)
        });
        states.push((label, state));
    }

    if !options.runs("state") {
        return;
    }
    println!();
    println!("{:<52} {:>10} bytes", "the state resolve-roster returns; Step Functions' limit", STATE_LIMIT);
    for (label, state) in &states {
        let size = state.as_ref().and_then(|state| serde_json::to_vec(state).ok()).map_or(0, |json| json.len());
        let share = size as f64 * 100.0 / STATE_LIMIT as f64;
        println!("{:<52} {size:>10} bytes ({share:.1}% of the limit)", format!("  for the roster of {label}"));
    }
}
