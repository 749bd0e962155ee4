//! `oncall calendar`: the month grid, the legend, the uncovered days and the exit statuses.

use chrono::{Datelike, Utc};

use super::*;

fn calendar(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["calendar"];
    all.extend_from_slice(args);
    oncall_with_env(&all, env)
}

#[test]
fn shows_the_month_as_a_monday_first_grid_with_a_masked_legend() {
    let roster = sample("phoneNumber.json");
    let run = calendar(&["--roster", &roster, "--month", "2026-11"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let expected = format!(
        "November 2026 · roster {roster} · weeks start on Monday\n\
         \n\
         Mon     Tue     Wed     Thu     Fri     Sat     Sun\n\
         \x20                                                1 g1\n\
         \x202 g1    3 g1    4 g1    5 g1    6 g1    7 g1    8 g1\n\
         \x209 g1   10 g1   11 g2   12 g2   13 g2   14 g2   15 g2\n\
         16 g2   17 g2   18 g2   19 g2   20 g2   21 g3   22 g3\n\
         23 g3   24 g3   25 g3   26 g3   27 g3   28 g3   29 g3\n\
         30 g3\n\
         \n\
         g1   group1  days 1-10  +8190****1001, +8190****1002\n\
         g2   group2  days 11-20 +8190****2001, +8190****2002\n\
         g3   group3  days 21-31 +8190****3001\n\
         --   nobody on duty: the fallback number is rung (CONNECT_EXTRA_DESTINATION_PHONE_NUMBER)\n\
         \n\
         every day has someone on duty\n"
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn uncovered_days_and_the_fallback_are_called_out() {
    let dir = folder(&[(
        "r.json",
        br#"[{"startDay":1,"endDay":9,"phoneNumber":["+819012341001"]},
             {"startDay":5,"endDay":20,"phoneNumber":["+819012342001"]},
             {"startDay":31,"endDay":31,"phoneNumber":["+819012343001"]}]"#,
    )]);
    let roster = join(&dir, "r.json");
    let run = calendar(
        &["--roster", &roster, "--month", "2026-11", "--show-numbers"],
        &[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK)],
    );
    assert_eq!(run.code, 0, "only warnings: {run:?}");
    // The first group in the file wins where they overlap.
    assert!(run.stdout.contains(" 9 g1   10 g2"), "{run:?}");
    assert!(run.stdout.contains("21 --   22 --"), "{run:?}");
    assert!(run.stdout.contains("g3   group3  day 31     not on duty in November 2026"), "{run:?}");
    assert!(run.stdout.contains("--   nobody on duty: the fallback number is rung (+819099990000)"), "{run:?}");
    assert!(run.stdout.contains("nobody on duty on November 21-30: the fallback number is rung"), "{run:?}");
    assert!(run.stdout.contains("  warning: "), "the roster's own warnings follow: {run:?}");
    // In a 31-day month the last group is on duty on the 31st.
    let december = calendar(&["--roster", &roster, "--month", "2026-12"], &[]);
    assert!(december.stdout.contains("31 g3"), "{december:?}");
    assert!(december.stdout.contains("nobody on duty on December 21-30: "), "{december:?}");
}

#[test]
fn placeholder_numbers_exit_one_with_their_problems() {
    let run = calendar(&["--roster", &compat("b-phoneNumber_placeholder_numbers.json"), "--month", "2026-11"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("g1   group1  days 1-9   no number that can be dialled (+ the fallback number"),
        "{run:?}"
    );
    assert_eq!(run.stdout.matches("  error: ").count(), 6, "{run:?}");
    assert!(!run.stdout.contains("+bbbbbbbbbbb"), "{run:?}");
}

#[test]
fn an_unusable_roster_puts_nobody_on_any_day() {
    let dir = folder(&[("r.json", b"[{\"startDay\": 40, \"endDay\": 2, \"phoneNumber\": []}]")]);
    let run = calendar(&["--roster", &join(&dir, "r.json"), "--month", "2027-02"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("nobody on duty on February 1-28: the fallback number is rung"), "{run:?}");
    assert!(run.stdout.contains("[0].startDay: expected a whole number from 1 to 31"), "{run:?}");
}

#[test]
fn the_default_month_is_the_current_one_in_the_roster_zone() {
    let before = Utc::now().with_timezone(&chrono_tz::Pacific::Kiritimati);
    let run = calendar(&["--roster", &sample("phoneNumber.json")], &[("ROSTER_TIME_ZONE", "Pacific/Kiritimati")]);
    let after = Utc::now().with_timezone(&chrono_tz::Pacific::Kiritimati);
    assert_eq!(run.code, 0, "{run:?}");
    let heading = |at: chrono::DateTime<chrono_tz::Tz>| format!("{} {} · ", month_name(at.month()), at.year());
    assert!(run.stdout.starts_with(&heading(before)) || run.stdout.starts_with(&heading(after)), "{run:?}");
}

fn month_name(month: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][month as usize - 1]
}

#[test]
fn bad_arguments_and_unreadable_files_exit_two() {
    let roster = sample("phoneNumber.json");
    let month = calendar(&["--roster", &roster, "--month", "2026-13"], &[]);
    assert_eq!(month.code, 2, "{month:?}");
    assert!(month.stderr.contains("YYYY-MM"), "{month:?}");
    let zone = calendar(&["--roster", &roster], &[("ROSTER_TIME_ZONE", "Tokyo")]);
    assert_eq!(zone.code, 2, "{zone:?}");
    assert!(zone.stderr.contains("ROSTER_TIME_ZONE=\"Tokyo\" is invalid"), "{zone:?}");
    let missing = calendar(&["--roster", &sample("no-such-roster.json")], &[]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("no-such-roster.json: cannot be read"), "{missing:?}");
    let none = calendar(&[], &[]);
    assert_eq!(none.code, 2, "{none:?}");
}

#[test]
fn overridden_days_are_marked_and_the_overrides_listed() {
    let roster = sample("phoneNumber_overrides.json");
    let january = calendar(&["--roster", &roster, "--month", "2027-01"], &[]);
    assert_eq!(january.code, 0, "{january:?}");
    let text = &january.stdout;
    // The swap puts hanako (g2) on duty on taro's 4th and 5th; the 6th is taro's again.
    assert!(text.contains(" 4 g2*") && text.contains(" 5 g2*") && text.contains(" 6 g1 "), "{text}");
    assert!(text.contains("15 g2*") && text.contains("25 g3*") && text.contains("27 g3 "), "{text}");
    assert!(text.contains("hanako covers taro  2027-01-04 to 2027-01-05: g2 on duty instead (a swap)"), "{text}");
    assert!(text.contains("taro is off sick  2027-01-15: +8190****3001 rung instead of +8190****1001"), "{text}");
    assert!(!text.contains("holiday cover"), "February's override is not January's: {text}");
    let february = calendar(&["--roster", &roster, "--month", "2027-02"], &[]);
    assert!(february.stdout.contains("11 ov*"), "{february:?}");
    assert!(february.stdout.contains("holiday cover  2027-02-11: on duty instead: +8190****2002"), "{february:?}");
}
