//! Lambda entry point: wires config, secrets, clients and the handler; no logic here.

use std::convert::Infallible;

use adapters::incidents::DynamoIncidents;
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use domain::clock::{Clock, SystemClock};
use domain::config::ProcessEnv;
use forward_call::{Deps, ForwardCallConfig, Slack, answer_unconfigured, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use tokio::sync::OnceCell;

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
    // The secrets are read by the first request and kept for the instance's life, so init
    // stays a few milliseconds (the first caller waits for the same read either way: Lambda
    // runs init and the first request back to back). Reading them can fail for a moment (SSM
    // throttled or unreachable): that request hears the apology, and the next one reads
    // again, so one bad moment never pins the instance to the apology.
    let aws = adapters::sdk_config().await;
    let deps: OnceCell<Deps<adapters::s3::S3Store, Option<Slack>, DynamoIncidents>> = OnceCell::new();
    let (aws, config, deps) = (&aws, &config, &deps);
    run(service_fn(|event: LambdaEvent<LambdaFunctionUrlRequest>| async move {
        Ok::<_, Infallible>(match deps.get_or_try_init(|| Deps::init(aws, config.clone())).await {
            Ok(deps) => handle(deps, event.payload, SystemClock.now()).await,
            Err(err) => answer_unconfigured(&err.to_string()),
        })
    }))
    .await
}
