//! `oncall test-call`: the command that rings one number with a test message through the
//! deployed workflow. `oncall` calls no AWS API (it compiles no SDK), so it prints the AWS CLI
//! commands to run, with the execution input the workflow reads (`testCall`, see
//! `domain::escalation::start::test_call`), after checking the number as the functions do.

use anyhow::Context;
use domain::escalation::start::TEST_CALL_FIELD;
use domain::phone::PhoneNumber;

use crate::Status;
use crate::args::TestCallArgs;

/// Prints the commands for a test call to `args.number`.
pub fn run(args: &TestCallArgs) -> anyhow::Result<Status> {
    print!("{}", instructions(args)?);
    Ok(Status::Clean)
}

/// The execution input of a test call: `{"testCall": "+81…", "message": "…"}`.
pub fn input(number: &PhoneNumber, message: Option<&str>) -> serde_json::Value {
    let mut input = serde_json::json!({ TEST_CALL_FIELD: number.as_str() });
    if let Some(message) = message {
        input["message"] = message.into();
    }
    input
}

fn instructions(args: &TestCallArgs) -> anyhow::Result<String> {
    let number =
        PhoneNumber::parse(args.number.trim()).with_context(|| format!("NUMBER {:?} cannot be rung", args.number))?;
    let input = input(&number, args.message.as_deref()).to_string();
    let arn = args.state_machine_arn.as_deref().unwrap_or("<the stack's StateMachineArn output>");
    Ok(format!(
        "A test call rings {masked} once, and nobody else (never the fallback number).\n\
         Start it (the answer names the execution):\n\n\
         \x20 aws stepfunctions start-execution \\\n\
         \x20   --state-machine-arn {arn} \\\n\
         \x20   --input {input}\n\n\
         Then read its outcome once the call is over (about a minute at most):\n\n\
         \x20 aws stepfunctions describe-execution --execution-arn <executionArn from above> \\\n\
         \x20   --query output --output text\n\n\
         outcome.status is \"acknowledged\" when 1 was pressed, \"nobodyAcknowledged\" when it was not;\n\
         the Step Functions console shows the same run (attempt \"test call\").\n",
        masked = number.masked(),
        arn = shell_quote(arn),
        input = shell_quote(&input),
    ))
}

/// `text` as one POSIX shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_with_quotes_survives_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
