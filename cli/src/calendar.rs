//! `oncall calendar`: a month as a grid of who is on duty each day, so a duty maintainer
//! sees at a glance what a roster edit does, including the days nobody covers (the fallback
//! number is rung then). Weeks run Monday to Sunday. Each day shows the group a real alert
//! would ring first: the first group in the file whose days contain it, as the plan picks,
//! marked `*` when an override changes that day (`ov*` when an override's numbers stand in).
//! Day numbers the month lacks (31 in a 30-day month) simply do not appear.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, Utc};
use domain::escalation::plan::local_date;
use domain::phone::PhoneNumber;
use domain::problem::has_errors;
use domain::roster::{Change, Duty, Roster, day_range, day_runs};

use crate::Status;
use crate::args::CalendarArgs;
use crate::settings::{file_or_env, optional_fallback, time_zone};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// A day's cell: the day number, a space and a label of up to four characters (`g12`, `--`).
const CELL: usize = 7;
const NOBODY: &str = "--";
/// The mark of a day an override changes, and the label of one whose numbers stand in.
const OVERRIDDEN: &str = "*";
const STAND_IN: &str = "ov";

pub fn run(args: &CalendarArgs) -> anyhow::Result<Status> {
    let Some(path) = file_or_env(args.roster.as_deref(), "PHONE_NUMBER_JSON_FILE") else {
        bail!("give --roster FILE (or set PHONE_NUMBER_JSON_FILE)");
    };
    let zone = time_zone(&args.zone)?;
    let fallback = optional_fallback(&args.fallback)?;
    let month = match &args.month {
        Some(raw) => parse_month(raw)?,
        None => first_of_month(local_date(Utc::now(), &zone)),
    };
    let bytes = std::fs::read(&path).with_context(|| format!("{}: cannot be read", path.display()))?;
    let source = path.display().to_string();
    let report = Roster::parse(&source, &bytes);
    print!("{}", render(&source, report.roster.as_ref(), month, fallback.as_ref(), args.show_numbers));
    if !report.problems.is_empty() {
        println!("\nproblems:");
        for problem in &report.problems {
            println!("  {problem}");
        }
    }
    Ok(if has_errors(&report.problems) { Status::Problems } else { Status::Clean })
}

/// `YYYY-MM` → the first day of that month.
fn parse_month(raw: &str) -> anyhow::Result<NaiveDate> {
    let raw = raw.trim();
    let parsed = raw
        .split_once('-')
        .filter(|(year, month)| year.len() == 4 && (1..=2).contains(&month.len()))
        .and_then(|(year, month)| Some((year.parse::<i32>().ok()?, month.parse::<u32>().ok()?)))
        .and_then(|(year, month)| NaiveDate::from_ymd_opt(year, month, 1));
    parsed.with_context(|| format!("--month {raw:?}: expected a month as YYYY-MM, e.g. 2026-11"))
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The days of the month starting on `first`.
fn days_of(first: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|day| day.month() == first.month()).collect()
}

