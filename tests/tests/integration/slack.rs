//! The Slack notifier against a local server standing in for Slack's webhook endpoint:
//! what is posted, how each failure comes back, that none of them breaks forward-call's
//! TwiML, and that notify-slack retries a Slack that is down and then fails its invocation
//! (so Lambda retries it and keeps it in the dead-letter queue) instead of dropping the report.

#![allow(clippy::unwrap_used)]

use adapters::incidents::DynamoIncidents;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapters::slack::{Notify, SlackError, SlackMessage, SlackNotifier, SlackSettings};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use base64::Engine;
use chrono::Utc;
use domain::store::MemoryStore;
use forward_call::signature::AuthTokens;
use forward_call::{ForwardCallConfig, handle as forward};
use hmac::{Hmac, Mac};
use lambda_connect_tests::sample;
use lambda_connect_tests::slack_server::{Reply, SlackServer, WEBHOOK_SECRET};
use lambda_connect_tests::ssm_server::SsmServer;
use notify_slack::{Report, Retry};
use serde_json::{Value, json};

type Pauses = Arc<Mutex<Vec<Duration>>>;

/// A notifier whose pauses are recorded instead of waited out.
fn notifier(
    server: &SlackServer,
    settings: SlackSettings,
) -> (SlackNotifier<impl Fn(Duration) -> std::future::Ready<()> + Send + Sync>, Pauses) {
    let pauses = Pauses::default();
    let record = pauses.clone();
    let pause = move |duration: Duration| {
        record.lock().unwrap().push(duration);
        std::future::ready(())
    };
    (SlackNotifier::new(&server.url(), settings, pause).unwrap(), pauses)
}

const QUICK: SlackSettings =
    SlackSettings { timeout: Duration::from_millis(300), max_retry_after: Duration::from_secs(1) };

