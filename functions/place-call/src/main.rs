use lambda_connect::calls::SystemClock;
use lambda_connect::config::{ConnectConfig, ProcessEnv, fallback_number};
use lambda_connect::connect_aws::{AwsConnect, connect_client};
use lambda_runtime::{LambdaEvent, service_fn};
use place_call::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ConnectConfig::from_env(&ProcessEnv)?;
    let fallback = fallback_number(&ProcessEnv)?;
    let client = connect_client(&lambda_connect::aws::sdk_config().await);
    let deps = Deps { connect: AwsConnect::new(client, &config.instance_id), config, fallback, clock: SystemClock };
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| handle(&deps, event.payload))).await
}
