//! `oncall plan`: the escalation a real alert would get, in text and JSON, in both modes,
//! with every setting read from its variable and overridden by its flag.

use serde_json::{Value, json};

use super::*;

/// Noon on 21 November 2026 in Tokyo: group3 of the sample roster is on duty.
const AT: &str = "2026-11-21T12:00:00+09:00";

fn plan(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    oncall_with_env(&all, env)
}

fn json_plan(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let run = plan(&all, env);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    run.json()
}

/// The numbers of each attempt, in order.
fn numbers(plan: &Value) -> Vec<Vec<String>> {
    plan["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["phoneNumbers"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect())
        .collect()
}

fn groups(plan: &Value) -> Vec<String> {
    plan["attempts"].as_array().unwrap().iter().map(|a| a["group"].as_str().unwrap_or("fallback").to_owned()).collect()
}

const WITH_FALLBACK: &[(&str, &str)] = &[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK)];

#[test]
fn text_output_lists_the_attempts_in_order_with_masked_numbers() {
    let run = plan(&["--roster", &sample("phoneNumber.json"), "--at", AT, "--repeat-count", "1"], WITH_FALLBACK);
    assert_eq!(run.code, 0, "{run:?}");
    let expected = format!(
        "Escalation for an alert at 2026-11-21 12:00:00 +09:00: today is 2026-11-21 in Asia/Tokyo\n\
         roster:   {}\n\
         message:  障害が発生しました。\n\
         timing:   an attempt lasts up to 60 s; its calls are checked every 15 s\n\
         \n\
         3 attempts in order (everyone in an attempt is rung at once; the first to press 1 ends the escalation):\n\
         \x20  1. group3  +8190****3001\n\
         \x20  2. group1  +8190****1001, +8190****1002\n\
         \x20  3. group2  +8190****2001, +8190****2002\n\
         \n\
         no problems found\n",
        sample("phoneNumber.json")
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn show_numbers_reveals_them() {
    let run = plan(&["--roster", &sample("phoneNumber.json"), "--at", AT, "--show-numbers"], WITH_FALLBACK);
    assert!(run.stdout.contains("1. group3  +819012343001\n"), "{run:?}");
}

#[test]
fn json_output_has_the_ordered_attempts_and_no_problems() {
    let plan = json_plan(&["--roster", &sample("phoneNumber.json"), "--at", AT], WITH_FALLBACK);
    let round = [
        vec!["+819012343001".to_owned()],
        vec!["+819012341001".to_owned(), "+819012341002".to_owned()],
        vec!["+819012342001".to_owned(), "+819012342002".to_owned()],
    ];
    assert_eq!(numbers(&plan), [round.clone(), round.clone(), round].concat(), "three rounds by default");
    assert_eq!(plan["problems"], json!([]));
    assert_eq!(plan["today"], "2026-11-21");
    assert_eq!(plan["dryRun"], false);
    assert!(plan.get("calls").is_none() && plan.get("history").is_none());
}

#[test]
fn mapping_mode_uses_the_projects_roster_message_and_time_zone() {
    let mapping = sample("mapping.json");
    let a = json_plan(&["--mapping", &mapping, "--topic", "projectA-sns-topic", "--at", AT], WITH_FALLBACK);
    assert_eq!(a["message"], "A案件で障害が発生しました。");
    assert_eq!(a["roster"], sample("projectA-phoneNumber.json"));
    assert_eq!(groups(&a)[0], "group3");
    // 03:00Z on the 21st is still the 20th in Los Angeles, the zone projectB's entry sets.
    let arn = "arn:aws:sns:ap-northeast-1:123456789012:projectB-sns-topic";
    let b = json_plan(&["--mapping", &mapping, "--topic", arn, "--at", AT], WITH_FALLBACK);
    assert_eq!(b["message"], "B案件で障害が発生しました。");
    assert_eq!(b["timeZone"], "America/Los_Angeles");
    assert_eq!(b["today"], "2026-11-20");
    assert_eq!(numbers(&b)[0], ["+14155550101", "+14155550102"]);
}

#[test]
fn a_topic_missing_from_the_mapping_rings_the_fallback_and_exits_one() {
    let mapping = sample("mapping.json");
    let run = plan(&["--mapping", &mapping, "--topic", "projectC-sns-topic", "--repeat-count", "1"], WITH_FALLBACK);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("roster:   none could be used"), "{run:?}");
    assert!(run.stdout.contains("1. fallback  +8190****0000\n"), "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "  error: {mapping}: topic projectC-sns-topic is not in the mapping; the fallback number is rung\n"
        )),
        "{run:?}"
    );
}

