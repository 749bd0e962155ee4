//! Lambda entry point: wires config, the webhook secret and the handler; no logic here.

use std::convert::Infallible;

use domain::config::ProcessEnv;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_slack::{Deps, SnsEvent, handle, webhook_parameter};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let parameter = webhook_parameter(&ProcessEnv)?;
    let deps = Deps::init(&adapters::sdk_config().await, &parameter).await?;
    run(service_fn(|event: LambdaEvent<SnsEvent>| async { Ok::<_, Infallible>(handle(&deps, event.payload).await) }))
        .await
}
