//! One tolerant reader for the JSON files people edit by hand: rosters, the mapping and
//! forward-call's forwarding file.
//!
//! The rules are the same for every file, so a mistake reads the same wherever it is made:
//! - a field may be spelt in camelCase (documented) or snake_case (what the original code
//!   read); both spellings with different values is an error, because either could be the
//!   one the author meant;
//! - an unknown key is a warning naming it (and the known spelling it resembles), never an
//!   error: the file is still used;
//! - a value of the wrong type is reported as `expected …, found …; <what happens instead>`;
//! - every problem names the file and a typed [`JsonPath`] inside it, spelt as the file
//!   spells it (`[1].dry_run`, `group2.phone_number[0]`, `numbers.+815012340001.voice`).
//!
//! The parsed values keep the paths they came from ([`ObjectLocation`]), so a caller that
//! adds its own findings later (`oncall check`) points at the same place without reading the
//! JSON again.

use std::fmt;

use serde_json::{Map, Value};

use crate::problem::Problem;

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A place inside a JSON document: `[2].phoneNumber[0]`, `numbers.+815012340001.voice`.
/// The root is the empty path, shown as no location at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath(Vec<Step>);

impl JsonPath {
    /// The document itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// The member `key` of the object here.
    pub fn key(&self, key: &str) -> Self {
        self.with(Step::Key(key.to_owned()))
    }

    /// The item `index` of the array here.
    pub fn index(&self, index: usize) -> Self {
        self.with(Step::Index(index))
    }

    fn with(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The location a [`Problem`] carries: `None` for the root.
    pub fn location(&self) -> Option<String> {
        (!self.is_root()).then(|| self.to_string())
    }

    /// True when a problem's `location` is this path or a place inside it.
    pub fn contains(&self, location: Option<&str>) -> bool {
        if self.is_root() {
            return true;
        }
        let Some(location) = location else { return false };
        let own = self.to_string();
        location.strip_prefix(own.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A field and its two accepted spellings (the same word twice for a one-word field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The documented spelling.
    pub camel: &'static str,
    /// The spelling the original code read.
    pub snake: &'static str,
}

impl Field {
    pub const fn new(camel: &'static str, snake: &'static str) -> Self {
        Self { camel, snake }
    }

    /// A one-word field: `message`, `voice`.
    pub const fn word(name: &'static str) -> Self {
        Self { camel: name, snake: name }
    }

    fn spelt(&self, key: &str) -> bool {
        key == self.camel || key == self.snake
    }

    /// `startDay (or start_day)`, or just `message`.
    pub fn names(&self) -> String {
        if self.camel == self.snake { self.camel.to_owned() } else { format!("{} (or {})", self.camel, self.snake) }
    }
}

/// Where an object and the fields read from it are, spelt as the file spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectLocation {
    /// The object itself.
    pub at: JsonPath,
    /// (documented spelling, spelling found) of each field read.
    spelt: Vec<(&'static str, String)>,
}

impl ObjectLocation {
    pub fn new(at: JsonPath) -> Self {
        Self { at, spelt: Vec::new() }
    }

    /// The path of `field` as the file spells it; the documented spelling when it is absent.
    pub fn field(&self, field: Field) -> JsonPath {
        let key = self.spelt.iter().find(|(camel, _)| *camel == field.camel).map_or(field.camel, |(_, key)| key);
        self.at.key(key)
    }
}

/// A field's value and where it was found.
#[derive(Debug, Clone, Copy)]
pub struct Found<'v> {
    pub value: &'v Value,
    pub key: &'v str,
}

/// What a lookup of a field found.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'v> {
    Absent,
    /// Both spellings with different values; already reported.
    Conflict,
    Found(Found<'v>),
}

/// A JSON object being read: its members and where it is.
#[derive(Debug)]
pub struct Object<'v> {
    members: &'v Map<String, Value>,
    location: ObjectLocation,
}

impl<'v> Object<'v> {
    pub fn at(&self) -> &JsonPath {
        &self.location.at
    }

    /// Where a field is (spelt as found, once read).
    pub fn path(&self, field: Field) -> JsonPath {
        self.location.field(field)
    }

    pub fn members(&self) -> &'v Map<String, Value> {
        self.members
    }

    /// Looks a field up in either spelling. Both, with different values, is an error at the
    /// object (`consequence` says what happens then); both with the same value is fine.
    pub fn get(&mut self, reader: &mut Reader<'_>, field: Field, consequence: &str) -> Lookup<'v> {
        let found = |key: &'v String, value| Lookup::Found(Found { value, key: key.as_str() });
        let result = match (self.members.get_key_value(field.camel), self.members.get_key_value(field.snake)) {
            (Some((_, a)), Some((_, b))) if a != b => {
                reader.error(
                    &self.location.at,
                    with_consequence(
                        format!("both {} and {} are given, with different values; keep one", field.camel, field.snake),
                        consequence,
                    ),
                );
                Lookup::Conflict
            }
            (Some((key, value)), _) | (None, Some((key, value))) => found(key, value),
            (None, None) => Lookup::Absent,
        };
        if let Lookup::Found(Found { key, .. }) = result {
            self.location.spelt.push((field.camel, key.to_owned()));
        }
        result
    }

    /// [`Object::get`], with an absent field reported at the object as
    /// `missing <field>; <consequence>`.
    pub fn require(&mut self, reader: &mut Reader<'_>, field: Field, consequence: &str) -> Option<Found<'v>> {
        match self.get(reader, field, consequence) {
            Lookup::Found(found) => Some(found),
            Lookup::Conflict => None,
            Lookup::Absent => {
                reader.error(&self.location.at, with_consequence(format!("missing {}", field.names()), consequence));
                None
            }
        }
    }

    /// Warns about every key that is none of `known` (in either spelling), naming the
    /// known spelling it most resembles.
    pub fn unknown_keys(&self, reader: &mut Reader<'_>, known: &[Field]) {
        for key in self.members.keys().filter(|key| !known.iter().any(|field| field.spelt(key))) {
            let mut message = String::from("unknown field, ignored");
            if let Some(guess) = resembles(key, known) {
                message.push_str(&format!("; did you mean {guess}?"));
            }
            message.push_str(&format!(" (expected one of: {})", expected_list(known)));
            reader.warning(&self.location.at.key(key), message);
        }
    }

    /// The locations of the fields read, for findings added after parsing.
    pub fn into_location(self) -> ObjectLocation {
        self.location
    }
}

/// Collects the problems of one file.
#[derive(Debug)]
pub struct Reader<'s> {
    source: &'s str,
    problems: Vec<Problem>,
}

impl<'s> Reader<'s> {
    /// `source` names the file in problems (`s3://bucket/key` or a path).
    pub fn new(source: &'s str) -> Self {
        Self { source, problems: Vec::new() }
    }

    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The document, or `None` with an error when it is not JSON.
    pub fn document(&mut self, bytes: &[u8]) -> Option<Value> {
        match serde_json::from_slice(bytes) {
            Ok(value) => Some(value),
            Err(err) => {
                self.error(&JsonPath::root(), format!("not valid JSON: {err}"));
                None
            }
        }
    }

    /// `value` as an object, or `None` with `expected <what>, found <kind>; <consequence>`.
    pub fn object<'v>(&mut self, value: &'v Value, at: JsonPath, what: &str, consequence: &str) -> Option<Object<'v>> {
        match value {
            Value::Object(members) => Some(Object { members, location: ObjectLocation::new(at) }),
            other => {
                self.expected(&at, what, kind(other), consequence);
                None
            }
        }
    }

