//! The Amazon Connect adapter: implements [`CallStarter`], [`ContactReader`] and
//! [`ContactStopper`] with the SDK, and maps its errors onto [`ConnectError`]. Nothing else
//! lives here, so the handlers stay testable with the wire-level simulator in `tests/`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use domain::calls::{CallStarter, ConnectError, ContactReader, ContactSnapshot, ContactStopper, OutboundCall};

use crate::sdk::{SdkFailure, classify, operation_timeout};

/// A Connect request (with the SDK's own retries) that takes longer is given up as
/// [`ConnectError::Unavailable`], so a function always answers well inside its 30 s Lambda
/// timeout and the workflow, not a killed Lambda, decides what happens next.
pub const CONNECT_OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A Connect client for `config` with [`CONNECT_OPERATION_TIMEOUT`]. `AWS_ENDPOINT_URL_CONNECT`
/// (read by the SDK) points it at a local simulator.
pub fn connect_client(config: &aws_config::SdkConfig) -> aws_sdk_connect::Client {
    let timeouts = operation_timeout(CONNECT_OPERATION_TIMEOUT);
    aws_sdk_connect::Client::from_conf(aws_sdk_connect::config::Builder::from(config).timeout_config(timeouts).build())
}

/// One Connect instance, reached through the SDK.
#[derive(Debug, Clone)]
pub struct AwsConnect {
    client: aws_sdk_connect::Client,
    instance_id: String,
}

impl AwsConnect {
    pub fn new(client: aws_sdk_connect::Client, instance_id: impl Into<String>) -> Self {
        Self { client, instance_id: instance_id.into() }
    }
}

impl CallStarter for AwsConnect {
    async fn start_call(&self, call: &OutboundCall) -> Result<String, ConnectError> {
        let attributes: HashMap<String, String> = call.attributes.clone().into_iter().collect();
        let output = self
            .client
            .start_outbound_voice_contact()
            .instance_id(&self.instance_id)
            .contact_flow_id(&call.contact_flow_id)
            .destination_phone_number(call.destination.as_str())
            .source_phone_number(call.source.as_str())
            .client_token(&call.client_token)
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(|err| connect_error(classify(&err)))?;
        output.contact_id().map(str::to_owned).ok_or_else(|| ConnectError::Failed {
            code: "MissingContactId".to_owned(),
            message: "StartOutboundVoiceContact answered without a ContactId".to_owned(),
        })
    }

    async fn is_live(&self, contact_id: &str) -> Result<bool, ConnectError> {
        match self.read_contact(contact_id).await {
            Ok(contact) => Ok(contact.disconnected_at.is_none()),
            Err(ConnectError::NotFound { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }
}

impl AwsConnect {
    /// DescribeContact, as the domain sees a contact.
    async fn read_contact(&self, contact_id: &str) -> Result<ContactSnapshot, ConnectError> {
        let output = self
            .client
            .describe_contact()
            .instance_id(&self.instance_id)
            .contact_id(contact_id)
            .send()
            .await
            .map_err(|err| connect_error(classify(&err)))?;
        let contact = output.contact().ok_or_else(|| ConnectError::Failed {
            code: "MissingContact".to_owned(),
            message: "DescribeContact answered without a Contact".to_owned(),
        })?;
        Ok(ContactSnapshot {
            initiated_at: contact.initiation_timestamp().and_then(to_chrono),
            connected_at: contact.connected_to_system_timestamp().and_then(to_chrono),
            disconnected_at: contact.disconnect_timestamp().and_then(to_chrono),
            disconnect_reason: contact.disconnect_reason().map(str::to_owned),
        })
    }
}

impl ContactReader for AwsConnect {
    async fn describe(&self, contact_id: &str) -> Result<ContactSnapshot, ConnectError> {
        self.read_contact(contact_id).await
    }

    async fn attributes(&self, contact_id: &str) -> Result<BTreeMap<String, String>, ConnectError> {
        let output = self
            .client
            .get_contact_attributes()
            .instance_id(&self.instance_id)
            .initial_contact_id(contact_id)
            .send()
            .await
            .map_err(|err| connect_error(classify(&err)))?;
        Ok(output.attributes().map(|map| map.clone().into_iter().collect()).unwrap_or_default())
    }
}

impl ContactStopper for AwsConnect {
    async fn stop(&self, contact_id: &str) -> Result<(), ConnectError> {
        self.client
            .stop_contact()
            .instance_id(&self.instance_id)
            .contact_id(contact_id)
            .send()
            .await
            .map_err(|err| connect_error(classify(&err)))?;
        Ok(())
    }
}

fn to_chrono(time: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

fn connect_error(failure: SdkFailure) -> ConnectError {
    match failure {
        SdkFailure::Service { code, message, status } => ConnectError::from_service(&code, &message, status),
        SdkFailure::Unreachable { message } => ConnectError::Unavailable { message },
        SdkFailure::NotSent { message } => ConnectError::Failed { code: "RequestNotSent".to_owned(), message },
    }
}
