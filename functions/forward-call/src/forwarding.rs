//! The forwarding file: for each Twilio number, whose it is, where its callers are
//! forwarded when the team's voice service is down, and what they hear.
//!
//! One JSON file replaces the XML file per number that teams used to keep. It is edited
//! often and by hand, so it is read by the domain's one tolerant reader
//! ([`domain::reader`]), as rosters and the mapping are: camelCase or snake_case keys,
//! unknown keys a warning, every mistake reported with the number and the field, and a
//! mistake in one entry never takes down the others. An entry that cannot be used at all
//! is dropped (its callers hear the apology); a bad optional field falls back to the
//! default.
//!
//! ```json
//! {
//!   "defaults": { "apology": "...", "language": "ja-JP", "voice": "Polly.Mizuki" },
//!   "numbers": {
//!     "+815012340001": { "clientName": "...", "destinations": ["+81312345678"] },
//!     "+815012340002": { "clientName": "...", "destinations": { "roster": "phoneNumber.json" } }
//!   }
//! }
//! ```

use std::collections::{BTreeMap, HashSet};

use domain::phone::PhoneNumber;
use domain::problem::Problem;
use domain::reader::{Field, Found, JsonPath, Lookup, Object, Reader, kind, short, shown};
use serde_json::Value;

/// Spoken when nobody can be reached, as the original's TwiML did.
pub const DEFAULT_APOLOGY: &str = "ただいまお電話が大変込み合っております。しばらくたってから、おかけ直し下さいませ。";
pub const DEFAULT_LANGUAGE: &str = "ja-JP";
pub const DEFAULT_VOICE: &str = "Polly.Mizuki";
/// Twilio's own default for `<Dial timeout>`.
pub const DEFAULT_DIAL_TIMEOUT_SECONDS: u32 = 30;
/// Twilio rings at most ten `<Number>`s of one `<Dial>`.
pub const MAX_NUMBERS: usize = 10;

const DEFAULTS: Field = Field::word("defaults");
const NUMBERS: Field = Field::word("numbers");
const TOP_FIELDS: [Field; 2] = [DEFAULTS, NUMBERS];
const CLIENT_NAME: Field = Field::new("clientName", "client_name");
const DESTINATIONS: Field = Field::word("destinations");
const CALLER_ID: Field = Field::new("callerId", "caller_id");
const NOTICE: Field = Field::word("notice");
const APOLOGY: Field = Field::word("apology");
const LANGUAGE: Field = Field::word("language");
const VOICE: Field = Field::word("voice");
const DIAL_TIMEOUT: Field = Field::new("dialTimeoutSeconds", "dial_timeout_seconds");
const DEFAULT_FIELDS: [Field; 5] = [APOLOGY, NOTICE, LANGUAGE, VOICE, DIAL_TIMEOUT];
const ENTRY_FIELDS: [Field; 8] = [CLIENT_NAME, DESTINATIONS, CALLER_ID, NOTICE, APOLOGY, LANGUAGE, VOICE, DIAL_TIMEOUT];
const ROSTER: Field = Field::word("roster");
const FALLBACK: Field = Field::word("fallback");
/// What happens to a number whose entry cannot be used.
const UNUSABLE: &str = "this number's callers hear the apology";
const DEFAULT_USED: &str = "the default is used";

/// Text to speak, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    pub text: String,
    /// A Twilio `<Say language>`, e.g. `ja-JP`.
    pub language: String,
    /// A Twilio `<Say voice>`, e.g. `Polly.Mizuki`.
    pub voice: String,
}

impl Speech {
    /// The built-in apology, for when not even the file's defaults can be read.
    pub fn default_apology() -> Self {
        Self {
            text: DEFAULT_APOLOGY.to_owned(),
            language: DEFAULT_LANGUAGE.to_owned(),
            voice: DEFAULT_VOICE.to_owned(),
        }
    }
}

