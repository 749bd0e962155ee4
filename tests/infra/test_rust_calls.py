"""The Rust source reading behind the IAM test: it must find the SDK calls a function really
makes, through shared/, and no others."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from rust_calls import UnknownSdkError, crate_sdk_calls, iam_action, parse_items, strip_rust
from support import SHARED_SRC

OPERATIONS = {
    "connect": frozenset({"start_outbound_voice_contact", "describe_contact", "get_contact_attributes", "stop_contact"}),
    "s3": frozenset({"get_object", "list_objects_v2"}),
    "ssm": frozenset({"get_parameter"}),
    # A few more than the ledger uses, so a match on any DynamoDB name would show.
    "dynamodb": frozenset({"get_item", "put_item", "update_item", "delete_item", "query", "scan", "batch_get_item"}),
}

# Shaped like shared/adapters/src/connect.rs: one struct serving three traits, a private helper.
CONNECT_ADAPTER = """
//! The adapter. Braces in comments { do not count.
use aws_sdk_connect::Client;
use crate::calls::{CallStarter, ContactReader, ContactStopper};

pub struct AwsConnect { client: Client, instance: String }

impl AwsConnect {
    pub fn new(client: Client) -> Self { Self { client, instance: "{".into() } }
    pub fn unused_elsewhere(&self) { self.client.stop_contact(); }
}

impl CallStarter for AwsConnect {
    async fn start_call(&self) -> Result<String, E> {
        let token = format!("{}:{}", 'x', '{');
        self.client.start_outbound_voice_contact().instance_id(&self.instance).send().await.map_err(classify)?;
        Ok(token)
    }
}

impl ContactReader for AwsConnect {
    async fn describe(&self, id: &str) -> R { self.client.describe_contact().contact_id(id).send().await }
    async fn attributes(&self, id: &str) -> R { read_attributes(&self.client, id).await }
}

impl ContactStopper for AwsConnect {
    async fn stop(&self, id: &str) -> R { self.client.stop_contact().contact_id(id).send().await }
}

async fn read_attributes(client: &Client, id: &str) -> R { client.get_contact_attributes().send().await }

fn classify<'a>(err: &'a E) -> E { todo_free(err) }