    /// The one wording of a type or range error: `expected <what>, found <found>; <consequence>`.
    /// `found` is [`kind`] of the value, or [`short`] where showing it is safe and helps.
    pub fn expected(&mut self, at: &JsonPath, what: &str, found: impl fmt::Display, consequence: &str) {
        self.error(at, with_consequence(format!("expected {what}, found {found}"), consequence));
    }

    pub fn error(&mut self, at: &JsonPath, message: impl Into<String>) {
        self.problems.push(Problem::error(self.source, at.location(), message));
    }

    pub fn warning(&mut self, at: &JsonPath, message: impl Into<String>) {
        self.problems.push(Problem::warning(self.source, at.location(), message));
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn finish(self) -> Vec<Problem> {
        self.problems
    }
}

fn with_consequence(message: String, consequence: &str) -> String {
    if consequence.is_empty() { message } else { format!("{message}; {consequence}") }
}

/// What a value is, for `found …`.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value for a message, cut short so a huge value cannot flood it. Never for a field that
/// may hold a phone number: problems show numbers masked only.
pub fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A wrong value where showing it is safe (never a field that may hold a phone number): a
/// string is shown (`""`, `"1"`), anything else by its kind.
pub fn shown(value: &Value) -> String {
    match value {
        Value::String(_) => short(value),
        other => kind(other).to_owned(),
    }
}

fn expected_list(known: &[Field]) -> String {
    let names: Vec<&str> = known.iter().map(|field| field.camel).collect();
    let mut list = names.join(", ");
    if known.iter().any(|field| field.camel != field.snake) {
        list.push_str(", or their snake_case forms");
    }
    list
}

/// The documented spelling of the known field `key` was probably meant as: the same letters
/// but for case, `_` and `-`, or at most two letters off.
fn resembles(key: &str, known: &[Field]) -> Option<&'static str> {
    let fold = |name: &str| name.chars().filter(|c| !matches!(c, '_' | '-')).flat_map(char::to_lowercase).collect();
    let key: Vec<char> = fold(key);
    known
        .iter()
        .map(|field| (field.camel, distance(&key, &fold(field.camel))))
        .filter(|(name, d)| *d == 0 || (*d <= 2 && name.len() > 4 && key.len() > 4))
        .min_by_key(|(_, d)| *d)
        .map(|(name, _)| name)
}

