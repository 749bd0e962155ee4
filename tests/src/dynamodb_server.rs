//! A real DynamoDB-protocol server for the tests: moto's server (Python, from PyPI) as a
//! child process on a free loopback port, with the call ledger's table created, so the SDK's
//! wire format, signing, conditional writes and error mapping are exercised for real.
//!
//! Needs `python3` with `moto[server]` (tests/local/setup.sh installs the pinned version).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The call ledger's table, as the functions are configured with (`CALL_LEDGER_TABLE`).
pub const LEDGER_TABLE: &str = "lambda-connect-call-ledger";
pub const ACCESS_KEY: &str = "AKIDLOCALTEST";
pub const SECRET_KEY: &str = "local-test-secret";
pub const REGION: &str = "ap-northeast-1";

const INSTALL_HINT: &str = "the DynamoDB tests need python3 with moto's server: run tests/local/setup.sh, \
     or `python3 -m pip install 'moto[server]==5.2.5'`";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts moto's server on `127.0.0.1:<free port>`, one request at a time so each item write
/// is atomic as in DynamoDB; it ends when its stdin closes, i.e. when the test process is gone
/// even if it never ran [`Drop`]. (The same launcher serves the local runner.)
const LAUNCHER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/moto_server.py");

/// moto's server with the ledger table; killed when dropped.
#[derive(Debug)]
pub struct DynamoDbServer {
    child: Child,
    _stdin: Option<ChildStdin>,
    endpoint: String,
}

impl DynamoDbServer {
    /// Starts the server, waits until it answers, creates [`LEDGER_TABLE`] (partition key `pk`,
    /// a string; on-demand billing) and returns it. Fails with a message saying how to install
    /// moto when python3 or moto is missing.
    pub async fn start() -> std::io::Result<Self> {
        tokio::task::spawn_blocking(Self::start_blocking).await.map_err(std::io::Error::other)?
    }

    /// [`DynamoDbServer::start`] for code outside an async runtime.
    pub fn start_blocking() -> std::io::Result<Self> {
        let mut child = Command::new("python3")
            .arg(LAUNCHER)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| std::io::Error::new(err.kind(), format!("cannot run python3 ({err}); {INSTALL_HINT}")))?;
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr pipe"))?;
        // werkzeug prints ` * Running on http://127.0.0.1:<port>` on stderr; keep reading (and
        // dropping) the log afterwards so the server never blocks on a full pipe.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut seen = String::new();
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(at) = line.find("http://127.0.0.1:") {
                        let url: String = line[at..].chars().take_while(|c| !c.is_whitespace()).collect();
                        sent = tx.send(Ok(url)).is_ok();
                    } else {
                        seen.push_str(&line);
                        seen.push('\n');
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(seen));
            }
        });
        let mut server = Self { child, _stdin: stdin, endpoint: String::new() };
        server.endpoint = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(url)) => url,
            Ok(Err(output)) => {
                let status = server.child.wait().ok().map(|s| s.to_string()).unwrap_or_default();
                return Err(std::io::Error::other(format!(
                    "moto's server did not start ({status}): {}; {INSTALL_HINT}",
                    output.trim()
                )));
            }
            Err(_) => return Err(std::io::Error::other(format!("moto's server did not start in {START_TIMEOUT:?}"))),
        };
        server.wait_until_answering()?;
        server.call(
            "CreateTable",
            &format!(
                r#"{{"TableName":"{LEDGER_TABLE}","AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}}],"KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
            ),
        )?;
        Ok(server)
    }

    /// Creates another table shaped like the ledger's (tests that must not share items each
    /// take their own).
    pub fn create_table(&self, name: &str) -> std::io::Result<()> {
        self.call(
            "CreateTable",
            &format!(
                r#"{{"TableName":"{name}","AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}}],"KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
            ),
        )
        .map(drop)
    }

    /// An `aws-sdk-dynamodb` client for this server, with the test credentials.
    pub fn sdk_client(&self) -> aws_sdk_dynamodb::Client {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "moto"))
            .endpoint_url(&self.endpoint)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or an SDK client's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn wait_until_answering(&self) -> std::io::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.call("ListTables", "{}") {
                Ok(_) => return Ok(()),
                Err(err) if Instant::now() > deadline => return Err(err),
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// One DynamoDB API call (awsJson1.0) with a minimal request: moto routes on the
    /// credential scope of the Authorization header and does not check the signature.
    fn call(&self, operation: &str, body: &str) -> std::io::Result<String> {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.0\r\n\
             X-Amz-Target: DynamoDB_20120810.{operation}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/{REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response.split_whitespace().nth(1).unwrap_or_default();
        if status != "200" {
            return Err(std::io::Error::other(format!("DynamoDB {operation} on moto: {response}")));
        }
        Ok(response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default())
    }
}

impl Drop for DynamoDbServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_updates_of_one_item_are_each_applied_as_in_dynamodb() -> std::io::Result<()> {
        let server = DynamoDbServer::start_blocking()?;
        server.create_table("atomic")?;
        server.call("PutItem", r#"{"TableName":"atomic","Item":{"pk":{"S":"p"}}}"#)?;
        let server = std::sync::Arc::new(server);
        let updates: Vec<_> = (0..200)
            .map(|i| {
                let server = server.clone();
                thread::spawn(move || {
                    server.call(
                        "UpdateItem",
                        &format!(
                            r##"{{"TableName":"atomic","Key":{{"pk":{{"S":"p"}}}},"UpdateExpression":"ADD #n :one SET #k = list_append(if_not_exists(#k, :none), :key)","ExpressionAttributeNames":{{"#n":"n","#k":"keys"}},"ExpressionAttributeValues":{{":one":{{"N":"1"}},":none":{{"L":[]}},":key":{{"L":[{{"S":"k{i}"}}]}}}}}}"##
                        ),
                    )
                })
            })
            .collect();
        for update in updates {
            update.join().map_err(|_| std::io::Error::other("an update panicked"))??;
        }
        let item = server.call("GetItem", r#"{"TableName":"atomic","Key":{"pk":{"S":"p"}},"ConsistentRead":true}"#)?;
        let item: serde_json::Value = serde_json::from_str(&item)?;
        assert_eq!(item["Item"]["n"]["N"], "200", "{item}");
        assert_eq!(item["Item"]["keys"]["L"].as_array().map(Vec::len), Some(200), "{item}");
        Ok(())
    }
}
