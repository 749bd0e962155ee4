//! Where "now" comes from. Every function takes the time from one [`Clock`]: the wall clock
//! in Lambda ([`SystemClock`], passed by each `main.rs`), a fixed or simulated one in tests.
//! The rules themselves never read a clock: they are given "now".

use chrono::{DateTime, Utc};

/// Where "now" comes from: the system clock in Lambda, a controlled clock in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant: tests, and previews of "what would happen at".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_fixed_clock_always_says_the_same_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let clock = FixedClock(at);
        assert_eq!((clock.now(), clock.now()), (at, at));
        assert!(SystemClock.now() > at - chrono::Duration::days(365 * 100));
    }
}