/// `defaults`: what every entry inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    pub apology: String,
    pub notice: Option<String>,
    pub language: String,
    pub voice: String,
    pub dial_timeout_seconds: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            apology: DEFAULT_APOLOGY.to_owned(),
            notice: None,
            language: DEFAULT_LANGUAGE.to_owned(),
            voice: DEFAULT_VOICE.to_owned(),
            dial_timeout_seconds: DEFAULT_DIAL_TIMEOUT_SECONDS,
        }
    }
}

impl Defaults {
    pub fn apology(&self) -> Speech {
        Speech { text: self.apology.clone(), language: self.language.clone(), voice: self.voice.clone() }
    }
}

/// Where a number's callers are forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destinations {
    /// Fixed numbers, rung at the same time (at most [`MAX_NUMBERS`]).
    Numbers(Vec<PhoneNumber>),
    /// Today's on-call group of a roster file in the same bucket; `fallback` is rung when no
    /// group covers today or the roster cannot be read, as in an escalation.
    Roster { key: String, fallback: Option<PhoneNumber> },
}

/// One Twilio number's forwarding, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub client_name: String,
    pub destinations: Destinations,
    /// The number the destinations see; `None` shows the called Twilio number.
    pub caller_id: Option<PhoneNumber>,
    /// Spoken before dialling; `None` dials at once.
    pub notice: Option<Speech>,
    pub apology: Speech,
    pub dial_timeout_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardingTable {
    pub defaults: Defaults,
    pub numbers: BTreeMap<PhoneNumber, Entry>,
}

impl ForwardingTable {
    /// The entry for the number Twilio says was called (`To`).
    pub fn entry(&self, called: &str) -> Option<&Entry> {
        let called = PhoneNumber::parse(called.trim()).ok()?;
        self.numbers.get(&called)
    }
}

/// The outcome of reading the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardingReport {
    /// `None` when the file as a whole is unusable (not JSON, no `numbers` object).
    pub table: Option<ForwardingTable>,
    pub problems: Vec<Problem>,
}

/// Where in the file an entry is: `numbers.+815012340001`.
pub fn entry_path(number: &str) -> JsonPath {
    JsonPath::root().key(NUMBERS.camel).key(number)
}

/// Where the defaults every entry inherits are.
pub fn defaults_path() -> JsonPath {
    JsonPath::root().key(DEFAULTS.camel)
}

/// Reads a forwarding file. `source` names it in problems (`s3://bucket/key` or a path).
pub fn parse(source: &str, bytes: &[u8]) -> ForwardingReport {
    // Keyed by the team's own Twilio numbers: problems name the entry as the file does.
    let mut reader = Reader::keeping_numbers_in_paths(source);
    let table = table(&mut reader, bytes);
    ForwardingReport { table, problems: reader.finish() }
}

fn table(reader: &mut Reader<'_>, bytes: &[u8]) -> Option<ForwardingTable> {
    let value = reader.document(bytes)?;
    let mut top = reader.object(&value, JsonPath::root(), "an object with \"defaults\" and \"numbers\"", "")?;
    top.unknown_keys(reader, &TOP_FIELDS);
    let defaults = match top.get(reader, DEFAULTS, "") {
        Lookup::Found(found) => reader
            .object(found.value, defaults_path(), "an object", "the built-in defaults are used")
            .map_or_else(Defaults::default, |mut fields| defaults(reader, &mut fields)),
        Lookup::Absent | Lookup::Conflict => Defaults::default(),
    };
    let entries = match top.get(reader, NUMBERS, "") {
        Lookup::Found(Found { value: Value::Object(entries), .. }) => entries,
        Lookup::Found(Found { value, .. }) => {
            reader.expected(&top.path(NUMBERS), "an object keyed by Twilio number", kind(value), "");
            return None;
        }
        Lookup::Absent | Lookup::Conflict => {
            reader.error(&top.path(NUMBERS), "missing: the object keyed by Twilio number (\"+81…\")");
            return None;
        }
    };
    let mut numbers = BTreeMap::new();
    // Every entry as the file gives it: a number given twice is reported, not overwritten.
    for member in reader.members(&top.path(NUMBERS), entries) {
        let number = member.key.as_str();
        let at = entry_path(number);
        let Ok(phone) = PhoneNumber::parse(number.trim()) else {
            reader.error(&at, "the key must be the Twilio number in E.164 form: + and the country code, then the number without its first 0");
            continue;
        };
        if numbers.contains_key(&phone) {
            reader.error(&at, "this number is listed twice; the first entry is used");
            continue;
        }
        if let Some(entry) = entry(reader, at, number, &member.value, &defaults) {
            numbers.insert(phone, entry);
        }
    }
    Some(ForwardingTable { defaults, numbers })
}

