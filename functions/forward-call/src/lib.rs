//! forward-call: answers Twilio's "primary handler fails" request for a number when the
//! team's own voice service is down. It checks that the request is Twilio's, looks the
//! called number up in the forwarding file in S3, answers TwiML that forwards the caller to
//! that number's destinations, and tells the team in Slack.
//!
//! A verified caller always gets valid TwiML: an unknown number, an unreadable file or any
//! other fault answers the apology and is reported, because anything else makes Twilio
//! play its "application error" message to a customer. Only a request that is not
//! Twilio's is refused (403, no TwiML).

pub mod forwarding;
pub mod signature;
pub mod twiml;

use std::time::Duration;

use adapters::slack::{Notify, SlackMessage, SlackNotifier, SlackSettings, escape};
use adapters::ssm::{SecretError, read_secure_parameter};
use aws_lambda_events::event::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::config::{ConfigError, Env};
use domain::phone::{PhoneNumber, mask};
use domain::plan::{RepeatSettings, local_date, plan_attempts};
use domain::problem::{Problem, Severity};
use domain::roster::Roster;
use domain::store::{ObjectStore, StoreError};
use tracing::{error, info, warn};

use crate::forwarding::{Destinations, Entry, ForwardingTable, MAX_NUMBERS, Speech, entry_location};
use crate::signature::AuthTokens;
use crate::twiml::Dial;

pub const DEFAULT_FORWARDING_KEY: &str = "forwarding.json";
/// How long a caller may wait on Slack in total: Twilio waits 15 s for the whole answer.
pub const SLACK_BUDGET: Duration = Duration::from_millis(2500);
/// The query that marks Twilio's `<Dial action>` request (how the dial ended).
pub const DIAL_RESULT_QUERY: &str = "step=dial-result";

/// The environment, read once at init.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardCallConfig {
    /// `FORWARDING_BUCKET`, or `PHONE_NUMBER_BUCKET` when unset: the forwarding file and the
    /// rosters it names live here.
    pub bucket: String,
    /// `FORWARDING_JSON_FILE`, default `forwarding.json`.
    pub forwarding_key: String,
    /// `TWILIO_AUTH_TOKEN_PARAMETER`: the SSM SecureString holding the auth token(s).
    pub auth_token_parameter: String,
    /// `TWILIO_WEBHOOK_URL`: the URL as configured in Twilio. When unset it is the function
    /// URL the request arrived on (`https://<domainName><rawPath>`).
    pub webhook_url: Option<String>,
    /// `SLACK_WEBHOOK_URL_PARAMETER`: the SSM SecureString holding the webhook URL; unset
    /// means no Slack.
    pub slack_webhook_url_parameter: Option<String>,
    /// `ROSTER_TIME_ZONE`, default Asia/Tokyo: "today" for roster destinations.
    pub time_zone: Tz,
}

fn var(env: &impl Env, name: &str) -> Option<String> {
    env.var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl ForwardCallConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let bucket = var(env, "FORWARDING_BUCKET")
            .or_else(|| var(env, "PHONE_NUMBER_BUCKET"))
            .ok_or(ConfigError::Missing { name: "FORWARDING_BUCKET" })?;
        let webhook_url = var(env, "TWILIO_WEBHOOK_URL");
        if let Some(url) = &webhook_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid {
                name: "TWILIO_WEBHOOK_URL",
                value: url.clone(),
                reason: "expected the URL exactly as entered in Twilio, starting with https://".into(),
            });
        }
        let time_zone = domain::config::time_zone(env)?;
        Ok(Self {
            bucket,
            forwarding_key: var(env, "FORWARDING_JSON_FILE").unwrap_or_else(|| DEFAULT_FORWARDING_KEY.to_owned()),
            auth_token_parameter: var(env, "TWILIO_AUTH_TOKEN_PARAMETER")
                .ok_or(ConfigError::Missing { name: "TWILIO_AUTH_TOKEN_PARAMETER" })?,
            webhook_url,
            slack_webhook_url_parameter: var(env, "SLACK_WEBHOOK_URL_PARAMETER"),
            time_zone,
        })
    }
}

/// What the handler needs, built once at init.
#[derive(Debug)]
pub struct Deps<S, N> {
    pub store: S,
    pub notifier: N,
    pub tokens: AuthTokens,
    pub config: ForwardCallConfig,
    /// The longest a Slack post may hold up the answer.
    pub slack_budget: Duration,
}

/// The production notifier: pauses with tokio's timer.
pub type Slack = SlackNotifier<fn(Duration) -> tokio::time::Sleep>;

