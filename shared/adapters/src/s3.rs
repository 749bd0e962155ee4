//! The S3 adapter: implements [`ObjectStore`] for one bucket (rosters, mappings, forwarding
//! tables) and maps S3's errors onto [`StoreError`]'s split (missing, transient, failed).

use domain::store::{ObjectStore, StoreError};

use crate::sdk::{SdkFailure, classify, operation_timeout};

/// An S3 client for `config`; path-style addressing when `AWS_S3_FORCE_PATH_STYLE` is true,
/// as local S3 servers need.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let force_path_style =
        std::env::var("AWS_S3_FORCE_PATH_STYLE").ok().and_then(|raw| domain::config::parse_bool(&raw)).unwrap_or(false);
    // A roster read (with the SDK's retries) that takes longer is given up as transient, so
    // resolve-roster answers well inside its 30 s Lambda timeout and the workflow retries it.
    let timeouts = operation_timeout(std::time::Duration::from_secs(10));
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
            .map_err(|err| store_error(location.clone(), classify(&err)))?;
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

fn store_error(location: String, failure: SdkFailure) -> StoreError {
    match failure {
        SdkFailure::Service { code, .. } if code == "NoSuchKey" || code == "NotFound" => {
            StoreError::NotFound { location }
        }
        SdkFailure::Service { code, message, .. }
            if matches!(
                code.as_str(),
                "SlowDown" | "ServiceUnavailable" | "InternalError" | "RequestTimeout" | "RequestTimeTooSkewed"
            ) =>
        {
            StoreError::Transient { location, message: format!("{code}: {message}") }
        }
        SdkFailure::Unreachable { message } => StoreError::Transient { location, message },
        failure => StoreError::Failed { location, message: failure.describe() },
    }
}
