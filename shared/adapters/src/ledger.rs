//! The call ledger in DynamoDB: one item per ClientToken (`pk = call#<token>`), claimed with a
//! conditional PutItem so two invocations never both believe they are first, read back with a
//! consistent GetItem, and expired by the table's TTL attribute `expiresAt`. The same table
//! holds the deployment's call-start budget (`pk = budget#call-starts`), a token bucket
//! changed only by conditional writes, and the phones' lines (`pk = line#<hash of the
//! number>`: `escalationId`, `heldAt`, `contactId`, `until`).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use domain::budget::{Bucket, CallRate, CallStartBudget};
use domain::ledger::{CallLedger, LedgerEntry, LedgerError, RETENTION};
use domain::lines::{LINE_HOLD, Line, PhoneLines, line_key};
use domain::phone::PhoneNumber;

use crate::sdk::{classify, operation_timeout};

/// A ledger request that takes longer is given up (and the call placed without it), so
/// place-call always answers well inside its Lambda timeout.
pub const LEDGER_OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// A DynamoDB client for `config` with [`LEDGER_OPERATION_TIMEOUT`]. `AWS_ENDPOINT_URL_DYNAMODB`
/// (read by the SDK) points it at a local server.
pub fn dynamodb_client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let timeouts = operation_timeout(LEDGER_OPERATION_TIMEOUT);
    let config = aws_sdk_dynamodb::config::Builder::from(config).timeout_config(timeouts).build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The ledger table named by `CALL_LEDGER_TABLE`.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoLedger {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

const STATE_PLACING: &str = "placing";
const STATE_PLACED: &str = "placed";
const STATE_REFUSED: &str = "refused";

fn key(token: &str) -> AttributeValue {
    AttributeValue::S(format!("call#{token}"))
}

fn expires_at(now: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N((now + RETENTION).timestamp().to_string())
}

fn unavailable<E>(err: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> LedgerError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    LedgerError { message: classify(err).describe() }
}

impl CallLedger for DynamoLedger {
    async fn claim(&self, token: &str, now: DateTime<Utc>) -> Result<Option<LedgerEntry>, LedgerError> {
        let claimed = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", key(token))
            .item("state", AttributeValue::S(STATE_PLACING.to_owned()))
            .item("expiresAt", expires_at(now))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match claimed {
            Ok(_) => return Ok(None),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
            Err(err) => return Err(unavailable(&err)),
        }
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", key(token))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| unavailable(&err))?;
        // An item that vanished in between (expired) says nothing: place with the same token.
        Ok(Some(item.item().map_or(LedgerEntry::Placing, entry_of)))
    }

    async fn record(&self, token: &str, entry: &LedgerEntry, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let (state, fields): (&str, Vec<(&str, String)>) = match entry {
            LedgerEntry::Placing => (STATE_PLACING, Vec::new()),
            LedgerEntry::Placed { contact_id, placed_at } => {
                (STATE_PLACED, vec![("contactId", contact_id.clone()), ("at", placed_at.to_rfc3339())])
            }
            LedgerEntry::Refused { detail, at } => {
                (STATE_REFUSED, vec![("detail", detail.clone()), ("at", at.to_rfc3339())])
            }
        };
        // Every name goes through a placeholder: `state` and `at` are DynamoDB reserved words.
        let mut expression = String::from("SET #state = :state, #expiresAt = :expiresAt");
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(token))
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#expiresAt", "expiresAt")
            .expression_attribute_values(":state", AttributeValue::S(state.to_owned()))
            .expression_attribute_values(":expiresAt", expires_at(now));
        for (name, value) in fields {
            expression.push_str(&format!(", #{name} = :{name}"));
            update = update
                .expression_attribute_names(format!("#{name}"), name)
                .expression_attribute_values(format!(":{name}"), AttributeValue::S(value));
        }
        update.update_expression(expression).send().await.map_err(|err| unavailable(&err))?;
        Ok(())
    }
}

fn entry_of(item: &HashMap<String, AttributeValue>) -> LedgerEntry {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let at = text("at").and_then(|raw| DateTime::parse_from_rfc3339(&raw).ok()).map(|at| at.with_timezone(&Utc));
    match (text("state").as_deref(), text("contactId"), text("detail"), at) {
        (Some(STATE_PLACED), Some(contact_id), _, Some(placed_at)) => LedgerEntry::Placed { contact_id, placed_at },
        (Some(STATE_REFUSED), _, Some(detail), Some(at)) => LedgerEntry::Refused { detail, at },
        _ => LedgerEntry::Placing,
    }
}

const BUDGET_KEY: &str = "budget#call-starts";

/// How often a take tries again when another invocation took a token in between.
const BUDGET_ROUNDS: usize = 4;

fn bucket_of(item: &HashMap<String, AttributeValue>) -> Option<Bucket> {
    let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok());
    Some(Bucket { milli_tokens: u64::try_from(number("milliTokens")?).ok()?, at_ms: number("atMs")? })
}

