//! E.164 phone numbers, and the masked form that is the only one allowed in logs.
//!
//! A [`PhoneNumber`] is only ever built by [`PhoneNumber::parse`], so a value of this type is
//! always dialable. Its `Display` and `Debug` print the masked form, which makes it hard to
//! leak a full number into a log line by accident; [`PhoneNumber::as_str`] gives the real one
//! to the code that dials. A [`MaskedNumber`] is the masked form as the payloads and reports
//! carry it; [`scrub_numbers`] masks the numbers inside free text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated E.164 number: `+`, a country calling code in use (ITU-T E.164 assignments),
/// then as many digits as that country's numbers can have: 15 in all at most, and at least 8
/// (7 for the few countries with 4-digit numbers); exactly 10 after `+1` (North America) and
/// `+7`, 9 or 10 after `+81` (Japan). Anything shorter or with an unassigned code is not a
/// number Amazon Connect can dial (`+12`, `+1234`).
///
/// The characters are kept inline (`+` and at most 15 digits): a number is copied into every
/// attempt of a plan and every call record, and a copy costs no allocation. Equality, order
/// and hashing are the string's.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct PhoneNumber {
    bytes: [u8; MAX_NUMBER_LEN],
    len: u8,
}

/// `+` and the 15 digits E.164 allows at most.
const MAX_NUMBER_LEN: usize = 16;

/// Why a string is not an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhoneNumber {
    #[error("{0} does not start with '+'")]
    MissingPlus(String),
    #[error("{0} contains a character that is not a digit")]
    NotDigits(String),
    #[error("{0} has {1} digits (E.164 allows at most 15)")]
    Length(String, usize),
    #[error("{0} has a country code starting with 0")]
    LeadingZero(String),
    #[error("{0} starts with no country calling code in use")]
    UnknownCountryCode(String),
    /// The masked input, its country code, the digits after it and the lengths allowed there.
    #[error("{0} has {2} digits after the country code +{1}, which has numbers of {3} digits")]
    NationalLength(String, u16, usize, String),
}

/// Why [`PhoneNumber::from_bytes`] refused a number: [`InvalidPhoneNumber`] without the
/// masked input, which only [`PhoneNumber::parse`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    MissingPlus,
    NotDigits,
    Length(usize),
    LeadingZero,
    UnknownCountryCode,
    NationalLength { code: u16, national: usize, fewest: usize, most: usize },
}

/// Country calling codes in use (ITU-T E.164 assignments, including the international
/// networks and services such as +800 and +881). The codes are prefix-free, so a number has
/// at most one of them.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60,
    61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211, 212, 213, 216, 218, 220, 221, 222, 223,
    224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246,
    247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290,
    291, 297, 298, 299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    379, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590,
    591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685,
    686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852, 853, 855, 856, 870, 880, 881, 882, 883, 886, 960, 961, 962,
    963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
];

/// The digits after the country code a number may have, where it is not the general rule
/// (8 to 15 digits in all): (code, fewest, most).
const NATIONAL_LENGTHS: &[(u16, usize, usize)] = &[
    // North American Numbering Plan: a 3-digit area code and a 7-digit number.
    (1, 10, 10),
    (7, 10, 10),
    // Japan: 9 digits for fixed lines (03-1234-5678), 10 for mobiles and 050 (090-1234-5678).
    (81, 9, 10),
    // Ascension, Saint Helena, Niue and Tokelau have 4-digit numbers.
    (247, 4, 12),
    (290, 4, 12),
    (683, 4, 12),
    (690, 4, 11),
];

/// [`COUNTRY_CODES`] as a table indexed by code: every number read looks its code up.
const IS_COUNTRY_CODE: [bool; 1000] = {
    let mut table = [false; 1000];
    let mut i = 0;
    while i < COUNTRY_CODES.len() {
        table[COUNTRY_CODES[i] as usize] = true;
        i += 1;
    }
    table
};

/// The country code `digits` (ASCII digits only) start with, and its length.
fn country_code(digits: &[u8]) -> Option<(u16, usize)> {
    let mut code = 0u16;
    (1..=3).filter(|len| *len < digits.len()).find_map(|len| {
        code = code * 10 + u16::from(digits[len - 1] - b'0');
        IS_COUNTRY_CODE[usize::from(code)].then_some((code, len))
    })
}

