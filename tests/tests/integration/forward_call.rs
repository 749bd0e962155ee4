//! forward-call's handler, driven by requests signed here, independently of the function's
//! own code (HMAC-SHA1 over URL + sorted parameters, as Twilio documents it), and checked by
//! parsing the TwiML it answers with a real XML parser.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use adapters::incidents::DynamoIncidents;
use adapters::s3::S3Store;
use adapters::slack::{Notify, SlackError, SlackMessage};
use aws_lambda_events::event::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeZone, Utc};
use domain::store::{DirStore, MemoryStore, ObjectStore, StoreError};
use forward_call::signature::AuthTokens;
use forward_call::{Deps, ForwardCallConfig, handle};
use hmac::{Hmac, Mac};
use lambda_connect_tests::s3_server::S3Server;
use lambda_connect_tests::slack_server::SlackServer;
use lambda_connect_tests::ssm_server::SsmServer;
use lambda_connect_tests::{sample, workspace_root};
use quick_xml::events::Event;
use serde_json::json;

const TOKEN: &str = "test-auth-token-0123456789abcdef";
const URL: &str = "https://forward.example.com/twilio/fallback";
const DEFAULT_APOLOGY: &str = "ただいまお電話が大変込み合っております。しばらくたってから、おかけ直し下さいませ。";

const FORWARDING: &str = r#"{
  "numbers": {
    "+815012340001": {"clientName": "渋谷店", "destinations": ["+81312345678", "+819012345678"],
                      "callerId": "+815099990000", "notice": "おつなぎします。"},
    "+815012340002": {"clientName": "当番", "destinations": {"roster": "team/phoneNumber.json", "fallback": "+81398765432"}},
    "+815012340003": {"clientName": "当番 (fallback なし)", "destinations": {"roster": "team/phoneNumber.json"}},
    "+815012340004": {"clientName": "<!channel> & \"co\"", "destinations": ["+81312345678"],
                      "notice": "<Hangup/> & \"quoted\" 'single' </Say>", "apology": "Sorry <b> & \"bye\""},
    "+815012340005": {"clientName": "broken", "destinations": ["+81xxxxxxxxxx"]}
  }
}"#;

const ROSTER: &str = r#"[
  {"startDay": 1, "endDay": 10, "phoneNumber": ["+819012341001", "+819012341002"]},
  {"startDay": 11, "endDay": 20, "phoneNumber": ["+819012342001"]},
  {"startDay": 21, "endDay": 28, "phoneNumber": ["+819012343001"]}
]"#;

// ---------------------------------------------------------------------------------------
// Signing, independently of forward-call's own code.

fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut data = url.to_owned();
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn form(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish()
}

/// A function URL event as Lambda delivers it.
fn event(query: &str, params: &[(&str, &str)], signature: Option<&str>, base64: bool) -> LambdaFunctionUrlRequest {
    let body = form(params);
    let mut headers =
        json!({"content-type": "application/x-www-form-urlencoded", "host": "abc.lambda-url.ap-northeast-1.on.aws"});
    if let Some(signature) = signature {
        headers["x-twilio-signature"] = json!(signature);
    }
    serde_json::from_value(json!({
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "domainName": "abc.lambda-url.ap-northeast-1.on.aws",
            "http": {"method": "POST", "path": "/"},
            "timeEpoch": 0
        },
        "body": if base64 { STANDARD.encode(&body) } else { body },
        "isBase64Encoded": base64
    }))
    .unwrap()
}

/// A POST signed for `URL`.
fn signed(params: &[(&str, &str)]) -> LambdaFunctionUrlRequest {
    event("", params, Some(&twilio_signature(TOKEN, URL, params)), false)
}

fn call_to(to: &str) -> Vec<(&str, &str)> {
    vec![
        ("AccountSid", "AC0000000000000000000000000000000a"),
        ("CallSid", "CA0000000000000000000000000000000b"),
        ("From", "+819087654321"),
        ("To", to),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
        ("ErrorCode", "11200"),
        ("ErrorUrl", "https://voice.example.com/twilio/incoming?key=hidden"),
    ]
}

