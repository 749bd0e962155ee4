//! Lambda entry point: wires config, the S3 client and the handler; no logic here.

use adapters::s3::{S3Store, s3_client};
use adapters::sdk_config;
use domain::clock::SystemClock;
use domain::config::{ProcessEnv, RosterConfig};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use resolve_roster::{Deps, handle};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = RosterConfig::from_env(&ProcessEnv)?;
    let store = S3Store::new(s3_client(&sdk_config().await), config.bucket.clone());
    let deps = Deps { store, config, clock: SystemClock };
    run(service_fn(|event: LambdaEvent<Value>| handle(&deps, event.payload))).await
}
