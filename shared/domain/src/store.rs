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

/// Files in a local folder: what `oncall` reads rosters and mappings from. The folder
/// stands in for the bucket, so a key is read as S3 reads it: as an exact name, never as a
/// path. S3 does not resolve `..` or `.` segments, drop an empty segment or treat a leading
/// `/` as the disk's root; a key with any of these names an object the bucket would not
/// find where the disk would (`../projectA-phoneNumber.json` is not the roster beside the
/// folder, `/etc/passwd` is no file of the folder), so it is [`StoreError::NotFound`] here
/// too, with a location that says which exact key S3 would look for.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: std::path::PathBuf,
}

/// Why `key`, read literally as S3 reads it, names no file under a folder; `None` when it
/// does. The only keys that do are the ones a folder can hold: `/`-separated names, none
/// empty, `.` or `..`.
pub fn not_a_file_key(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("an empty key names no object")
    } else if key.starts_with('/') {
        Some("a leading / is part of the key, not the disk's root")
    } else if key.split('/').any(|segment| segment == "..") {
        Some("S3 does not resolve .. in a key")
    } else if key.split('/').any(|segment| segment == ".") {
        Some("S3 does not resolve . in a key")
    } else if key.split('/').any(str::is_empty) {
        Some("S3 keeps every / of a key, so // is not /")
    } else if key.contains('\\') || key.contains('\0') {
        Some("a \\ or NUL in a key is part of its name, not a path")
    } else {
        None
    }
}

impl DirStore {
    pub fn new(root: impl Into<std::path::PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Reads one file, the key taken as S3 takes it (see [`not_a_file_key`]).
    pub fn read(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let location = self.location(key);
        if not_a_file_key(key).is_some() {
            return Err(StoreError::NotFound { location });
        }
        std::fs::read(self.root.join(key)).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound { location },
            _ => StoreError::Failed { location, message: err.to_string() },
        })
    }
}

impl ObjectStore for DirStore {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.read(key)
    }

    /// The file's path; for a key that names no file of the folder, the exact key S3 would
    /// look for and why no file is it.
    fn location(&self, key: &str) -> String {
        match not_a_file_key(key) {
            None => self.root.join(key).display().to_string(),
            Some(why) => format!(
                "the key {key:?} in {} (S3 would look for exactly that key; {why}, so no file of the folder is it)",
                folder_name(&self.root)
            ),
        }
    }
}

fn folder_name(root: &std::path::Path) -> String {
    if root.as_os_str().is_empty() { "the current folder".to_owned() } else { root.display().to_string() }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn folder() -> (TempDir, DirStore) {
        let dir = TempDir(std::env::temp_dir().join(format!(
            "dirstore-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        )));
        let _ = std::fs::remove_dir_all(dir.path());
        std::fs::create_dir_all(dir.path().join("bucket")).unwrap();
        std::fs::create_dir(dir.path().join("bucket/team")).unwrap();
        std::fs::write(dir.path().join("projectA-phoneNumber.json"), "[]").unwrap();
        std::fs::write(dir.path().join("bucket/phoneNumber.json"), "[1]").unwrap();
        std::fs::write(dir.path().join("bucket/team/a.json"), "[2]").unwrap();
        let store = DirStore::new(dir.path().join("bucket"));
        (dir, store)
    }

    #[tokio::test]
    async fn a_key_is_read_as_a_name_under_the_folder() {
        let (_dir, store) = folder();
        assert_eq!(store.get("phoneNumber.json").await.unwrap(), b"[1]");
        assert_eq!(store.get("team/a.json").await.unwrap(), b"[2]");
        assert!(matches!(store.get("missing.json").await, Err(StoreError::NotFound { .. })));
    }

    #[tokio::test]
    async fn keys_s3_would_not_resolve_are_not_found_and_say_the_exact_key() {
        let (dir, store) = folder();
        // Each of these is a file on the disk, and none is an object S3 would return.
        let outside = dir.path().join("projectA-phoneNumber.json");
        let keys = [
            "../projectA-phoneNumber.json".to_owned(),
            "team/../phoneNumber.json".to_owned(),
            "./phoneNumber.json".to_owned(),
            "team//a.json".to_owned(),
            outside.display().to_string(),
            "/etc/passwd".to_owned(),
            String::new(),
        ];
        for key in &keys {
            let err = store.get(key).await.unwrap_err();
            let StoreError::NotFound { location } = &err else { panic!("{key}: {err:?}") };
            assert!(location.contains(&format!("{key:?}")), "{key}: {location}");
            assert!(location.contains("S3 would look for exactly that key"), "{key}: {location}");
            assert!(!err.is_transient());
        }
        assert!(store.location("/etc/passwd").contains("a leading / is part of the key"));
        assert!(store.location("../x.json").contains("S3 does not resolve .."));
        assert_eq!(not_a_file_key("team/a.json"), None);
        assert_eq!(not_a_file_key("a..b.json"), None, "dots inside a name are a name");
    }
}
