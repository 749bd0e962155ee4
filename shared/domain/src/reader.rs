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
//! - a key given twice in one object is an error naming it: JSON parsers keep one of the two
//!   silently, so the reader sees every key ([`Reader::document`]) and the file's reader says
//!   what is done (both lists of numbers rung, both groups read, or the field ignored);
//! - every problem names the file and a typed [`JsonPath`] inside it, spelt as the file
//!   spells it (`[1].dry_run`, `group2.phone_number[0]`, `numbers.+815012340001.voice`);
//! - no problem shows a phone number in clear: every message, and every location unless the
//!   file is keyed by the team's own numbers ([`Reader::keeping_numbers_in_paths`]), goes
//!   through [`scrub_numbers`].
//!
//! The parsed values keep the paths they came from ([`ObjectLocation`]), so a caller that
//! adds its own findings later (`oncall check`) points at the same place without reading the
//! JSON again.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::phone::scrub_numbers;
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
        let result = match result {
            Lookup::Found(found) => self.repeated(reader, field, found, consequence),
            other => {
                reader.claim_repeats(&self.location.at, field);
                other
            }
        };
        if let Lookup::Found(Found { key, .. }) = result {
            self.location.spelt.push((field.camel, key.to_owned()));
        }
        result
    }

    /// A field whose key is given more than once: an error naming the key. Values that all
    /// agree are read; different values are a conflict (`consequence` says what happens).
    fn repeated(&self, reader: &mut Reader<'_>, field: Field, found: Found<'v>, consequence: &str) -> Lookup<'v> {
        let (repeats, first_look) = reader.claim_repeats(&self.location.at, field);
        let Some((key, earlier)) = repeats.first() else { return Lookup::Found(found) };
        let times = earlier.len() + 1;
        let at = self.location.at.key(key);
        let agree = repeats.iter().all(|(key, earlier)| earlier.iter().all(|v| self.members.get(key) == Some(v)));
        // Reported once; a later look at the same field reads it the same way, silently.
        match (agree, first_look) {
            (true, true) => reader
                .error(&at, format!("the key is given {times} times; keep one (they say the same, so it is read)")),
            (false, true) => reader.error(
                &at,
                with_consequence(
                    format!("the key is given {times} times, with different values; keep one"),
                    consequence,
                ),
            ),
            (_, false) => {}
        }
        if agree { Lookup::Found(found) } else { Lookup::Conflict }
    }

    /// The values a field had before the one the document kept, when its key is given more
    /// than once, in file order. The caller reads them and reports the repetition.
    pub fn earlier_values(&self, reader: &mut Reader<'_>, field: Field) -> Vec<Value> {
        let (repeats, _) = reader.claim_repeats(&self.location.at, field);
        reader.merged(&self.location.at, field);
        repeats.into_iter().flat_map(|(_, earlier)| earlier).collect()
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
    /// The objects of the document in which a key is given more than once.
    repeats: BTreeMap<JsonPath, Repeats>,
    /// Locations are scrubbed of phone numbers unless the file is keyed by the team's own.
    mask_locations: bool,
}

/// An object in which a key is given more than once.
#[derive(Debug, Default)]
struct Repeats {
    /// Every key of the object, in file order, each time it is given.
    order: Vec<String>,
    keys: Vec<RepeatedKey>,
}

#[derive(Debug)]
struct RepeatedKey {
    key: String,
    /// The values before the last one (which the document keeps), in file order.
    earlier: Vec<Value>,
    /// Reported, or read by the file's reader, which then reports it.
    claimed: bool,
    /// Every value is read by the file's reader ([`Object::earlier_values`]): no conflict.
    merged: bool,
}

impl Repeats {
    fn add(&mut self, key: String, earlier: Value) {
        match self.keys.iter_mut().find(|repeated| repeated.key == key) {
            Some(repeated) => repeated.earlier.push(earlier),
            None => self.keys.push(RepeatedKey { key, earlier: vec![earlier], claimed: false, merged: false }),
        }
    }
}

