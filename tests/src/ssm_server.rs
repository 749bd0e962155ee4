//! A local stand-in for SSM Parameter Store's `GetParameter` (awsJson1.1 over HTTP, as the
//! SDK speaks it), so the functions' init can be tested end to end: which parameters are
//! read, that `WithDecryption` is asked for, and what a missing parameter does.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Default)]
struct Store {
    parameters: BTreeMap<String, String>,
    /// Each request's `X-Amz-Target` and JSON body.
    requests: Vec<(String, Value)>,
}

/// Serves until dropped.
#[derive(Debug)]
pub struct SsmServer {
    addr: SocketAddr,
    state: Arc<Mutex<Store>>,
    task: JoinHandle<()>,
}

impl SsmServer {
    /// Serves `parameters` (name → decrypted value) as SecureStrings.
    pub async fn start(parameters: &[(&str, &str)]) -> std::io::Result<Self> {
        let store = Store {
            parameters: parameters.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            requests: Vec::new(),
        };
        let state = Arc::new(Mutex::new(store));
        let router = Router::new().route("/", post(get_parameter)).with_state(state.clone());
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, state, task })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The SDK configuration a function's init receives, pointed at this server.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let credentials = aws_sdk_s3::config::Credentials::new("AKIDSSMTEST", "ssm-test-secret", None, None, "ssm");
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("ap-northeast-1"))
            .credentials_provider(credentials)
            .endpoint_url(self.endpoint())
            .load()
            .await
    }

    /// Every request so far: its `X-Amz-Target` and body.
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.state.lock().map(|s| s.requests.clone()).unwrap_or_default()
    }
}

impl Drop for SsmServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn get_parameter(State(state): State<Arc<Mutex<Store>>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let name = request.get("Name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let value = match state.lock() {
        Ok(mut store) => {
            store.requests.push((target.clone(), request));
            store.parameters.get(&name).cloned()
        }
        Err(_) => None,
    };
    let (status, body) = match (target.as_str(), value) {
        ("AmazonSSM.GetParameter", Some(value)) => {
            (StatusCode::OK, json!({"Parameter": {"Name": name, "Type": "SecureString", "Value": value, "Version": 1}}))
        }
        ("AmazonSSM.GetParameter", None) => {
            (StatusCode::BAD_REQUEST, json!({"__type": "ParameterNotFound", "message": format!("{name} not found")}))
        }
        _ => (StatusCode::BAD_REQUEST, json!({"__type": "UnknownOperationException"})),
    };
    (status, [(header::CONTENT_TYPE, "application/x-amz-json-1.1")], body.to_string()).into_response()
}
