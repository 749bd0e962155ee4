use adapters::connect::{AwsConnect, connect_client};
use adapters::incidents::DynamoIncidents;
use adapters::ledger::dynamodb_client;
use check_contact::{Deps, Request, respond};
use domain::clock::SystemClock;
use domain::config::{ProcessEnv, incident_table, instance_id};
use domain::escalation::ack::AckRule;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let instance = instance_id(&ProcessEnv)?;
    let ack = AckRule::from_env(&ProcessEnv)?;
    if ack.is_legacy() {
        tracing::warn!(attribute = %ack.attribute, "legacy acknowledgement: an answer counts, voicemail too");
    }
    let sdk_config = adapters::sdk_config().await;
    let client = connect_client(&sdk_config);
    let incidents = incident_table(&ProcessEnv).map(|table| DynamoIncidents::new(dynamodb_client(&sdk_config), table));
    let deps = Deps { connect: AwsConnect::new(client, instance), ack, clock: SystemClock, incidents };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Request>| respond(&deps, event.payload))).await
}