/// One member of an object as the file gives it, repeated keys included.
#[derive(Debug, Clone)]
pub struct Member<'v> {
    pub key: String,
    pub value: Cow<'v, Value>,
    /// How many times the object gives this key (1 when it is not repeated).
    pub times: usize,
    /// Which of them this is, from 1.
    pub nth: usize,
}

impl<'s> Reader<'s> {
    /// `source` names the file in problems (`s3://bucket/key` or a path).
    pub fn new(source: &'s str) -> Self {
        Self { source, problems: Vec::new(), repeats: BTreeMap::new(), mask_locations: true }
    }

    /// A reader for a file whose keys are the team's own numbers (the forwarding file, keyed
    /// by Twilio number): locations name them as the file does (`numbers.+815012340001`), so
    /// a problem can be matched to its entry; messages are scrubbed as everywhere.
    pub fn keeping_numbers_in_paths(source: &'s str) -> Self {
        Self { mask_locations: false, ..Self::new(source) }
    }

    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The document, or `None` with an error when it is not JSON. Every key is seen: where an
    /// object gives a key more than once the document keeps the last value, and the reader
    /// remembers the others, which the file's reader asks for ([`Object::get`],
    /// [`Object::earlier_values`], [`Reader::members`]); the rest are reported by
    /// [`Reader::finish`].
    pub fn document(&mut self, bytes: &[u8]) -> Option<Value> {
        let mut state = ParseState::default();
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed = ValueSeed(&mut state).deserialize(&mut deserializer).and_then(|value| {
            deserializer.end()?;
            Ok(value)
        });
        match parsed {
            Ok(value) => {
                self.repeats = state.repeats;
                Some(value)
            }
            Err(err) => {
                self.error(&JsonPath::root(), format!("not valid JSON: {err}"));
                None
            }
        }
    }

