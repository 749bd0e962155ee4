//! `oncall check`: every compatibility fixture, the samples, and the exit statuses.

use super::*;

fn summary(run: &Run) -> &str {
    run.stdout.lines().last().unwrap_or_default()
}

fn errors(run: &Run) -> Vec<&str> {
    run.stdout.lines().filter(|line| line.starts_with("error: ")).collect()
}

#[test]
fn the_sample_mapping_and_every_sample_roster_are_clean() {
    let run = oncall(&[
        "check",
        "--at",
        "2026-12-01T00:00:00+09:00",
        &sample("mapping.json"),
        &sample("phoneNumber.json"),
        &sample("phoneNumber_snake.json"),
        &sample("phoneNumber_old.json"),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 6 files (1 mapping, 5 rosters): 0 errors, 0 warnings");
}

#[test]
fn a_mappings_rosters_are_checked_from_its_folder_and_only_once() {
    let run = oncall(&[
        "check",
        "--at",
        "2026-12-01T00:00:00+09:00",
        &sample("mapping.json"),
        &sample("projectA-phoneNumber.json"),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 3 files (1 mapping, 2 rosters): 0 errors, 0 warnings");
}

#[test]
fn the_sample_alert_events_read_as_clean_alerts() {
    let events = ["resolve-roster.pipe.json", "resolve-roster.sns.json", "resolve-roster.console.json"];
    let paths: Vec<String> = events.iter().map(|name| sample(name)).collect();
    let mut args = vec!["check"];
    args.extend(paths.iter().map(String::as_str));
    let run = oncall(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 3 files (0 mappings, 0 rosters, 3 alert events): 0 errors, 0 warnings");
}

#[test]
fn compat_snake_case_array_roster_is_clean() {
    let run = oncall(&["check", &compat("phoneNumber_snake_array.json")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 1 file (0 mappings, 1 roster): 0 errors, 0 warnings");
}

#[test]
fn compat_placeholder_numbers_are_errors_naming_file_group_and_field() {
    let file = compat("b-phoneNumber_placeholder_numbers.json");
    let run = oncall(&["check", &file]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors = errors(&run);
    assert_eq!(errors.len(), 6, "{run:?}");
    let locations: Vec<String> =
        (0..3).flat_map(|group| (0..2).map(move |i| format!("[{group}].phone_number[{i}]"))).collect();
    for (error, location) in errors.iter().zip(&locations) {
        assert!(error.starts_with(&format!("error: {file}: {location}: ")), "{error}");
        assert!(error.contains("not dialled"), "{error}");
    }
    assert!(!run.stdout.contains("+bbbbbbbbbbb"), "numbers are masked: {}", run.stdout);
    assert_eq!(summary(&run), "checked 1 file (0 mappings, 1 roster): 6 errors, 0 warnings");
}

#[test]
fn compat_old_format_placeholders_are_errors() {
    let file = compat("phoneNumber_old.json");
    let run = oncall(&["check", &file]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors = errors(&run);
    assert_eq!(errors.len(), 4, "{run:?}");
    assert!(errors[0].starts_with(&format!("error: {file}: group1.phone_number[0]: +81xx****xxxx")), "{run:?}");
    assert!(errors[3].starts_with(&format!("error: {file}: group2.phone_number[1]: ")), "{run:?}");
}

#[test]
fn compat_snake_case_mapping_is_clean_when_its_rosters_are_beside_it() {
    let dir = folder(&[
        ("mapping.json", &read(&compat("mapping_snake.json"))),
        ("a-phoneNumber.json", &read(&compat("phoneNumber_snake_array.json"))),
        ("b-phoneNumber.json", &read(&sample("projectB-phoneNumber.json"))),
    ]);
    let run = oncall(&["check", &join(&dir, "mapping.json")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 3 files (1 mapping, 2 rosters): 0 errors, 0 warnings");
}

#[test]
fn compat_snake_case_mapping_alone_names_the_rosters_it_lacks() {
    let file = compat("mapping_snake.json");
    let run = oncall(&["check", &file]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors = errors(&run);
    assert_eq!(errors.len(), 2, "{run:?}");
    assert!(
        errors[0].starts_with(&format!(
            "error: {file}: [0].phone_number_json_file: the roster a-phoneNumber.json is not in "
        )),
        "{run:?}"
    );
    assert!(errors[0].ends_with("alerts of topic a-topic would ring only the fallback number"), "{run:?}");
    assert!(errors[1].contains("[1].phone_number_json_file: the roster b-phoneNumber.json"), "{run:?}");
}

#[test]
fn compat_minimal_sns_event_reads_as_an_alert() {
    let run = oncall(&["check", &compat("event_minimal_sns.json")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary(&run), "checked 1 file (0 mappings, 0 rosters, 1 alert event): 0 errors, 0 warnings");
}

#[test]
fn every_compat_file_at_once_fails_on_the_placeholders_and_missing_rosters() {
    let dir = lambda_connect_tests::compat_dir();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| path_arg(&entry.unwrap().path()))
        .filter(|path| path.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "a compat fixture was added or removed: {files:?}");
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let run = oncall(&args);
    assert_eq!(run.code, 1, "{run:?}");
    // 6 placeholders in b-, 4 in the old format, 2 rosters missing beside the mapping.
    assert_eq!(
        summary(&run),
        "checked 5 files (1 mapping, 3 rosters, 1 alert event): 12 errors, 0 warnings",
        "{run:?}"
    );
}

#[test]
fn a_projects_incident_settings_are_checked_naming_the_field() {
    let dir = folder(&[
        (
            "mapping.json",
            br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","grouping":"no","quietMinutes":2000,"reEscalateMinutes":30}]"#,
        ),
        ("r.json", br#"[{"startDay":1,"endDay":31,"phoneNumber":["+819012341001"]}]"#),
    ]);
    let mapping = join(&dir, "mapping.json");
    let run = oncall(&["check", &mapping]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        errors(&run),
        [
            format!("error: {mapping}: [0].grouping: must be true or false; no grouping: every incident rings"),
            format!(
                "error: {mapping}: [0].quietMinutes: must be a whole number of minutes from 0 to 1440, not 2000; no quiet window"
            ),
        ]
    );
    assert_eq!(summary(&run), "checked 2 files (1 mapping, 1 roster): 2 errors, 0 warnings");
}

#[test]
fn warnings_alone_exit_zero() {
    let dir = folder(&[
        (
            "mapping.json",
            br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","dryRun":true,"message":"<b>DB</b> & web"}]"#,
        ),
        ("r.json", br#"[{"startDay":1,"endDay":20,"phoneNumber":["+819012341001"]}]"#),
    ]);
    let mapping = join(&dir, "mapping.json");
    let run = oncall(&["check", &mapping]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    assert_eq!(
        lines[0],
        format!(
            "warning: {mapping}: [0].dryRun: every alert of topic t is a dry run: nobody is rung until dryRun is removed"
        )
    );
    assert!(lines[1].starts_with(&format!("warning: {mapping}: [0].message: has characters the call cannot speak")));
    assert!(lines[1].ends_with("spoken as \"b DB /b and web\""), "{run:?}");
    assert!(lines[2].contains("r.json: days 21-31 are covered by no group"), "{run:?}");
    assert_eq!(lines[3], "checked 2 files (1 mapping, 1 roster): 0 errors, 3 warnings");
}

#[test]
fn broken_json_and_other_kinds_of_json_are_errors() {
    let dir = folder(&[
        ("phoneNumber.json", b"[{\"startDay\": 1,"),
        ("place-call.json", br#"{"escalationId":"e","attempt":0,"message":"m"}"#),
    ]);
    let roster = join(&dir, "phoneNumber.json");
    let other = join(&dir, "place-call.json");
    let run = oncall(&["check", &roster, &other]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors = errors(&run);
    assert!(errors[0].starts_with(&format!("error: {roster}: not valid JSON")), "{run:?}");
    assert!(errors[1].starts_with(&format!("error: {other}: neither a roster")), "{run:?}");
}

#[test]
fn an_unreadable_file_exits_two_after_checking_the_others() {
    let missing = sample("no-such-roster.json");
    let run = oncall(&["check", &missing, &compat("phoneNumber_old.json")]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(&format!("error: {missing}: cannot be read")), "{run:?}");
    assert_eq!(errors(&run).len(), 4, "the readable file is still checked: {run:?}");
    assert!(summary(&run).ends_with("; 1 file could not be read"), "{run:?}");
}

#[test]
fn no_files_is_a_usage_error() {
    let run = oncall(&["check"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("FILE"), "{run:?}");
}

// ---------------------------------------------------------------------------------------
// Issue 12: every bad input still rings someone and names the problem.

/// Point 2: `+12` and `+1234` passed with 0 warnings and were rung; Connect refuses them.
#[test]
fn numbers_that_cannot_be_dialled_are_errors_and_the_plan_rings_the_fallback_with_them() {
    let roster = br#"[{"startDay":1,"endDay":31,"phoneNumber":["+12","+1234","+819012340001"]}]"#;
    let dir = folder(&[("phoneNumber.json", roster)]);
    let file = join(&dir, "phoneNumber.json");
    let run = oncall(&["check", &file]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors = errors(&run);
    assert_eq!(errors.len(), 2, "{run:?}");
    assert!(errors[0].starts_with(&format!("error: {file}: [0].phoneNumber[0]: ")), "{run:?}");
    assert!(errors[0].contains("country code +1") && errors[0].contains("not dialled"), "{run:?}");
    assert!(errors[1].starts_with(&format!("error: {file}: [0].phoneNumber[1]: ")), "{run:?}");
    let plan = oncall_with_env(
        &["plan", "--roster", &file, "--at", "2026-11-21T12:00:00+09:00", "--repeat-count", "1", "--json"],
        &[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK)],
    );
    let attempts = plan.json()["attempts"].clone();
    assert_eq!(attempts[0]["phoneNumbers"], serde_json::json!(["+819012340001", FALLBACK]), "{plan:?}");
    assert_eq!(attempts[0]["includesFallback"], true, "{plan:?}");
}

/// Point 5: a repeated key kept its last value silently, and the people in the first list
/// were never rung.
#[test]
fn repeated_keys_are_errors_naming_them_and_nobody_is_left_out() {
    let roster = br#"[{"startDay":1,"endDay":31,"phoneNumber":["+819012340001"],"phoneNumber":["+819012340002"]}]"#;
    let old = br#"{"group1":{"start_day":1,"end_day":15,"phone_number":["+819012340001"]},
                   "group1":{"start_day":16,"end_day":31,"phone_number":["+819012340002"]}}"#;
    let dir = folder(&[("phoneNumber.json", roster), ("old.json", old)]);
    let (file, old_file) = (join(&dir, "phoneNumber.json"), join(&dir, "old.json"));
    let run = oncall(&["check", &file, &old_file]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        errors(&run),
        [
            format!(
                "error: {file}: [0].phoneNumber: the key is given 2 times; the numbers of every list are rung, so \
                 nobody is left out; merge them into one list"
            ),
            format!(
                "error: {old_file}: group1: the key is given 2 times; each is read as a group of its own, in file \
                 order, so nobody is left out; give each group its own key"
            ),
        ]
    );
    let plan = oncall(&[
        "plan",
        "--roster",
        &file,
        "--at",
        "2026-11-21T12:00:00+09:00",
        "--repeat-count",
        "1",
        "--fallback",
        FALLBACK,
        "--json",
    ]);
    assert_eq!(plan.json()["attempts"][0]["phoneNumbers"], serde_json::json!(["+819012340001", "+819012340002"]));
    let plan = oncall(&[
        "plan",
        "--roster",
        &old_file,
        "--at",
        "2026-11-01T12:00:00+09:00",
        "--repeat-count",
        "1",
        "--fallback",
        FALLBACK,
        "--json",
    ]);
    let numbers: Vec<serde_json::Value> =
        plan.json()["attempts"].as_array().unwrap().iter().map(|a| a["phoneNumbers"].clone()).collect();
    assert_eq!(numbers, [serde_json::json!(["+819012340001"]), serde_json::json!(["+819012340002"])], "{plan:?}");
}

/// Point 4: 10,000 full-month groups made 50 million overlap warnings (5.2 GB).
#[test]
fn ten_thousand_overlapping_groups_give_a_bounded_report() {
    let groups: Vec<String> =
        (0..10_000).map(|i| format!(r#"{{"startDay":1,"endDay":31,"phoneNumber":["+8190{i:08}"]}}"#)).collect();
    let roster = format!("[{}]", groups.join(","));
    let dir = folder(&[("phoneNumber.json", roster.as_bytes())]);
    let run = oncall(&["check", &join(&dir, "phoneNumber.json")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 12, "10 overlaps, one that counts the rest, the summary: {run:?}");
    assert!(run.stdout.contains("… and 9989 more overlaps between groups"), "{run:?}");
    assert_eq!(summary(&run), "checked 1 file (0 mappings, 1 roster): 0 errors, 11 warnings");
}

/// Point 11: a number pasted into a day field, or a group named after one, reached the logs
/// and Slack in full.
#[test]
fn numbers_in_values_and_group_names_are_masked_in_every_problem() {
    let roster = br#"[{"name":"09012345678","startDay":"09012345678","endDay":31,"phoneNumber":["+819012340001"]}]"#;
    let mapping = br#"[{"snsTopicName":"t","phoneNumberJsonFile":"phoneNumber.json","timeZone":"+819012345678"}]"#;
    let dir = folder(&[("phoneNumber.json", roster), ("mapping.json", mapping)]);
    let run = oncall(&["check", &join(&dir, "mapping.json")]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("9012345678"), "{run:?}");
    assert!(run.stdout.contains("found \"090****5678\""), "{run:?}");
    assert!(run.stdout.contains("\"+8190****5678\" is not an IANA time zone"), "{run:?}");
}

#[test]
fn the_override_sample_is_clean_before_its_dates_and_each_override_is_reported_once_ended() {
    let file = sample("phoneNumber_overrides.json");
    let before = oncall(&["check", "--at", "2026-12-01T00:00:00+09:00", &file]);
    assert_eq!(before.code, 0, "{before:?}");
    assert_eq!(summary(&before), "checked 1 file (0 mappings, 1 roster): 0 errors, 0 warnings");
    let after = oncall(&["check", "--at", "2027-03-01T12:00:00+09:00", &file]);
    assert_eq!(after.code, 0, "ended overrides are warnings: {after:?}");
    let ended: Vec<&str> = after.stdout.lines().filter(|line| line.contains("ended on")).collect();
    assert_eq!(ended.len(), 4, "{after:?}");
    assert!(
        ended[0].starts_with(&format!("warning: {file}: overrides[0]: hanako covers taro ended on 2027-01-05")),
        "{after:?}"
    );
}

#[test]
fn overlapping_overrides_and_numbers_in_no_group_are_warnings_and_a_broken_one_an_error() {
    let dir = folder(&[(
        "roster.json",
        br#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]},
             {"from":"2026-12-20","to":"2026-12-26","phoneNumber":["+819044440004"]},
             {"from":"2026-12-24","group":"group1"},
             {"from":"2026-12-31","group":"group9"}]"#,
    )]);
    let run = oncall(&["check", "--at", "2026-12-01T00:00:00+09:00", &join(&dir, "roster.json")]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("[2]: override2 overlaps override1 from 2026-12-24 to 2026-12-24"), "{run:?}");
    assert!(run.stdout.contains("[1]: override1 brings in +8190****0004, which is in no group"), "{run:?}");
    assert_eq!(errors(&run).len(), 1, "{run:?}");
    assert!(errors(&run)[0].contains("[3].group: expected the name of a group of this roster (group1)"), "{run:?}");
}

#[test]
fn maintenance_windows_must_end_and_ended_ones_are_reported() {
    let after = oncall(&["check", "--at", "2027-03-01T00:00:00+09:00", &sample("mapping.json")]);
    assert_eq!(after.code, 0, "{after:?}");
    let ended: Vec<&str> = after.stdout.lines().filter(|line| line.contains("maintenance window")).collect();
    assert_eq!(ended.len(), 2, "{after:?}");
    assert!(
        ended[0].contains(
            "[1].maintenance[0]: the maintenance window of topic projectB-sns-topic ended at 2027-01-15T20:00:00Z"
        ),
        "{after:?}"
    );
    let dir = folder(&[
        (
            "mapping.json",
            br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","maintenance":[{"from":"2026-12-01T00:00:00+09:00"}]}]"#,
        ),
        ("r.json", br#"[{"startDay":1,"endDay":31,"phoneNumber":["+819011110001"]}]"#),
    ]);
    let open_ended = oncall(&["check", &join(&dir, "mapping.json")]);
    assert_eq!(open_ended.code, 1, "refused: {open_ended:?}");
    assert!(errors(&open_ended)[0].contains("[0].maintenance[0]: missing to; a window must end"), "{open_ended:?}");
}