/// Levenshtein distance.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;
    use serde_json::json;

    const DAY: Field = Field::new("startDay", "start_day");
    const MESSAGE: Field = Field::word("message");

    #[test]
    fn paths_read_as_the_file_is_nested() {
        let path = JsonPath::root().index(2).key("phoneNumber").index(0);
        assert_eq!(path.to_string(), "[2].phoneNumber[0]");
        assert_eq!(JsonPath::root().key("numbers").key("+815012340001").to_string(), "numbers.+815012340001");
        assert_eq!(JsonPath::root().location(), None);
        let entry = JsonPath::root().key("numbers").key("+8150");
        assert!(entry.contains(Some("numbers.+8150")) && entry.contains(Some("numbers.+8150.voice")));
        assert!(!entry.contains(Some("numbers.+81501")) && !entry.contains(None));
        assert!(JsonPath::root().contains(None));
    }

    #[test]
    fn either_spelling_is_read_and_remembered_for_later_findings() {
        let value = json!({"start_day": 3, "message": "m"});
        let mut reader = Reader::new("f.json");
        let mut object = reader.object(&value, JsonPath::root().index(1), "an object", "").unwrap();
        let Lookup::Found(found) = object.get(&mut reader, DAY, "") else { panic!("found") };
        assert_eq!((found.key, found.value), ("start_day", &json!(3)));
        assert!(matches!(object.get(&mut reader, Field::word("absent"), ""), Lookup::Absent));
        let location = object.into_location();
        assert_eq!(location.field(DAY).to_string(), "[1].start_day");
        assert_eq!(location.field(MESSAGE).to_string(), "[1].message", "not read: the documented spelling");
        assert!(reader.finish().is_empty());
    }

    #[test]
    fn conflicting_spellings_are_an_error_and_equal_ones_are_not() {
        let value = json!({"startDay": 1, "start_day": 2});
        let mut reader = Reader::new("f.json");
        let mut object = reader.object(&value, JsonPath::root().index(0), "an object", "").unwrap();
        assert!(object.require(&mut reader, DAY, "entry skipped").is_none());
        let same = json!({"startDay": 1, "start_day": 1});
        let mut object = reader.object(&same, JsonPath::root(), "an object", "").unwrap();
        assert!(object.require(&mut reader, DAY, "").is_some());
        let texts: Vec<String> = reader.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: f.json: [0]: both startDay and start_day are given, with different values; keep one; entry skipped"
            ]
        );
    }

    #[test]
    fn missing_and_wrong_types_have_one_wording() {
        let mut reader = Reader::new("f.json");
        let value = json!({});
        let mut object = reader.object(&value, JsonPath::root().index(0), "an entry object", "").unwrap();
        assert!(object.require(&mut reader, DAY, "").is_none());
        assert!(reader.object(&json!([1]), JsonPath::root().index(1), "an entry object", "skipped").is_none());
        reader.expected(&JsonPath::root().key("d"), "a whole number", short(&json!("1")), "the default is used");
        let texts: Vec<String> = reader.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: f.json: [0]: missing startDay (or start_day)",
                "error: f.json: [1]: expected an entry object, found an array; skipped",
                "error: f.json: d: expected a whole number, found \"1\"; the default is used",
            ]
        );
    }

    #[test]
    fn unknown_keys_are_warnings_that_suggest_the_known_spelling() {
        let value = json!({"timezone": "UTC", "time-zone": "UTC", "phoneNumbr": [], "colour": "red", "message": "m"});
        let known = [Field::new("timeZone", "time_zone"), Field::new("phoneNumber", "phone_number"), MESSAGE];
        let mut reader = Reader::new("f.json");
        let object = reader.object(&value, JsonPath::root().index(3), "an object", "").unwrap();
        object.unknown_keys(&mut reader, &known);
        let problems = reader.finish();
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expected = "(expected one of: timeZone, phoneNumber, message, or their snake_case forms)";
        assert_eq!(
            texts,
            [
                format!("warning: f.json: [3].timezone: unknown field, ignored; did you mean timeZone? {expected}"),
                format!("warning: f.json: [3].time-zone: unknown field, ignored; did you mean timeZone? {expected}"),
                format!(
                    "warning: f.json: [3].phoneNumbr: unknown field, ignored; did you mean phoneNumber? {expected}"
                ),
                format!("warning: f.json: [3].colour: unknown field, ignored {expected}"),
            ]
        );
    }

    #[test]
    fn not_json_is_an_error_at_the_root() {
        let mut reader = Reader::new("f.json");
        assert!(reader.document(b"{").is_none());
        let problems = reader.finish();
        assert_eq!(problems[0].location, None);
        assert!(problems[0].message.starts_with("not valid JSON"));
    }
}
