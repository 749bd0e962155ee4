//! Thin adapters from the domain traits to the AWS SDK. Each maps SDK errors onto the
//! domain's error split (transient or not) and does nothing else.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use crate::store::{ObjectStore, StoreError};

/// Builds the shared SDK configuration once, at init. `AWS_ENDPOINT_URL` (and the
/// per-service `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CONNECT`) point the clients at local
/// servers in tests and local runs; the SDK reads them itself.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// An S3 client for `config`; path-style addressing when `AWS_S3_FORCE_PATH_STYLE` is true,
/// as local S3 servers need.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let force_path_style =
        std::env::var("AWS_S3_FORCE_PATH_STYLE").ok().and_then(|raw| crate::config::parse_bool(&raw)).unwrap_or(false);
    // A roster read (with the SDK's retries) that takes longer is given up as transient, so
    // resolve-roster answers well inside its 30 s Lambda timeout and the workflow retries it.
    let timeouts = aws_smithy_types::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(10))
        .build();
    let s3_config =
        aws_sdk_s3::config::Builder::from(config).force_path_style(force_path_style).timeout_config(timeouts).build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// Objects of one bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

impl ObjectStore for S3Store {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let location = self.location(key);
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|err| classify(location.clone(), err))?;
        let body = output.body.collect().await.map_err(|err| StoreError::Transient {
            location: location.clone(),
            message: format!("reading the body failed: {err}"),
        })?;
        Ok(body.into_bytes().to_vec())
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, key)
    }
}

fn classify<E, R>(location: String, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown");
            let message = inner.message().unwrap_or(code).to_owned();
            match code {
                "NoSuchKey" | "NotFound" => StoreError::NotFound { location },
                "SlowDown" | "ServiceUnavailable" | "InternalError" | "RequestTimeout" | "RequestTimeTooSkewed" => {
                    StoreError::Transient { location, message: format!("{code}: {message}") }
                }
                _ => StoreError::Failed { location, message: format!("{code}: {message}") },
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Transient {
                location,
                message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
            }
        }
        _ => StoreError::Failed {
            location,
            message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
        },
    }
}

/// Why an SSM parameter could not be read. Names the parameter, never its value.
#[cfg(feature = "ssm")]
#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
}

/// Reads a SecureString parameter, decrypted. The value is a secret: it is returned, never
/// logged, and errors name only the parameter.
#[cfg(feature = "ssm")]
pub async fn read_secure_parameter(client: &aws_sdk_ssm::Client, name: &str) -> Result<String, SecretError> {
    let output = client.get_parameter().name(name).with_decryption(true).send().await.map_err(|err| SecretError {
        name: name.to_owned(),
        message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
    })?;
    output
        .parameter
        .and_then(|p| p.value)
        .ok_or_else(|| SecretError { name: name.to_owned(), message: "the parameter has no value".into() })
}