// ---------------------------------------------------------------------------------------
// The handler's surroundings.

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn texts(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Notify for Recorder {
    async fn notify(&self, message: &SlackMessage) -> Result<(), SlackError> {
        self.0.lock().unwrap().push(message.text.clone());
        Ok(())
    }
}

fn config(webhook_url: Option<&str>) -> ForwardCallConfig {
    ForwardCallConfig {
        bucket: "forwarding".into(),
        forwarding_key: "forwarding.json".into(),
        auth_token_parameter: "/test/twilio-auth-token".into(),
        webhook_url: webhook_url.map(str::to_owned),
        slack_webhook_url_parameter: None,
        time_zone: domain::zone::Zone::tokyo(),
        incident_table: None,
    }
}

fn deps_with<S: ObjectStore>(store: S) -> Deps<S, Recorder, DynamoIncidents> {
    Deps {
        store,
        notifier: Recorder::default(),
        answered: None,
        tokens: AuthTokens::parse(TOKEN).unwrap(),
        config: config(Some(URL)),
        slack_budget: Duration::from_secs(2),
    }
}

fn deps() -> Deps<MemoryStore, Recorder, DynamoIncidents> {
    deps_with(MemoryStore::from([("forwarding.json", FORWARDING), ("team/phoneNumber.json", ROSTER)]))
}

/// 2026-11-21 12:00 in Tokyo.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------
// Reading the answer.

/// One element of a TwiML document, in document order.
#[derive(Debug, Clone, PartialEq)]
struct Element {
    name: String,
    depth: usize,
    attributes: BTreeMap<String, String>,
    text: String,
}

fn elements(xml: &str) -> Vec<Element> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let element = |start: &quick_xml::events::BytesStart, depth| Element {
        name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
        depth,
        attributes: start
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned(),
                )
            })
            .collect(),
        text: String::new(),
    };
    loop {
        match reader.read_event().unwrap_or_else(|err| panic!("not well-formed XML ({err}): {xml}")) {
            Event::Decl(_) => {}
            Event::Start(start) => {
                out.push(element(&start, open.len()));
                open.push(out.len() - 1);
            }
            Event::Empty(start) => out.push(element(&start, open.len())),
            Event::End(_) => {
                open.pop();
            }
            Event::Text(text) => {
                let i = *open.last().unwrap_or_else(|| panic!("text outside the root: {xml}"));
                out[i].text.push_str(&text.decode().unwrap());
            }
            Event::GeneralRef(entity) => {
                let i = *open.last().unwrap();
                let name = entity.decode().unwrap();
                let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                    .unwrap_or_else(|| panic!("unknown entity &{name}; in {xml}"));
                out[i].text.push_str(resolved);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?} in {xml}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements in {xml}");
    out
}

fn answer(response: &LambdaFunctionUrlResponse) -> Vec<Element> {
    assert_eq!(response.status_code, 200, "{response:?}");
    let content_type = response.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    let body = response.body.as_deref().unwrap();
    let parsed = elements(body);
    assert_eq!(parsed[0].name, "Response", "{body}");
    assert_eq!(parsed.iter().filter(|e| e.depth == 0).count(), 1, "{body}");
    parsed
}

fn names(elements: &[Element]) -> Vec<&str> {
    elements.iter().map(|e| e.name.as_str()).collect()
}

fn dialled(elements: &[Element]) -> Vec<&str> {
    elements.iter().filter(|e| e.name == "Number").map(|e| e.text.as_str()).collect()
}

fn find<'a>(elements: &'a [Element], name: &str) -> &'a Element {
    elements.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no <{name}> in {elements:?}"))
}

fn assert_refused(response: &LambdaFunctionUrlResponse) {
    assert_eq!(response.status_code, 403);
    let body = response.body.as_deref().unwrap_or_default();
    assert!(!body.contains('<'), "no TwiML for a refused request: {body}");
}

// ---------------------------------------------------------------------------------------
// Signatures.

