//! What every adapter shares: the SDK configuration, loaded once at init, and the one
//! classifier that turns any SDK error into a [`SdkFailure`] each adapter maps onto its own
//! domain error.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder as HttpClientBuilder, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The roots Amazon Trust Services recommends for a trust store of one's own: Amazon Root
/// CA 1 to 4 and Starfield Services Root Certificate Authority - G2. AWS service endpoints
/// present certificates of Amazon Trust Services, which chain to one of them.
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The variables that name a system trust store (as OpenSSL and `rustls-native-certs` read
/// them); when either is set, the SDK's own HTTPS client reads the roots from there.
const SYSTEM_TRUST_STORE: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// Builds the functions' SDK configuration once, at init. `AWS_ENDPOINT_URL` (and the
/// per-service `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CONNECT`, ...) point the clients at
/// local servers in tests and local runs; the SDK reads them itself.
///
/// It is `aws_config`'s default configuration, with two shortcuts for Lambda, where init is
/// on the path of every cold alert:
/// - When the credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
///   the instance's role, static for its life) and the region (`AWS_REGION`) are in the
///   environment, they are what the default chains would find first, so the loader is given
///   the environment's providers directly instead of building the chains (profile, web
///   identity, container and instance-metadata providers) that would never be reached:
///   about 0.7 ms of a cold start.
/// - The HTTPS client trusts the five roots of Amazon Trust Services, compiled in, instead
///   of reading and parsing the system's whole store (`/etc/ssl/certs`, some 300 files)
///   while the first client is built: about 5 ms of a cold start. `SSL_CERT_FILE` or
///   `SSL_CERT_DIR` set (a proxy that inspects TLS, a private endpoint with its own CA)
///   brings back the SDK's client and the store they name.
///
/// Everything else (retries, timeouts, endpoint overrides, proxies, profile settings) the
/// loader and the client resolve as before.
pub async fn sdk_config() -> SdkConfig {
    loader(&|name| std::env::var(name).ok()).load().await
}

/// The loader for the environment `var` reads.
fn loader(var: &dyn Fn(&str) -> Option<String>) -> ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if !SYSTEM_TRUST_STORE.iter().any(|name| var(name).is_some()) {
        loader = loader.http_client(amazon_trust_services_client());
    }
    // The region chain's first provider takes `AWS_REGION`, or `AWS_DEFAULT_REGION` when it
    // is unset (an empty value is left to the loader, as before).
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).filter(|region| !region.is_empty());
    // The credentials chain's first provider answers when both keys are set and not blank.
    let credentials = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        .iter()
        .all(|name| var(name).is_some_and(|value| !value.trim().is_empty()));
    match region {
        Some(region) if credentials => {
            loader.region(Region::new(region)).credentials_provider(EnvironmentVariableCredentialsProvider::new())
        }
        _ => loader,
    }
}