#[test]
fn mapping_mode_without_a_topic_is_a_usage_error() {
    let run = plan(&["--mapping", &sample("mapping.json")], WITH_FALLBACK);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--topic NAME"), "{run:?}");
    let both = plan(&["--mapping", &sample("mapping.json"), "--roster", &sample("phoneNumber.json")], WITH_FALLBACK);
    assert_eq!(both.code, 2, "{both:?}");
}

#[test]
fn a_missing_fallback_number_names_the_variable_and_the_flag() {
    let run = plan(&["--roster", &sample("phoneNumber.json")], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER is not set"), "{run:?}");
    assert!(run.stderr.contains("--fallback"), "{run:?}");
    let flag = plan(&["--roster", &sample("phoneNumber.json"), "--fallback", FALLBACK], &[]);
    assert_eq!(flag.code, 0, "{flag:?}");
}

#[test]
fn placeholder_numbers_are_never_planned_and_exit_one() {
    let run =
        plan(&["--roster", &compat("b-phoneNumber_placeholder_numbers.json"), "--json", "--at", AT], WITH_FALLBACK);
    assert_eq!(run.code, 1, "{run:?}");
    let plan = run.json();
    assert!(numbers(&plan).iter().all(|n| n == &[FALLBACK]), "{plan}");
    assert_eq!(plan["problems"].as_array().unwrap().len(), 6);
    assert_eq!(plan["problems"][0]["location"], "[0].phone_number[0]");
}

#[test]
fn a_missing_roster_file_is_a_problem_and_the_fallback_is_planned() {
    let dir = folder(&[]);
    let run = plan(&["--roster", &join(&dir, "phoneNumber.json"), "--json"], WITH_FALLBACK);
    assert_eq!(run.code, 1, "{run:?}");
    let plan = run.json();
    assert_eq!(numbers(&plan), [[FALLBACK], [FALLBACK], [FALLBACK]]);
    assert_eq!(plan["problems"][0]["message"], "the file does not exist; the fallback number is rung");
}

#[test]
fn settings_come_from_the_functions_variables() {
    let roster = sample("phoneNumber.json");
    let env = [
        ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK),
        ("CALL_REPEAT_COUNT", "2"),
        ("CALL_REPEAT_GROUP", "True"),
        ("CALL_STATE_CHACK_INTERVAL_SECONDS", "90"),
        ("CALL_POLL_INTERVAL_SECONDS", "15"),
        ("CONNECT_ALARM_MSG", "Production is down."),
        ("ROSTER_TIME_ZONE", "UTC"),
    ];
    // 2026-11-30T15:00Z: the 30th in UTC (group3), already 1 December in Tokyo (group1).
    let plan = json_plan(&["--roster", &roster, "--at", "2026-11-30T15:00:00Z"], &env);
    assert_eq!(groups(&plan), ["group3", "group3"]);
    assert_eq!(plan["timing"], json!({"checkIntervalSeconds": 90, "pollIntervalSeconds": 15}));
    assert_eq!(plan["message"], "Production is down.");
    assert_eq!(plan["timeZone"], "UTC");
}

