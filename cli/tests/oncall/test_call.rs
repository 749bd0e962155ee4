//! `oncall test-call`: the commands for a real test call, with an input the workflow reads as one.

use domain::alert::AlertInput;

use crate::oncall;

const ARN: &str = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:Escalation-x1";

/// The JSON word after `--input` in the printed command.
fn printed_input(stdout: &str) -> serde_json::Value {
    let word = stdout.split("--input '").nth(1).and_then(|rest| rest.split('\'').next()).expect("an --input word");
    serde_json::from_str(word).unwrap_or_else(|err| panic!("{err}: {stdout}"))
}

#[test]
fn prints_a_start_execution_whose_input_is_a_test_call_of_that_number() {
    let run = oncall(&["test-call", "+819012345678", "--state-machine-arn", ARN, "--message", "テストです"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("aws stepfunctions start-execution \\\n    --state-machine-arn '{ARN}'")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rings +8190****5678 once"), "{}", run.stdout);
    assert!(run.stdout.contains("\"acknowledged\" when 1 was pressed"), "{}", run.stdout);
    let input = AlertInput::parse(&printed_input(&run.stdout));
    assert!(input.problems.is_empty(), "{:?}", input.problems);
    assert_eq!(input.test_call.as_deref(), Some("+819012345678"));
    assert_eq!(input.alert.message.as_deref(), Some("テストです"));
}

#[test]
fn a_number_that_cannot_be_rung_is_refused_by_name() {
    let run = oncall(&["test-call", "090-1234-5678"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("NUMBER \"090-1234-5678\" cannot be rung"), "{}", run.stderr);
}

#[test]
fn the_help_says_what_it_is_for() {
    let run = oncall(&["test-call", "--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("whether 1 was") && run.stdout.contains("STATE_MACHINE_ARN"), "{}", run.stdout);
}
