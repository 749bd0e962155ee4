//! The forwarding file: for each Twilio number, whose it is, where its callers are
//! forwarded when the team's voice service is down, and what they hear.
//!
//! One JSON file replaces the XML file per number that teams used to keep. It is edited
//! often and by hand, so reading it follows the roster's rules: every mistake is reported
//! with the number and the field, and a mistake in one entry never takes down the others.
//! An entry that cannot be used at all is dropped (its callers hear the apology); a bad
//! optional field falls back to the default.
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

use std::collections::BTreeMap;

use domain::phone::PhoneNumber;
use domain::problem::Problem;
use serde_json::{Map, Value};

/// Spoken when nobody can be reached, as the original's TwiML did.
pub const DEFAULT_APOLOGY: &str = "ただいまお電話が大変込み合っております。しばらくたってから、おかけ直し下さいませ。";
pub const DEFAULT_LANGUAGE: &str = "ja-JP";
pub const DEFAULT_VOICE: &str = "Polly.Mizuki";
/// Twilio's own default for `<Dial timeout>`.
pub const DEFAULT_DIAL_TIMEOUT_SECONDS: u32 = 30;
/// Twilio rings at most ten `<Number>`s of one `<Dial>`.
pub const MAX_NUMBERS: usize = 10;

const TOP_KEYS: &[&str] = &["defaults", "numbers"];
const DEFAULT_KEYS: &[&str] = &["apology", "notice", "language", "voice", "dialTimeoutSeconds"];
const ENTRY_KEYS: &[&str] =
    &["clientName", "destinations", "callerId", "notice", "apology", "language", "voice", "dialTimeoutSeconds"];

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

/// Where in the file an entry's problems are reported: `numbers.+815012340001`.
pub fn entry_location(number: &str) -> String {
    format!("numbers.{number}")
}

/// Reads a forwarding file. `source` names it in problems (`s3://bucket/key` or a path).
pub fn parse(source: &str, bytes: &[u8]) -> ForwardingReport {
    let mut reader = Reader { source, problems: Vec::new() };
    let table = reader.table(bytes);
    ForwardingReport { table, problems: reader.problems }
}

