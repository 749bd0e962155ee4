//! The error names the state machine's `Retry` and `Catch` match, in one place.
//!
//! The functions' own names are the `error_type` of their `Diagnostic`s; the service names
//! are the ones the AWS documentation states. `tests/tests/integration/workflow_contract.rs` reads
//! `statemachine/escalation.asl.json` and fails on any `ErrorEquals` name that is neither a
//! documented one nor one the task's function can emit, so a typo or an unconfirmed name
//! (which would silently never match) cannot come back.

/// resolve-roster: S3 throttled or was briefly unreachable; worth a retry.
pub const ROSTER_STORE_UNAVAILABLE: &str = "RosterStoreUnavailable";
/// resolve-roster: no roster group and no fallback number.
pub const NOBODY_TO_RING: &str = "NobodyToRing";
/// place-call, check-contact: Connect throttled the request even after the SDK's retries.
pub const CONNECT_THROTTLED: &str = "ConnectThrottled";
/// place-call, check-contact: a 5xx, a timeout or a network failure.
pub const CONNECT_UNAVAILABLE: &str = "ConnectUnavailable";
/// place-call, check-contact: a configuration or permission problem a retry will not fix.
pub const CONNECT_FAILED: &str = "ConnectFailed";

/// The workflow itself (the `NoCallPlaced` Pass state): not one call of the escalation could
/// be placed, so it takes the fail-safe path as if a step had failed for good, and the
/// failure report says why.
pub const NO_CALL_PLACED: &str = "NoCallPlaced";

/// The error types each function that the state machine calls can emit, by binary name.
/// next-target emits none: an acknowledgement must never turn into a failure, so a call it
/// cannot stop is reported on the call instead.
pub const FUNCTION_ERRORS: &[(&str, &[&str])] = &[
    ("resolve-roster", &[ROSTER_STORE_UNAVAILABLE, NOBODY_TO_RING]),
    ("place-call", &[CONNECT_THROTTLED, CONNECT_UNAVAILABLE, CONNECT_FAILED]),
    ("check-contact", &[CONNECT_THROTTLED, CONNECT_UNAVAILABLE, CONNECT_FAILED]),
    ("next-target", &[]),
];

/// The Amazon States Language's predefined errors that a workflow may name
/// (Step Functions developer guide, "Handling errors in Step Functions workflows").
pub const STATES_ERRORS: &[&str] =
    &["States.ALL", "States.HeartbeatTimeout", "States.Timeout", "States.TaskFailed", "States.Permissions"];

/// Lambda service exceptions that a Lambda task should retry (Step Functions developer guide,
/// best practices: "Handle transient Lambda service exceptions"; the console's default retrier
/// adds `Lambda.TooManyRequestsException`).
pub const LAMBDA_SERVICE_ERRORS: &[&str] = &[
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

/// StartExecution's refusal of a name that is taken. The API reference names the error
/// `ExecutionAlreadyExists`; the optimised `states:startExecution` integration prefixes the
/// service (`StepFunctions.`), and public definitions spell it with and without the
/// `Exception` suffix. Both spellings are caught, so whichever the service reports, a
/// duplicate delivery is recognised and never started a second time without a name.
pub const EXECUTION_ALREADY_EXISTS: &[&str] =
    &["StepFunctions.ExecutionAlreadyExistsException", "StepFunctions.ExecutionAlreadyExists"];

/// The error types `function` can emit, or `None` for a function the workflow does not call.
pub fn function_errors(function: &str) -> Option<&'static [&'static str]> {
    FUNCTION_ERRORS.iter().find(|(name, _)| *name == function).map(|(_, errors)| *errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_name_is_listed_once() {
        let mut names: Vec<&str> = FUNCTION_ERRORS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FUNCTION_ERRORS.len());
        assert_eq!(function_errors("place-call"), Some(&[CONNECT_THROTTLED, CONNECT_UNAVAILABLE, CONNECT_FAILED][..]));
        assert_eq!(function_errors("forward-call"), None);
    }
}