/// What goes wrong while answering a call. None of it reaches Lambda (a caller must never
/// hear Twilio's application error): each is logged under its `error_type`, reported to
/// Slack, and answered with the apology, or with 403 for a request that is not Twilio's.
#[derive(Debug, thiserror::Error)]
pub enum ForwardCallError {
    #[error("the request is not signed by Twilio for {url}: {reason}")]
    InvalidSignature { url: String, reason: &'static str },
    #[error("the forwarding file could not be read: {0}")]
    ForwardingFileUnreadable(StoreError),
    #[error("the forwarding file cannot be used: {0}")]
    ForwardingFileInvalid(String),
    #[error("{called} is not in the forwarding file")]
    UnknownNumber { called: String },
    #[error("nobody to forward to: {0}")]
    NoDestination(String),
}

impl ForwardCallError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::InvalidSignature { .. } => "InvalidSignature",
            Self::ForwardingFileUnreadable(err) if err.is_transient() => "ForwardingFileTransient",
            Self::ForwardingFileUnreadable(_) => "ForwardingFileUnreadable",
            Self::ForwardingFileInvalid(_) => "ForwardingFileInvalid",
            Self::UnknownNumber { .. } => "UnknownNumber",
            Self::NoDestination(_) => "NoDestination",
        }
    }
}

/// A verified Twilio request.
#[derive(Debug, Clone)]
struct TwilioRequest {
    params: Vec<(String, String)>,
    /// The URL Twilio requested, which `<Dial action>` points back to.
    url: String,
    dial_result: bool,
}

impl TwilioRequest {
    fn get(&self, name: &str) -> &str {
        self.params.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }
}

/// Answers one request from Twilio.
#[tracing::instrument(skip_all, fields(call_sid))]
pub async fn handle<S: ObjectStore, N: Notify>(
    deps: &Deps<S, N>,
    request: LambdaFunctionUrlRequest,
    now: DateTime<Utc>,
) -> LambdaFunctionUrlResponse {
    let twilio = match verify(deps, &request) {
        Ok(twilio) => twilio,
        Err(err) => {
            warn!(error_type = err.error_type(), error = %err, "refused a request");
            return respond(403, "text/plain; charset=utf-8", "Forbidden".to_owned());
        }
    };
    tracing::Span::current().record("call_sid", twilio.get("CallSid"));
    let (twiml, message) =
        if twilio.dial_result { dial_result(deps, &twilio).await } else { incoming(deps, &twilio, now).await };
    deliver(deps, message).await;
    respond(200, "text/xml; charset=utf-8", twiml)
}

fn verify<S, N>(deps: &Deps<S, N>, request: &LambdaFunctionUrlRequest) -> Result<TwilioRequest, ForwardCallError> {
    let base = match &deps.config.webhook_url {
        Some(url) => url.split(['?', '#']).next().unwrap_or(url).to_owned(),
        None => format!(
            "https://{}{}",
            request.request_context.domain_name.as_deref().unwrap_or_default(),
            request.raw_path.as_deref().unwrap_or("/")
        ),
    };
    // Twilio signs the URL it requested, query included, which is the configured URL plus
    // whatever query it was given (the `<Dial action>` adds one).
    let url = match request.raw_query_string.as_deref().filter(|q| !q.is_empty()) {
        Some(query) => format!("{base}?{query}"),
        None => base,
    };
    let invalid = |reason| ForwardCallError::InvalidSignature { url: url.clone(), reason };
    let signature = request
        .headers
        .get("x-twilio-signature")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| invalid("no X-Twilio-Signature header"))?;
    let is_get = request.request_context.http.method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("GET"));
    let params =
        if is_get { Vec::new() } else { form_params(request).ok_or_else(|| invalid("the body is not a form"))? };
    if !deps.tokens.verify(&url, &params, signature) {
        return Err(invalid("the signature does not match"));
    }
    let query: Vec<(String, String)> = request
        .raw_query_string
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let dial_result = query.iter().any(|(k, v)| format!("{k}={v}") == DIAL_RESULT_QUERY);
    // For GET, Twilio's parameters are the query, already covered by the signed URL.
    let params = if is_get { query } else { params };
    Ok(TwilioRequest { params, url, dial_result })
}

fn form_params(request: &LambdaFunctionUrlRequest) -> Option<Vec<(String, String)>> {
    let body = request.body.as_deref().unwrap_or_default();
    let bytes = if request.is_base64_encoded {
        base64::engine::general_purpose::STANDARD.decode(body).ok()?
    } else {
        body.as_bytes().to_vec()
    };
    Some(form_urlencoded::parse(&bytes).into_owned().collect())
}

