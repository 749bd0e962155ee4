//! The Slack posts about calls. Everything that came from the request or the files is
//! escaped for Slack, and the caller's number is masked.

use adapters::slack::{SlackMessage, escape, problem_list};
use domain::phone::mask;
use domain::problem::Problem;

use crate::error::ForwardCallError;
use crate::routing::{Failure, Forwarding};
use crate::verify::TwilioRequest;

/// A call was forwarded.
pub fn forwarded_message(twilio: &TwilioRequest, forwarding: &Forwarding) -> SlackMessage {
    let mut text = format!(
        ":telephone_receiver: *Forwarded a call for {}*: the voice service failed, so Twilio asked forward-call\n",
        escape(&forwarding.client_name)
    );
    text.push_str(&call_lines(twilio));
    let destinations: Vec<String> = forwarding.dial.numbers.iter().map(|number| number.masked().into()).collect();
    text.push_str(&format!("• Destination: {} ({})\n", destinations.join(", "), escape(&forwarding.source)));
    text.push_str(&problems_found(&forwarding.problems));
    SlackMessage::new(text.trim_end())
}

/// A call got the apology instead.
pub fn failure_message(twilio: &TwilioRequest, failure: &Failure) -> SlackMessage {
    let mut text = String::from(":warning: *A call could not be forwarded: the caller heard the apology*");
    push_client(&mut text, failure.client_name.as_deref());
    text.push_str(&call_lines(twilio));
    text.push_str(&format!("• Why: {}\n", escape(&failure.error.to_string())));
    // An unusable file's problems are the reason, already given.
    if !matches!(failure.error, ForwardCallError::ForwardingFileInvalid(_)) {
        text.push_str(&problems_found(&failure.problems));
    }
    SlackMessage::new(text.trim_end())
}

/// Nobody answered the forwarded call (or the caller hung up first).
pub fn unanswered_message(twilio: &TwilioRequest, status: &str, client_name: Option<&str>) -> SlackMessage {
    let heading = if status == "canceled" {
        "The caller hung up before anyone answered the forwarded call"
    } else {
        "Nobody answered the forwarded call: the caller heard the apology"
    };
    let mut text = format!(":no_entry: *{heading}*");
    push_client(&mut text, client_name);
    text.push_str(&call_lines(twilio));
    text.push_str(&format!("• Dial status: {}\n", escape(status)));
    SlackMessage::new(text.trim_end())
}

/// ` (client)` and the end of the heading line.
fn push_client(text: &mut String, client_name: Option<&str>) {
    if let Some(name) = client_name {
        text.push_str(&format!(" ({})", escape(name)));
    }
    text.push('\n');
}

fn call_lines(twilio: &TwilioRequest) -> String {
    let mut out = format!("• Called: {}\n• Caller: {}\n", escape(twilio.get("To")), escape(&mask(twilio.get("From"))));
    let code = twilio.get("ErrorCode");
    if !code.is_empty() {
        let at = twilio.get("ErrorUrl");
        // The query of the failed handler's URL may carry its own secrets.
        let at = at.split(['?', '#']).next().unwrap_or_default();
        out.push_str(&format!("• Twilio error: {}", escape(code)));
        if !at.is_empty() {
            out.push_str(&format!(" at {}", escape(at)));
        }
        out.push('\n');
    }
    let sid = twilio.get("CallSid");
    if !sid.is_empty() {
        out.push_str(&format!("• CallSid: {}\n", escape(sid)));
    }
    out
}