struct Reader<'a> {
    source: &'a str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn error(&mut self, location: Option<String>, message: impl Into<String>) {
        self.problems.push(Problem::error(self.source, location, message));
    }

    fn warning(&mut self, location: Option<String>, message: impl Into<String>) {
        self.problems.push(Problem::warning(self.source, location, message));
    }

    fn table(&mut self, bytes: &[u8]) -> Option<ForwardingTable> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(err) => {
                self.error(None, format!("not valid JSON: {err}"));
                return None;
            }
        };
        let Value::Object(top) = value else {
            self.error(None, format!("expected an object with \"defaults\" and \"numbers\", found {}", kind(&value)));
            return None;
        };
        self.unknown_keys(&top, None, TOP_KEYS);
        let defaults = match top.get("defaults") {
            None => Defaults::default(),
            Some(Value::Object(fields)) => self.defaults(fields),
            Some(other) => {
                self.error(Some("defaults".into()), format!("expected an object, found {}", kind(other)));
                Defaults::default()
            }
        };
        let entries = match top.get("numbers") {
            Some(Value::Object(entries)) => entries,
            Some(other) => {
                self.error(
                    Some("numbers".into()),
                    format!("expected an object keyed by Twilio number, found {}", kind(other)),
                );
                return None;
            }
            None => {
                self.error(Some("numbers".into()), "missing: the object keyed by Twilio number (\"+815012340001\")");
                return None;
            }
        };
        let mut numbers = BTreeMap::new();
        for (number, item) in entries {
            let location = entry_location(number);
            let Ok(phone) = PhoneNumber::parse(number.trim()) else {
                self.error(Some(location), "the key must be the Twilio number in E.164 form, such as +815012340001");
                continue;
            };
            if numbers.contains_key(&phone) {
                self.error(Some(location), "this number is listed twice; the first entry is used");
                continue;
            }
            if let Some(entry) = self.entry(&location, item, &defaults) {
                numbers.insert(phone, entry);
            }
        }
        Some(ForwardingTable { defaults, numbers })
    }

    fn defaults(&mut self, fields: &Map<String, Value>) -> Defaults {
        let location = |key: &str| format!("defaults.{key}");
        self.unknown_keys(fields, Some("defaults"), DEFAULT_KEYS);
        let builtin = Defaults::default();
        Defaults {
            apology: self.text(fields, "apology", &location("apology")).unwrap_or(builtin.apology),
            notice: self.text(fields, "notice", &location("notice")),
            language: self.attribute(fields, "language", &location("language")).unwrap_or(builtin.language),
            voice: self.attribute(fields, "voice", &location("voice")).unwrap_or(builtin.voice),
            dial_timeout_seconds: self
                .dial_timeout(fields, &location("dialTimeoutSeconds"))
                .unwrap_or(builtin.dial_timeout_seconds),
        }
    }

    fn entry(&mut self, location: &str, item: &Value, defaults: &Defaults) -> Option<Entry> {
        let Value::Object(fields) = item else {
            self.error(Some(location.to_owned()), format!("expected an object, found {}", kind(item)));
            return None;
        };
        self.unknown_keys(fields, Some(location), ENTRY_KEYS);
        let at = |key: &str| format!("{location}.{key}");
        let client_name = match self.text(fields, "clientName", &at("clientName")) {
            Some(name) => name,
            None => {
                self.warning(Some(at("clientName")), "missing: Slack shows the number instead");
                location.trim_start_matches("numbers.").to_owned()
            }
        };
        let destinations = self.destinations(fields.get("destinations"), &at("destinations"))?;
        let caller_id = self.phone(fields.get("callerId"), &at("callerId"), "the called Twilio number is shown");
        let language = self.attribute(fields, "language", &at("language")).unwrap_or_else(|| defaults.language.clone());
        let voice = self.attribute(fields, "voice", &at("voice")).unwrap_or_else(|| defaults.voice.clone());
        // An empty notice is how an entry opts out of a default notice.
        let notice = match fields.get("notice") {
            Some(Value::String(text)) if text.trim().is_empty() => None,
            _ => self.text(fields, "notice", &at("notice")).or_else(|| defaults.notice.clone()),
        };
        let apology = self.text(fields, "apology", &at("apology")).unwrap_or_else(|| defaults.apology.clone());
        let speech = |text: String| Speech { text, language: language.clone(), voice: voice.clone() };
        Some(Entry {
            client_name,
            destinations,
            caller_id,
            notice: notice.map(speech),
            apology: speech(apology),
            dial_timeout_seconds: self
                .dial_timeout(fields, &at("dialTimeoutSeconds"))
                .unwrap_or(defaults.dial_timeout_seconds),
        })
    }

    fn destinations(&mut self, value: Option<&Value>, location: &str) -> Option<Destinations> {
        let unusable = "this number's callers hear the apology";
        match value {
            None => {
                self.error(Some(location.to_owned()), format!("missing: {unusable}"));
                None
            }
            Some(Value::String(_)) => {
                self.error(Some(location.to_owned()), format!("expected a list of numbers, even for one; {unusable}"));
                None
            }
            Some(Value::Array(items)) => {
                let mut numbers: Vec<PhoneNumber> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{location}[{i}]");
                    if let Some(number) = self.phone(Some(item), &at, "this destination is skipped")
                        && !numbers.contains(&number)
                    {
                        numbers.push(number);
                    }
                }
                if numbers.len() > MAX_NUMBERS {
                    self.warning(
                        Some(location.to_owned()),
                        format!(
                            "{} numbers; Twilio rings at most {MAX_NUMBERS}, the first {MAX_NUMBERS} are used",
                            numbers.len()
                        ),
                    );
                    numbers.truncate(MAX_NUMBERS);
                }
                if numbers.is_empty() {
                    self.error(Some(location.to_owned()), format!("no number that can be dialled; {unusable}"));
                    return None;
                }
                Some(Destinations::Numbers(numbers))
            }
            Some(Value::Object(fields)) => {
                self.unknown_keys(fields, Some(location), &["roster", "fallback"]);
                let key = match fields.get("roster") {
                    Some(Value::String(key)) if !key.trim().is_empty() => key.trim().to_owned(),
                    _ => {
                        self.error(
                            Some(format!("{location}.roster")),
                            format!("expected the roster file's key, such as \"phoneNumber.json\"; {unusable}"),
                        );
                        return None;
                    }
                };
                let fallback =
                    self.phone(fields.get("fallback"), &format!("{location}.fallback"), "no fallback is rung");
                Some(Destinations::Roster { key, fallback })
            }
            Some(other) => {
                self.error(
                    Some(location.to_owned()),
                    format!("expected a list of numbers or {{\"roster\": \"...\"}}, found {}; {unusable}", kind(other)),
                );
                None
            }
        }
    }

    /// An optional E.164 number; a bad one is an error and is ignored (`consequence` says
    /// what happens instead).
    fn phone(&mut self, value: Option<&Value>, location: &str, consequence: &str) -> Option<PhoneNumber> {
        match value? {
            Value::String(raw) => match PhoneNumber::parse(raw.trim()) {
                Ok(number) => Some(number),
                Err(err) => {
                    self.error(Some(location.to_owned()), format!("not an E.164 number ({err}); {consequence}"));
                    None
                }
            },
            other => {
                self.error(
                    Some(location.to_owned()),
                    format!(
                        "expected a number in quotes, such as \"+81312345678\", found {}; {consequence}",
                        kind(other)
                    ),
                );
                None
            }
        }
    }

    /// Optional non-empty text; anything else is reported and the default used.
    fn text(&mut self, fields: &Map<String, Value>, key: &str, location: &str) -> Option<String> {
        match fields.get(key)? {
            Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Value::String(_) => None,
            other => {
                self.error(
                    Some(location.to_owned()),
                    format!("expected text, found {}; the default is used", kind(other)),
                );
                None
            }
        }
    }

    /// A `<Say>` attribute such as `ja-JP` or `Polly.Takumi-Neural`.
    fn attribute(&mut self, fields: &Map<String, Value>, key: &str, location: &str) -> Option<String> {
        let text = self.text(fields, key, location)?;
        if text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            Some(text)
        } else {
            self.error(
                Some(location.to_owned()),
                format!("{text:?} is not a Twilio {key} (such as ja-JP or Polly.Mizuki); the default is used"),
            );
            None
        }
    }

    fn dial_timeout(&mut self, fields: &Map<String, Value>, location: &str) -> Option<u32> {
        let value = fields.get("dialTimeoutSeconds")?;
        match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if (5..=600).contains(&n) => Some(n),
            _ => {
                self.error(
                    Some(location.to_owned()),
                    format!(
                        "expected whole seconds from 5 to 600 (Twilio's range), found {value}; the default is used"
                    ),
                );
                None
            }
        }
    }

    fn unknown_keys(&mut self, fields: &Map<String, Value>, parent: Option<&str>, known: &[&str]) {
        for key in fields.keys().filter(|key| !known.contains(&key.as_str())) {
            let location = match parent {
                Some(parent) => format!("{parent}.{key}"),
                None => key.clone(),
            };
            self.warning(Some(location), format!("unknown field, ignored (expected one of: {})", known.join(", ")));
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
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
}
