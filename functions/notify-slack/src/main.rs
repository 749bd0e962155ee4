//! Lambda entry point: wires config, the webhook secret and the handler; no logic here.

use std::time::SystemTime;

use domain::config::ProcessEnv;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_slack::{Deps, deadline, handle, webhook_parameter};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let parameter = webhook_parameter(&ProcessEnv)?;
    let deps = Deps::init(&adapters::sdk_config().await, &parameter).await?;
    // The event is read as raw JSON, each record on its own: a malformed record must not
    // fail the deserialisation of the whole event and drop the good records with it.
    let deps = &deps;
    run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = deadline(event.context.deadline, SystemTime::now());
        handle(deps, event.payload, deadline).await
    }))
    .await
}
