//! SDK client.

/// An `aws-sdk-connect` client pointed at `endpoint_url`, with test credentials (so requests
/// are SigV4-signed) and retries a few milliseconds apart, so throttling tests stay fast.
pub fn sdk_client(endpoint_url: &str) -> aws_sdk_connect::Client {
    use aws_sdk_connect::config::retry::RetryConfig;
    use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_connect::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-northeast-1"))
        .credentials_provider(Credentials::new("AKIDSIMULATOR", "simulator-secret", None, None, "connect-sim"))
        .endpoint_url(endpoint_url)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(2))
                .with_max_backoff(std::time::Duration::from_millis(10)),
        )
        .build();
    aws_sdk_connect::Client::from_conf(config)
}
