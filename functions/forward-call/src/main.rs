//! Lambda entry point: wires config, secrets, clients and the handler; no logic here.

use std::convert::Infallible;

use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use domain::clock::{Clock, SystemClock};
use domain::config::ProcessEnv;
use forward_call::{Deps, ForwardCallConfig, answer_unconfigured, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // A setting or secret it cannot use must not turn every call into Twilio's application
    // error: the function starts anyway and answers each call with the apology.
    let deps = match ForwardCallConfig::from_env(&ProcessEnv) {
        Ok(config) => Deps::init(&adapters::sdk_config().await, config).await.map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    match deps {
        Ok(deps) => {
            run(service_fn(|event: LambdaEvent<LambdaFunctionUrlRequest>| async {
                Ok::<_, Infallible>(handle(&deps, event.payload, SystemClock.now()).await)
            }))
            .await
        }
        Err(problem) => {
            run(service_fn(|_: LambdaEvent<LambdaFunctionUrlRequest>| {
                std::future::ready(Ok::<_, Infallible>(answer_unconfigured(&problem)))
            }))
            .await
        }
    }
}