#[tokio::test]
async fn a_message_is_posted_as_json_text_to_the_webhook() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, pauses) = notifier(&server, QUICK);
    slack.notify(&SlackMessage::new("*hello* from <tests>")).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, format!("/services/T0000/B0000/{WEBHOOK_SECRET}"));
    assert_eq!(received[0].content_type, "application/json");
    assert_eq!(received[0].body, json!({"text": "*hello* from <tests>"}));
    assert!(pauses.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refusal_comes_back_as_a_typed_error_with_slacks_reason() {
    let server =
        SlackServer::start(vec![Reply::Status(500, "rollup_error"), Reply::Status(404, "no_service")]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let message = SlackMessage::new("x");
    assert_eq!(slack.notify(&message).await, Err(SlackError::Rejected { status: 500, body: "rollup_error".into() }));
    assert_eq!(slack.notify(&message).await, Err(SlackError::Rejected { status: 404, body: "no_service".into() }));
    assert_eq!(server.received().len(), 2, "a refusal is not retried");
}

#[tokio::test]
async fn a_slack_that_never_answers_times_out_quickly() {
    let server = SlackServer::start(vec![Reply::Hang]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let started = Instant::now();
    let result = slack.notify(&SlackMessage::new("x")).await;
    assert_eq!(result, Err(SlackError::Timeout(QUICK.timeout)));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_429_within_the_budget_is_retried_once_after_retry_after() {
    let server = SlackServer::start(vec![Reply::RateLimited(1)]).await.unwrap();
    let (slack, pauses) = notifier(&server, QUICK);
    slack.notify(&SlackMessage::new("again")).await.unwrap();
    assert_eq!(*pauses.lock().unwrap(), [Duration::from_secs(1)]);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].text(), "again");

    let server = SlackServer::start(vec![Reply::RateLimited(0), Reply::RateLimited(1)]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    assert_eq!(
        slack.notify(&SlackMessage::new("x")).await,
        Err(SlackError::RateLimited { retry_after: Some(Duration::from_secs(1)) }),
        "only one retry"
    );
}

#[tokio::test]
async fn a_429_beyond_the_budget_is_dropped_without_waiting() {
    let server = SlackServer::start(vec![Reply::RateLimited(30)]).await.unwrap();
    let (slack, pauses) = notifier(&server, QUICK);
    assert_eq!(
        slack.notify(&SlackMessage::new("x")).await,
        Err(SlackError::RateLimited { retry_after: Some(Duration::from_secs(30)) })
    );
    assert!(pauses.lock().unwrap().is_empty());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn an_unreachable_slack_is_reported_without_the_secret_url() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let url = server.url();
    drop(server);
    let slack = SlackNotifier::new(&url, QUICK, |_| std::future::ready(())).unwrap();
    let err = slack.notify(&SlackMessage::new("x")).await.unwrap_err();
    assert!(matches!(err, SlackError::Unreachable(_) | SlackError::Timeout(_)), "{err:?}");
    assert!(!err.to_string().contains(WEBHOOK_SECRET), "{err}");
    assert!(!format!("{slack:?}").contains(WEBHOOK_SECRET));
}

// ---------------------------------------------------------------------------------------
// forward-call: Slack's failures never reach the caller.

const TOKEN: &str = "slack-test-token";
const URL: &str = "https://forward.example.com/";
const FORWARDING: &str =
    r#"{"numbers": {"+815012340001": {"clientName": "渋谷店", "destinations": ["+81312345678"]}}}"#;

fn signed_call() -> LambdaFunctionUrlRequest {
    let params = [("CallSid", "CA01"), ("From", "+819087654321"), ("To", "+815012340001"), ("ErrorCode", "11205")];
    let mut data = URL.to_owned();
    let mut sorted = params;
    sorted.sort();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    serde_json::from_value(json!({
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {"x-twilio-signature": signature, "content-type": "application/x-www-form-urlencoded"},
        "requestContext": {"http": {"method": "POST"}, "timeEpoch": 0},
        "body": form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish(),
        "isBase64Encoded": false
    }))
    .unwrap()
}

fn forward_deps<N: Notify>(notifier: N, budget: Duration) -> forward_call::Deps<MemoryStore, N, DynamoIncidents> {
    forward_call::Deps {
        store: MemoryStore::from([("forwarding.json", FORWARDING)]),
        notifier,
        answered: None,
        tokens: AuthTokens::parse(TOKEN).unwrap(),
        config: ForwardCallConfig {
            bucket: "b".into(),
            forwarding_key: "forwarding.json".into(),
            auth_token_parameter: "/p".into(),
            webhook_url: Some(URL.into()),
            slack_webhook_url_parameter: None,
            time_zone: domain::zone::Zone::tokyo(),
            incident_table: None,
        },
        slack_budget: budget,
    }
}

#[tokio::test]
async fn forward_call_posts_the_forwarding_to_slack() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let deps = forward_deps(slack, Duration::from_secs(2));
    let response = forward(&deps, signed_call(), Utc::now()).await;
    assert_eq!(response.status_code, 200);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let text = received[0].text();
    for expected in ["渋谷店", "Called: +815012340001", "Caller: +8190****4321", "Twilio error: 11205", "+8131****5678"]
    {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
}

#[tokio::test]
async fn forward_call_answers_twiml_whatever_slack_does() {
    for reply in [Reply::Status(500, "rollup_error"), Reply::RateLimited(30), Reply::RateLimited(1), Reply::Hang] {
        let server = SlackServer::start(vec![reply.clone(), reply.clone()]).await.unwrap();
        let (slack, _) = notifier(&server, QUICK);
        let deps = forward_deps(slack, Duration::from_secs(2));
        let response = forward(&deps, signed_call(), Utc::now()).await;
        assert_eq!(response.status_code, 200, "{reply:?}");
        let body = response.body.unwrap();
        assert!(body.contains("<Number>+81312345678</Number>"), "{reply:?}: {body}");
    }
}

#[tokio::test]
async fn a_slow_slack_cannot_hold_the_twiml_past_the_budget() {
    let server = SlackServer::start(vec![Reply::Hang]).await.unwrap();
    // The notifier alone would wait 30 s; the handler's budget cuts it short.
    let patient = SlackSettings { timeout: Duration::from_secs(30), max_retry_after: Duration::from_secs(1) };
    let (slack, _) = notifier(&server, patient);
    let deps = forward_deps(slack, Duration::from_millis(200));
    let started = Instant::now();
    let response = forward(&deps, signed_call(), Utc::now()).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(response.status_code, 200);
    assert!(response.body.unwrap().contains("<Dial"));
}

// ---------------------------------------------------------------------------------------
// notify-slack: a report is never lost because Slack is down, and never fails the escalation.

fn sample_event() -> Value {
    serde_json::from_slice(&std::fs::read(sample("notify-slack.json")).unwrap()).unwrap()
}

const RETRY: Retry = Retry { attempts: 3, backoff: Duration::from_millis(10), post_limit: Duration::from_millis(700) };

fn slack_deps<N: Notify>(notifier: N) -> notify_slack::Deps<N> {
    notify_slack::Deps { notifier, retry: RETRY }
}

fn later() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(20)
}

#[tokio::test]
async fn the_sample_outcome_is_posted_readably() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let report = notify_slack::handle(&slack_deps(slack), sample_event(), later()).await.unwrap();
    assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 0 });
    let received = server.received();
    let text = received[0].text();
    for expected in [
        ":white_check_mark: *Escalation: acknowledged*",
        "by +8190****0002 (group1) after 2m 05s",
        "Attempts: 2 · calls placed: 3",
        "*Problems found:*\n• warning: s3://lambda-connect-rosters/projectA-phoneNumber.json",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
}

