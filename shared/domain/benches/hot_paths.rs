//! Benchmarks of the work every alert does before the first call: parsing a roster and a
//! mapping, planning the attempts and building the spoken message. `cargo bench -p
//! lambda-connect` prints the time per iteration; compare runs on the same machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use lambda_connect_domain::alert::{Alert, AlertInput};
use lambda_connect_domain::escalation::plan::{RepeatSettings, local_date, plan_attempts};
use lambda_connect_domain::mapping::Mapping;
use lambda_connect_domain::message::spoken_message;
use lambda_connect_domain::phone::PhoneNumber;
use lambda_connect_domain::roster::Roster;

/// Runs `f` for about `budget` and prints the mean time per call.
fn bench<T>(name: &str, budget: Duration, mut f: impl FnMut() -> T) {
    for _ in 0..100 {
        black_box(f());
    }
    let start = Instant::now();
    let mut iterations = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            black_box(f());
        }
        iterations += 100;
    }
    let per = start.elapsed().as_nanos() / u128::from(iterations);
    println!("{name:<40} {per:>10} ns/iter ({iterations} iterations)");
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
    let budget = Duration::from_millis(if std::env::args().any(|a| a == "--quick") { 50 } else { 500 });
    let small = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/phoneNumber.json"))
        .unwrap_or_else(|_| big_roster().into_bytes());
    let big = big_roster().into_bytes();
    let mapping =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/mapping.json")).unwrap_or_default();
    let pipe = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samplejson/resolve-roster.pipe.json"))
        .unwrap_or_default();

    bench("roster: parse sample (3 groups)", budget, || Roster::parse("phoneNumber.json", &small));
    bench("roster: parse 31 groups x 3 numbers", budget, || Roster::parse("phoneNumber.json", &big));
    bench("mapping: parse sample", budget, || Mapping::parse("mapping.json", &mapping));
    let huge = huge_roster().into_bytes();
    bench("roster: parse 10,000 overlapping groups", budget, || Roster::parse("phoneNumber.json", &huge));
    let huge_roster = Roster::parse("phoneNumber.json", &huge).roster;

    let roster = Roster::parse("phoneNumber.json", &big).roster;
    let fallback = PhoneNumber::parse("+819099990000").ok();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
    let settings = RepeatSettings { repeat_count: 3, repeat_group: false };
    bench("plan: 31 groups x 3 rounds", budget, || plan_attempts(roster.as_ref(), today, settings, fallback.as_ref()));
    bench("plan: 10,000 groups x 3 rounds", budget, || {
        plan_attempts(huge_roster.as_ref(), today, settings, fallback.as_ref())
    });
    let instant = Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).single().unwrap_or_default();
    bench("local date in Asia/Tokyo", budget, || local_date(instant, chrono_tz::Tz::Asia__Tokyo));

    let input: serde_json::Value = serde_json::from_slice(&pipe).unwrap_or_default();
    bench("alert: read a Pipe batch", budget, || AlertInput::parse(&input));
    let alarm = AlertInput::parse(&input).alert;
    bench("message: CloudWatch alarm", budget, || spoken_message("障害が発生しました。", &alarm));
    let plain = Alert { message: Some("x".repeat(2000)), ..Alert::default() };
    bench("message: 2000-character text", budget, || spoken_message("障害が発生しました。", &plain));
}
