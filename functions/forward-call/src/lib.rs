//! forward-call: answers Twilio's "primary handler fails" request for a number when the
//! team's own voice service is down. It checks that the request is Twilio's, looks the
//! called number up in the forwarding file in S3, answers TwiML that forwards the caller to
//! that number's destinations, and tells the team in Slack.
//!
//! A verified caller always gets valid TwiML: an unknown number, an unreadable file or any
//! other fault answers the apology and is reported, because anything else makes Twilio
//! play its "application error" message to a customer. Only a request that is not
//! Twilio's is refused (403, no TwiML), and so is a signed request answered before (409,
//! no TwiML, no Slack post): with an incident table (`INCIDENT_TABLE`) each answered request's
//! CallSid is recorded ([`domain::answered`]), so a captured request replayed later forwards
//! nothing and posts nothing. The dial result is its own request: it is answered once too.
//!
//! # Layout
//!
//! - [`config`]: the environment; [`deps`]: the clients and secrets built at init;
//!   [`error`]: what goes wrong, by name.
//! - [`verify`]: is the request Twilio's ([`signature`] checks the HMAC).
//! - [`forwarding`]: the forwarding file; [`routing`]: where this call goes.
//! - [`twiml`]: the answer to Twilio; [`render`]: the Slack posts; [`deliver`]: posting
//!   them within the caller's patience.
//!
//! Layer: a function, the outer ring. `main.rs` wires the adapters (`shared/adapters`) to the
//! handler once per instance; the handler depends on the domain's ports and rules
//! (`shared/domain`) only, so tests drive it with real-protocol servers. Nothing depends on
//! a function crate but the tests.

pub mod config;
pub mod deliver;
pub mod deps;
pub mod error;
pub mod forwarding;
pub mod render;
pub mod routing;
pub mod signature;
pub mod twiml;
pub mod verify;

use adapters::slack::{Notify, SlackMessage};
use aws_lambda_events::event::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use domain::answered::AnsweredRequests;
use domain::phone::mask;
use domain::problem::{Problem, Severity};
use domain::store::ObjectStore;
use tracing::{error, info, warn};

pub use crate::config::{DEFAULT_FORWARDING_KEY, ForwardCallConfig};
pub use crate::deps::{Deps, SLACK_BUDGET, Slack};
pub use crate::error::{ForwardCallError, InitError};
pub use crate::verify::DIAL_RESULT_QUERY;
use crate::verify::TwilioRequest;

/// Answers one request from Twilio.
#[tracing::instrument(
    skip_all,
    fields(request_id = request.request_context.request_id.as_deref().unwrap_or_default(), call_sid)
)]
pub async fn handle<S: ObjectStore, N: Notify, A: AnsweredRequests>(
    deps: &Deps<S, N, A>,
    request: LambdaFunctionUrlRequest,
    now: DateTime<Utc>,
) -> LambdaFunctionUrlResponse {
    let twilio = match verify::verify(&deps.tokens, deps.config.webhook_url.as_deref(), &request) {
        Ok(twilio) => twilio,
        Err(err) => {
            warn!(error_type = err.error_type(), error = %err, "refused a request");
            return respond(403, "text/plain; charset=utf-8", "Forbidden".to_owned());
        }
    };
    tracing::Span::current().record("call_sid", twilio.get("CallSid"));
    if answered_before(deps, &twilio, now).await {
        warn!("refused a signed request answered before (a replay)");
        return respond(409, "text/plain; charset=utf-8", "Conflict: this request was answered before".to_owned());
    }
    let (twiml, message) =
        if twilio.dial_result { dial_result(deps, &twilio).await } else { incoming(deps, &twilio, now).await };
    deliver::deliver(&deps.notifier, deps.slack_budget, message).await;
    respond(200, "text/xml; charset=utf-8", twiml)
}

/// True when `twilio`'s request was answered before. A request without a CallSid, or a store
/// that fails, counts as new: a caller is never refused for want of a record.
async fn answered_before<S, N, A: AnsweredRequests>(
    deps: &Deps<S, N, A>,
    twilio: &TwilioRequest,
    now: DateTime<Utc>,
) -> bool {
    let (Some(answered), call_sid) = (&deps.answered, twilio.get("CallSid")) else {
        return false;
    };
    if call_sid.is_empty() {
        return false;
    }
    let step = if twilio.dial_result { "dial-result" } else { "call" };
    let request = format!("twilio#{}#{call_sid}#{step}", twilio.get("AccountSid"));
    match answered.first_answer(&request, now).await {
        Ok(first) => !first,
        Err(err) => {
            warn!(error = %err, "could not record the request as answered; answering it anyway");
            false
        }
    }
}

/// Answers one request when the function could not start (`problem`: a setting or a secret
/// it cannot use): the built-in apology, so a caller hears it instead of Twilio's
/// application error. The request cannot be verified without the token, and needs not be:
/// the apology forwards nobody and says nothing about the deployment.
pub fn answer_unconfigured(problem: &str) -> LambdaFunctionUrlResponse {
    error!(problem, "forward-call cannot forward calls until its settings are fixed; answering the apology");
    respond(200, "text/xml; charset=utf-8", twiml::apology(&forwarding::Speech::default_apology()))
}

/// A call to forward: the dial, or the apology.
async fn incoming<S: ObjectStore, N, A>(
    deps: &Deps<S, N, A>,
    twilio: &TwilioRequest,
    now: DateTime<Utc>,
) -> (String, Option<SlackMessage>) {
    let called = twilio.get("To");
    match routing::route(&deps.store, &deps.config, twilio, now, log_problem).await {
        Ok(forwarding) => {
            forwarding.problems.iter().for_each(log_problem);
            info!(
                called = %mask(called),
                caller = %mask(twilio.get("From")),
                twilio_error = twilio.get("ErrorCode"),
                destinations = ?forwarding.dial.numbers,
                source = %forwarding.source,
                "forwarding the call"
            );
            let message = render::forwarded_message(twilio, &forwarding);
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
            let message = render::failure_message(twilio, &failure);
            (twiml::apology(&failure.apology), Some(message))
        }
    }
}

/// Twilio's report of how the `<Dial>` ended: an answered call hangs up, any other gets the
/// entry's apology and a post.
async fn dial_result<S: ObjectStore, N, A>(
    deps: &Deps<S, N, A>,
    twilio: &TwilioRequest,
) -> (String, Option<SlackMessage>) {
    let status = twilio.get("DialCallStatus");
    let called = twilio.get("To");
    if matches!(status, "completed" | "answered") {
        info!(called = %mask(called), dial_status = status, "the forwarded call was answered");
        return (twiml::hang_up(), None);
    }
    warn!(called = %mask(called), dial_status = status, "nobody answered the forwarded call");
    let (apology, client_name) =
        match routing::load(&deps.store, &deps.config.forwarding_key, called, log_problem).await {
            Ok((entry, _)) => (entry.apology, Some(entry.client_name)),
            Err(failure) => (failure.apology, None),
        };
    let message = render::unanswered_message(twilio, status, client_name.as_deref());
    (twiml::apology(&apology), Some(message))
}

fn log_problem(problem: &Problem) {
    match problem.severity {
        Severity::Error => error!(problem = %problem, "problem in a forwarding input"),
        Severity::Warning => warn!(problem = %problem, "problem in a forwarding input"),
    }
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