#[tokio::test]
async fn a_slack_that_is_briefly_down_still_gets_the_report_within_the_invocation() {
    for failing in [Reply::Status(500, "rollup_error"), Reply::Status(503, "service_unavailable"), Reply::Hang] {
        let server = SlackServer::start(vec![failing.clone(), failing.clone()]).await.unwrap();
        let (slack, _) = notifier(&server, QUICK);
        let report = notify_slack::handle(&slack_deps(slack), sample_event(), later()).await;
        assert_eq!(report.unwrap(), Report { posted: 1, not_delivered: 0, unreadable: 0 }, "{failing:?}");
        let received = server.received();
        assert_eq!(received.len(), 3, "{failing:?}");
        assert!(received[2].text().contains("acknowledged"), "{failing:?}");
    }
}

#[tokio::test]
async fn a_report_slack_never_takes_fails_the_invocation_so_lambda_retries_it() {
    // Down for every retry the invocation has, or refusing the post: the invocation fails, so
    // Lambda retries the event and finally keeps it in the dead-letter queue (never a success
    // that drops the report). The escalation is long over: nothing waits for this.
    for (reply, posts, reason) in [
        (Reply::Status(500, "rollup_error"), 3, "SlackRejected"),
        (Reply::Hang, 3, "SlackTimeout"),
        // Slack asks for 30 s, more than the invocation has left: not retried sooner.
        (Reply::RateLimited(30), 1, "SlackRateLimited"),
        (Reply::Status(403, "action_prohibited"), 1, "SlackRejected"),
    ] {
        let server = SlackServer::start(vec![reply.clone(); 6]).await.unwrap();
        let (slack, _) = notifier(&server, QUICK);
        let err = notify_slack::handle(&slack_deps(slack), sample_event(), later()).await.unwrap_err();
        assert_eq!(err.error_type(), "SlackNotDelivered", "{reply:?}");
        assert!(
            err.to_string().starts_with(&format!("1 of 1 posts did not reach Slack ({reason})")),
            "{reply:?}: {err}"
        );
        assert_eq!(server.received().len(), posts, "{reply:?}");
    }
    // Unreachable: retried too, then failed.
    let server = SlackServer::start(vec![]).await.unwrap();
    let url = server.url();
    drop(server);
    let slack = SlackNotifier::new(&url, QUICK, |_| std::future::ready(())).unwrap();
    let err = notify_slack::handle(&slack_deps(slack), sample_event(), later()).await.unwrap_err();
    assert_eq!(err.error_type(), "SlackNotDelivered");
    assert!(!err.to_string().contains(WEBHOOK_SECRET), "{err}");
}

#[tokio::test]
async fn a_malformed_record_costs_only_itself() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let mut event = sample_event();
    let good = event["Records"][0].clone();
    event["Records"] = json!([
        {"EventSource": "aws:sns", "Sns": {"MessageId": "broken", "Message": {"not": "a string"}, "Note": "+819012345678"}},
        good,
        {"EventSource": "aws:sns"},
    ]);
    let report = notify_slack::handle(&slack_deps(slack), event, later()).await.unwrap();
    assert_eq!(report, Report { posted: 3, not_delivered: 0, unreadable: 2 });
    let received = server.received();
    assert!(received[0].text().starts_with(":warning: *An SNS record could not be read*: record 0 of the event"));
    assert!(received[0].text().contains("+8190****5678") && !received[0].text().contains("+819012345678"));
    assert!(received[1].text().starts_with(":white_check_mark: *Escalation: acknowledged*"), "{}", received[1].text());
    assert!(received[2].text().contains("record 2 of the event is not an SNS record: missing field `Sns`"));
}

#[tokio::test]
async fn every_outcome_status_reads_as_its_own_message() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let deps = slack_deps(slack);
    let outcomes = [
        json!({"status": "nobodyAcknowledged", "summary": "Nobody pressed 1 in 6 attempts.", "attemptsMade": 6, "callsPlaced": 9, "problems": []}),
        json!({"status": "dryRun", "summary": "Dry run.", "attemptsMade": 2, "callsPlaced": 0,
               "callList": [["+8190****0001", "+8190****0002"], ["+8190****0003"]], "problems": []}),
    ];
    let records: Vec<_> = outcomes
        .iter()
        .map(|o| json!({"Sns": {"MessageId": "m", "Subject": "db", "Message": o.to_string()}}))
        .collect();
    let event = json!({"Records": records});
    assert_eq!(notify_slack::handle(&deps, event, later()).await.unwrap().posted, 2);
    let received = server.received();
    assert!(received[0].text().starts_with(":rotating_light: *db: nobody acknowledged*"), "{}", received[0].text());
    assert!(received[0].text().contains("Attempts: 6 · calls placed: 9"));
    assert!(received[1].text().contains("1. +8190****0001, +8190****0002\n2. +8190****0003"), "{}", received[1].text());
}

