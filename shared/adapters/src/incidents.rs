//! The open incidents in DynamoDB: one item per incident (`pk = incident#<project>#<key>`),
//! and the webhook requests forward-call answered (`pk = answered#<request>`).
//! Every change is a conditional write, so two concurrent triggers of one key open it once,
//! and an item is expired by the table's TTL attribute `expiresAt` a while after its incident
//! closed. The rules are the domain's ([`domain::incident_store`]); this only stores them.
//!
//! A project's item (`pk = project#<project>`) says which escalation rings for the project:
//! `status`, `escalationId`, `holdUntil`, `quietUntil` (after an acknowledgement, new
//! incidents are grouped until then), `related` (how many joined), `relatedKeys` (the
//! first of their keys) and `relatedKeyBytes` (how long those are together, bounded by
//! [`MAX_RELATED_KEY_BYTES`]).
//!
//! Incident item: `status` (`ringing`, `acknowledged`, `resolved`, `closed`), `escalationId`
//! (the escalation that rings for it), `openedBy` (the one whose alert opened it; another
//! when the project's ringing escalation took it over), `holdUntil` (epoch seconds: an open
//! incident older than this no longer holds its key), `alerts` (how many alerts it has had),
//! `openedAt`, `resolvedAt`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use domain::answered::{ANSWERED_RETENTION, AnsweredRequests};
use domain::incident_store::{
    IncidentClaims, IncidentRecord, IncidentRef, IncidentStatus, IncidentStoreError, IncidentWatch, Leading,
    MAX_RELATED_KEY_BYTES, Opening, ProjectRecord, RETENTION, Related, kept_related_keys,
};

use crate::sdk::classify;

