//! Secrets from SSM Parameter Store (forward-call, notify-slack).

use crate::sdk::classify;

/// An SSM client for `config`.
pub fn ssm_client(config: &aws_config::SdkConfig) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(config)
}

/// Why an SSM parameter could not be read. Names the parameter, never its value.
#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
}

/// Reads a SecureString parameter, decrypted. The value is a secret: it is returned, never
/// logged, and errors name only the parameter.
pub async fn read_secure_parameter(client: &aws_sdk_ssm::Client, name: &str) -> Result<String, SecretError> {
    let output = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|err| SecretError { name: name.to_owned(), message: classify(&err).describe() })?;
    output
        .parameter
        .and_then(|p| p.value)
        .ok_or_else(|| SecretError { name: name.to_owned(), message: "the parameter has no value".into() })
}