fn respond(status: i64, content_type: &'static str, body: String) -> LambdaFunctionUrlResponse {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let mut response = LambdaFunctionUrlResponse::default();
    response.status_code = status;
    response.headers = headers;
    response.body = Some(body);
    response
}

/// A call to forward, worked out from the file.
#[derive(Debug)]
struct Forwarding {
    client_name: String,
    dial: Dial,
    notice: Option<Speech>,
    /// Where the numbers came from, for people: the file, or a roster and its group.
    source: String,
    problems: Vec<Problem>,
}

/// Why a call gets the apology instead.
#[derive(Debug)]
struct Failure {
    error: ForwardCallError,
    apology: Speech,
    client_name: Option<String>,
    problems: Vec<Problem>,
}

async fn incoming<S: ObjectStore, N>(
    deps: &Deps<S, N>,
    twilio: &TwilioRequest,
    now: DateTime<Utc>,
) -> (String, Option<SlackMessage>) {
    let called = twilio.get("To");
    match forwarding(deps, twilio, now).await {
        Ok(forwarding) => {
            for problem in &forwarding.problems {
                log_problem(problem);
            }
            info!(
                called = %mask(called),
                caller = %mask(twilio.get("From")),
                twilio_error = twilio.get("ErrorCode"),
                destinations = ?forwarding.dial.numbers,
                source = %forwarding.source,
                "forwarding the call"
            );
            let message = forwarded_message(twilio, &forwarding);
            (twiml::forward(forwarding.notice.as_ref(), &forwarding.dial), Some(message))
        }
        Err(failure) => {
            error!(
                error_type = failure.error.error_type(),
                error = %failure.error,
                called = %mask(called),
                caller = %mask(twilio.get("From")),
                twilio_error = twilio.get("ErrorCode"),
                "the call cannot be forwarded; answering the apology"
            );
            let message = failure_message(twilio, &failure);
            (twiml::apology(&failure.apology), Some(message))
        }
    }
}

fn log_problem(problem: &Problem) {
    match problem.severity {
        Severity::Error => error!(problem = %problem, "problem in a forwarding input"),
        Severity::Warning => warn!(problem = %problem, "problem in a forwarding input"),
    }
}

/// Reads the file (per request: it is edited often) and finds the called number's entry.
async fn load<S: ObjectStore, N>(deps: &Deps<S, N>, called: &str) -> Result<(Entry, Vec<Problem>), Failure> {
    let key = &deps.config.forwarding_key;
    let bytes = deps.store.get(key).await.map_err(|err| Failure {
        error: ForwardCallError::ForwardingFileUnreadable(err),
        apology: Speech::default_apology(),
        client_name: None,
        problems: Vec::new(),
    })?;
    let report = forwarding::parse(&deps.store.location(key), &bytes);
    // Problems of this entry and of the file as a whole concern this call; the others are
    // logged only. When the file is unusable, every problem explains why.
    let own = entry_location(called);
    let unusable = report.table.is_none();
    let (relevant, others): (Vec<Problem>, Vec<Problem>) = report.problems.into_iter().partition(|p| {
        unusable
            || p.location.as_deref().is_none_or(|l| {
                l == own || l.starts_with(&format!("{own}.")) || l == "defaults" || l.starts_with("defaults.")
            })
    });
    for problem in &others {
        log_problem(problem);
    }
    let Some(table) = report.table else {
        let summary = relevant.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        return Err(Failure {
            error: ForwardCallError::ForwardingFileInvalid(summary),
            apology: Speech::default_apology(),
            client_name: None,
            problems: relevant,
        });
    };
    match table.entry(called) {
        Some(entry) => Ok((entry.clone(), relevant)),
        None => Err(unknown(&table, called, relevant)),
    }
}

fn unknown(table: &ForwardingTable, called: &str, problems: Vec<Problem>) -> Failure {
    Failure {
        error: ForwardCallError::UnknownNumber { called: called.to_owned() },
        apology: table.defaults.apology(),
        client_name: None,
        problems,
    }
}

