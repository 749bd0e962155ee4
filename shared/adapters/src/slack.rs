//! Slack incoming-webhook notifier, for forwarded calls and escalation outcomes.
//!
//! Slack is a courtesy, never a dependency: a slow or failing Slack must not delay the
//! TwiML a caller is waiting for, nor fail an escalation. So every post has a short
//! timeout, a 429 is retried once and only when its `Retry-After` fits a small budget, and
//! every failure comes back as a [`SlackError`] for the caller to log and move on. The
//! webhook URL is a secret (anyone holding it can post to the channel): it never appears
//! in a log line, an error or a `Debug` print.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::ssm::{SecretError, read_secure_parameter};

/// What is posted: Slack's `text` field, in Slack's mrkdwn. Text that came from files or
/// requests must go through [`escape`] first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlackMessage {
    pub text: String,
}

impl SlackMessage {
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into() }
    }
}

/// Why a message was not delivered. Log it; never fail on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    #[error("Slack did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Slack is rate limiting this webhook (Retry-After: {retry_after:?}); the message was dropped")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Slack refused the message with HTTP {status}: {body}")]
    Rejected { status: u16, body: String },
    #[error("Slack could not be reached: {0}")]
    Unreachable(String),
    #[error("the Slack webhook URL is not an http(s) URL")]
    InvalidUrl,
    #[error("the HTTP client could not be set up: {0}")]
    Setup(String),
}

impl SlackError {
    /// A stable name for log fields and metric filters.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "SlackTimeout",
            Self::RateLimited { .. } => "SlackRateLimited",
            Self::Rejected { .. } => "SlackRejected",
            Self::Unreachable(_) => "SlackUnreachable",
            Self::InvalidUrl => "SlackInvalidUrl",
            Self::Setup(_) => "SlackSetup",
        }
    }
}

/// Something that delivers a message: the webhook in production, a recorder in tests.
pub trait Notify: Send + Sync {
    fn notify(&self, message: &SlackMessage) -> impl Future<Output = Result<(), SlackError>> + Send;
}

/// No notifier configured: there is nothing to deliver, which is not a failure.
impl<N: Notify> Notify for Option<N> {
    async fn notify(&self, message: &SlackMessage) -> Result<(), SlackError> {
        match self {
            Some(notifier) => notifier.notify(message).await,
            None => Ok(()),
        }
    }
}

/// Waits before a retry. A function `Fn(Duration) -> impl Future` qualifies, so the
/// functions pass `tokio::time::sleep` and tests pass a recorder that does not wait.
pub trait Pause: Send + Sync {
    fn pause(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

impl<F, Fut> Pause for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send,
{
    fn pause(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self(duration)
    }
}

/// How long a post may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlackSettings {
    /// For one HTTP request, connecting included.
    pub timeout: Duration,
    /// The longest `Retry-After` honoured; a longer one drops the message at once.
    pub max_retry_after: Duration,
}

impl SlackSettings {
    /// For a caller on the line: at most about 2 × 1 s + 1 s.
    pub const INTERACTIVE: Self = Self { timeout: Duration::from_secs(1), max_retry_after: Duration::from_secs(1) };
    /// For background notifications, which can afford to wait a little longer.
    pub const BACKGROUND: Self = Self { timeout: Duration::from_secs(5), max_retry_after: Duration::from_secs(5) };
}

/// Posts to one incoming webhook.
pub struct SlackNotifier<P> {
    client: reqwest::Client,
    url: reqwest::Url,
    settings: SlackSettings,
    pause: P,
}

impl<P> fmt::Debug for SlackNotifier<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path is the secret; the host says enough.
        f.debug_struct("SlackNotifier")
            .field("host", &self.url.host_str().unwrap_or_default())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<P: Pause> SlackNotifier<P> {
    /// `webhook_url` is Slack's `https://hooks.slack.com/services/...` (any http(s) URL, so
    /// tests can use a local server).
    pub fn new(webhook_url: &str, settings: SlackSettings, pause: P) -> Result<Self, SlackError> {
        let url = reqwest::Url::parse(webhook_url.trim()).map_err(|_| SlackError::InvalidUrl)?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(SlackError::InvalidUrl);
        }
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|err| SlackError::Setup(err.without_url().to_string()))?;
        Ok(Self { client, url, settings, pause })
    }

    async fn post(&self, message: &SlackMessage) -> Result<(), SlackError> {
        let response = self.client.post(self.url.clone()).json(message).send().await.map_err(|err| {
            if err.is_timeout() {
                SlackError::Timeout(self.settings.timeout)
            } else {
                // reqwest's message names the URL, which is the secret.
                SlackError::Unreachable(err.without_url().to_string())
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(SlackError::RateLimited { retry_after });
        }
        // Slack explains a refusal in a word or two (`invalid_payload`, `no_service`).
        let body = response.text().await.unwrap_or_default();
        Err(SlackError::Rejected { status: status.as_u16(), body: body.chars().take(200).collect() })
    }
}

impl<P: Pause> Notify for SlackNotifier<P> {
    async fn notify(&self, message: &SlackMessage) -> Result<(), SlackError> {
        match self.post(message).await {
            Err(SlackError::RateLimited { retry_after: Some(wait) }) if wait <= self.settings.max_retry_after => {
                self.pause.pause(wait).await;
                self.post(message).await
            }
            result => result,
        }
    }
}

/// Why a notifier could not be built from its SSM parameter. Names the parameter, never
/// the URL.
#[derive(Debug, thiserror::Error)]
pub enum SlackStartError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("the webhook URL in {parameter} cannot be used: {source}")]
    Url { parameter: String, source: SlackError },
}

