//! Reading files (rosters, mappings, forwarding tables) from an object store.
//!
//! The trait keeps the domain and the handlers free of SDK types: the S3 adapter is in
//! `adapters::s3`, tests use real S3-protocol servers or in-memory maps.

use std::future::Future;

/// Why an object could not be read. The split matters: a transient failure is worth a retry
/// by the workflow, the others are reported and the escalation goes on with the fallback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{location} does not exist")]
    NotFound { location: String },
    #[error("{location} could not be read ({message}); this is usually temporary")]
    Transient { location: String, message: String },
    #[error("{location} could not be read: {message}")]
    Failed { location: String, message: String },
}

impl StoreError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }

    /// What went wrong, without the location (for problems, which name it already).
    pub fn reason(&self) -> String {
        match self {
            Self::NotFound { .. } => "the file does not exist".to_owned(),
            Self::Transient { message, .. } => format!("could not be read ({message})"),
            Self::Failed { message, .. } => format!("could not be read: {message}"),
        }
    }
}

pub trait ObjectStore: Send + Sync {
    /// Reads one object's bytes.
    fn get(&self, key: &str) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// How an object is named in problems and logs, e.g. `s3://bucket/key`.
    fn location(&self, key: &str) -> String;
}

/// Files in a local folder: what `oncall` reads rosters and mappings from.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: std::path::PathBuf,
}

impl DirStore {
    pub fn new(root: impl Into<std::path::PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl ObjectStore for DirStore {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let location = self.location(key);
        std::fs::read(self.root.join(key)).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound { location },
            _ => StoreError::Failed { location, message: err.to_string() },
        })
    }

    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }
}

/// Objects held in memory, for tests of code that reads through [`ObjectStore`].
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    objects: std::collections::HashMap<String, Vec<u8>>,
    failure: Option<StoreError>,
}

impl MemoryStore {
    /// A store whose every read fails with `error`.
    pub fn failing(error: StoreError) -> Self {
        Self { objects: Default::default(), failure: Some(error) }
    }

    pub fn insert(&mut self, key: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.objects.insert(key.into(), bytes.into());
    }
}

impl<const N: usize> From<[(&str, &str); N]> for MemoryStore {
    fn from(objects: [(&str, &str); N]) -> Self {
        let mut store = Self::default();
        for (key, text) in objects {
            store.insert(key, text);
        }
        store
    }
}

impl ObjectStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        self.objects.get(key).cloned().ok_or_else(|| StoreError::NotFound { location: self.location(key) })
    }

    fn location(&self, key: &str) -> String {
        format!("mem://{key}")
    }
}