#[test]
fn flags_override_the_variables() {
    let roster = sample("phoneNumber.json");
    let env = [
        ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+819000000000"),
        ("CALL_REPEAT_COUNT", "2"),
        ("CALL_REPEAT_GROUP", "True"),
        ("CALL_STATE_CHACK_INTERVAL_SECONDS", "90"),
        ("CONNECT_ALARM_MSG", "Production is down."),
        ("ROSTER_TIME_ZONE", "UTC"),
    ];
    let plan = json_plan(
        &[
            "--roster",
            &roster,
            "--at",
            "2026-11-30T15:00:00Z",
            "--repeat-count",
            "1",
            "--repeat-group",
            "False",
            "--check-interval",
            "30",
            "--alarm-message",
            "Check the site.",
            "--time-zone",
            "Asia/Tokyo",
            "--fallback",
            FALLBACK,
        ],
        &env,
    );
    assert_eq!(groups(&plan), ["group1", "group2", "group3"]);
    // The flag replaces the misspelt variable too, rather than conflicting with it.
    assert_eq!(plan["timing"]["checkIntervalSeconds"], 30);
    assert_eq!(plan["message"], "Check the site.");
    assert_eq!(plan["timeZone"], "Asia/Tokyo");
}

#[test]
fn a_bad_value_is_refused_naming_the_variable_as_the_functions_do() {
    let roster = sample("phoneNumber.json");
    for (name, value, flag) in [
        ("CALL_REPEAT_COUNT", "zero", "--repeat-count"),
        ("CALL_REPEAT_GROUP", "maybe", "--repeat-group"),
        ("ROSTER_TIME_ZONE", "JST+9", "--time-zone"),
        ("CALL_POLL_INTERVAL_SECONDS", "-1", "--poll-interval"),
        ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", "+81xxxxxxxxxx", "--fallback"),
    ] {
        let mut env = WITH_FALLBACK.to_vec();
        env.retain(|(n, _)| *n != name);
        env.push((name, value));
        let run = plan(&["--roster", &roster], &env);
        assert_eq!(run.code, 2, "{name}: {run:?}");
        assert!(run.stderr.contains(&format!("{name}=")) && run.stderr.contains("is invalid"), "{name}: {run:?}");
        assert!(run.stderr.contains(flag), "{name}: {run:?}");
        assert!(!run.stderr.contains("+81xxxxxxxxxx"), "the fallback is masked: {run:?}");
    }
    let conflict = [
        ("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK),
        ("CALL_STATE_CHECK_INTERVAL_SECONDS", "30"),
        ("CALL_STATE_CHACK_INTERVAL_SECONDS", "60"),
    ];
    let run = plan(&["--roster", &roster], &conflict);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("conflicts with CALL_STATE_CHACK_INTERVAL_SECONDS"), "{run:?}");
}

#[test]
fn the_files_can_come_from_the_variables_too() {
    let mut env = WITH_FALLBACK.to_vec();
    let roster = sample("phoneNumber_old.json");
    env.push(("PHONE_NUMBER_JSON_FILE", &roster));
    let simple = json_plan(&["--at", AT], &env);
    assert_eq!(simple["roster"], roster.as_str());
    let mapping = sample("mapping.json");
    env.push(("MAPPING_JSON_FILE", &mapping));
    let mapped = json_plan(&["--at", AT, "--topic", "projectA-sns-topic"], &env);
    assert_eq!(mapped["roster"], sample("projectA-phoneNumber.json"));
    // --roster wins over MAPPING_JSON_FILE, as a flag wins over any variable.
    let flagged = json_plan(&["--at", AT, "--roster", &sample("phoneNumber_snake.json")], &env);
    assert_eq!(flagged["roster"], sample("phoneNumber_snake.json"));
    let none = plan(&[], WITH_FALLBACK);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(none.stderr.contains("--roster FILE"), "{none:?}");
}

#[test]
fn the_alert_text_is_spoken_as_the_flow_would() {
    let roster = sample("phoneNumber.json");
    let alarm = r#"{"AlarmName":"prod-db-cpu","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [97.2] was greater than the threshold (90.0)."}"#;
    let plan = json_plan(&["--roster", &roster, "--alert-text", alarm, "--alarm-message", "DB alert."], WITH_FALLBACK);
    assert_eq!(plan["message"], "DB alert. アラーム prod-db-cpu が ALARM になりました。Threshold Crossed: 1 datapoint");
    let plain = json_plan(&["--roster", &roster, "--alert-text", "<speak>disk & \"cpu\"</speak>"], WITH_FALLBACK);
    assert_eq!(plain["message"], "speak disk and cpu /speak");
}