async fn forwarding<S: ObjectStore, N>(
    deps: &Deps<S, N>,
    twilio: &TwilioRequest,
    now: DateTime<Utc>,
) -> Result<Forwarding, Failure> {
    let called = twilio.get("To");
    let (entry, mut problems) = load(deps, called).await?;
    let fail = |error, problems| Failure {
        error,
        apology: entry.apology.clone(),
        client_name: Some(entry.client_name.clone()),
        problems,
    };
    let (numbers, source) = match &entry.destinations {
        Destinations::Numbers(numbers) => (numbers.clone(), deps.store.location(&deps.config.forwarding_key)),
        Destinations::Roster { key, fallback } => {
            match todays_group(deps, key, fallback.as_ref(), now, &mut problems).await {
                Ok(found) => found,
                Err(reason) => return Err(fail(ForwardCallError::NoDestination(reason), problems)),
            }
        }
    };
    // The called number is one of the account's own, so Twilio always accepts it.
    let caller_id = match entry.caller_id.clone().or_else(|| PhoneNumber::parse(called).ok()) {
        Some(caller_id) => caller_id,
        None => {
            let error =
                ForwardCallError::NoDestination(format!("no callerId, and To={} is not a number", mask(called)));
            return Err(fail(error, problems));
        }
    };
    let action = format!("{}{}{DIAL_RESULT_QUERY}", twilio.url, if twilio.url.contains('?') { '&' } else { '?' });
    Ok(Forwarding {
        client_name: entry.client_name.clone(),
        dial: Dial { caller_id, numbers, timeout_seconds: entry.dial_timeout_seconds, action },
        notice: entry.notice.clone(),
        source,
        problems,
    })
}

/// Today's on-call group of a roster, exactly as an escalation's first attempt would ring it
/// (fallback included when the group is incomplete or nobody covers today).
async fn todays_group<S: ObjectStore, N>(
    deps: &Deps<S, N>,
    key: &str,
    fallback: Option<&PhoneNumber>,
    now: DateTime<Utc>,
    problems: &mut Vec<Problem>,
) -> Result<(Vec<PhoneNumber>, String), String> {
    let location = deps.store.location(key);
    let roster = match deps.store.get(key).await {
        Ok(bytes) => {
            let report = Roster::parse(&location, &bytes);
            problems.extend(report.problems);
            report.roster
        }
        Err(err) => {
            let message = match err {
                StoreError::NotFound { .. } => "does not exist".to_owned(),
                StoreError::Transient { message, .. } | StoreError::Failed { message, .. } => {
                    format!("could not be read: {message}")
                }
            };
            problems.push(Problem::error(location.clone(), None, message));
            None
        }
    };
    let today = local_date(now, deps.config.time_zone);
    let settings = RepeatSettings { repeat_count: 1, repeat_group: true };
    let attempts = plan_attempts(roster.as_ref(), today, settings, fallback).map_err(|err| {
        format!("{location} gives nobody for {today} and the entry has no usable \"fallback\" ({})", err.reason)
    })?;
    let Some(first) = attempts.into_iter().next() else {
        return Err(format!("{location} gives nobody for {today}"));
    };
    let mut numbers = first.phone_numbers;
    if numbers.len() > MAX_NUMBERS {
        problems.push(Problem::warning(
            location.clone(),
            first.group.clone(),
            format!(
                "{} numbers today; Twilio rings at most {MAX_NUMBERS}, the first {MAX_NUMBERS} are rung",
                numbers.len()
            ),
        ));
        numbers.truncate(MAX_NUMBERS);
    }
    let source = match &first.group {
        Some(group) => format!("{location}, {group} (on duty {today})"),
        None => format!("{location}: nobody on duty {today}, fallback number"),
    };
    Ok((numbers, source))
}