/// The incident table named by `INCIDENT_TABLE`. Build its client with
/// [`crate::ledger::dynamodb_client`], which bounds every request.
#[derive(Debug, Clone)]
pub struct DynamoIncidents {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoIncidents {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

/// How often a trigger tries to open, then join, when the incident closes in between.
const CLAIM_ROUNDS: usize = 2;

fn key(incident: &IncidentRef) -> AttributeValue {
    AttributeValue::S(incident.to_string())
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn epoch(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp().to_string())
}

fn status(value: IncidentStatus) -> AttributeValue {
    s(value.as_str())
}

fn unavailable<E>(err: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> IncidentStoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    IncidentStoreError { message: classify(err).describe() }
}

fn record_of(item: &HashMap<String, AttributeValue>) -> Option<IncidentRecord> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    Some(IncidentRecord {
        status: IncidentStatus::parse(text("status")?)?,
        escalation_id: text("escalationId")?.clone(),
    })
}

/// Every attribute name goes through a placeholder: `status` is a DynamoDB reserved word.
const NAMES: [(&str, &str); 10] = [
    ("#status", "status"),
    ("#escalationId", "escalationId"),
    ("#holdUntil", "holdUntil"),
    ("#alerts", "alerts"),
    ("#expiresAt", "expiresAt"),
    ("#at", "resolvedAt"),
    ("#quietUntil", "quietUntil"),
    ("#related", "related"),
    ("#keys", "relatedKeys"),
    ("#keyBytes", "relatedKeyBytes"),
];

/// A project's item: which escalation rings for it (`pk = project#<project>`).
fn project_key(project: &str) -> AttributeValue {
    s(format!("project#{project}"))
}

/// Another escalation rings for the project, or it is acknowledged within its quiet window.
const GROUPS: &str = "#escalationId <> :me AND ((#status = :ringing AND #holdUntil >= :now) \
                      OR (#status = :acknowledged AND #quietUntil >= :now))";

fn count(item: &HashMap<String, AttributeValue>, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn names(used: &[&str]) -> HashMap<String, String> {
    NAMES.iter().filter(|(p, _)| used.contains(p)).map(|(p, n)| ((*p).to_owned(), (*n).to_owned())).collect()
}

impl IncidentClaims for DynamoIncidents {
    async fn open(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Opening, IncidentStoreError> {
        for _ in 0..CLAIM_ROUNDS {
            let opened = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", key(incident))
                .item("status", status(IncidentStatus::Ringing))
                .item("escalationId", s(escalation_id))
                .item("openedBy", s(escalation_id))
                .item("openedAt", s(now.to_rfc3339()))
                .item("holdUntil", epoch(hold_until))
                .item("alerts", AttributeValue::N("1".to_owned()))
                .item("expiresAt", epoch(hold_until + RETENTION))
                .condition_expression(
                    "attribute_not_exists(pk) OR #status IN (:resolved, :closed) OR #holdUntil < :now \
                     OR #escalationId = :me",
                )
                .set_expression_attribute_names(Some(names(&["#status", "#holdUntil", "#escalationId"])))
                .expression_attribute_values(":resolved", status(IncidentStatus::Resolved))
                .expression_attribute_values(":closed", status(IncidentStatus::Closed))
                .expression_attribute_values(":now", epoch(now))
                .expression_attribute_values(":me", s(escalation_id))
                .send()
                .await;
            match opened {
                Ok(_) => return Ok(Opening::Opened),
                Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
                Err(err) => return Err(unavailable(&err)),
            }
            let joined = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", key(incident))
                .update_expression("ADD #alerts :one")
                .condition_expression(
                    "#status IN (:ringing, :acknowledged) AND #holdUntil >= :now AND #escalationId <> :me",
                )
                .set_expression_attribute_names(Some(names(&["#status", "#holdUntil", "#escalationId", "#alerts"])))
                .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
                .expression_attribute_values(":ringing", status(IncidentStatus::Ringing))
                .expression_attribute_values(":acknowledged", status(IncidentStatus::Acknowledged))
                .expression_attribute_values(":now", epoch(now))
                .expression_attribute_values(":me", s(escalation_id))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match joined {
                Ok(output) => {
                    let item = output.attributes().cloned().unwrap_or_default();
                    let alerts = item.get("alerts").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                    return match record_of(&item) {
                        Some(record) => Ok(Opening::Joined { record, alerts: alerts.unwrap_or(1) }),
                        None => Err(IncidentStoreError { message: format!("{incident}: an unreadable item") }),
                    };
                }
                // Closed in between: open it again.
                Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
                Err(err) => return Err(unavailable(&err)),
            }
        }
        Err(IncidentStoreError { message: format!("{incident}: opened and closed by others while claiming") })
    }

    async fn lead(
        &self,
        project: &str,
        key: &str,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Leading, IncidentStoreError> {
        for _ in 0..CLAIM_ROUNDS {
            let led = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", project_key(project))
                .item("status", status(IncidentStatus::Ringing))
                .item("escalationId", s(escalation_id))
                .item("holdUntil", epoch(hold_until))
                .item("expiresAt", epoch(hold_until + RETENTION))
                .condition_expression(
                    "attribute_not_exists(pk) OR #escalationId = :me OR #status = :closed \
                     OR (#status = :ringing AND #holdUntil < :now) OR (#status = :acknowledged AND #quietUntil < :now)",
                )
                .set_expression_attribute_names(Some(names(&["#status", "#holdUntil", "#escalationId", "#quietUntil"])))
                .expression_attribute_values(":closed", status(IncidentStatus::Closed))
                .expression_attribute_values(":ringing", status(IncidentStatus::Ringing))
                .expression_attribute_values(":acknowledged", status(IncidentStatus::Acknowledged))
                .expression_attribute_values(":now", epoch(now))
                .expression_attribute_values(":me", s(escalation_id))
                .send()
                .await;
            match led {
                Ok(_) => return Ok(Leading::Leads),
                Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
                Err(err) => return Err(unavailable(&err)),
            }
            // Join the escalation ringing for the project: with the key while the kept keys
            // (`relatedKeyBytes` long together) leave room for it, counted only after that.
            let room = MAX_RELATED_KEY_BYTES.checked_sub(key.len());
            for keep_key in [room.is_some(), false] {
                let mut update = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", project_key(project))
                    .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
                    .expression_attribute_values(":ringing", status(IncidentStatus::Ringing))
                    .expression_attribute_values(":acknowledged", status(IncidentStatus::Acknowledged))
                    .expression_attribute_values(":now", epoch(now))
                    .expression_attribute_values(":me", s(escalation_id))
                    .return_values(ReturnValue::AllNew);
                let used = ["#status", "#holdUntil", "#escalationId", "#quietUntil", "#related", "#keys", "#keyBytes"];
                update = if keep_key {
                    update
                        .update_expression(
                            "ADD #related :one, #keyBytes :bytes SET #keys = list_append(if_not_exists(#keys, :none), :key)",
                        )
                        .condition_expression(format!(
                            "{GROUPS} AND (attribute_not_exists(#keyBytes) OR #keyBytes <= :room)"
                        ))
                        .set_expression_attribute_names(Some(names(&used)))
                        .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
                        .expression_attribute_values(":key", AttributeValue::L(vec![s(key)]))
                        .expression_attribute_values(":bytes", AttributeValue::N(key.len().to_string()))
                        .expression_attribute_values(":room", AttributeValue::N(room.unwrap_or(0).to_string()))
                } else {
                    update
                        .update_expression("ADD #related :one")
                        .condition_expression(GROUPS)
                        .set_expression_attribute_names(Some(names(&used[..5])))
                };
                match update.send().await {
                    Ok(output) => {
                        let item = output.attributes().cloned().unwrap_or_default();
                        return match record_of(&item) {
                            Some(record) => Ok(Leading::Grouped { record, alerts: count(&item, "related") }),
                            None => {
                                Err(IncidentStoreError { message: format!("project {project}: an unreadable item") })
                            }
                        };
                    }
                    Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
                    Err(err) => return Err(unavailable(&err)),
                }
            }
        }
        Err(IncidentStoreError { message: format!("project {project}: led and ended by others while claiming") })
    }

    async fn hand_over(&self, incident: &IncidentRef, from: &str, to: &str) -> Result<(), IncidentStoreError> {
        let handed = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(incident))
            .update_expression("SET #escalationId = :to")
            .condition_expression("#escalationId = :from")
            .set_expression_attribute_names(Some(names(&["#escalationId"])))
            .expression_attribute_values(":to", s(to))
            .expression_attribute_values(":from", s(from))
            .send()
            .await;
        match handed {
            // Taken over in between (resolved and opened again): nothing of ours to hand over.
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(()),
            Err(err) => Err(unavailable(&err)),
        }
    }

    async fn resolve(
        &self,
        incident: &IncidentRef,
        now: DateTime<Utc>,
    ) -> Result<Option<IncidentRecord>, IncidentStoreError> {
        let resolved = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(incident))
            .update_expression("SET #status = :resolved, #at = :at, #expiresAt = :expires")
            .condition_expression("#status IN (:ringing, :acknowledged) AND #holdUntil >= :now")
            .set_expression_attribute_names(Some(names(&["#status", "#at", "#expiresAt", "#holdUntil"])))
            .expression_attribute_values(":resolved", status(IncidentStatus::Resolved))
            .expression_attribute_values(":ringing", status(IncidentStatus::Ringing))
            .expression_attribute_values(":acknowledged", status(IncidentStatus::Acknowledged))
            .expression_attribute_values(":at", s(now.to_rfc3339()))
            .expression_attribute_values(":expires", epoch(now + RETENTION))
            .expression_attribute_values(":now", epoch(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match resolved {
            Ok(output) => Ok(output.attributes().and_then(record_of)),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(None),
            Err(err) => Err(unavailable(&err)),
        }
    }
}

impl IncidentWatch for DynamoIncidents {
    async fn read(&self, incident: &IncidentRef) -> Result<Option<IncidentRecord>, IncidentStoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", key(incident))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| unavailable(&err))?;
        Ok(item.item().and_then(record_of))
    }

    async fn settle(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        to: IncidentStatus,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<(), IncidentStoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(incident))
            .condition_expression("#escalationId = :me AND #status = :ringing")
            .expression_attribute_values(":to", status(to))
            .expression_attribute_values(":me", s(escalation_id))
            .expression_attribute_values(":ringing", status(IncidentStatus::Ringing));
        update = if to == IncidentStatus::Acknowledged {
            update
                .update_expression("SET #status = :to, #holdUntil = :hold, #expiresAt = :expires")
                .set_expression_attribute_names(Some(names(&["#status", "#escalationId", "#holdUntil", "#expiresAt"])))
                .expression_attribute_values(":hold", epoch(hold_until))
                .expression_attribute_values(":expires", epoch(hold_until + RETENTION))
        } else {
            update
                .update_expression("SET #status = :to, #expiresAt = :expires")
                .set_expression_attribute_names(Some(names(&["#status", "#escalationId", "#expiresAt"])))
                .expression_attribute_values(":expires", epoch(now + RETENTION))
        };
        match update.send().await {
            Ok(_) => Ok(()),
            // Resolved, or opened again by another escalation: nothing of this one's to settle.
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(()),
            Err(err) => Err(unavailable(&err)),
        }
    }

    async fn reopen(
        &self,
        incident: &IncidentRef,
        escalation_id: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<bool, IncidentStoreError> {
        let reopened = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(incident))
            .update_expression("SET #status = :ringing, #holdUntil = :hold, #expiresAt = :expires")
            .condition_expression("#escalationId = :me AND #status = :acknowledged")
            .set_expression_attribute_names(Some(names(&["#status", "#holdUntil", "#expiresAt", "#escalationId"])))
            .expression_attribute_values(":ringing", status(IncidentStatus::Ringing))
            .expression_attribute_values(":acknowledged", status(IncidentStatus::Acknowledged))
            .expression_attribute_values(":hold", epoch(hold_until))
            .expression_attribute_values(":expires", epoch(hold_until.max(now) + RETENTION))
            .expression_attribute_values(":me", s(escalation_id))
            .send()
            .await;
        match reopened {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(false),
            Err(err) => Err(unavailable(&err)),
        }
    }

    async fn read_project(&self, project: &str) -> Result<Option<ProjectRecord>, IncidentStoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", project_key(project))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| unavailable(&err))?;
        let Some(item) = item.item() else { return Ok(None) };
        let keys = item
            .get("relatedKeys")
            .and_then(|v| v.as_l().ok())
            .map(|keys| kept_related_keys(keys.iter().filter_map(|k| k.as_s().ok().cloned())))
            .unwrap_or_default();
        Ok(record_of(item).map(|record| ProjectRecord {
            record,
            related: Related { count: count(item, "related"), keys, announced: None },
        }))
    }

    async fn settle_project(
        &self,
        project: &str,
        escalation_id: &str,
        to: IncidentStatus,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<(), IncidentStoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", project_key(project))
            .condition_expression("#escalationId = :me")
            .expression_attribute_values(":to", status(to))
            .expression_attribute_values(":me", s(escalation_id));
        update = if to == IncidentStatus::Acknowledged {
            update
                .update_expression("SET #status = :to, #quietUntil = :until, #expiresAt = :expires")
                .set_expression_attribute_names(Some(names(&["#status", "#escalationId", "#quietUntil", "#expiresAt"])))
                .expression_attribute_values(":until", epoch(until))
                .expression_attribute_values(":expires", epoch(until.max(now) + RETENTION))
        } else {
            update
                .update_expression("SET #status = :to, #expiresAt = :expires")
                .set_expression_attribute_names(Some(names(&["#status", "#escalationId", "#expiresAt"])))
                .expression_attribute_values(":expires", epoch(now + RETENTION))
        };
        match update.send().await {
            Ok(_) => Ok(()),
            // Another escalation rings for the project now.
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(()),
            Err(err) => Err(unavailable(&err)),
        }
    }
}

/// The requests forward-call answered share the table: `pk = answered#<request>`.
impl AnsweredRequests for DynamoIncidents {
    async fn first_answer(&self, request: &str, now: DateTime<Utc>) -> Result<bool, IncidentStoreError> {
        let recorded = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("answered#{request}")))
            .item("answeredAt", s(now.to_rfc3339()))
            .item("expiresAt", epoch(now + ANSWERED_RETENTION))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match recorded {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(false),
            Err(err) => Err(unavailable(&err)),
        }
    }
}