#[cfg(test)]
mod tests {
    fn rings_in_tests() { client.start_outbound_voice_contact(); }
}
"""

CALLS = """
pub trait CallStarter { fn start_call(&self) -> impl Future<Output = R>; }
pub trait ContactReader { fn describe(&self, id: &str) -> R; fn attributes(&self, id: &str) -> R; }
pub trait ContactStopper { fn stop(&self, id: &str) -> R; }
pub fn place_all<C: CallStarter>(starter: &C) { }
"""

STORE = """
use aws_sdk_s3::Client;
pub trait ObjectStore { fn get(&self, key: &str) -> R; }
pub struct S3Store { client: Client }
impl ObjectStore for S3Store { async fn get(&self, key: &str) -> R { self.client.get_object().key(key).send().await } }
pub async fn sdk_config() -> Config { load().await }
"""


# Shaped like shared/domain/src/ledger.rs and shared/adapters/src/ledger.rs: a domain trait, and a DynamoDB adapter
# whose calls are chained over several lines.
LEDGER = """
pub trait CallLedger { fn claim(&self, token: &str) -> R; fn record(&self, token: &str) -> R; }
pub const RETENTION: Duration = Duration::days(8);
"""

LEDGER_ADAPTER = """
use aws_sdk_dynamodb::types::AttributeValue;
use crate::ledger::{CallLedger, RETENTION};
pub const LEDGER_OPERATION_TIMEOUT: Duration = Duration::from_secs(3);
pub fn dynamodb_client(config: &SdkConfig) -> aws_sdk_dynamodb::Client { aws_sdk_dynamodb::Client::from_conf(config) }
pub struct DynamoLedger { client: aws_sdk_dynamodb::Client, table: String }
impl DynamoLedger { pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self { Self { client, table } } }
impl CallLedger for DynamoLedger {
    async fn claim(&self, token: &str) -> R {
        self
            .client
            .put_item()
            .table_name(&self.table)
            .send()
            .await;
        let item = self.client.get_item().consistent_read(true).send().await?;
        Ok(item.item().map(entry_of))
    }
    async fn record(&self, token: &str) -> R {
        let update = self.client.update_item().key("pk", key(token));
        update.update_expression(e).send().await
    }
}
"""


def make_tree(tmp_path: Path, crate_source: str) -> tuple[Path, Path]:
    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))
    shared = tmp_path / "shared" / "src"
    shared.mkdir(parents=True)
    (shared / "connect_aws.rs").write_text(CONNECT_ADAPTER)
    (shared / "calls.rs").write_text(CALLS)
    (shared / "aws.rs").write_text(STORE)
    (shared / "ledger.rs").write_text(LEDGER)
    (shared / "ledger_aws.rs").write_text(LEDGER_ADAPTER)
    crate = tmp_path / "functions" / "f"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text(crate_source)
    return crate, shared


def actions(tmp_path: Path, crate_source: str) -> set[str]:
    crate, shared = make_tree(tmp_path, crate_source)
    return {call.action for call in crate_sdk_calls(crate, shared, OPERATIONS)}


def test_a_caller_is_charged_only_for_the_trait_it_uses(tmp_path):
    source = "use adapters::connect::AwsConnect;\npub struct Deps<C: CallStarter> { c: C }\nfn main() { AwsConnect::new(c); sdk_config(); }"
    assert actions(tmp_path, source) == {"connect:StartOutboundVoiceContact"}


def test_a_reader_reaches_a_private_helper_in_the_same_file(tmp_path):
    source = "pub fn h<R: ContactReader>(r: &R) {}\nfn main() { AwsConnect::new(c); }"
    assert actions(tmp_path, source) == {"connect:DescribeContact", "connect:GetContactAttributes"}


def test_a_trait_reached_through_a_shared_function_counts(tmp_path):
    # The crate names place_all, whose bound names CallStarter.
    source = "fn main() { let c = AwsConnect::new(x); place_all(&c); }"
    assert actions(tmp_path, source) == {"connect:StartOutboundVoiceContact"}


def test_an_inherent_method_counts_only_when_called(tmp_path):
    assert actions(tmp_path, "fn main() { AwsConnect::new(c); }") == set()
    assert actions(tmp_path, "fn main() { AwsConnect::new(c).unused_elsewhere(); }") == {"connect:StopContact"}


def test_the_s3_store_is_charged_to_its_users_only(tmp_path):
    assert actions(tmp_path, "fn main() { S3Store::new(c); } fn g<S: ObjectStore>() {}") == {"s3:GetObject"}
    assert actions(tmp_path, "fn main() { sdk_config(); }") == set()


def test_direct_calls_in_the_crate_count_only_for_imported_sdks(tmp_path):
    source = "use aws_sdk_ssm::Client;\nasync fn token(c: &Client) { c.get_parameter().name(n).with_decryption(true).send().await; x.get_object(); }"
    assert actions(tmp_path, source) == {"ssm:GetParameter"}


def test_stripping_keeps_code_and_drops_strings_comments_and_chars():
    code = strip_rust('let a = "}{"; // }\nlet b = \'{\'; /* { /* } */ } */ let r = r#"}"#; fn f<\'a>(x: &\'a str) {}')
    assert "}" not in code.split("fn f")[0].replace("{}", "")
    assert "fn f<'a>(x: &'a str) {}" in code


def test_items_are_split_with_generic_bounds_that_contain_arrows():
    items = parse_items("f.rs", strip_rust("impl<F: Fn(&str) -> Option<String>> Env for F { fn var(&self) {} }\npub(crate) fn helper() {}\npub const X: [u8; 2] = [1, 2];"))
    assert [(i.kind, i.trait, i.name, i.public, i.exported) for i in items] == [
        ("trait-impl", "Env", "F", False, False),
        ("fn", None, "helper", True, False),
        ("const", None, "X", True, True),
    ]


LEDGER_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}


def test_the_ledger_adapter_is_charged_to_place_call(tmp_path):
    # place-call builds the DynamoDB ledger and the Connect starter.
    source = (
        "use adapters::ledger::{dynamodb_client, DynamoLedger};\n"
        "pub struct Deps<C: CallStarter, L: CallLedger> { c: C, l: L }\n"
        "fn main() { AwsConnect::new(c); DynamoLedger::new(dynamodb_client(&config), table); }"
    )
    assert actions(tmp_path, source) == LEDGER_ACTIONS | {"connect:StartOutboundVoiceContact"}


def test_the_ledger_adapter_is_not_charged_to_functions_that_do_not_use_it(tmp_path):
    # check-contact reads contacts; naming the ledger's retention constant reaches no call.
    source = "pub fn h<R: ContactReader>(r: &R) { let _ = RETENTION; }\nfn main() { AwsConnect::new(c); }"
    assert actions(tmp_path, source) == {"connect:DescribeContact", "connect:GetContactAttributes"}


def test_the_real_ledger_adapter_makes_exactly_the_three_ledger_calls(tmp_path):
    adapter = SHARED_SRC / "adapters" / "src" / "ledger.rs"
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "ledger.rs").write_text(adapter.read_text(encoding="utf-8"))
    crate = tmp_path / "functions" / "place-call"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("fn main() { DynamoLedger::new(dynamodb_client(&config), table); }")
    calls = crate_sdk_calls(crate, shared, OPERATIONS)
    assert {c.action for c in calls} == LEDGER_ACTIONS, sorted(f"{c.action} <- {c.where}" for c in calls)


def test_reached_code_of_an_sdk_cargo_does_not_list_fails_loudly(tmp_path):
    crate, shared = make_tree(tmp_path, "fn main() { DynamoLedger::new(c, t); }")
    without_dynamodb = {k: v for k, v in OPERATIONS.items() if k != "dynamodb"}
    with pytest.raises(UnknownSdkError, match="aws_sdk_dynamodb"):
        crate_sdk_calls(crate, shared, without_dynamodb)
    # Code that does not reach the adapter is read as before.
    crate, shared = make_tree(tmp_path, "fn main() { AwsConnect::new(c); } fn g<S: CallStarter>() {}")
    assert {c.action for c in crate_sdk_calls(crate, shared, without_dynamodb)} == {"connect:StartOutboundVoiceContact"}


def test_operations_map_to_their_iam_actions():
    assert iam_action("dynamodb", "get_item") == "dynamodb:GetItem"
    assert iam_action("dynamodb", "update_item") == "dynamodb:UpdateItem"
    assert iam_action("connect", "start_outbound_voice_contact") == "connect:StartOutboundVoiceContact"
    assert iam_action("s3", "list_objects_v2") == "s3:ListBucket"
    assert iam_action("sfn", "start_execution") == "states:StartExecution"
    assert iam_action("ssm", "get_parameter") == "ssm:GetParameter"