#[tokio::test]
async fn a_signed_call_is_forwarded_to_the_entrys_numbers_with_its_caller_id() {
    let deps = deps();
    let response = handle(&deps, signed(&call_to("+815012340001")), now()).await;
    let twiml = answer(&response);
    assert_eq!(names(&twiml), ["Response", "Say", "Dial", "Number", "Number"]);
    assert_eq!(find(&twiml, "Say").text, "おつなぎします。");
    assert_eq!(find(&twiml, "Say").attributes["language"], "ja-JP");
    let dial = find(&twiml, "Dial");
    assert_eq!(dial.attributes["callerId"], "+815099990000");
    assert_eq!(dial.attributes["action"], format!("{URL}?step=dial-result"));
    assert_eq!(dial.attributes["timeout"], "30");
    assert_eq!(dialled(&twiml), ["+81312345678", "+819012345678"]);

    let sent = deps.notifier.texts();
    assert_eq!(sent.len(), 1);
    let text = &sent[0];
    for expected in [
        "Forwarded a call for 渋谷店",
        "Called: +815012340001",
        "Caller: +8190****4321",
        "Twilio error: 11200 at https://voice.example.com/twilio/incoming",
        "Destination: +8131****5678, +8190****5678",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(!text.contains("+819087654321") && !text.contains("key=hidden"), "{text}");
}

#[tokio::test]
async fn twilios_documented_vector_is_accepted() {
    // The example of Twilio's security documentation: token 12345, this URL and these
    // parameters give this signature.
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ];
    let mut deps = deps();
    deps.tokens = AuthTokens::parse("12345").unwrap();
    deps.config.webhook_url = Some("https://mycompany.com/myapp.php?foo=1&bar=2".into());
    let request = event("foo=1&bar=2", &params, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8="), false);
    let twiml = answer(&handle(&deps, request, now()).await);
    // Accepted: +18005551212 is not in the file, so the caller hears the apology.
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
    let mut tampered = params;
    tampered[2].1 = "9999";
    let request = event("foo=1&bar=2", &tampered, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8="), false);
    assert_refused(&handle(&deps, request, now()).await);
}

#[tokio::test]
async fn a_tampered_parameter_is_refused_with_403_and_no_twiml() {
    let deps = deps();
    let params = call_to("+815012340001");
    let signature = twilio_signature(TOKEN, URL, &params);
    let mut tampered = params.clone();
    tampered[3].1 = "+815012340002";
    assert_refused(&handle(&deps, event("", &tampered, Some(&signature), false), now()).await);
    let mut added = params.clone();
    added.push(("Digits", "1"));
    assert_refused(&handle(&deps, event("", &added, Some(&signature), false), now()).await);
    assert!(deps.notifier.texts().is_empty(), "nothing is reported for a forged request");
}

#[tokio::test]
async fn a_signature_for_another_url_or_token_is_refused() {
    let deps = deps();
    let params = call_to("+815012340001");
    for signature in [
        twilio_signature(TOKEN, "https://attacker.example/twilio/fallback", &params),
        twilio_signature(TOKEN, "https://forward.example.com/twilio/other", &params),
        twilio_signature("another-token", URL, &params),
    ] {
        assert_refused(&handle(&deps, event("", &params, Some(&signature), false), now()).await);
    }
    // A query the signature did not cover changes the URL, too.
    let signature = twilio_signature(TOKEN, URL, &params);
    assert_refused(&handle(&deps, event("step=dial-result", &params, Some(&signature), false), now()).await);
}

#[tokio::test]
async fn a_missing_or_garbled_signature_is_refused() {
    let deps = deps();
    let params = call_to("+815012340001");
    assert_refused(&handle(&deps, event("", &params, None, false), now()).await);
    assert_refused(&handle(&deps, event("", &params, Some("not base64 at all"), false), now()).await);
    assert_refused(&handle(&deps, event("", &params, Some(""), false), now()).await);
}

#[tokio::test]
async fn a_base64_body_is_verified_like_a_plain_one() {
    let deps = deps();
    let params = call_to("+815012340001");
    let request = event("", &params, Some(&twilio_signature(TOKEN, URL, &params)), true);
    assert_eq!(dialled(&answer(&handle(&deps, request, now()).await)).len(), 2);
}

#[tokio::test]
async fn without_a_configured_url_the_function_url_it_was_called_on_is_signed() {
    let mut deps = deps();
    deps.config.webhook_url = None;
    let params = call_to("+815012340001");
    let function_url = "https://abc.lambda-url.ap-northeast-1.on.aws/";
    let request = event("", &params, Some(&twilio_signature(TOKEN, function_url, &params)), false);
    let twiml = answer(&handle(&deps, request, now()).await);
    assert_eq!(find(&twiml, "Dial").attributes["action"], format!("{function_url}?step=dial-result"));
    let request = event("", &params, Some(&twilio_signature(TOKEN, URL, &params)), false);
    assert_refused(&handle(&deps, request, now()).await);
}

// ---------------------------------------------------------------------------------------
// Every fault still answers TwiML.

#[tokio::test]
async fn an_unknown_number_hears_the_apology_and_is_reported() {
    let deps = deps();
    let twiml = answer(&handle(&deps, signed(&call_to("+815077777777")), now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
    assert_eq!(find(&twiml, "Say").text, DEFAULT_APOLOGY);
    let sent = deps.notifier.texts();
    assert!(
        sent[0].contains("could not be forwarded") && sent[0].contains("+815077777777 is not in the forwarding file")
    );
}

#[tokio::test]
async fn an_entry_with_no_usable_destination_hears_the_apology_and_the_problem_is_reported() {
    let deps = deps();
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340005")), now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
    let sent = deps.notifier.texts();
    assert!(sent[0].contains("numbers.+815012340005.destinations"), "{}", sent[0]);
    assert!(!sent[0].contains("+81xxxxxxxxxx"), "{}", sent[0]);
}

#[tokio::test]
async fn an_unreadable_or_broken_forwarding_file_still_answers_the_apology() {
    let failing = MemoryStore::failing(StoreError::Transient {
        location: "s3://forwarding/forwarding.json".into(),
        message: "SlowDown".into(),
    });
    let missing = MemoryStore::default();
    let broken = MemoryStore::from([("forwarding.json", "{\"numbers\": ")]);
    let misshapen = MemoryStore::from([("forwarding.json", "{\"numbers\": []}")]);
    for (store, why) in [
        (failing, "could not be read"),
        (missing, "does not exist"),
        (broken, "not valid JSON"),
        (misshapen, "numbers: expected an object keyed by Twilio number"),
    ] {
        let deps = deps_with(store);
        let twiml = answer(&handle(&deps, signed(&call_to("+815012340001")), now()).await);
        assert_eq!(names(&twiml), ["Response", "Say", "Hangup"], "{why}");
        assert_eq!(find(&twiml, "Say").text, DEFAULT_APOLOGY);
        let sent = deps.notifier.texts();
        assert!(sent[0].contains("could not be forwarded") && sent[0].contains(why), "{why}: {}", sent[0]);
    }
}

#[tokio::test]
async fn text_with_markup_and_quotes_is_escaped_in_twiml_and_slack() {
    let deps = deps();
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340004")), now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Dial", "Number"]);
    assert_eq!(find(&twiml, "Say").text, r#"<Hangup/> & "quoted" 'single' </Say>"#);
    let text = &deps.notifier.texts()[0];
    assert!(text.contains("&lt;!channel&gt; &amp; \"co\""), "{text}");
    assert!(!text.contains("<!channel>"), "{text}");

    // The entry's apology, after nobody answered.
    let params = dial_result("+815012340004", "no-answer");
    let twiml = answer(&handle(&deps, signed_dial_result(&params), now()).await);
    assert_eq!(find(&twiml, "Say").text, r#"Sorry <b> & "bye""#);
}

// ---------------------------------------------------------------------------------------
// Today's on-call group of a roster.

#[tokio::test]
async fn a_roster_destination_rings_todays_group_in_the_roster_time_zone() {
    let deps = deps();
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340002")), now()).await);
    assert_eq!(dialled(&twiml), ["+819012343001"], "21 November: the third group");
    // The called number is the caller id when the entry names none.
    assert_eq!(find(&twiml, "Dial").attributes["callerId"], "+815012340002");
    assert!(deps.notifier.texts()[0].contains("team/phoneNumber.json, group3"));

    // 2026-11-30 15:30Z is already 1 December in Tokyo, but still 30 November in UTC.
    let turn_of_the_month = Utc.with_ymd_and_hms(2026, 11, 30, 15, 30, 0).unwrap();
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340002")), turn_of_the_month).await);
    assert_eq!(dialled(&twiml), ["+819012341001", "+819012341002"]);
    let mut utc = self::deps();
    utc.config.time_zone = domain::zone::Zone::UTC;
    let twiml = answer(&handle(&utc, signed(&call_to("+815012340002")), turn_of_the_month).await);
    assert_eq!(dialled(&twiml), ["+81398765432"], "day 30 is covered by no group: the entry's fallback");
}

#[tokio::test]
async fn a_roster_with_nobody_today_and_no_fallback_answers_the_apology() {
    let deps = deps();
    let day_29 = Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0).unwrap();
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340003")), day_29).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
    assert!(deps.notifier.texts()[0].contains("nobody to forward to"));
}

#[tokio::test]
async fn an_unreadable_roster_rings_the_entrys_fallback() {
    let deps = deps_with(MemoryStore::from([("forwarding.json", FORWARDING)]));
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340002")), now()).await);
    assert_eq!(dialled(&twiml), ["+81398765432"]);
    let text = &deps.notifier.texts()[0];
    assert!(text.contains("Problems found") && text.contains("mem://team/phoneNumber.json: does not exist"), "{text}");
}

// ---------------------------------------------------------------------------------------
// How the dial ended.

fn dial_result<'a>(to: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CallSid", "CA0000000000000000000000000000000b"),
        ("From", "+819087654321"),
        ("To", to),
        ("DialCallStatus", status),
        ("DialCallSid", "CA0000000000000000000000000000000c"),
    ]
}

fn signed_dial_result(params: &[(&str, &str)]) -> LambdaFunctionUrlRequest {
    let url = format!("{URL}?step=dial-result");
    event("step=dial-result", params, Some(&twilio_signature(TOKEN, &url, params)), false)
}

#[tokio::test]
async fn an_answered_dial_hangs_up_and_an_unanswered_one_gets_the_apology() {
    let deps = deps();
    for status in ["completed", "answered"] {
        let twiml = answer(&handle(&deps, signed_dial_result(&dial_result("+815012340001", status)), now()).await);
        assert_eq!(names(&twiml), ["Response", "Hangup"], "{status}");
    }
    assert!(deps.notifier.texts().is_empty(), "an answered call is not news");

    for status in ["no-answer", "busy", "failed"] {
        let twiml = answer(&handle(&deps, signed_dial_result(&dial_result("+815012340001", status)), now()).await);
        assert_eq!(names(&twiml), ["Response", "Say", "Hangup"], "{status}");
        assert_eq!(find(&twiml, "Say").text, DEFAULT_APOLOGY);
    }
    let sent = deps.notifier.texts();
    assert_eq!(sent.len(), 3);
    assert!(sent[0].contains("Nobody answered the forwarded call") && sent[0].contains("(渋谷店)"), "{}", sent[0]);
    assert!(sent[0].contains("Dial status: no-answer") && sent[0].contains("Caller: +8190****4321"), "{}", sent[0]);
}

// ---------------------------------------------------------------------------------------
// Replays: a signed request verifies forever, so the answered ones are recorded.

#[tokio::test]
async fn a_replayed_signed_request_is_refused_without_forwarding_or_posting_again() {
    let table = "answered-requests";
    tokio::task::spawn_blocking(move || crate::calling::dynamodb().create_table(table).unwrap()).await.unwrap();
    let deps = Deps { answered: Some(DynamoIncidents::new(crate::calling::dynamodb().sdk_client(), table)), ..deps() };
    let call = call_to("+815012340001");
    let first = handle(&deps, signed(&call), now()).await;
    assert_eq!(dialled(&answer(&first)), ["+81312345678", "+819012345678"]);
    let replayed = handle(&deps, signed(&call), now() + chrono::Duration::hours(3)).await;
    assert_eq!(replayed.status_code, 409);
    assert!(!replayed.body.as_deref().unwrap_or_default().contains("<Response>"), "no TwiML: nothing is forwarded");
    assert_eq!(deps.notifier.texts().len(), 1, "posted once");

    // The dial result of the same call is its own request, answered once as well.
    let result = dial_result("+815012340001", "no-answer");
    let dial = handle(&deps, signed_dial_result(&result), now()).await;
    assert_eq!(names(&answer(&dial)), ["Response", "Say", "Hangup"]);
    assert_eq!(handle(&deps, signed_dial_result(&result), now()).await.status_code, 409);
    assert_eq!(deps.notifier.texts().len(), 2);

    // Another call is answered.
    let mut other = call_to("+815012340001");
    other.retain(|(name, _)| *name != "CallSid");
    other.push(("CallSid", "CA00000000000000000000000000000fff"));
    assert_eq!(dialled(&answer(&handle(&deps, signed(&other), now()).await)), ["+81312345678", "+819012345678"]);
}

#[tokio::test]
async fn a_record_that_cannot_be_written_never_refuses_a_caller() {
    let deps = Deps {
        answered: Some(DynamoIncidents::new(crate::calling::dynamodb().sdk_client(), "no-such-table")),
        ..deps()
    };
    let call = call_to("+815012340001");
    for _ in 0..2 {
        assert_eq!(dialled(&answer(&handle(&deps, signed(&call), now()).await)), ["+81312345678", "+819012345678"]);
    }
}

// ---------------------------------------------------------------------------------------
// The samples and the S3 adapter.

#[tokio::test]
async fn the_sample_event_is_forwarded_with_the_sample_forwarding_file() {
    // samplejson/forward-call.json is signed with this token for the function URL it names.
    let deps = Deps {
        store: DirStore::new(workspace_root().join("samplejson")),
        notifier: Recorder::default(),
        answered: None::<DynamoIncidents>,
        tokens: AuthTokens::parse("sample-twilio-auth-token").unwrap(),
        config: config(None),
        slack_budget: Duration::from_secs(2),
    };
    let request: LambdaFunctionUrlRequest =
        serde_json::from_slice(&std::fs::read(sample("forward-call.json")).unwrap()).unwrap();
    let twiml = answer(&handle(&deps, request, now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Dial", "Number", "Number"]);
    assert_eq!(find(&twiml, "Dial").attributes["callerId"], "+815012340001");
    assert_eq!(dialled(&twiml), ["+81312345678", "+81312345679"]);
}

#[test]
fn the_sample_forwarding_file_has_no_problems() {
    let bytes = std::fs::read(sample("forwarding.json")).unwrap();
    let report = forward_call::forwarding::parse("samplejson/forwarding.json", &bytes);
    assert_eq!(report.problems, vec![]);
    let table = report.table.unwrap();
    assert_eq!(table.numbers.len(), 3);
    let roster = table.entry("+815012340002").unwrap();
    assert!(
        matches!(&roster.destinations, forward_call::forwarding::Destinations::Roster { key, .. } if key == "phoneNumber.json")
    );
    assert!(sample("phoneNumber.json").exists(), "the roster the sample names is a sample too");
}

#[tokio::test]
async fn the_forwarding_file_and_roster_are_read_through_s3() {
    let server = S3Server::start().await.unwrap();
    server.create_bucket("forwarding").await.unwrap();
    server.put("forwarding", "forwarding.json", FORWARDING).await.unwrap();
    server.put("forwarding", "team/phoneNumber.json", ROSTER).await.unwrap();
    let deps = deps_with(S3Store::new(server.client(), "forwarding"));
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340002")), now()).await);
    assert_eq!(dialled(&twiml), ["+819012343001"]);
    assert!(deps.notifier.texts()[0].contains("s3://forwarding/team/phoneNumber.json, group3"));

    let empty = deps_with(S3Store::new(server.client(), "no-such-bucket"));
    let twiml = answer(&handle(&empty, signed(&call_to("+815012340002")), now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name: &str| map.get(name).cloned()
}

#[test]
fn configuration_names_the_variable_at_fault() {
    use domain::config::ConfigError;
    let config = ForwardCallConfig::from_env(&env(&[
        ("PHONE_NUMBER_BUCKET", "rosters"),
        ("TWILIO_AUTH_TOKEN_PARAMETER", "/lc/twilio"),
    ]))
    .unwrap();
    assert_eq!(config.bucket, "rosters", "FORWARDING_BUCKET defaults to PHONE_NUMBER_BUCKET");
    assert_eq!(config.forwarding_key, "forwarding.json");
    assert_eq!(config.time_zone, domain::zone::Zone::tokyo());
    assert_eq!((config.webhook_url, config.slack_webhook_url_parameter), (None, None));

    let err = ForwardCallConfig::from_env(&env(&[("TWILIO_AUTH_TOKEN_PARAMETER", "/lc/twilio")])).unwrap_err();
    assert_eq!(err, ConfigError::Missing { name: "FORWARDING_BUCKET" });
    let err = ForwardCallConfig::from_env(&env(&[("FORWARDING_BUCKET", "b")])).unwrap_err();
    assert_eq!(err, ConfigError::Missing { name: "TWILIO_AUTH_TOKEN_PARAMETER" });
    for (name, value) in [("TWILIO_WEBHOOK_URL", "forward.example.com/x"), ("ROSTER_TIME_ZONE", "JST")] {
        let err = ForwardCallConfig::from_env(&env(&[
            ("FORWARDING_BUCKET", "b"),
            ("TWILIO_AUTH_TOKEN_PARAMETER", "/lc/twilio"),
            (name, value),
        ]))
        .unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: n, .. } if n == name), "{err}");
    }
}

// ---------------------------------------------------------------------------------------
// The secrets come from SSM Parameter Store, decrypted, once per instance (its first request).

#[tokio::test]
async fn init_reads_the_token_and_the_slack_url_decrypted() {
    let slack = SlackServer::start(vec![]).await.unwrap();
    let ssm =
        SsmServer::start(&[("/lc/twilio", &format!("old-token, {TOKEN}")), ("/lc/slack", &slack.url())]).await.unwrap();
    let mut config = config(Some(URL));
    config.auth_token_parameter = "/lc/twilio".into();
    config.slack_webhook_url_parameter = Some("/lc/slack".into());
    let deps = Deps::init(&ssm.sdk_config().await, config).await.unwrap();
    let requests = ssm.requests();
    assert_eq!(
        requests.iter().map(|(target, body)| (target.as_str(), body["Name"].as_str().unwrap())).collect::<Vec<_>>(),
        [("AmazonSSM.GetParameter", "/lc/twilio"), ("AmazonSSM.GetParameter", "/lc/slack")]
    );
    assert!(requests.iter().all(|(_, body)| body["WithDecryption"] == true), "{requests:?}");
    assert!(!format!("{deps:?}").contains(TOKEN), "the token never shows in Debug");

    // A request signed with the second token of the parameter is accepted, and the team is
    // told through the webhook read from the other parameter. (S3 is not served here, so
    // the caller hears the apology.)
    let twiml = answer(&handle(&deps, signed(&call_to("+815012340001")), now()).await);
    assert_eq!(names(&twiml), ["Response", "Say", "Hangup"]);
    assert!(slack.received()[0].text().contains("could not be forwarded"));
}

#[tokio::test]
async fn init_fails_naming_a_missing_or_empty_token_parameter() {
    let ssm = SsmServer::start(&[("/lc/empty", " , ")]).await.unwrap();
    let aws = ssm.sdk_config().await;
    let err = Deps::init(&aws, config(Some(URL))).await.unwrap_err().to_string();
    assert!(err.contains("/test/twilio-auth-token") && err.contains("ParameterNotFound"), "{err}");
    let mut empty = config(Some(URL));
    empty.auth_token_parameter = "/lc/empty".into();
    let err = Deps::init(&aws, empty).await.unwrap_err().to_string();
    assert!(err.contains("/lc/empty") && err.contains("empty"), "{err}");
}

#[tokio::test]
async fn an_unreadable_slack_parameter_only_turns_slack_off() {
    let ssm =
        SsmServer::start(&[("/test/twilio-auth-token", TOKEN), ("/lc/not-a-url", "hooks.slack.com/x")]).await.unwrap();
    for parameter in ["/lc/missing", "/lc/not-a-url"] {
        let mut config = config(Some(URL));
        config.slack_webhook_url_parameter = Some(parameter.into());
        let deps = Deps::init(&ssm.sdk_config().await, config).await.unwrap();
        assert!(deps.notifier.is_none(), "{parameter}");
    }
}

#[test]
fn a_function_that_could_not_start_answers_every_call_with_the_apology() {
    // What main() serves when a setting (a misspelt ROSTER_TIME_ZONE) or the auth token's
    // parameter cannot be used: every caller hears the apology, not Twilio's application error.
    let problem = ForwardCallConfig::from_env(&|name: &str| match name {
        "FORWARDING_BUCKET" => Some("rosters".to_owned()),
        "TWILIO_AUTH_TOKEN_PARAMETER" => Some("/token".to_owned()),
        "ROSTER_TIME_ZONE" => Some("Asia/Tokio".to_owned()),
        _ => None,
    })
    .unwrap_err();
    assert!(problem.to_string().contains("ROSTER_TIME_ZONE"), "{problem}");
    let reply = answer(&forward_call::answer_unconfigured(&problem.to_string()));
    assert_eq!(names(&reply), ["Response", "Say", "Hangup"]);
    assert_eq!(find(&reply, "Say").text, forward_call::forwarding::DEFAULT_APOLOGY);
    assert!(dialled(&reply).is_empty());
}
