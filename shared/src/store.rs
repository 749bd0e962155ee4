//! Reading files (rosters, mappings, forwarding tables) from an object store.
//!
//! The trait keeps the domain and the handlers free of SDK types: the S3 adapter is in
//! [`crate::aws`], tests use real S3-protocol servers or in-memory maps.

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
}

pub trait ObjectStore: Send + Sync {
    /// Reads one object's bytes.
    fn get(&self, key: &str) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// How an object is named in problems and logs, e.g. `s3://bucket/key`.
    fn location(&self, key: &str) -> String;
}
