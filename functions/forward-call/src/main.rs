//! Lambda entry point: wires config, secrets, clients and the handler; no logic here.

use std::convert::Infallible;

use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use domain::config::ProcessEnv;
use forward_call::{Deps, ForwardCallConfig, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ForwardCallConfig::from_env(&ProcessEnv)?;
    let deps = Deps::init(&adapters::sdk_config().await, config).await?;
    run(service_fn(|event: LambdaEvent<LambdaFunctionUrlRequest>| async {
        Ok::<_, Infallible>(handle(&deps, event.payload, chrono::Utc::now()).await)
    }))
    .await
}
