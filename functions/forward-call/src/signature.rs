//! Twilio's request signature (`X-Twilio-Signature`), which is the only thing standing
//! between the public function URL and anyone who would like to make it dial out.
//!
//! Twilio signs the full URL it requested followed by every POST parameter, sorted by
//! name, each written as name then value with no separator; a name sent several times
//! contributes each distinct value once, in sorted order. The digest is HMAC-SHA1 keyed
//! with the account's auth token, base64-encoded. Like Twilio's own libraries, the URL is
//! also tried with its default port added or removed, because proxies disagree on whether
//! `:443` is part of "the URL". The comparison is constant-time (`verify_slice`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// The account's auth token(s). More than one (comma- or newline-separated in the
/// parameter) lets a token be rotated in Twilio's console without a window of rejected
/// calls. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthTokens(Vec<String>);

impl fmt::Debug for AuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthTokens({} redacted)", self.0.len())
    }
}

/// The parameter held no token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the auth token parameter is empty")]
pub struct EmptyToken;

impl AuthTokens {
    pub fn parse(raw: &str) -> Result<Self, EmptyToken> {
        let tokens: Vec<String> =
            raw.split([',', '\n']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
        if tokens.is_empty() { Err(EmptyToken) } else { Ok(Self(tokens)) }
    }

    /// True when `signature` is Twilio's signature of `url` and `params` under one of the
    /// tokens.
    pub fn verify(&self, url: &str, params: &[(String, String)], signature: &str) -> bool {
        let Ok(expected) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        let variants = url_variants(url);
        self.0.iter().any(|token| {
            variants.iter().any(|url| match HmacSha1::new_from_slice(token.as_bytes()) {
                Ok(mut mac) => {
                    mac.update(&base_string(url, params));
                    mac.verify_slice(&expected).is_ok()
                }
                Err(_) => false,
            })
        })
    }
}

/// The signature Twilio sends for `url` and `params` under `token`.
pub fn sign(token: &str, url: &str, params: &[(String, String)]) -> String {
    // HMAC accepts keys of any length, so this never fails; an empty tag cannot verify.
    let tag = match HmacSha1::new_from_slice(token.as_bytes()) {
        Ok(mut mac) => {
            mac.update(&base_string(url, params));
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    STANDARD.encode(tag)
}

fn base_string(url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut sorted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        sorted.entry(name).or_default().insert(value);
    }
    let mut out = url.as_bytes().to_vec();
    for (name, values) in sorted {
        for value in values {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(value.as_bytes());
        }
    }
    out
}

/// `url` as given, and with the scheme's default port removed (when present) or added
/// (when absent).
fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return variants;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return variants,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_end = authority.rfind(']').map_or(0, |i| i + 1);
    match authority[host_end..].rfind(':').map(|i| host_end + i) {
        Some(colon) if &authority[colon + 1..] == default_port => {
            variants.push(format!("{scheme}://{}{tail}", &authority[..colon]));
        }
        Some(_) => {}
        None => variants.push(format!("{scheme}://{authority}:{default_port}{tail}")),
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of Twilio's security documentation and SDK test suites.
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn documented() -> Vec<(String, String)> {
        // Deliberately not in sorted order.
        params(&[
            ("From", "+14158675309"),
            ("CallSid", "CA1234567890ABCDE"),
            ("To", "+18005551212"),
            ("Digits", "1234"),
            ("Caller", "+14158675309"),
        ])
    }

    #[test]
    fn reproduces_twilios_documented_signature() {
        assert_eq!(sign(TOKEN, URL, &documented()), SIGNATURE);
        assert!(AuthTokens::parse(TOKEN).unwrap().verify(URL, &documented(), SIGNATURE));
    }

    #[test]
    fn repeated_parameters_count_each_distinct_value_once_in_sorted_order() {
        // Twilio's SDK test vector for a name sent several times.
        let repeated = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(sign(TOKEN, URL, &repeated), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn any_change_to_token_url_parameters_or_signature_is_rejected() {
        let tokens = AuthTokens::parse(TOKEN).unwrap();
        let mut tampered = documented();
        tampered[3].1 = "9999".to_owned();
        assert!(!tokens.verify(URL, &tampered, SIGNATURE));
        let mut extra = documented();
        extra.push(("Extra".to_owned(), String::new()));
        assert!(!tokens.verify(URL, &extra, SIGNATURE));
        assert!(!tokens.verify("https://mycompany.com/myapp.php?foo=1&bar=3", &documented(), SIGNATURE));
        assert!(!tokens.verify("https://evil.example/myapp.php?foo=1&bar=2", &documented(), SIGNATURE));
        assert!(!AuthTokens::parse("54321").unwrap().verify(URL, &documented(), SIGNATURE));
        for bad in ["", "not base64!", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "AAAA"] {
            assert!(!tokens.verify(URL, &documented(), bad), "{bad:?}");
        }
    }

    #[test]
    fn the_default_port_may_be_present_on_either_side() {
        let tokens = AuthTokens::parse(TOKEN).unwrap();
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert!(tokens.verify(with_port, &documented(), SIGNATURE));
        let signed_with_port = sign(TOKEN, with_port, &documented());
        assert!(tokens.verify(URL, &documented(), &signed_with_port));
        assert!(!tokens.verify("https://mycompany.com:8443/myapp.php?foo=1&bar=2", &documented(), SIGNATURE));
    }

    #[test]
    fn any_of_several_tokens_verifies_during_a_rotation() {
        let tokens = AuthTokens::parse(" old-token ,\n12345\n").unwrap();
        assert!(tokens.verify(URL, &documented(), SIGNATURE));
        assert_eq!(AuthTokens::parse(" , \n"), Err(EmptyToken));
        assert_eq!(format!("{tokens:?}"), "AuthTokens(2 redacted)");
    }

    #[test]
    fn url_variants_add_or_remove_only_the_default_port() {
        assert_eq!(url_variants("https://a.example/x"), ["https://a.example/x", "https://a.example:443/x"]);
        assert_eq!(url_variants("https://a.example:443/x?y"), ["https://a.example:443/x?y", "https://a.example/x?y"]);
        assert_eq!(url_variants("http://a.example"), ["http://a.example", "http://a.example:80"]);
        assert_eq!(url_variants("https://a.example:8443/"), ["https://a.example:8443/"]);
        assert_eq!(url_variants("https://[::1]/x"), ["https://[::1]/x", "https://[::1]:443/x"]);
        assert_eq!(url_variants("no scheme"), ["no scheme"]);
    }
}
