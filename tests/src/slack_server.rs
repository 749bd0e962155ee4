//! A local HTTP server standing in for Slack's incoming-webhook endpoint: it records what
//! is posted and answers as scripted (accept, an error status, 429 with `Retry-After`, or
//! never), so tests can prove that Slack's failures never reach a caller or an escalation.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the server answers one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// 200 `ok`, as Slack does.
    Accept,
    /// Any status with Slack's one-word explanation, e.g. 500 `rollup_error`.
    Status(u16, &'static str),
    /// 429 with `Retry-After: <seconds>`.
    RateLimited(u64),
    /// Never answers: the client must give up on its own.
    Hang,
}

/// One post as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub path: String,
    pub content_type: String,
    pub body: serde_json::Value,
}

impl Received {
    /// The message's `text` field.
    pub fn text(&self) -> &str {
        self.body.get("text").and_then(serde_json::Value::as_str).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Script {
    replies: Vec<Reply>,
    received: Vec<Received>,
}

/// Serves until dropped.
#[derive(Debug)]
pub struct SlackServer {
    addr: SocketAddr,
    state: Arc<Mutex<Script>>,
    task: JoinHandle<()>,
}

/// The part of a webhook URL that is its secret; it must never show up in logs or errors.
pub const WEBHOOK_SECRET: &str = "XXXXXXXXsecretXXXXXXXX";

impl SlackServer {
    /// Answers the posts with `replies` in order, then [`Reply::Accept`].
    pub async fn start(replies: Vec<Reply>) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(Script { replies, received: Vec::new() }));
        let router = Router::new().route("/services/{*rest}", post(hook)).with_state(state.clone());
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // Ends only when the test drops the server.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, state, task })
    }

    /// The webhook URL, shaped like Slack's.
    pub fn url(&self) -> String {
        format!("http://{}/services/T0000/B0000/{WEBHOOK_SECRET}", self.addr)
    }

    /// Everything posted so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().map(|s| s.received.clone()).unwrap_or_default()
    }
}

impl Drop for SlackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn hook(
    State(state): State<Arc<Mutex<Script>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = match state.lock() {
        Ok(mut script) => {
            script.received.push(Received {
                path: uri.path().to_owned(),
                content_type: headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
                body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
            });
            if script.replies.is_empty() { Reply::Accept } else { script.replies.remove(0) }
        }
        Err(_) => Reply::Status(500, "poisoned"),
    };
    match reply {
        Reply::Accept => (StatusCode::OK, "ok").into_response(),
        Reply::Status(code, text) => {
            (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text).into_response()
        }
        Reply::RateLimited(seconds) => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds.to_string())], "rate_limited")
                .into_response()
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
            StatusCode::OK.into_response()
        }
    }
}
