use adapters::connect::{AwsConnect, connect_client};
use adapters::ledger::{DynamoLedger, dynamodb_client};
use domain::clock::SystemClock;
use domain::config::{ConnectConfig, ProcessEnv, call_rate, fallback_number};
use lambda_runtime::{LambdaEvent, service_fn};
use place_call::{Deps, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ConnectConfig::from_env(&ProcessEnv)?;
    let fallback = fallback_number(&ProcessEnv)?;
    let rate = call_rate(&ProcessEnv)?;
    let sdk_config = adapters::sdk_config().await;
    let ledger = domain::config::call_ledger_table(&ProcessEnv)
        .map(|table| DynamoLedger::new(dynamodb_client(&sdk_config), table));
    if ledger.is_none() {
        tracing::warn!("CALL_LEDGER_TABLE is not set: a retried call may ring again once its first contact ended");
    }
    let connect = AwsConnect::new(connect_client(&sdk_config), &config.instance_id);
    let deps = Deps { connect, ledger, config, fallback, rate, clock: SystemClock };
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| handle(&deps, event.payload))).await
}