fn defaults(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Defaults {
    fields.unknown_keys(reader, &DEFAULT_FIELDS);
    let builtin = Defaults::default();
    Defaults {
        apology: text(reader, fields, APOLOGY).unwrap_or(builtin.apology),
        notice: text(reader, fields, NOTICE),
        language: attribute(reader, fields, LANGUAGE).unwrap_or(builtin.language),
        voice: attribute(reader, fields, VOICE).unwrap_or(builtin.voice),
        dial_timeout_seconds: dial_timeout(reader, fields).unwrap_or(builtin.dial_timeout_seconds),
    }
}

fn entry(reader: &mut Reader<'_>, at: JsonPath, number: &str, item: &Value, defaults: &Defaults) -> Option<Entry> {
    let mut fields = reader.object(item, at, "an object", UNUSABLE)?;
    fields.unknown_keys(reader, &ENTRY_FIELDS);
    let client_name = match text(reader, &mut fields, CLIENT_NAME) {
        Some(name) => name,
        None => {
            reader.warning(&fields.path(CLIENT_NAME), "missing: Slack shows the number instead");
            number.to_owned()
        }
    };
    let destinations = destinations(reader, &mut fields)?;
    let caller_id = optional_phone(reader, &mut fields, CALLER_ID, "the called Twilio number is shown");
    let language = attribute(reader, &mut fields, LANGUAGE).unwrap_or_else(|| defaults.language.clone());
    let voice = attribute(reader, &mut fields, VOICE).unwrap_or_else(|| defaults.voice.clone());
    // An empty notice is how an entry opts out of a default notice.
    let notice = match fields.get(reader, NOTICE, DEFAULT_USED) {
        Lookup::Found(Found { value: Value::String(text), .. }) if text.trim().is_empty() => None,
        Lookup::Found(found) => text_of(reader, &fields.path(NOTICE), found.value).or_else(|| defaults.notice.clone()),
        Lookup::Absent | Lookup::Conflict => defaults.notice.clone(),
    };
    let apology = text(reader, &mut fields, APOLOGY).unwrap_or_else(|| defaults.apology.clone());
    let speech = |text: String| Speech { text, language: language.clone(), voice: voice.clone() };
    Some(Entry {
        client_name,
        destinations,
        caller_id,
        notice: notice.map(speech),
        apology: speech(apology),
        dial_timeout_seconds: dial_timeout(reader, &mut fields).unwrap_or(defaults.dial_timeout_seconds),
    })
}

fn destinations(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Option<Destinations> {
    let found = fields.get(reader, DESTINATIONS, UNUSABLE);
    let at = fields.path(DESTINATIONS);
    match found {
        Lookup::Conflict => None,
        Lookup::Absent => {
            reader.error(&at, format!("missing: {UNUSABLE}"));
            None
        }
        Lookup::Found(Found { value: Value::String(_), .. }) => {
            reader.expected(&at, "an array of numbers, even for one", "a string", UNUSABLE);
            None
        }
        Lookup::Found(Found { value: Value::Array(items), .. }) => {
            let mut numbers: Vec<PhoneNumber> = Vec::new();
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(number) = phone(reader, &at.index(i), item, "this destination is skipped")
                    && seen.insert(number.clone())
                {
                    numbers.push(number);
                }
            }
            if numbers.len() > MAX_NUMBERS {
                reader.warning(
                    &at,
                    format!(
                        "{} numbers; Twilio rings at most {MAX_NUMBERS}, the first {MAX_NUMBERS} are used",
                        numbers.len()
                    ),
                );
                numbers.truncate(MAX_NUMBERS);
            }
            if numbers.is_empty() {
                reader.error(&at, format!("no number that can be dialled; {UNUSABLE}"));
                return None;
            }
            Some(Destinations::Numbers(numbers))
        }
        Lookup::Found(Found { value: value @ Value::Object(_), .. }) => {
            let mut roster = reader.object(value, at, "an object", UNUSABLE)?;
            roster.unknown_keys(reader, &[ROSTER, FALLBACK]);
            let key = match roster.get(reader, ROSTER, UNUSABLE) {
                Lookup::Found(Found { value: Value::String(key), .. }) if !key.trim().is_empty() => {
                    key.trim().to_owned()
                }
                Lookup::Conflict => return None,
                Lookup::Absent => {
                    reader.error(
                        &roster.path(ROSTER),
                        format!("missing: the roster file's key, such as \"phoneNumber.json\"; {UNUSABLE}"),
                    );
                    return None;
                }
                Lookup::Found(Found { value, .. }) => {
                    let what = "the roster file's key, such as \"phoneNumber.json\"";
                    reader.expected(&roster.path(ROSTER), what, shown(value), UNUSABLE);
                    return None;
                }
            };
            let fallback = optional_phone(reader, &mut roster, FALLBACK, "no fallback is rung");
            Some(Destinations::Roster { key, fallback })
        }
        Lookup::Found(Found { value, .. }) => {
            let what = "an array of numbers or {\"roster\": \"...\"}";
            reader.expected(&at, what, kind(value), UNUSABLE);
            None
        }
    }
}

/// An optional E.164 number; a bad one is an error and is ignored (`consequence` says what
/// happens instead).
fn optional_phone(
    reader: &mut Reader<'_>,
    fields: &mut Object<'_>,
    field: Field,
    consequence: &str,
) -> Option<PhoneNumber> {
    match fields.get(reader, field, consequence) {
        Lookup::Found(found) => phone(reader, &fields.path(field), found.value, consequence),
        Lookup::Absent | Lookup::Conflict => None,
    }
}

fn phone(reader: &mut Reader<'_>, at: &JsonPath, value: &Value, consequence: &str) -> Option<PhoneNumber> {
    match value {
        Value::String(raw) => match PhoneNumber::parse(raw.trim()) {
            Ok(number) => Some(number),
            Err(err) => {
                reader.error(at, format!("not an E.164 number ({err}); {consequence}"));
                None
            }
        },
        // Never the value itself: it may be a phone number, and problems show them masked.
        other => {
            reader.expected(at, "a number in quotes, in E.164 form (\"+81…\")", kind(other), consequence);
            None
        }
    }
}

/// Optional non-empty text; anything else is reported and the default used.
fn text(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<String> {
    match fields.get(reader, field, DEFAULT_USED) {
        Lookup::Found(found) => text_of(reader, &fields.path(field), found.value),
        Lookup::Absent | Lookup::Conflict => None,
    }
}

fn text_of(reader: &mut Reader<'_>, at: &JsonPath, value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()).filter(|text| !text.is_empty()),
        other => {
            reader.expected(at, "a string", kind(other), DEFAULT_USED);
            None
        }
    }
}

/// A `<Say>` attribute such as `ja-JP` or `Polly.Takumi-Neural`.
fn attribute(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<String> {
    let text = text(reader, fields, field)?;
    if text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        Some(text)
    } else {
        reader.error(
            &fields.path(field),
            format!("{text:?} is not a Twilio {} (such as ja-JP or Polly.Mizuki); {DEFAULT_USED}", field.camel),
        );
        None
    }
}

fn dial_timeout(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Option<u32> {
    let Lookup::Found(found) = fields.get(reader, DIAL_TIMEOUT, DEFAULT_USED) else { return None };
    match found.value.as_u64().and_then(|n| u32::try_from(n).ok()) {
        Some(n) if (5..=600).contains(&n) => Some(n),
        _ => {
            let what = "whole seconds from 5 to 600 (Twilio's range)";
            reader.expected(&fields.path(DIAL_TIMEOUT), what, short(found.value), DEFAULT_USED);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    fn read(json: &str) -> ForwardingReport {
        parse("s3://b/forwarding.json", json.as_bytes())
    }

    fn messages(report: &ForwardingReport) -> Vec<String> {
        report.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_numbers_and_roster_entries_with_defaults_applied() {
        let report = read(
            r#"{
              "defaults": {"apology": "Sorry.", "language": "en-US", "voice": "Polly.Joanna", "dialTimeoutSeconds": 20},
              "numbers": {
                "+815012340001": {"clientName": "A", "destinations": ["+81312345678", "+819012345678"],
                                  "callerId": "+815012340001", "notice": "Connecting you."},
                "+815012340002": {"clientName": "B", "destinations": {"roster": "team/phoneNumber.json", "fallback": "+81311112222"},
                                  "language": "ja-JP", "voice": "Polly.Takumi-Neural", "apology": "申し訳ございません。"}
              }
            }"#,
        );
        assert!(report.problems.is_empty(), "{:?}", messages(&report));
        let table = report.table.unwrap();
        let a = table.entry("+815012340001").unwrap();
        assert_eq!(a.client_name, "A");
        assert_eq!(a.destinations, Destinations::Numbers(vec![phone("+81312345678"), phone("+819012345678")]));
        assert_eq!(a.caller_id, Some(phone("+815012340001")));
        assert_eq!(
            a.notice.as_ref().map(|s| (s.text.as_str(), s.language.as_str())),
            Some(("Connecting you.", "en-US"))
        );
        assert_eq!(a.apology.text, "Sorry.");
        assert_eq!(a.dial_timeout_seconds, 20);
        let b = table.entry(" +815012340002 ").unwrap();
        assert_eq!(
            b.destinations,
            Destinations::Roster { key: "team/phoneNumber.json".into(), fallback: Some(phone("+81311112222")) }
        );
        assert_eq!(
            b.apology,
            Speech {
                text: "申し訳ございません。".into(),
                language: "ja-JP".into(),
                voice: "Polly.Takumi-Neural".into()
            }
        );
        assert!(b.notice.is_none() && b.caller_id.is_none());
        assert!(table.entry("+815099999999").is_none() && table.entry("client:alice").is_none());
    }

    #[test]
    fn without_defaults_the_japanese_apology_is_spoken() {
        let table = read(r#"{"numbers": {"+815012340001": {"clientName": "A", "destinations": ["+81312345678"]}}}"#)
            .table
            .unwrap();
        let entry = table.entry("+815012340001").unwrap();
        assert_eq!(entry.apology, Speech::default_apology());
        assert_eq!(entry.apology.text, DEFAULT_APOLOGY);
        assert_eq!(entry.dial_timeout_seconds, 30);
    }

    #[test]
    fn a_broken_entry_is_dropped_and_named_while_the_others_still_work() {
        let report = read(
            r#"{"numbers": {
                "+815012340001": {"clientName": "A", "destinations": ["+81xxxxxxxxxx"]},
                "+815012340002": {"clientName": "B"},
                "0501234": {"clientName": "C", "destinations": ["+81312345678"]},
                "+815012340004": {"clientName": "D", "destinations": ["+81312345678"]}
            }}"#,
        );
        let table = report.table.as_ref().unwrap();
        assert_eq!(table.numbers.keys().map(PhoneNumber::as_str).collect::<Vec<_>>(), ["+815012340004"]);
        let text = messages(&report).join("\n");
        assert!(text.contains("numbers.+815012340001.destinations[0]: not an E.164 number"), "{text}");
        assert!(text.contains("numbers.+815012340001.destinations: no number that can be dialled"), "{text}");
        assert!(text.contains("numbers.+815012340002.destinations: missing"), "{text}");
        assert!(text.contains("numbers.0501234: the key must be the Twilio number"), "{text}");
        assert!(!text.contains("+81xxxxxxxxxx"), "numbers are masked in problems: {text}");
    }

    #[test]
    fn bad_optional_fields_fall_back_to_defaults_and_are_reported() {
        let report = read(
            r#"{"numbers": {"+815012340001": {
                "clientName": "A", "destinations": ["+81312345678", "+81312345678", "+81399999999"],
                "callerId": "050-1234-0001", "voice": "Polly Mizuki\"/>", "dialTimeoutSeconds": 1, "notice": 3, "colour": "red"
            }}}"#,
        );
        let entry = report.table.as_ref().unwrap().entry("+815012340001").unwrap().clone();
        assert_eq!(entry.destinations, Destinations::Numbers(vec![phone("+81312345678"), phone("+81399999999")]));
        assert_eq!(entry.caller_id, None);
        assert_eq!(entry.apology.voice, DEFAULT_VOICE);
        assert_eq!(entry.dial_timeout_seconds, DEFAULT_DIAL_TIMEOUT_SECONDS);
        assert!(entry.notice.is_none());
        let text = messages(&report).join("\n");
        for field in ["callerId", "voice", "dialTimeoutSeconds", "notice"] {
            assert!(
                text.contains(&format!("error: s3://b/forwarding.json: numbers.+815012340001.{field}")),
                "{field}: {text}"
            );
        }
        assert!(
            text.contains("warning: s3://b/forwarding.json: numbers.+815012340001.colour: unknown field"),
            "{text}"
        );
    }

    #[test]
    fn more_than_ten_destinations_keep_the_first_ten_with_a_warning() {
        let numbers: Vec<String> = (0..12).map(|i| format!("\"+8131234560{i:02}\"")).collect();
        let json = format!(
            r#"{{"numbers": {{"+815012340001": {{"clientName": "A", "destinations": [{}]}}}}}}"#,
            numbers.join(",")
        );
        let report = read(&json);
        let Destinations::Numbers(kept) = &report.table.as_ref().unwrap().entry("+815012340001").unwrap().destinations
        else {
            panic!("expected numbers");
        };
        assert_eq!(kept.len(), MAX_NUMBERS);
        assert_eq!(kept[9].as_str(), "+813123456009");
        assert!(messages(&report).join("\n").contains("Twilio rings at most 10"));
    }

    #[test]
    fn an_empty_notice_opts_out_of_the_default_notice() {
        let table = read(
            r#"{"defaults": {"notice": "おつなぎします。"}, "numbers": {
                "+815012340001": {"clientName": "A", "destinations": ["+81312345678"]},
                "+815012340002": {"clientName": "B", "destinations": ["+81312345678"], "notice": ""}
            }}"#,
        )
        .table
        .unwrap();
        assert_eq!(
            table.entry("+815012340001").unwrap().notice.as_ref().map(|n| n.text.as_str()),
            Some("おつなぎします。")
        );
        assert!(table.entry("+815012340002").unwrap().notice.is_none());
    }

    #[test]
    fn snake_case_keys_are_read_and_conflicts_and_typos_are_reported() {
        let report = read(
            r#"{"defaults": {"dial_timeout_seconds": 20, "voise": "Polly.Takumi"},
                "numbers": {
                  "+815012340001": {"client_name": "A", "destinations": ["+81312345678"], "caller_id": "+815012340001"},
                  "+815012340002": {"clientName": "B", "client_name": "C", "destinations": ["+81312345678"],
                                    "callerId": "+815012340001", "caller_id": "+815012340009", "clientname": "x"}
                }}"#,
        );
        let table = report.table.as_ref().unwrap();
        let a = table.entry("+815012340001").unwrap();
        assert_eq!((a.client_name.as_str(), a.dial_timeout_seconds), ("A", 20));
        assert_eq!(a.caller_id, Some(phone("+815012340001")));
        let b = table.entry("+815012340002").unwrap();
        assert_eq!((b.client_name.as_str(), b.caller_id.clone()), ("+815012340002", None), "conflicts: the defaults");
        let text = messages(&report).join("\n");
        for expected in [
            "warning: s3://b/forwarding.json: defaults.voise: unknown field, ignored; did you mean voice?",
            "warning: s3://b/forwarding.json: numbers.+815012340002.clientname: unknown field, ignored; did you mean \
             clientName?",
            "error: s3://b/forwarding.json: numbers.+815012340002: both clientName and client_name are given, with \
             different values; keep one; the default is used",
            "error: s3://b/forwarding.json: numbers.+815012340002: both callerId and caller_id are given, with \
             different values; keep one; the called Twilio number is shown",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }

    #[test]
    fn an_unusable_file_says_why() {
        for (json, expected) in [
            ("{", "not valid JSON"),
            ("[]", "expected an object"),
            ("{}", "numbers: missing"),
            (r#"{"numbers": []}"#, "numbers: expected an object keyed by Twilio number"),
        ] {
            let report = read(json);
            assert!(report.table.is_none(), "{json}");
            let text = messages(&report).join("\n");
            assert!(text.contains(expected), "{json}: {text}");
        }
    }

    /// Issue 12, point 5: a Twilio number given twice kept the last entry without a word.
    #[test]
    fn a_number_given_twice_is_an_error_and_the_first_entry_is_used() {
        let report = read(
            r#"{"numbers": {
                "+815012340001": {"clientName": "A", "destinations": ["+81312345678"]},
                "+815012340001": {"clientName": "B", "destinations": ["+81399999999"]},
                "+815012340002": {"clientName": "C", "destinations": ["+81312345678"], "voice": "Polly.Mizuki",
                                  "voice": "Polly.Takumi"}
            }}"#,
        );
        let table = report.table.as_ref().unwrap();
        assert_eq!(table.entry("+815012340001").unwrap().client_name, "A");
        assert_eq!(table.entry("+815012340002").unwrap().apology.voice, DEFAULT_VOICE);
        assert_eq!(
            messages(&report),
            [
                "error: s3://b/forwarding.json: numbers.+815012340001: this number is listed twice; the first entry is \
                 used",
                "error: s3://b/forwarding.json: numbers.+815012340002.voice: the key is given 2 times, with different \
                 values; keep one; the default is used",
            ]
        );
    }

    /// Issue 12, point 11: values in problems are masked; the entry's own Twilio number, the
    /// file's key, stays in the location so the problem names its entry.
    #[test]
    fn numbers_in_values_are_masked_in_problems() {
        let report = read(
            r#"{"numbers": {"+815012340001": {
                "clientName": "A", "destinations": ["+81312345678"], "dialTimeoutSeconds": "09012345678",
                "voice": "Polly 09012345678"
            }}}"#,
        );
        let text = messages(&report).join("\n");
        assert!(!text.contains("9012345678"), "{text}");
        assert!(
            text.contains(
                "error: s3://b/forwarding.json: numbers.+815012340001.dialTimeoutSeconds: expected whole seconds from \
                 5 to 600 (Twilio's range), found \"090****5678\""
            ),
            "{text}"
        );
        assert!(text.contains("\"Polly 090****5678\" is not a Twilio voice"), "{text}");
    }
}