impl PhoneNumber {
    /// Validates `raw` as E.164. Errors carry the masked input, never the full string.
    pub fn parse(raw: &str) -> Result<Self, InvalidPhoneNumber> {
        // Masked only when there is an error to report: a valid number costs no allocation.
        Self::from_bytes(raw.as_bytes()).map_err(|invalid| {
            let masked = mask(raw);
            match invalid {
                Invalid::MissingPlus => InvalidPhoneNumber::MissingPlus(masked),
                Invalid::NotDigits => InvalidPhoneNumber::NotDigits(masked),
                Invalid::Length(digits) => InvalidPhoneNumber::Length(masked, digits),
                Invalid::LeadingZero => InvalidPhoneNumber::LeadingZero(masked),
                Invalid::UnknownCountryCode => InvalidPhoneNumber::UnknownCountryCode(masked),
                Invalid::NationalLength { code, national, fewest, most } => {
                    let allowed = if fewest == most { fewest.to_string() } else { format!("{fewest} to {most}") };
                    InvalidPhoneNumber::NationalLength(masked, code, national, allowed)
                }
            }
        })
    }

    /// [`PhoneNumber::parse`] of text as bytes, for a reader that has not made a `str` of
    /// them: anything but `+` and ASCII digits is refused, as it is there.
    pub(crate) fn from_bytes(raw: &[u8]) -> Result<Self, Invalid> {
        let (b'+', digits) = raw.split_first().ok_or(Invalid::MissingPlus)? else {
            return Err(Invalid::MissingPlus);
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(Invalid::NotDigits);
        }
        if digits.len() > 15 || digits.len() < 2 {
            return Err(Invalid::Length(digits.len()));
        }
        if digits[0] == b'0' {
            return Err(Invalid::LeadingZero);
        }
        let (code, code_len) = country_code(digits).ok_or(Invalid::UnknownCountryCode)?;
        let national = digits.len() - code_len;
        let (fewest, most) = NATIONAL_LENGTHS
            .iter()
            .find(|(c, _, _)| *c == code)
            .map_or((8usize.saturating_sub(code_len), 15 - code_len), |(_, fewest, most)| (*fewest, *most));
        if !(fewest..=most).contains(&national) {
            return Err(Invalid::NationalLength { code, national, fewest, most });
        }
        // `+` and 2 to 15 ASCII digits: it fits.
        let mut bytes = [0; MAX_NUMBER_LEN];
        bytes.iter_mut().zip(raw).for_each(|(to, from)| *to = *from);
        Ok(Self { bytes, len: raw.len() as u8 })
    }

    /// The full number, for dialling. Never log it.
    pub fn as_str(&self) -> &str {
        // Only ever ASCII (see `parse`), so never the empty fallback.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The masked form, e.g. `+8190****5678`: what logs, reports and notifications show.
    pub fn masked(&self) -> MaskedNumber {
        MaskedNumber(mask(self.as_str()))
    }
}

impl PhoneNumber {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl PartialEq for PhoneNumber {
    /// The strings' equality: the bytes past the end are zero in both.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.bytes == other.bytes
    }
}

impl Eq for PhoneNumber {}

impl PartialOrd for PhoneNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PhoneNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

/// The full number, as a string: what the workflow's state carries from step to step.
impl Serialize for PhoneNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::hash::Hash for PhoneNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
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
        value.as_str().to_owned()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(self.as_str()))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", mask(self.as_str()))
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

/// Masks everything in free text that may be a phone number, so that the text can be logged,
/// kept in an execution's output and posted to Slack:
/// - `+` and 6 or more digits (`+819012345678`, `+81 90-1234-5678`), as [`mask`] does;
/// - a run of 8 or more digits standing alone, possibly grouped by `-` or single spaces
///   (`09012345678`, `090-1234-5678`, `819012345678`): the first 3 and last 4 characters stay
///   (`090****5678`).
///
/// What stays readable: shorter numbers (days, counts, `+12`), dates (`2026-11-30`,
/// `20261130`), times (`09:00:00`, `+09:00`), decimals, digits inside a word or an
/// identifier (`CA1234567890abcdef`, `group123456789`), and the account of an ARN
/// (`:123456789012:`). Masking is idempotent: scrubbed text scrubs to itself.
pub fn scrub_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let plus = bytes[i] == b'+';
        let starts = plus || (bytes[i].is_ascii_digit() && !after_word(bytes, i));
        if !starts {
            i += 1;
            continue;
        }
        let first = if plus { i + 1 } else { i };
        if !plus && let Some(end) = date_at(bytes, first) {
            i = end;
            continue;
        }
        let (end, digits) = digit_groups(bytes, first);
        if end == first {
            i += 1;
            continue;
        }
        let standalone = !bytes.get(end).is_some_and(|b| is_word(*b) || (*b == b'.' && next_is_digit(bytes, end)));
        let masked = if plus {
            (digits >= 6).then(|| mask(&text[i..end]))
        } else {
            (standalone && digits >= 8 && !is_kept_run(bytes, i, end)).then(|| mask_run(&text[i..end]))
        };
        if let Some(masked) = masked {
            out.push_str(&text[copied..i]);
            out.push_str(&masked);
            copied = end;
        }
        // A run that is part of a word is skipped whole, so its tail is not taken for a number.
        i = if plus || standalone { end } else { skip_word(bytes, end) };
    }
    out.push_str(&text[copied..]);
    out
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn next_is_digit(bytes: &[u8], at: usize) -> bool {
    bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
}