/// The errors among `problems` (warnings are in the logs), under a heading.
fn problems_found(problems: &[Problem]) -> String {
    let list = problem_list(problems.iter().filter(|p| p.is_error()), "the logs");
    if list.is_empty() { list } else { format!("*Problems found:*\n{list}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forwarding::Speech;
    use crate::twiml::Dial;
    use domain::phone::PhoneNumber;

    fn twilio(params: &[(&str, &str)]) -> TwilioRequest {
        let params = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        TwilioRequest { params, url: "https://f.example/".into(), dial_result: false }
    }

    fn phone(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    const CALL: &[(&str, &str)] = &[
        ("To", "+815012340001"),
        ("From", "+819087654321"),
        ("CallSid", "CA123"),
        ("ErrorCode", "11200"),
        ("ErrorUrl", "https://voice.example/in?key=hidden"),
    ];

    #[test]
    fn a_forwarded_call_names_client_call_destinations_and_errors_only() {
        let forwarding = Forwarding {
            client_name: "<!channel> 渋谷店".into(),
            dial: Dial {
                caller_id: phone("+815012340001"),
                numbers: vec![phone("+81312345678"), phone("+819012345678")],
                timeout_seconds: 30,
                action: String::new(),
            },
            notice: None,
            source: "s3://b/forwarding.json".into(),
            problems: vec![
                Problem::warning("s3://b/r.json", None, "a warning stays in the logs"),
                Problem::error("s3://b/r.json", Some("[0].phoneNumber[1]".into()), "not dialled"),
            ],
        };
        let text = forwarded_message(&twilio(CALL), &forwarding).text;
        assert_eq!(
            text,
            "\
:telephone_receiver: *Forwarded a call for &lt;!channel&gt; 渋谷店*: the voice service failed, so Twilio asked forward-call
• Called: +815012340001
• Caller: +8190****4321
• Twilio error: 11200 at https://voice.example/in
• CallSid: CA123
• Destination: +8131****5678, +8190****5678 (s3://b/forwarding.json)
*Problems found:*
• error: s3://b/r.json: [0].phoneNumber[1]: not dialled"
        );
    }

    #[test]
    fn a_failure_says_why_and_lists_problems_unless_they_are_the_reason() {
        let problems = vec![Problem::error("f.json", Some("numbers.+815012340001.destinations".into()), "missing")];
        let unknown = Failure {
            error: ForwardCallError::UnknownNumber { called: "+815012340001".into() },
            apology: Speech::default_apology(),
            client_name: Some("A".into()),
            problems: problems.clone(),
        };
        let text = failure_message(&twilio(&[("To", "+815012340001")]), &unknown).text;
        assert!(text.starts_with(":warning: *A call could not be forwarded: the caller heard the apology* (A)\n"));
        assert!(
            text.contains("• Why: +815012340001 is not in the forwarding file\n*Problems found:*\n• error: f.json")
        );
        let invalid = Failure {
            error: ForwardCallError::ForwardingFileInvalid("error: f.json: not valid JSON".into()),
            client_name: None,
            ..unknown
        };
        let text = failure_message(&twilio(&[]), &invalid).text;
        assert!(text.ends_with("• Why: the forwarding file cannot be used: error: f.json: not valid JSON"), "{text}");
        assert!(!text.contains("Problems found"), "{text}");
    }

    #[test]
    fn an_unanswered_dial_says_whether_the_caller_gave_up() {
        let text = unanswered_message(&twilio(&[("To", "+815012340001")]), "no-answer", Some("A")).text;
        assert!(text.starts_with(":no_entry: *Nobody answered the forwarded call: the caller heard the apology* (A)"));
        assert!(text.ends_with("• Dial status: no-answer"), "{text}");
        let text = unanswered_message(&twilio(&[]), "canceled", None).text;
        assert!(text.starts_with(":no_entry: *The caller hung up before anyone answered the forwarded call*\n"));
    }

    #[test]
    fn at_most_ten_errors_are_listed() {
        let problems: Vec<Problem> = (0..13).map(|i| Problem::error("r.json", None, format!("bad {i}"))).collect();
        let text = problems_found(&problems);
        assert_eq!(text.lines().count(), 12, "{text}");
        assert!(text.ends_with("• … and 3 more (see the logs)\n"), "{text}");
        assert_eq!(problems_found(&[Problem::warning("r.json", None, "w")]), "");
    }
}
