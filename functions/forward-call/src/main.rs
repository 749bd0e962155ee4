//! Lambda entry point: wires config, secrets, clients and the handler; no logic here.

use std::convert::Infallible;
use std::sync::OnceLock;

use adapters::incidents::DynamoIncidents;
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use domain::clock::{Clock, SystemClock};
use domain::config::ProcessEnv;
use forward_call::{Deps, ForwardCallConfig, Slack, answer_unconfigured, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // A setting or secret it cannot use must not turn every call into Twilio's application
    // error: the function starts anyway and answers each call with the apology.
    let config = match ForwardCallConfig::from_env(&ProcessEnv) {
        Ok(config) => config,
        Err(err) => {
            // A setting does not heal by itself: every call hears the apology until it is fixed.
            let problem = err.to_string();
            return run(service_fn(|_: LambdaEvent<LambdaFunctionUrlRequest>| {
                std::future::ready(Ok::<_, Infallible>(answer_unconfigured(&problem)))
            }))
            .await;
        }
    };
    // Reading the secrets can fail for a moment (SSM throttled or unreachable at a cold start):
    // a request finding them unread tries again, so one bad moment never pins the instance to
    // the apology. Lambda runs one request at a time per instance.
    let aws = adapters::sdk_config().await;
    let deps: OnceLock<Deps<adapters::s3::S3Store, Option<Slack>, DynamoIncidents>> = OnceLock::new();
    // First at init, so that the first caller does not wait for it.
    match Deps::init(&aws, config.clone()).await {
        Ok(ready) => {
            let _ = deps.set(ready);
        }
        Err(err) => tracing::warn!(error = %err, "the secrets could not be read at start; the first call tries again"),
    }
    run(service_fn(|event: LambdaEvent<LambdaFunctionUrlRequest>| async {
        if deps.get().is_none() {
            match Deps::init(&aws, config.clone()).await {
                Ok(ready) => {
                    let _ = deps.set(ready);
                }
                Err(err) => return Ok::<_, Infallible>(answer_unconfigured(&err.to_string())),
            }
        }
        Ok(match deps.get() {
            Some(deps) => handle(deps, event.payload, SystemClock.now()).await,
            None => answer_unconfigured("forward-call's clients could not be built"),
        })
    }))
    .await
}
