use adapters::connect::{AwsConnect, connect_client};
use domain::clock::SystemClock;
use domain::config::{ProcessEnv, instance_id};
use lambda_runtime::{LambdaEvent, service_fn};
use next_target::{Deps, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let instance = instance_id(&ProcessEnv)?;
    let client = connect_client(&adapters::sdk_config().await);
    let deps = Deps { connect: AwsConnect::new(client, instance), clock: SystemClock };
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| handle(&deps, event.payload))).await
}
