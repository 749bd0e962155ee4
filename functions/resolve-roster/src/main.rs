//! Lambda entry point: wires config, the S3 client and the handler; no logic here.

use adapters::incidents::DynamoIncidents;
use adapters::ledger::dynamodb_client;
use adapters::s3::{S3Store, s3_client};
use adapters::sdk_config;
use domain::clock::SystemClock;
use domain::config::{ProcessEnv, RosterConfig, fallback_number, incident_table};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use resolve_roster::{Deps, handle, handle_unconfigured};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    match RosterConfig::from_env(&ProcessEnv) {
        Ok(config) => {
            let sdk_config = sdk_config().await;
            let store = S3Store::new(s3_client(&sdk_config), config.bucket.clone());
            let incidents =
                incident_table(&ProcessEnv).map(|table| DynamoIncidents::new(dynamodb_client(&sdk_config), table));
            if incidents.is_none() {
                tracing::warn!("INCIDENT_TABLE is not set: every trigger rings, and no resolve stops an escalation");
            }
            let deps = Deps { store, config, clock: SystemClock, incidents };
            run(service_fn(|event: LambdaEvent<Value>| handle(&deps, event.payload))).await
        }
        Err(error) => {
            // Without a usable fallback number there is nobody to ring: fail at init, visibly.
            let config = RosterConfig::fallback_only(fallback_number(&ProcessEnv)?);
            tracing::error!(%error, "settings unusable: every alert rings the fallback number until they are fixed");
            run(service_fn(|event: LambdaEvent<Value>| {
                std::future::ready(handle_unconfigured(&config, &error, &SystemClock, event.payload))
            }))
            .await
        }
    }
}