/// The SDK's default HTTPS client (rustls with aws-lc, proxies from the environment, one
/// connector per timeout setting), built as `aws-smithy-runtime` builds it, with the trust
/// store of [`AMAZON_TRUST_SERVICES`] alone.
fn amazon_trust_services_client() -> SharedHttpClient {
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(AMAZON_TRUST_SERVICES);
    let context = TlsContext::builder().with_trust_store(trust).build().unwrap_or_default();
    HttpClientBuilder::new().build_with_connector_fn(move |settings, components| {
        let mut connector =
            Connector::builder().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// A timeout configuration that gives a whole operation (with the SDK's own retries) `limit`.
pub(crate) fn operation_timeout(limit: std::time::Duration) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder().operation_timeout(limit).build()
}

/// One failed SDK request, sorted the way every adapter needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkFailure {
    /// The service answered with an error code (`NoSuchKey`, `ThrottlingException`, ...).
    Service { code: String, message: String, status: u16 },
    /// No answer: a timeout, a connection that failed, a response that could not be read.
    /// Worth a retry.
    Unreachable { message: String },
    /// The request was never sent (invalid input, no credentials, ...).
    NotSent { message: String },
}

impl SdkFailure {
    /// The failure as one line, for error messages: `code: message`, or the transport's story.
    pub fn describe(&self) -> String {
        match self {
            Self::Service { code, message, .. } => format!("{code}: {message}"),
            Self::Unreachable { message } | Self::NotSent { message } => message.clone(),
        }
    }
}

/// Sorts an SDK error. The one place that reads `SdkError`'s variants.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> SdkFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown").to_owned();
            let message = inner.message().unwrap_or(&code).to_owned();
            SdkFailure::Service { code, message, status: service.raw().status().as_u16() }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            SdkFailure::Unreachable { message: DisplayErrorContext(err).to_string() }
        }
        _ => SdkFailure::NotSent { message: DisplayErrorContext(err).to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
    }

    #[tokio::test]
    async fn lambdas_environment_gives_the_region_and_the_credentials() {
        let config = loader(&env(&[
            ("AWS_REGION", "ap-northeast-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .load()
        .await;
        assert_eq!(config.region().map(ToString::to_string).as_deref(), Some("ap-northeast-1"));
        assert!(config.credentials_provider().is_some());
        // What the loader resolves on its own is still there.
        assert!(config.timeout_config().and_then(|t| t.connect_timeout()).is_some());
        assert!(config.retry_config().is_some());
        assert!(config.identity_cache().is_some());
    }

    #[tokio::test]
    async fn the_https_client_trusts_amazon_trust_services_unless_a_system_store_is_named() {
        let compiled = loader(&env(&[("AWS_REGION", "ap-northeast-1")])).load().await;
        assert!(compiled.http_client().is_some(), "the client with the compiled-in roots");
        for name in SYSTEM_TRUST_STORE {
            let pairs: &'static [(&'static str, &'static str)] = match name {
                "SSL_CERT_FILE" => &[("AWS_REGION", "ap-northeast-1"), ("SSL_CERT_FILE", "/etc/corp/ca.pem")],
                _ => &[("AWS_REGION", "ap-northeast-1"), ("SSL_CERT_DIR", "/etc/corp/certs")],
            };
            let system = loader(&env(pairs)).load().await;
            assert!(system.http_client().is_none(), "{name} leaves the SDK its own client and the store named");
        }
    }

    /// The roots are the five Amazon Trust Services publishes, byte for byte (SHA-256 of the
    /// DER, as on amazontrust.com/repository), and each one is a trust anchor rustls takes:
    /// the SDK's client refuses a file with anything else at the first connection.
    #[test]
    fn the_compiled_in_roots_are_the_five_of_amazon_trust_services() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        use sha2::{Digest, Sha256};

        let certificates: Vec<CertificateDer<'_>> =
            CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES).collect::<Result<_, _>>().expect("the file is PEM");
        let fingerprints: Vec<String> = certificates
            .iter()
            .map(|der| Sha256::digest(der.as_ref()).iter().map(|byte| format!("{byte:02X}")).collect())
            .collect();
        assert_eq!(
            fingerprints,
            [
                // Amazon Root CA 1 to 4
                "8ECDE6884F3D87B1125BA31AC3FCB13D7016DE7F57CC904FE1CB97C6AE98196E",
                "1BA5B2AA8C65401A82960118F80BEC4F62304D83CEC4713A19C39C011EA46DB4",
                "18CE6CFE7BF14E60B2E347B8DFE868CB31D02EBB3ADA271569F50343B46DB3A4",
                "E35D28419ED02025CFA69038CD623962458DA5C695FBDEA3C22B0BFB25897092",
                // Starfield Services Root Certificate Authority - G2
                "568D6905A2C88708A4B3025190EDCFEDB1974A606A13C6E5290FCB2AE63EDAB5",
            ]
        );
        let mut store = rustls::RootCertStore::empty();
        for certificate in certificates {
            store.add(certificate).expect("a trust anchor");
        }
        assert_eq!(store.len(), 5);
    }

    #[tokio::test]
    async fn the_default_region_is_the_fallback_as_in_the_region_chain() {
        let config = loader(&env(&[
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .load()
        .await;
        assert_eq!(config.region().map(ToString::to_string).as_deref(), Some("us-east-1"));
    }
}