    /// The members of the object at `at`, in file order, a repeated key once for each time
    /// it is given (the earlier values are the ones the document did not keep). The caller
    /// reports the repetitions.
    pub fn members<'v>(&mut self, at: &JsonPath, members: &'v Map<String, Value>) -> Vec<Member<'v>> {
        let Some(repeats) = self.repeats.get_mut(at) else {
            return members
                .iter()
                .map(|(key, value)| Member { key: key.clone(), value: Cow::Borrowed(value), times: 1, nth: 1 })
                .collect();
        };
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut out = Vec::with_capacity(repeats.order.len());
        for key in &repeats.order {
            let nth = seen.entry(key.as_str()).or_default();
            *nth += 1;
            let earlier = repeats.keys.iter().find(|repeated| &repeated.key == key).map(|r| &r.earlier);
            let times = earlier.map_or(1, |earlier| earlier.len() + 1);
            let value = match earlier.and_then(|earlier| earlier.get(*nth - 1)) {
                Some(value) => Cow::Owned(value.clone()),
                None => match members.get(key) {
                    Some(value) => Cow::Borrowed(value),
                    None => continue,
                },
            };
            out.push(Member { key: key.clone(), value, times, nth: *nth });
        }
        repeats.keys.iter_mut().for_each(|repeated| repeated.claimed = true);
        out
    }

    /// The earlier values of `field`'s keys in the object at `at`, marked as reported, and
    /// whether this is the first look at them (the one that reports them).
    fn claim_repeats(&mut self, at: &JsonPath, field: Field) -> (Vec<(String, Vec<Value>)>, bool) {
        let Some(repeats) = self.repeats.get_mut(at) else { return (Vec::new(), false) };
        let mut first_look = false;
        let found = repeats
            .keys
            .iter_mut()
            .filter(|repeated| field.spelt(&repeated.key) && !repeated.merged)
            .map(|repeated| {
                first_look |= !repeated.claimed;
                repeated.claimed = true;
                (repeated.key.clone(), repeated.earlier.clone())
            })
            .collect();
        (found, first_look)
    }

    /// Marks `field`'s repeated keys in the object at `at` as read in full by the caller.
    fn merged(&mut self, at: &JsonPath, field: Field) {
        if let Some(repeats) = self.repeats.get_mut(at) {
            repeats.keys.iter_mut().filter(|repeated| field.spelt(&repeated.key)).for_each(|repeated| {
                repeated.claimed = true;
                repeated.merged = true;
            });
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
    /// `found` is [`kind`] of the value, or [`short`] where showing it helps (a number in it
    /// is masked, as in every message).
    pub fn expected(&mut self, at: &JsonPath, what: &str, found: impl fmt::Display, consequence: &str) {
        self.error(at, with_consequence(format!("expected {what}, found {found}"), consequence));
    }

    pub fn error(&mut self, at: &JsonPath, message: impl Into<String>) {
        let location = self.location(at);
        self.problems.push(Problem::error(self.source, location, message));
    }

    pub fn warning(&mut self, at: &JsonPath, message: impl Into<String>) {
        let location = self.location(at);
        self.problems.push(Problem::warning(self.source, location, message));
    }

    fn location(&self, at: &JsonPath) -> Option<String> {
        let location = at.location()?;
        Some(if self.mask_locations { scrub_numbers(&location) } else { location })
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems, with an error for each repeated key nobody asked about (an unknown key,
    /// or a key in an object that was not read): the last value is the one that was read.
    pub fn finish(mut self) -> Vec<Problem> {
        let repeats = std::mem::take(&mut self.repeats);
        for (at, repeats) in repeats {
            for repeated in repeats.keys.into_iter().filter(|repeated| !repeated.claimed) {
                let times = repeated.earlier.len() + 1;
                self.error(
                    &at.key(&repeated.key),
                    format!("the key is given {times} times; only the last is read, keep one"),
                );
            }
        }
        self.problems
    }
}

/// What the parse of a document keeps track of: where it is, and the repeated keys.
#[derive(Debug, Default)]
struct ParseState {
    path: Vec<Step>,
    repeats: BTreeMap<JsonPath, Repeats>,
}

/// Builds a [`Value`] as `serde_json` does, but sees every key of an object: a repeated key
/// is recorded with its earlier values instead of being overwritten without a word.
struct ValueSeed<'a>(&'a mut ParseState);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let state = self.0;
        let mut out = Vec::with_capacity(items.size_hint().unwrap_or(0).min(4096));
        loop {
            state.path.push(Step::Index(out.len()));
            let item = items.next_element_seed(ValueSeed(&mut *state));
            state.path.pop();
            match item? {
                Some(item) => out.push(item),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let state = self.0;
        let mut members = Map::new();
        let mut repeats: Option<Repeats> = None;
        while let Some(key) = entries.next_key::<String>()? {
            state.path.push(Step::Key(key));
            let value = entries.next_value_seed(ValueSeed(&mut *state));
            let Some(Step::Key(key)) = state.path.pop() else {
                return Err(de::Error::custom("the reader lost its place"));
            };
            let value = value?;
            if members.contains_key(&key) {
                let repeats = repeats
                    .get_or_insert_with(|| Repeats { order: members.keys().cloned().collect(), keys: Vec::new() });
                repeats.order.push(key.clone());
                if let Some(earlier) = members.insert(key.clone(), value) {
                    repeats.add(key, earlier);
                }
            } else {
                if let Some(repeats) = repeats.as_mut() {
                    repeats.order.push(key.clone());
                }
                members.insert(key, value);
            }
        }
        if let Some(repeats) = repeats {
            state.repeats.insert(JsonPath(state.path.clone()), repeats);
        }
        Ok(Value::Object(members))
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

/// A value for a message, cut short so a huge value cannot flood it. A phone number in it is
/// masked, as in every problem; still, for a field that holds numbers, say what it is
/// ([`kind`]) rather than show it.
pub fn short(value: &Value) -> String {
    let text = scrub_numbers(&value.to_string());
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A wrong value where showing it helps (never a field that holds phone numbers): a string is
/// shown (`""`, `"1"`, any number in it masked), anything else by its kind.
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

    /// Issue 12, point 5: serde_json keeps the last of a repeated key without a word.
    #[test]
    fn a_repeated_key_is_seen_and_an_error_naming_it() {
        let mut reader = Reader::new("f.json");
        let value = reader
            .document(br#"[{"startDay": 1, "startDay": 2, "message": "a", "message": "a", "colour": 1, "colour": 2}]"#)
            .unwrap();
        assert_eq!(value, json!([{"startDay": 2, "message": "a", "colour": 2}]), "the last value is kept");
        let mut object = reader.object(&value[0], JsonPath::root().index(0), "an object", "").unwrap();
        assert!(matches!(object.get(&mut reader, DAY, "entry skipped"), Lookup::Conflict));
        assert!(matches!(object.get(&mut reader, MESSAGE, ""), Lookup::Found(_)), "the same value twice is read");
        assert!(matches!(object.get(&mut reader, DAY, ""), Lookup::Conflict), "a second look reads it the same way");
        let texts: Vec<String> = reader.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: f.json: [0].startDay: the key is given 2 times, with different values; keep one; entry skipped",
                "error: f.json: [0].message: the key is given 2 times; keep one (they say the same, so it is read)",
                "error: f.json: [0].colour: the key is given 2 times; only the last is read, keep one",
            ]
        );
    }

    #[test]
    fn members_lists_every_repeated_key_in_file_order() {
        let mut reader = Reader::new("f.json");
        let value = reader.document(br#"{"a": 1, "b": 2, "a": 3, "c": {"d": 1, "d": 1}, "a": 4}"#).unwrap();
        let Value::Object(map) = &value else { panic!("an object") };
        let members = reader.members(&JsonPath::root(), map);
        let seen: Vec<(&str, &Value, usize, usize)> =
            members.iter().map(|m| (m.key.as_str(), m.value.as_ref(), m.nth, m.times)).collect();
        assert_eq!(
            seen,
            [
                ("a", &json!(1), 1, 3),
                ("b", &json!(2), 1, 1),
                ("a", &json!(3), 2, 3),
                ("c", &json!({"d": 1}), 1, 1),
                ("a", &json!(4), 3, 3),
            ]
        );
        // The caller reports the top level's repeats; the nested one nobody read is reported.
        let texts: Vec<String> = reader.finish().iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["error: f.json: c.d: the key is given 2 times; only the last is read, keep one"]);
    }

    #[test]
    fn the_document_is_the_one_serde_json_reads() {
        let text = br#"{"n": [1, -2, 3.5, 1e3, 18446744073709551615, -9223372036854775808], "s": "\u3042\n",
                        "t": true, "f": false, "z": null, "o": {}, "a": [[], [{}]]}"#;
        let mut reader = Reader::new("f.json");
        let ours = reader.document(text).unwrap();
        assert_eq!(ours, serde_json::from_slice::<Value>(text).unwrap());
        assert!(reader.finish().is_empty());
        for broken in [&b"{\"a\": 1} x"[..], b"[1,]", b"{\"a\" 1}", b""] {
            let mut reader = Reader::new("f.json");
            assert!(reader.document(broken).is_none());
            let expected = serde_json::from_slice::<Value>(broken).unwrap_err().to_string();
            assert_eq!(reader.finish()[0].message, format!("not valid JSON: {expected}"));
        }
        let deep = "[".repeat(200);
        assert!(Reader::new("f.json").document(deep.as_bytes()).is_none(), "the recursion limit still holds");
    }

    /// Issue 12, point 11: no problem shows a number in clear, whatever value reaches it.
    #[test]
    fn problems_mask_numbers_in_messages_and_locations() {
        let mut reader = Reader::new("f.json");
        let at = JsonPath::root().key("09012345678").key("startDay");
        reader.expected(&at, "a whole number", short(&json!("+819012345678")), "");
        reader.warning(&JsonPath::root().index(0), format!("named {}", shown(&json!("819012345678"))));
        let texts: Vec<String> = reader.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "error: f.json: 090****5678.startDay: expected a whole number, found \"+8190****5678\"",
                "warning: f.json: [0]: named \"819****5678\"",
            ]
        );
        // A file keyed by the team's own numbers keeps them in its paths, never in messages.
        let mut reader = Reader::keeping_numbers_in_paths("f.json");
        reader.error(&JsonPath::root().key("numbers").key("+815012340001"), "found 09012345678");
        assert_eq!(reader.finish()[0].to_string(), "error: f.json: numbers.+815012340001: found 090****5678");
    }
}
