//! Is the request Twilio's? The URL Twilio signed, the form it posted, and the signature
//! checked against every configured auth token ([`crate::signature`]).

use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use base64::Engine;

use crate::error::ForwardCallError;
use crate::signature::AuthTokens;

/// The query that marks Twilio's `<Dial action>` request (how the dial ended).
pub const DIAL_RESULT_QUERY: &str = "step=dial-result";

/// A verified Twilio request.
#[derive(Debug, Clone)]
pub struct TwilioRequest {
    pub params: Vec<(String, String)>,
    /// The URL Twilio requested, which `<Dial action>` points back to.
    pub url: String,
    /// Twilio reports how the `<Dial>` ended.
    pub dial_result: bool,
}

impl TwilioRequest {
    /// A parameter, or `""` when Twilio did not send it.
    pub fn get(&self, name: &str) -> &str {
        self.params.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }

    /// Where Twilio reports how the dial ended: this URL with [`DIAL_RESULT_QUERY`].
    pub fn dial_action(&self) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{separator}{DIAL_RESULT_QUERY}", self.url)
    }
}

/// Checks the signature. `webhook_url` is the URL as configured in Twilio, if configured.
pub fn verify(
    tokens: &AuthTokens,
    webhook_url: Option<&str>,
    request: &LambdaFunctionUrlRequest,
) -> Result<TwilioRequest, ForwardCallError> {
    let base = match webhook_url {
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
    if !tokens.verify(&url, &params, signature) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> TwilioRequest {
        TwilioRequest { params: vec![("To".into(), "+815012340001".into())], url: url.into(), dial_result: false }
    }

    #[test]
    fn the_dial_action_points_back_with_the_dial_result_query() {
        assert_eq!(request("https://x.example/f").dial_action(), "https://x.example/f?step=dial-result");
        assert_eq!(request("https://x.example/f?a=1").dial_action(), "https://x.example/f?a=1&step=dial-result");
        assert_eq!(request("https://x.example/f").get("To"), "+815012340001");
        assert_eq!(request("https://x.example/f").get("From"), "");
    }
}