/// Twilio's report of how the `<Dial>` ended.
async fn dial_result<S: ObjectStore, N>(deps: &Deps<S, N>, twilio: &TwilioRequest) -> (String, Option<SlackMessage>) {
    let status = twilio.get("DialCallStatus");
    let called = twilio.get("To");
    if matches!(status, "completed" | "answered") {
        info!(called = %mask(called), dial_status = status, "the forwarded call was answered");
        return (twiml::hang_up(), None);
    }
    warn!(called = %mask(called), dial_status = status, "nobody answered the forwarded call");
    let (apology, client_name) = match load(deps, called).await {
        Ok((entry, _)) => (entry.apology, Some(entry.client_name)),
        Err(failure) => (failure.apology, None),
    };
    let heading = if status == "canceled" {
        "The caller hung up before anyone answered the forwarded call"
    } else {
        "Nobody answered the forwarded call: the caller heard the apology"
    };
    let mut text = format!(":no_entry: *{heading}*");
    if let Some(name) = client_name {
        text.push_str(&format!(" ({})", escape(&name)));
    }
    text.push('\n');
    text.push_str(&call_lines(twilio));
    text.push_str(&format!("• Dial status: {}\n", escape(status)));
    (twiml::apology(&apology), Some(SlackMessage::new(text.trim_end())))
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

fn problem_lines(problems: &[Problem]) -> String {
    const SHOWN: usize = 10;
    let errors: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
    let mut out = String::new();
    for problem in errors.iter().take(SHOWN) {
        out.push_str(&format!("• {}\n", escape(&problem.to_string())));
    }
    if errors.len() > SHOWN {
        out.push_str(&format!("• … and {} more (see the logs)\n", errors.len() - SHOWN));
    }
    out
}

fn forwarded_message(twilio: &TwilioRequest, forwarding: &Forwarding) -> SlackMessage {
    let mut text = format!(
        ":telephone_receiver: *Forwarded a call for {}*: the voice service failed, so Twilio asked forward-call\n",
        escape(&forwarding.client_name)
    );
    text.push_str(&call_lines(twilio));
    let destinations: Vec<String> = forwarding.dial.numbers.iter().map(PhoneNumber::masked).collect();
    text.push_str(&format!("• Destination: {} ({})\n", destinations.join(", "), escape(&forwarding.source)));
    let problems = problem_lines(&forwarding.problems);
    if !problems.is_empty() {
        text.push_str("*Problems found:*\n");
        text.push_str(&problems);
    }
    SlackMessage::new(text.trim_end())
}

fn failure_message(twilio: &TwilioRequest, failure: &Failure) -> SlackMessage {
    let mut text = String::from(":warning: *A call could not be forwarded: the caller heard the apology*");
    if let Some(name) = &failure.client_name {
        text.push_str(&format!(" ({})", escape(name)));
    }
    text.push('\n');
    text.push_str(&call_lines(twilio));
    text.push_str(&format!("• Why: {}\n", escape(&failure.error.to_string())));
    let problems = problem_lines(&failure.problems);
    if !problems.is_empty() && !matches!(failure.error, ForwardCallError::ForwardingFileInvalid(_)) {
        text.push_str("*Problems found:*\n");
        text.push_str(&problems);
    }
    SlackMessage::new(text.trim_end())
}

/// Posts within the budget; a failure is logged, never passed on.
async fn deliver<S, N: Notify>(deps: &Deps<S, N>, message: Option<SlackMessage>) {
    let Some(message) = message else { return };
    match tokio::time::timeout(deps.slack_budget, deps.notifier.notify(&message)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => warn!(error_type = err.error_type(), error = %err, "the Slack notification was not delivered"),
        Err(_) => warn!(
            error_type = "SlackBudgetExceeded",
            budget_ms = deps.slack_budget.as_millis(),
            "Slack was too slow; answered Twilio without waiting"
        ),
    }
}

/// Why the function could not start.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("TWILIO_AUTH_TOKEN_PARAMETER {0}: {1}")]
    Token(String, signature::EmptyToken),
}

impl Deps<adapters::s3::S3Store, Option<Slack>> {
    /// Builds the clients and reads the secrets, once, at init. The auth token is required
    /// (without it no request can be trusted); Slack is optional, and a webhook URL that
    /// cannot be read only turns Slack off, with an error in the log.
    pub async fn init(aws: &adapters::SdkConfig, config: ForwardCallConfig) -> Result<Self, InitError> {
        let ssm = adapters::ssm::ssm_client(aws);
        let raw = read_secure_parameter(&ssm, &config.auth_token_parameter).await?;
        let tokens =
            AuthTokens::parse(&raw).map_err(|err| InitError::Token(config.auth_token_parameter.clone(), err))?;
        let notifier = match &config.slack_webhook_url_parameter {
            None => None,
            Some(name) => {
                let url = read_secure_parameter(&ssm, name).await;
                let notifier = url.map_err(|err| err.to_string()).and_then(|url| {
                    let pause: fn(Duration) -> tokio::time::Sleep = tokio::time::sleep;
                    SlackNotifier::new(&url, SlackSettings::INTERACTIVE, pause).map_err(|err| err.to_string())
                });
                match notifier {
                    Ok(notifier) => Some(notifier),
                    Err(err) => {
                        error!(parameter = %name, error = %err, "Slack is off: its webhook URL could not be used");
                        None
                    }
                }
            }
        };
        let store = adapters::s3::S3Store::new(adapters::s3::s3_client(aws), config.bucket.clone());
        Ok(Self { store, notifier, tokens, config, slack_budget: SLACK_BUDGET })
    }
}