/// The start-up both Slack-posting functions share: reads the webhook URL from the
/// SecureString `parameter` (decrypted, once, at init) and builds the notifier.
pub async fn notifier_from_parameter<P: Pause>(
    ssm: &aws_sdk_ssm::Client,
    parameter: &str,
    settings: SlackSettings,
    pause: P,
) -> Result<SlackNotifier<P>, SlackStartError> {
    let url = read_secure_parameter(ssm, parameter).await?;
    SlackNotifier::new(&url, settings, pause)
        .map_err(|source| SlackStartError::Url { parameter: parameter.to_owned(), source })
}

/// Escapes text for Slack's mrkdwn: `&`, `<` and `>` are its only control characters, and
/// `<...>` would otherwise become a link or a mention.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A bulleted list of problems for a post (see [`domain::problem::problem_lines`]).
pub fn problem_list<'p>(problems: impl IntoIterator<Item = &'p domain::problem::Problem>, elsewhere: &str) -> String {
    domain::problem::problem_lines(problems, elsewhere).iter().map(|line| format!("• {}\n", escape(line))).collect()
}

/// A duration for people: `45s`, `2m 05s`, `1h 02m 03s`.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m {s:02}s"),
        (h, m) => format!("{h}h {m:02}m {s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_links_and_mentions() {
        assert_eq!(escape("<!channel> & <https://x|y>"), "&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
        assert_eq!(escape("株式会社サンプル"), "株式会社サンプル");
    }

    #[test]
    fn problem_list_is_bulleted_and_escaped() {
        use domain::problem::Problem;
        let problems = [Problem::error("r.json", None, "<bad> & worse")];
        assert_eq!(problem_list(&problems, "the logs"), "• error: r.json: &lt;bad&gt; &amp; worse\n");
        assert_eq!(problem_list(&[], "the logs"), "");
    }

    #[test]
    fn human_duration_reads_naturally() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(125), "2m 05s");
        assert_eq!(human_duration(3723), "1h 02m 03s");
        assert_eq!(human_duration(-3), "0s");
    }

    #[test]
    fn the_webhook_url_is_validated_and_never_printed() {
        let pause = |_: Duration| std::future::ready(());
        let secret = "https://hooks.slack.com/services/T000/B000/SECRETSECRET";
        let notifier = SlackNotifier::new(secret, SlackSettings::INTERACTIVE, pause).unwrap();
        let debug = format!("{notifier:?}");
        assert!(debug.contains("hooks.slack.com") && !debug.contains("SECRETSECRET"), "{debug}");
        for bad in ["", "hooks.slack.com/services/x", "ftp://hooks.slack.com/x"] {
            assert_eq!(SlackNotifier::new(bad, SlackSettings::INTERACTIVE, pause).unwrap_err(), SlackError::InvalidUrl);
        }
    }

    #[tokio::test]
    async fn no_notifier_means_nothing_to_deliver() {
        type Instant = fn(Duration) -> std::future::Ready<()>;
        let none: Option<SlackNotifier<Instant>> = None;
        assert_eq!(none.notify(&SlackMessage::new("x")).await, Ok(()));
    }
}
