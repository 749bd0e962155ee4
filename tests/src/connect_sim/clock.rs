//! Time.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, TimeZone, Utc};

/// The simulator's time. Manual clocks move only when the test advances them.
#[derive(Debug, Clone)]
pub enum SimClock {
    Real,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl SimClock {
    /// A manual clock starting at `start`.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// A manual clock at the default start, 2025-01-06T00:00:00Z.
    pub fn manual_default() -> Self {
        Self::manual(Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).single().unwrap_or_default())
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::Real => Utc::now(),
            Self::Manual(now) => *lock(now),
        }
    }

    /// Moves a manual clock forward; a real clock cannot be moved.
    pub fn advance(&self, seconds: u64) -> Result<DateTime<Utc>, &'static str> {
        match self {
            Self::Real => Err("the simulator runs on the real clock; start it with --clock manual to advance time"),
            Self::Manual(now) => {
                let mut now = lock(now);
                *now += Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000));
                Ok(*now)
            }
        }
    }
}

impl domain::clock::Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        SimClock::now(self)
    }
}

/// Locks a mutex, surviving a panicked test thread.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
