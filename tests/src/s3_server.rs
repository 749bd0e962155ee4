//! A real S3-protocol server (s3s-fs over a temporary folder) on a loopback port, for
//! tests that must exercise the SDK's wire format, signing and error mapping rather than an
//! in-memory fake.

use std::net::SocketAddr;

use aws_sdk_s3::primitives::ByteStream;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const ACCESS_KEY: &str = "AKIDLOCALTEST";
pub const SECRET_KEY: &str = "local-test-secret";
pub const REGION: &str = "ap-northeast-1";

/// Refuses GetObject of some keys; every signed request is otherwise allowed.
///
/// s3s-fs stores each object as the file `<root>/<bucket>/<key>` and resolves the key as a
/// path, so `a/../b.json` would read `b.json` (and `../x` a file outside the bucket). S3 reads
/// a key literally: `a/../b.json` is its own key, which no test ever stores. So a key that is
/// not a plain file name under the bucket (a `..`, `.` or empty segment, a leading `/`) is
/// missing on a read, as S3 would answer, and refused on a write, which this server cannot
/// store under its exact name.
struct DenyReads {
    keys: Vec<String>,
}

/// Whether s3s-fs would store `key` under another name than exactly `<bucket>/<key>`.
fn not_a_literal_file_key(key: &str) -> bool {
    key.is_empty()
        || key.starts_with('/')
        || key.contains('\\')
        || key.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..")
}

#[async_trait::async_trait]
impl s3s::access::S3Access for DenyReads {
    async fn check(&self, cx: &mut s3s::access::S3AccessContext<'_>) -> s3s::S3Result<()> {
        match cx.credentials() {
            Some(_) => Ok(()),
            None => Err(s3s::s3_error!(AccessDenied, "Signature required")),
        }
    }

    async fn get_object(&self, req: &mut s3s::S3Request<s3s::dto::GetObjectInput>) -> s3s::S3Result<()> {
        if not_a_literal_file_key(&req.input.key) {
            return Err(s3s::s3_error!(NoSuchKey, "The specified key does not exist."));
        }
        if self.keys.contains(&req.input.key) {
            return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
        }
        Ok(())
    }

    async fn head_object(&self, req: &mut s3s::S3Request<s3s::dto::HeadObjectInput>) -> s3s::S3Result<()> {
        if not_a_literal_file_key(&req.input.key) {
            return Err(s3s::s3_error!(NoSuchKey, "The specified key does not exist."));
        }
        Ok(())
    }

    async fn put_object(&self, req: &mut s3s::S3Request<s3s::dto::PutObjectInput>) -> s3s::S3Result<()> {
        if not_a_literal_file_key(&req.input.key) {
            return Err(s3s::s3_error!(
                InvalidArgument,
                "this local server cannot store a key with a '..', '.' or empty segment or a leading '/' under its exact name"
            ));
        }
        Ok(())
    }
}

/// Serves S3 until dropped.
#[derive(Debug)]
pub struct S3Server {
    addr: SocketAddr,
    root: tempfile::TempDir,
    task: JoinHandle<()>,
}

impl S3Server {
    /// Starts a server with an empty store. Requests must be signed with [`ACCESS_KEY`].
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0).await
    }

    /// Starts a server on a given loopback port (0 picks a free one).
    pub async fn start_on(port: u16) -> std::io::Result<Self> {
        Self::start_denying(port, Vec::new()).await
    }

    /// Like [`S3Server::start_on`], but GetObject of each of `denied_keys` answers 403
    /// `AccessDenied`, as S3 does when a bucket policy or the caller's role refuses the read.
    pub async fn start_denying(port: u16, denied_keys: Vec<String>) -> std::io::Result<Self> {
        let root = tempfile::tempdir()?;
        let fs = s3s_fs::FileSystem::new(root.path()).map_err(|err| std::io::Error::other(format!("{err:?}")))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.set_access(DenyReads { keys: denied_keys });
        let service = builder.build();
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(connection);
            }
        });
        Ok(Self { addr, root, task })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The folder the objects live in (`<root>/<bucket>/<key>`).
    pub fn root(&self) -> &std::path::Path {
        self.root.path()
    }

    /// An SDK client for this server: path-style addressing, static test credentials.
    pub fn client(&self) -> aws_sdk_s3::Client {
        let credentials = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "s3-server");
        let config = aws_sdk_s3::config::Builder::new()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(REGION))
            .credentials_provider(credentials)
            .endpoint_url(self.endpoint())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Creates `bucket` through the S3 API.
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), aws_sdk_s3::Error> {
        self.client().create_bucket().bucket(bucket).send().await?;
        Ok(())
    }

    /// Uploads one object through the S3 API.
    pub async fn put(&self, bucket: &str, key: &str, bytes: impl Into<Vec<u8>>) -> Result<(), aws_sdk_s3::Error> {
        self.client().put_object().bucket(bucket).key(key).body(ByteStream::from(bytes.into())).send().await?;
        Ok(())
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
