//! E.164 phone numbers, and the masked form that is the only one allowed in logs.
//!
//! A [`PhoneNumber`] is only ever built by [`PhoneNumber::parse`], so a value of this type is
//! always dialable. Its `Display` and `Debug` print the masked form, which makes it hard to
//! leak a full number into a log line by accident; [`PhoneNumber::as_str`] gives the real one
//! to the code that dials. A [`MaskedNumber`] is the masked form as the payloads and reports
//! carry it; [`scrub_numbers`] masks the numbers inside free text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated E.164 number: `+`, then 2 to 15 digits, the first of which is not 0.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a string is not an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhoneNumber {
    #[error("{0} does not start with '+'")]
    MissingPlus(String),
    #[error("{0} contains a character that is not a digit")]
    NotDigits(String),
    #[error("{0} has {1} digits (E.164 allows 2 to 15)")]
    Length(String, usize),
    #[error("{0} has a country code starting with 0")]
    LeadingZero(String),
}

impl PhoneNumber {
    /// Validates `raw` as E.164. Errors carry the masked input, never the full string.
    pub fn parse(raw: &str) -> Result<Self, InvalidPhoneNumber> {
        let masked = mask(raw);
        let digits = raw.strip_prefix('+').ok_or_else(|| InvalidPhoneNumber::MissingPlus(masked.clone()))?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidPhoneNumber::NotDigits(masked));
        }
        if !(2..=15).contains(&digits.len()) {
            return Err(InvalidPhoneNumber::Length(masked, digits.len()));
        }
        if digits.starts_with('0') {
            return Err(InvalidPhoneNumber::LeadingZero(masked));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The full number, for dialling. Never log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form, e.g. `+8190****5678`: what logs, reports and notifications show.
    pub fn masked(&self) -> MaskedNumber {
        MaskedNumber(mask(&self.0))
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", mask(&self.0))
    }
}

/// A masked phone number (`+8190****5678`), the only form of a number that payloads, reports
/// and notifications show. It serialises as that string. Whatever it is built from is masked
/// ([`mask`] leaves an already masked string as it is), so a number read back from JSON in
/// clear can never pass through in clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct MaskedNumber(String);

impl MaskedNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for MaskedNumber {
    fn from(value: String) -> Self {
        Self::from(value.as_str())
    }
}

impl From<&str> for MaskedNumber {
    fn from(value: &str) -> Self {
        Self(mask(value))
    }
}

impl From<&PhoneNumber> for MaskedNumber {
    fn from(value: &PhoneNumber) -> Self {
        value.masked()
    }
}

impl From<MaskedNumber> for String {
    fn from(value: MaskedNumber) -> Self {
        value.0
    }
}

impl std::ops::Deref for MaskedNumber {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MaskedNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for MaskedNumber {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for MaskedNumber {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Masks any string that may be a phone number: the first five and last four characters
/// stay (`+8190****5678`), shorter strings keep less. Works on invalid input too, so that
/// a typo in a roster can be reported without printing the whole number.
pub fn mask(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let (head, tail) = match chars.len() {
        n if n >= 10 => (5, 4),
        n if n >= 6 => (2, 2),
        _ => (0, 0),
    };
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}****{end}")
}

/// Masks every phone-number-like run (`+` and 6 or more digits) in free text such as a
/// Connect error message, so that it can be logged and kept in the execution's output.
pub fn scrub_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('+') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits >= 6 {
            out.push_str(&mask(&rest[at..at + 1 + digits]));
        } else {
            out.push_str(&rest[at..at + 1 + digits]);
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e164_numbers() {
        for ok in ["+819012345678", "+12", "+123456789012345", "+11111111111"] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_non_e164_with_a_reason() {
        assert!(matches!(PhoneNumber::parse("09012345678"), Err(InvalidPhoneNumber::MissingPlus(_))));
        assert!(matches!(PhoneNumber::parse("+81xxxxxxxxxx"), Err(InvalidPhoneNumber::NotDigits(_))));
        assert!(matches!(PhoneNumber::parse("+bbbbbbbbbbb"), Err(InvalidPhoneNumber::NotDigits(_))));
        assert!(matches!(PhoneNumber::parse("+81 90 1234"), Err(InvalidPhoneNumber::NotDigits(_))));
        assert!(matches!(PhoneNumber::parse("+1"), Err(InvalidPhoneNumber::Length(_, 1))));
        assert!(matches!(PhoneNumber::parse("+1234567890123456"), Err(InvalidPhoneNumber::Length(_, 16))));
        assert!(matches!(PhoneNumber::parse("+0312345678"), Err(InvalidPhoneNumber::LeadingZero(_))));
        assert!(PhoneNumber::parse("").is_err());
    }

    #[test]
    fn display_and_debug_never_show_the_full_number() {
        let n = PhoneNumber::parse("+819012345678").unwrap();
        assert_eq!(n.to_string(), "+8190****5678");
        assert_eq!(format!("{n:?}"), "PhoneNumber(+8190****5678)");
        assert_eq!(n.as_str(), "+819012345678");
    }

    #[test]
    fn errors_carry_only_the_masked_input() {
        let err = PhoneNumber::parse("+81901234567x").unwrap_err().to_string();
        assert!(!err.contains("901234567"), "{err}");
        assert!(err.contains("+8190****567x"), "{err}");
    }

    #[test]
    fn masks_short_strings_too() {
        assert_eq!(mask("+12345"), "+1****45");
        assert_eq!(mask("+12"), "****");
        assert_eq!(mask("東京都千代田区一二三"), "東京都千代****区一二三");
    }

    #[test]
    fn serde_round_trip_keeps_the_full_number_and_validates() {
        let n: PhoneNumber = serde_json::from_str("\"+819012345678\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"+819012345678\"");
        assert!(serde_json::from_str::<PhoneNumber>("\"+81xx\"").is_err());
    }

    #[test]
    fn a_masked_number_serialises_as_the_masked_string_and_stays_masked() {
        let masked = MaskedNumber::from(&PhoneNumber::parse("+819012345678").unwrap());
        assert_eq!(masked, "+8190****5678");
        assert_eq!(serde_json::to_string(&masked).unwrap(), "\"+8190****5678\"");
        let read: MaskedNumber = serde_json::from_str("\"+8190****5678\"").unwrap();
        assert_eq!(read, masked);
        // A number in clear is masked on the way in; masking is idempotent at every length.
        let clear: MaskedNumber = serde_json::from_str("\"+819012345678\"").unwrap();
        assert_eq!(clear.as_str(), "+8190****5678");
        for raw in ["+819012345678", "+1234567", "+12", "東京都千代田区一二三"] {
            assert_eq!(mask(&mask(raw)), mask(raw), "{raw}");
        }
    }

    #[test]
    fn scrubbing_masks_every_number_in_free_text() {
        assert_eq!(scrub_numbers("call +12 then +819012345678."), "call +12 then +8190****5678.");
        assert_eq!(scrub_numbers("no number"), "no number");
    }
}