/// The grid, its legend and the uncovered days. `roster` is `None` when the file cannot be
/// used: then nobody is on duty on any day, exactly as the plan would ring the fallback.
fn render(
    source: &str,
    roster: Option<&Roster>,
    first: NaiveDate,
    fallback: Option<&PhoneNumber>,
    show_numbers: bool,
) -> String {
    let days = days_of(first);
    let duties: Vec<Option<Duty<'_>>> = days.iter().map(|day| roster.map(|r| r.duty_on(*day))).collect();
    let on_duty: Vec<Option<usize>> = duties.iter().map(|duty| duty.as_ref().and_then(|duty| duty.base)).collect();
    let label = |group: Option<usize>| group.map_or_else(|| NOBODY.to_owned(), |i| format!("g{}", i + 1));
    // A day's cell: its group, `ov` when an override's numbers stand in, `*` when an
    // override changes the day.
    let cell = |duty: &Option<Duty<'_>>| match duty {
        Some(duty) if duty.stand_in.is_some() => format!("{STAND_IN}{OVERRIDDEN}"),
        Some(duty) if !duty.overrides.is_empty() => format!("{}{OVERRIDDEN}", label(duty.base)),
        Some(duty) => label(duty.base),
        None => label(None),
    };

    let mut out = String::new();
    let _ = writeln!(out, "{} · roster {source} · weeks start on Monday\n", first.format("%B %Y"));
    let header: Vec<String> = WEEKDAYS.iter().map(|day| format!("{day:<CELL$}")).collect();
    let _ = writeln!(out, "{}", header.join(" ").trim_end());
    let mut row: Vec<String> = vec![" ".repeat(CELL); first.weekday().num_days_from_monday() as usize];
    for (day, duty) in days.iter().zip(&duties) {
        row.push(format!("{:>2} {:<4}", day.day(), cell(duty)));
        if row.len() == 7 {
            let _ = writeln!(out, "{}", row.join(" ").trim_end());
            row.clear();
        }
    }
    if !row.is_empty() {
        let _ = writeln!(out, "{}", row.join(" ").trim_end());
    }

    out.push('\n');
    let show = |n: &PhoneNumber| if show_numbers { n.as_str().to_owned() } else { n.to_string() };
    if let Some(roster) = roster {
        let names = roster.groups.iter().map(|g| g.name.chars().count()).max().unwrap_or(0);
        for (i, group) in roster.groups.iter().enumerate() {
            let days = if group.start_day == group.end_day {
                format!("day {}", group.start_day)
            } else {
                format!("days {}-{}", group.start_day, group.end_day)
            };
            let who = if on_duty.contains(&Some(i)) {
                let numbers: Vec<String> = group.phone_numbers.iter().map(show).collect();
                let mut who =
                    if numbers.is_empty() { "no number that can be dialled".to_owned() } else { numbers.join(", ") };
                if group.incomplete {
                    who.push_str(" (+ the fallback number: some listed numbers cannot be dialled)");
                }
                who
            } else {
                format!("not on duty in {}", first.format("%B %Y"))
            };
            let _ = writeln!(out, "{:<4} {:<names$}  {days:<10} {who}", label(Some(i)), group.name);
        }
    }
    let fallback_shown = fallback.map_or_else(|| "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER".to_owned(), show);
    let _ = writeln!(out, "{NOBODY:<4} nobody on duty: the fallback number is rung ({fallback_shown})");
    let last = days.last().copied().unwrap_or(first);
    let overrides = roster.into_iter().flat_map(|r| &r.overrides).filter(|o| o.from <= last && o.to >= first);
    for (i, o) in overrides.enumerate() {
        if i == 0 {
            let _ = writeln!(
                out,
                "{OVERRIDDEN:<4} an override changes the duty that day ({STAND_IN}: its numbers stand in):"
            );
        }
        let dates = if o.from == o.to { o.from.to_string() } else { format!("{} to {}", o.from, o.to) };
        let list = |numbers: &[PhoneNumber]| numbers.iter().map(show).collect::<Vec<_>>().join(", ");
        let what = match &o.change {
            Change::OnDuty { phone_numbers, .. } => format!("on duty instead: {}", list(phone_numbers)),
            Change::Group(position) => format!("{} on duty instead (a swap)", label(Some(*position))),
            Change::Replace { number, with } => format!("{} rung instead of {}", show(with), show(number)),
            Change::Add(numbers) => format!("{} rung too", list(numbers)),
            Change::Unreadable => "cannot be read: the fallback number is rung too".to_owned(),
        };
        let _ = writeln!(out, "     {}  {dates}: {what}", o.name);
    }

    let uncovered: Vec<u32> = days
        .iter()
        .zip(&duties)
        .filter(|(_, duty)| !duty.as_ref().is_some_and(Duty::anyone))
        .map(|(d, _)| d.day())
        .collect();
    out.push('\n');
    if uncovered.is_empty() {
        let _ = writeln!(out, "every day has someone on duty");
    } else {
        let _ = writeln!(
            out,
            "nobody on duty on {} {}: the fallback number is rung",
            first.format("%B"),
            day_runs(&uncovered).into_iter().map(|(from, to)| day_range(from, to)).collect::<Vec<_>>().join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(json: &str) -> Roster {
        Roster::parse("r.json", json.as_bytes()).roster.unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-11").unwrap(), date(2026, 11, 1));
        assert_eq!(parse_month(" 2027-2 ").unwrap(), date(2027, 2, 1));
        for bad in ["2026-13", "2026", "26-11", "2026-11-01", "November"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_grid_starts_on_monday_and_puts_each_day_under_its_weekday() {
        // 1 November 2026 is a Sunday.
        let r = roster(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#);
        let text = render("r.json", Some(&r), date(2026, 11, 1), None, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "Mon     Tue     Wed     Thu     Fri     Sat     Sun");
        assert_eq!(lines[3], format!("{} 1 g1", " ".repeat(6 * 8)));
        assert!(lines[4].starts_with(" 2 g1    3 g1"), "{text}");
        assert!(lines[8].starts_with("30 g1"), "{text}");
        assert!(!text.contains("31 g1"), "November has no 31st: {text}");
    }

    #[test]
    fn the_first_group_in_the_file_wins_and_gaps_are_called_out() {
        let r = roster(
            r#"[{"startDay":1,"endDay":10,"phoneNumber":["+819011110001"]},
                {"startDay":5,"endDay":20,"phoneNumber":["+819022220001"]},
                {"startDay":31,"endDay":31,"phoneNumber":["+819033330001"]}]"#,
        );
        let text = render("r.json", Some(&r), date(2026, 11, 1), None, false);
        assert!(text.contains(" 9 g1") && text.contains("11 g2"), "{text}");
        assert!(text.contains("21 --") && text.contains("30 --"), "{text}");
        assert!(text.contains("nobody on duty on November 21-30: the fallback number is rung"), "{text}");
        assert!(text.contains("g3   group3  day 31     not on duty in November 2026"), "{text}");
    }

    #[test]
    fn the_legend_masks_numbers_unless_asked() {
        let r = roster(r#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001","+81xxxxxxxxxx"]}]"#);
        let fallback = PhoneNumber::parse("+819099990000").unwrap();
        let masked = render("r.json", Some(&r), date(2026, 12, 1), Some(&fallback), false);
        assert!(masked.contains("+8190****0001 (+ the fallback number"), "{masked}");
        assert!(masked.contains("(+8190****0000)"), "{masked}");
        assert!(!masked.contains("+819011110001"), "{masked}");
        assert!(masked.contains("every day has someone on duty"), "{masked}");
        let shown = render("r.json", Some(&r), date(2026, 12, 1), Some(&fallback), true);
        assert!(shown.contains("+819011110001") && shown.contains("+819099990000"), "{shown}");
    }

    #[test]
    fn an_unusable_roster_leaves_every_day_to_the_fallback() {
        let text = render("r.json", None, date(2027, 2, 1), None, false);
        assert!(text.contains("nobody on duty on February 1-28"), "{text}");
        assert!(text.contains("(CONNECT_EXTRA_DESTINATION_PHONE_NUMBER)"), "{text}");
    }
}