/// True when the byte before `at` joins it to a word or a decimal (`x1`, `1.5`).
fn after_word(bytes: &[u8], at: usize) -> bool {
    match at.checked_sub(1).map(|before| bytes[before]) {
        Some(b'.') => at >= 2 && bytes[at - 2].is_ascii_digit(),
        Some(before) => is_word(before),
        None => false,
    }
}

fn skip_word(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| is_word(*b)) {
        at += 1;
    }
    at
}

/// The end of the digits from `at`, joined by single `-` or spaces into groups of 2 or more
/// digits after the first, and how many digits they hold.
fn digit_groups(bytes: &[u8], at: usize) -> (usize, usize) {
    let run = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let first = run(at);
    let (mut end, mut digits) = (at + first, first);
    if first == 0 {
        return (at, 0);
    }
    while let Some(b'-' | b' ') = bytes.get(end) {
        let next = run(end + 1);
        if next < 2 {
            break;
        }
        end += 1 + next;
        digits += next;
    }
    (end, digits)
}

/// The end of a date written `2026-11-30` at `at`.
fn date_at(bytes: &[u8], at: usize) -> Option<usize> {
    let shape = *b"dddd-dd-dd";
    let candidate = bytes.get(at..at + shape.len())?;
    let fits = candidate.iter().zip(shape).all(|(b, s)| if s == b'd' { b.is_ascii_digit() } else { *b == s });
    let end = at + shape.len();
    (fits && !bytes.get(end).is_some_and(u8::is_ascii_digit)).then_some(end)
}

/// Digit runs that are not numbers of people: a compact date or timestamp (`20261130`,
/// `20261130090000`), a span of times (`0900-1800`) and an ARN's account
/// (`arn:aws:sns:ap-northeast-1:123456789012:topic`).
fn is_kept_run(bytes: &[u8], start: usize, end: usize) -> bool {
    let run = &bytes[start..end];
    let number = |from: usize, len: usize| -> u32 {
        run[from..from + len].iter().fold(0, |n, b| n * 10 + u32::from(b.wrapping_sub(b'0')))
    };
    let hhmm = |from: usize| number(from, 2) < 24 && number(from + 2, 2) < 60;
    if run.len() == 9 && run[4] == b'-' {
        return run.iter().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit()) && hhmm(0) && hhmm(5);
    }
    if !run.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let compact_date = matches!(run.len(), 8 | 14)
        && (1900..=2099).contains(&number(0, 4))
        && (1..=12).contains(&number(4, 2))
        && (1..=31).contains(&number(6, 2));
    let account = run.len() == 12 && start > 0 && bytes[start - 1] == b':' && bytes.get(end) == Some(&b':');
    compact_date || account
}