impl CallStartBudget for DynamoLedger {
    async fn take(&self, rate: CallRate, now: DateTime<Utc>) -> Result<Option<Duration>, LedgerError> {
        for _ in 0..BUDGET_ROUNDS {
            let item = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(BUDGET_KEY.to_owned()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|err| unavailable(&err))?;
            let current = item.item().and_then(bucket_of);
            let next = match current.unwrap_or_else(|| Bucket::full(rate, now)).take(rate, now) {
                Ok(next) => next,
                Err(wait) => return Ok(Some(wait)),
            };
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(BUDGET_KEY.to_owned()))
                .item("milliTokens", AttributeValue::N(next.milli_tokens.to_string()))
                .item("atMs", AttributeValue::N(next.at_ms.to_string()));
            // Written only over the bucket it was computed from: a token is never taken twice.
            let put = match current {
                None => put.condition_expression("attribute_not_exists(pk)"),
                Some(old) => put
                    .condition_expression("#at = :at AND #tokens = :tokens")
                    .expression_attribute_names("#at", "atMs")
                    .expression_attribute_names("#tokens", "milliTokens")
                    .expression_attribute_values(":at", AttributeValue::N(old.at_ms.to_string()))
                    .expression_attribute_values(":tokens", AttributeValue::N(old.milli_tokens.to_string())),
            };
            match put.send().await {
                Ok(_) => return Ok(None),
                Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
                Err(err) => return Err(unavailable(&err)),
            }
        }
        // Others keep taking in between: look again shortly.
        Ok(Some(Duration::from_millis(100)))
    }
}

impl DynamoLedger {
    /// The PutItem of `escalation_id`'s hold on `number`'s line from `now`, to be sent with
    /// the condition that makes it a hold or a take-over.
    fn put_hold(&self, number: &PhoneNumber, escalation_id: &str, now: DateTime<Utc>) -> PutItemFluentBuilder {
        let until = now + LINE_HOLD;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(line_key(number)))
            .item("escalationId", AttributeValue::S(escalation_id.to_owned()))
            .item("heldAt", AttributeValue::N(now.timestamp_millis().to_string()))
            .item("until", AttributeValue::N(until.timestamp().to_string()))
            .item("expiresAt", AttributeValue::N((until + RETENTION).timestamp().to_string()))
    }
}

impl PhoneLines for DynamoLedger {
    async fn hold(&self, number: &PhoneNumber, escalation_id: &str, now: DateTime<Utc>) -> Result<Line, LedgerError> {
        let held = self
            .put_hold(number, escalation_id, now)
            .condition_expression("attribute_not_exists(pk) OR #until < :now OR #escalationId = :me")
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#escalationId", "escalationId")
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":me", AttributeValue::S(escalation_id.to_owned()))
            .send()
            .await;
        match held {
            Ok(_) => return Ok(Line::Held),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {}
            Err(err) => return Err(unavailable(&err)),
        }
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(line_key(number)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| unavailable(&err))?;
        let text = |name: &str| item.item().and_then(|i| i.get(name)).and_then(|v| v.as_s().ok()).cloned();
        let held_at = item
            .item()
            .and_then(|i| i.get("heldAt"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .and_then(DateTime::from_timestamp_millis);
        // Gone in between (expired): free; the next hold takes it.
        Ok(match (text("escalationId"), held_at) {
            (Some(escalation_id), Some(held_at)) => {
                Line::Busy { escalation_id, contact_id: text("contactId"), held_at }
            }
            _ => Line::Held,
        })
    }

    async fn take_over(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        holder: &str,
        held_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        let taken = self
            .put_hold(number, escalation_id, now)
            // Over the very hold that was seen, and no other.
            .condition_expression("#escalationId = :holder AND #heldAt = :heldAt")
            .expression_attribute_names("#escalationId", "escalationId")
            .expression_attribute_names("#heldAt", "heldAt")
            .expression_attribute_values(":holder", AttributeValue::S(holder.to_owned()))
            .expression_attribute_values(":heldAt", AttributeValue::N(held_at.timestamp_millis().to_string()))
            .send()
            .await;
        match taken {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(false),
            Err(err) => Err(unavailable(&err)),
        }
    }

    async fn record_call(
        &self,
        number: &PhoneNumber,
        escalation_id: &str,
        contact_id: &str,
    ) -> Result<(), LedgerError> {
        let recorded = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(line_key(number)))
            .update_expression("SET #contactId = :contact")
            .condition_expression("#escalationId = :me")
            .expression_attribute_names("#contactId", "contactId")
            .expression_attribute_names("#escalationId", "escalationId")
            .expression_attribute_values(":contact", AttributeValue::S(contact_id.to_owned()))
            .expression_attribute_values(":me", AttributeValue::S(escalation_id.to_owned()))
            .send()
            .await;
        match recorded {
            // Taken over in between: that escalation's call holds the line now.
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(()),
            Err(err) => Err(unavailable(&err)),
        }
    }

    async fn release(&self, number: &PhoneNumber, escalation_id: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let released = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(line_key(number)))
            .update_expression("SET #until = :ended")
            .condition_expression("#escalationId = :me")
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#escalationId", "escalationId")
            .expression_attribute_values(":ended", AttributeValue::N((now.timestamp() - 1).to_string()))
            .expression_attribute_values(":me", AttributeValue::S(escalation_id.to_owned()))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            // Taken over, or never held: nothing of this escalation's to free.
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => Ok(()),
            Err(err) => Err(unavailable(&err)),
        }
    }
}