fn alarm_event() -> Value {
    serde_json::from_slice(&std::fs::read(sample("notify-slack.alarm.json")).unwrap()).unwrap()
}

#[tokio::test]
async fn a_cloudwatch_alarm_of_the_stack_is_posted_as_a_readable_alarm_notice() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let deps = slack_deps(slack);
    let report = notify_slack::handle(&deps, alarm_event(), later()).await.unwrap();
    assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 0 });
    let received = server.received();
    let text = received[0].text();
    assert!(
        text.starts_with(
            ":rotating_light: *ALARM: lambda-connect-AlertDeadLetterAlarm-1XK5R3QZ8T0WD* — Threshold Crossed: \
             1 out of the last 1 datapoints [1.0 (21/11/26 05:01:00)] was greater than the threshold (0.0)"
        ),
        "{text}"
    );
    for expected in [
        "\nAn alert could not start an escalation five times and is in the dead-letter queue. Nobody was phoned",
        "\nState: OK → ALARM · at 2026-11-21 05:02:10 UTC · Asia Pacific (Tokyo) · account 123456789012\n",
        "\nMetric: AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=lambda-connect-AlertDeadLetterQueue-9sFq2LbV7nQe), \
         Maximum over 60 s &gt; 0\n",
        "|Open the alarm in the console>",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    for unwanted in ["could not be read", "```", "\"AlarmName\"", "Trigger"] {
        assert!(!text.contains(unwanted), "{unwanted:?} in {text}");
    }

    // The same alarm back to OK: a resolved notice.
    let mut event = alarm_event();
    let mut message: Value = serde_json::from_str(event["Records"][0]["Sns"]["Message"].as_str().unwrap()).unwrap();
    message["OldStateValue"] = json!("ALARM");
    message["NewStateValue"] = json!("OK");
    message["NewStateReason"] = json!(
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (21/11/26 05:31:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition)."
    );
    event["Records"][0]["Sns"]["Message"] = json!(message.to_string());
    assert_eq!(notify_slack::handle(&deps, event, later()).await.unwrap().posted, 1);
    let received = server.received();
    let text = received[1].text();
    assert!(
        text.starts_with(
            ":white_check_mark: *Resolved: lambda-connect-AlertDeadLetterAlarm-1XK5R3QZ8T0WD* is OK again"
        ),
        "{text}"
    );
    assert!(text.contains("State: ALARM → OK"), "{text}");
}

#[tokio::test]
async fn a_message_of_no_known_kind_is_posted_as_a_notice_with_numbers_masked() {
    let server = SlackServer::start(vec![]).await.unwrap();
    let (slack, _) = notifier(&server, QUICK);
    let message = json!({"unexpected": true, "phoneNumber": "+819012345678"}).to_string();
    let event = json!({"Records": [{"Sns": {"MessageId": "m", "Message": message}}]});
    let report = notify_slack::handle(&slack_deps(slack), event, later()).await.unwrap();
    assert_eq!(report, Report { posted: 1, not_delivered: 0, unreadable: 1 });
    let received = server.received();
    let text = received[0].text();
    assert!(text.starts_with(":warning: *An escalation outcome could not be read*"), "{text}");
    assert!(text.contains("\"phoneNumber\":\"+8190****5678\""), "{text}");
    assert!(!text.contains("+819012345678"), "{text}");
}

#[tokio::test]
async fn notify_slack_init_reads_the_webhook_url_from_ssm_and_posts_there() {
    let slack = SlackServer::start(vec![]).await.unwrap();
    let ssm = SsmServer::start(&[("/lc/slack", &slack.url()), ("/lc/not-a-url", "hooks.slack.com/x")]).await.unwrap();
    let aws = ssm.sdk_config().await;
    let deps = notify_slack::Deps::init(&aws, "/lc/slack").await.unwrap();
    assert_eq!(ssm.requests()[0].1, json!({"Name": "/lc/slack", "WithDecryption": true}));
    assert!(!format!("{deps:?}").contains(WEBHOOK_SECRET));
    assert_eq!(deps.retry, Retry::BACKGROUND);
    assert_eq!(notify_slack::handle(&deps, sample_event(), later()).await.unwrap().posted, 1);
    assert_eq!(slack.received().len(), 1);

    for parameter in ["/lc/missing", "/lc/not-a-url"] {
        let err = notify_slack::Deps::init(&aws, parameter).await.unwrap_err().to_string();
        assert!(err.contains(parameter), "{err}");
    }
}
