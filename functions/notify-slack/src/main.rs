//! Lambda entry point: wires config, the webhook secret and the handler; no logic here.

use std::time::SystemTime;

use domain::config::ProcessEnv;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_slack::{Deps, NotifySlackError, deadline, handle, webhook_parameter};
use serde_json::Value;
use tokio::sync::OnceCell;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let parameter = webhook_parameter(&ProcessEnv)?;
    let aws = adapters::sdk_config().await;
    // The webhook URL is read by the first invocation and kept for the instance's life, so
    // init stays a few milliseconds. A read that fails fails that invocation, which Lambda
    // retries (then keeps the event in the dead-letter queue), and the next one reads again.
    let deps = OnceCell::new();
    let (aws, parameter, deps) = (&aws, parameter.as_str(), &deps);
    // The event is read as raw JSON, each record on its own: a malformed record must not
    // fail the deserialisation of the whole event and drop the good records with it.
    run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = deadline(event.context.deadline, SystemTime::now());
        let deps = deps.get_or_try_init(|| Deps::init(aws, parameter)).await.map_err(NotifySlackError::Webhook)?;
        handle(deps, event.payload, deadline).await
    }))
    .await
}