/// A bare digit run masked: the first 3 and last 4 characters stay (`090****5678`).
fn mask_run(run: &str) -> String {
    format!("{}****{}", &run[..3], &run[run.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e164_numbers() {
        for ok in [
            "+819012345678",
            "+81312345678",
            "+11111111111",
            "+14155550100",
            "+2222222222",
            "+442079460958",
            "+861234567890123",
            "+79161234567",
            "+6831234",
            "+50012345",
        ] {
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

    /// Issue 12, point 2: `+12` and `+1234` passed and were rung; Connect refuses them.
    #[test]
    fn numbers_that_cannot_be_dialled_are_rejected_by_country_code_and_length() {
        for (raw, why) in [
            ("+12", "has 1 digits after the country code +1, which has numbers of 10 digits"),
            ("+1234", "has 3 digits after the country code +1, which has numbers of 10 digits"),
            ("+1415555010", "has 9 digits after the country code +1"),
            ("+141555501000", "has 11 digits after the country code +1"),
            ("+8190123456789", "has 11 digits after the country code +81, which has numbers of 9 to 10 digits"),
            ("+8131234567", "has 8 digits after the country code +81"),
            ("+4412345", "has 5 digits after the country code +44, which has numbers of 6 to 13 digits"),
            ("+2812345678", "starts with no country calling code in use"),
            ("+8001234", "has 4 digits after the country code +800"),
            ("+683123", "has 3 digits after the country code +683"),
        ] {
            let err = PhoneNumber::parse(raw).map(|n| n.masked()).unwrap_err().to_string();
            assert!(err.contains(why), "{raw}: {err}");
            assert!(!err.contains(&raw[1..]), "masked: {err}");
        }
    }

    #[test]
    fn the_country_code_table_is_sorted_and_prefix_free() {
        assert!(COUNTRY_CODES.windows(2).all(|pair| pair[0] < pair[1]));
        for code in COUNTRY_CODES {
            let text = code.to_string();
            for len in 1..text.len() {
                let prefix: u16 = text[..len].parse().unwrap();
                assert!(COUNTRY_CODES.binary_search(&prefix).is_err(), "+{prefix} is a prefix of +{code}");
            }
        }
        assert!(NATIONAL_LENGTHS.iter().all(|(code, _, _)| COUNTRY_CODES.contains(code)));
        assert!((0u16..1000).all(|code| IS_COUNTRY_CODE[usize::from(code)] == COUNTRY_CODES.contains(&code)));
    }

    /// Every number the repository's tests, samples and compatibility fixtures use as a valid
    /// one stays valid.
    #[test]
    fn the_numbers_in_use_across_the_repository_stay_valid() {
        for ok in [
            "+11111111111",
            "+12222222222",
            "+13333333333",
            "+15555555555",
            "+14155550100",
            "+14158675309",
            "+18005551212",
            "+22222222222",
            "+33333333333",
            "+44444444444",
            "+55555555555",
            "+66666666666",
            "+811111111111",
            "+81300000000",
            "+81312345678",
            "+813123456009",
            "+815012340001",
            "+815099999999",
            "+819000000099",
            "+819012345678",
            "+819999999999",
        ] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok}");
        }
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

    /// Issue 12, point 11: a number without `+` (`09012345678`, `819012345678`, grouped by
    /// `-` or spaces) is masked too.
    #[test]
    fn scrubbing_masks_long_digit_runs_without_a_plus() {
        for (text, scrubbed) in [
            ("found \"09012345678\"", "found \"090****5678\""),
            ("819012345678", "819****5678"),
            ("tel 090-1234-5678 or 03 1234 5678.", "tel 090****5678 or 03 ****5678."),
            ("+81 90-1234-5678", "+81 9****5678"),
            ("田中09012345678です", "田中090****5678です"),
            ("name: 12345678", "name: 123****5678"),
            ("[0].phoneNumber[0]: 0901234567x", "[0].phoneNumber[0]: 0901234567x"),
        ] {
            assert_eq!(scrub_numbers(text), scrubbed, "{text}");
        }
    }

    #[test]
    fn scrubbing_keeps_dates_times_identifiers_and_small_numbers() {
        for text in [
            "days 10-15 overlap with group1; days 1-3, 7 and 31",
            "2026-11-30 09:00:00 and 2026-11-30T09:00:00+09:00, 20261130, 20261130090000",
            "a shift 0900-1800",
            "arn:aws:sns:ap-northeast-1:123456789012:projectA-sns-topic",
            "alert-61c2408fb7f9646efd4fc490fe3f71a5 bc4d5507-ffcd-4a01-a6a9-107fc1802632",
            "CA1234567890abcdef group123456789 3.14159265358979 1234567",
            "1 2 3 4 5 6 7 8 9 10",
            "+8190****5678 090****5678 +1****45",
        ] {
            assert_eq!(scrub_numbers(text), text);
        }
    }

    #[test]
    fn scrubbing_is_idempotent() {
        for text in ["09012345678", "+81 90-1234-5678", "819012345678 and +819012345678", "090-1234-5678"] {
            let once = scrub_numbers(text);
            assert_eq!(scrub_numbers(&once), once, "{text}");
            assert!(!once.contains("1234"), "{once}");
        }
    }
}