#[test]
fn the_plan_shows_the_alerts_incident_and_a_resolve_or_a_notice_plans_no_calls() {
    let roster = sample("phoneNumber.json");
    let alarm = |state: &str| {
        format!(
            r#"{{"AlarmName":"prod-db-cpu","AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-db-cpu","NewStateValue":"{state}"}}"#
        )
    };
    let key = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:prod-db-cpu";
    for (state, action, calls) in
        [("ALARM", "trigger", true), ("OK", "resolve", false), ("INSUFFICIENT_DATA", "notice", false)]
    {
        let plan = json_plan(&["--roster", &roster, "--alert-text", &alarm(state), "--at", AT], WITH_FALLBACK);
        assert_eq!(plan["incident"]["key"], key, "{state}");
        assert_eq!(plan["incident"]["action"], action, "{state}");
        assert_eq!(plan["attempts"].as_array().unwrap().is_empty(), !calls, "{state}: {plan:#}");
    }
    let text = plan(&["--roster", &roster, "--alert-text", &alarm("OK"), "--at", AT], WITH_FALLBACK);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(text.stdout.contains(&format!("incident: {key} (resolve)")), "{}", text.stdout);
    assert!(text.stdout.contains("nobody is rung: arn:aws:cloudwatch"), "{}", text.stdout);
    assert!(!text.stdout.contains("attempts in order"), "{}", text.stdout);
    // An explicit dedup key and action in the alert's JSON.
    let explicit = r#"{"dedupKey":"db/primary","action":"resolve"}"#;
    let plan = json_plan(&["--roster", &roster, "--alert-text", explicit, "--at", AT], WITH_FALLBACK);
    assert_eq!(
        plan["incident"],
        json!({"key": "db/primary", "action": "resolve", "source": "explicit", "state": "resolve"})
    );
}

#[test]
fn an_event_file_is_read_as_resolve_roster_reads_it() {
    let mapping = sample("mapping.json");
    let pipe =
        json_plan(&["--mapping", &mapping, "--event", &sample("resolve-roster.pipe.json"), "--at", AT], WITH_FALLBACK);
    assert_eq!(pipe["alert"]["topicName"], "projectA-sns-topic");
    assert!(pipe["message"].as_str().unwrap().starts_with("A案件で障害が発生しました。 アラーム prod-db-cpu"));
    // The console sample asks for a dry run on 1 December.
    let run = plan(&["--mapping", &mapping, "--event", &sample("resolve-roster.console.json")], WITH_FALLBACK);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("today is 2026-12-01 in Asia/Tokyo"), "{run:?}");
    assert!(run.stdout.contains("dry run:  yes"), "{run:?}");
}

#[test]
fn a_dry_run_project_in_the_mapping_is_shown() {
    let dir = folder(&[
        ("mapping.json", br#"[{"snsTopicName":"t","phoneNumberJsonFile":"r.json","dryRun":true}]"#),
        ("r.json", &read(&sample("phoneNumber.json"))),
    ]);
    let plan = json_plan(&["--mapping", &join(&dir, "mapping.json"), "--topic", "t"], WITH_FALLBACK);
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["current"]["waitSeconds"], 0);
}

#[test]
fn a_bad_instant_or_topic_is_a_usage_error() {
    let roster = sample("phoneNumber.json");
    let run = plan(&["--roster", &roster, "--at", "2026-12-01"], WITH_FALLBACK);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("RFC 3339"), "{run:?}");
    let run = plan(&["--mapping", &sample("mapping.json"), "--topic", "arn:aws:sns:r:1:"], WITH_FALLBACK);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not an SNS topic ARN"), "{run:?}");
}

#[test]
fn help_never_shows_the_fallback_number_from_the_environment() {
    let run = plan(&["--help"], WITH_FALLBACK);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("[env: CONNECT_EXTRA_DESTINATION_PHONE_NUMBER]"), "{run:?}");
    assert!(!run.stdout.contains("9099990000"), "{run:?}");
}
