//! A project's own escalation policy: the mapping entry's settings that replace, one by one,
//! the deployment's (its environment variables): how many rounds and whether to stay with
//! the duty group, how long an attempt lasts and how often it is polled, the fallback
//! number, and how the calls speak (language, voice, the words asking for the key).
//!
//! Each setting is read by the one tolerant reader. One that cannot be read is an error
//! naming it, and the deployment's setting is used: the project's alerts still ring.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{CHECK_INTERVAL_RANGE, POLL_INTERVAL_RANGE, REPEAT_COUNT_RANGE, Timing};
use crate::escalation::plan::RepeatSettings;
use crate::message::speakable;
use crate::phone::PhoneNumber;
use crate::reader::{Field, Found, Lookup, Object, Reader, shown};

pub const REPEAT_COUNT: Field = Field::new("repeatCount", "repeat_count");
pub const REPEAT_GROUP: Field = Field::new("repeatGroup", "repeat_group");
pub const CHECK_INTERVAL_SECONDS: Field = Field::new("checkIntervalSeconds", "check_interval_seconds");
pub const POLL_INTERVAL_SECONDS: Field = Field::new("pollIntervalSeconds", "poll_interval_seconds");
pub const FALLBACK_NUMBER: Field = Field::new("fallbackNumber", "fallback_number");
pub const LANGUAGE_CODE: Field = Field::new("languageCode", "language_code");
pub const VOICE: Field = Field::word("voice");
pub const VOICE_ENGINE: Field = Field::new("voiceEngine", "voice_engine");
pub const PROMPT: Field = Field::word("prompt");
pub const POLICY_FIELDS: [Field; 9] = [
    REPEAT_COUNT,
    REPEAT_GROUP,
    CHECK_INTERVAL_SECONDS,
    POLL_INTERVAL_SECONDS,
    FALLBACK_NUMBER,
    LANGUAGE_CODE,
    VOICE,
    VOICE_ENGINE,
    PROMPT,
];

/// The longest prompt kept, in characters (it is a contact attribute and travels in the state).
pub const MAX_PROMPT_CHARS: usize = 300;

/// The engines, as the contact flow language names them.
const NEURAL: &str = "Neural";
const STANDARD: &str = "Standard";

/// What happens when a setting cannot be read.
const DEPLOYMENT: &str = "the deployment's setting is used";

/// The settings a project sets for itself; `None` is the deployment's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_group: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_interval_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_interval_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<PhoneNumber>,
    #[serde(skip_serializing_if = "Speech::is_empty")]
    pub speech: Speech,
}

/// How the project's calls speak, carried to place-call and given to the contact flow as
/// contact attributes; what is unset is the deployment's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Speech {
    /// A BCP 47 code such as `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// An Amazon Polly voice such as `Kazuha`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// Its engine: `Neural` or `Standard` (a voice without one is `Neural`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_engine: Option<String>,
    /// The words that ask for the key, spoken before the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

impl Speech {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl ProjectPolicy {
    /// The rounds and the mode, each the project's or the deployment's.
    pub fn repeat(&self, deployment: RepeatSettings) -> RepeatSettings {
        RepeatSettings {
            repeat_count: self.repeat_count.unwrap_or(deployment.repeat_count),
            repeat_group: self.repeat_group.unwrap_or(deployment.repeat_group),
        }
    }

    /// The attempt's length and the poll, each the project's or the deployment's; a poll
    /// is never longer than the attempt, as for the deployment's settings.
    pub fn timing(&self, deployment: Timing) -> Timing {
        let check = self.check_interval_seconds.unwrap_or(deployment.check_interval_seconds);
        let poll = self.poll_interval_seconds.unwrap_or(deployment.poll_interval_seconds);
        Timing { check_interval_seconds: check, poll_interval_seconds: poll.min(check) }
    }

    /// The project's fallback number, or the deployment's.
    pub fn fallback<'a>(&'a self, deployment: &'a PhoneNumber) -> &'a PhoneNumber {
        self.fallback.as_ref().unwrap_or(deployment)
    }
}

/// The policy settings of one mapping entry.
pub fn read_policy(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> ProjectPolicy {
    let voice = text(reader, fields, VOICE, is_voice, "an Amazon Polly voice such as Kazuha");
    // Spelt as the flow language spells engines; a voice without one is taken as neural,
    // as most voices are (a standard-only voice, such as Mizuki, needs "standard").
    let engine = text(reader, fields, VOICE_ENGINE, is_engine, "\"neural\" or \"standard\"")
        .map(|engine| if engine.eq_ignore_ascii_case("neural") { NEURAL } else { STANDARD }.to_owned())
        .or_else(|| voice.as_ref().map(|_| NEURAL.to_owned()));
    let speech = Speech {
        language_code: text(reader, fields, LANGUAGE_CODE, is_language_code, "a language code such as ja-JP or en-US"),
        voice,
        voice_engine: engine,
        // Nothing left to speak once cleaned is no prompt: the deployment's is spoken.
        prompt: text(reader, fields, PROMPT, |_| true, "")
            .map(|prompt| speakable(&prompt).chars().take(MAX_PROMPT_CHARS).collect::<String>())
            .filter(|prompt| !prompt.trim().is_empty()),
    };
    ProjectPolicy {
        repeat_count: number(reader, fields, REPEAT_COUNT, REPEAT_COUNT_RANGE),
        repeat_group: flag(reader, fields, REPEAT_GROUP),
        check_interval_seconds: number(reader, fields, CHECK_INTERVAL_SECONDS, CHECK_INTERVAL_RANGE),
        poll_interval_seconds: number(reader, fields, POLL_INTERVAL_SECONDS, POLL_INTERVAL_RANGE),
        fallback: fallback(reader, fields),
        speech,
    }
}

fn number(
    reader: &mut Reader<'_>,
    fields: &mut Object<'_>,
    field: Field,
    range: std::ops::RangeInclusive<u32>,
) -> Option<u32> {
    let Lookup::Found(Found { value, .. }) = fields.get(reader, field, DEPLOYMENT) else { return None };
    if value.is_null() {
        return None;
    }
    let read = value.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| range.contains(n));
    if read.is_none() {
        reader.error(
            &fields.path(field),
            format!(
                "must be a whole number from {} to {}, not {}; {DEPLOYMENT}",
                range.start(),
                range.end(),
                if value.is_number() { value.to_string() } else { shown(value).to_string() }
            ),
        );
    }
    read
}

fn flag(reader: &mut Reader<'_>, fields: &mut Object<'_>, field: Field) -> Option<bool> {
    match fields.get(reader, field, DEPLOYMENT) {
        Lookup::Found(Found { value: Value::Bool(flag), .. }) => Some(*flag),
        Lookup::Found(Found { value: Value::Null, .. }) | Lookup::Absent | Lookup::Conflict => None,
        Lookup::Found(Found { value, .. }) => {
            reader.expected(&fields.path(field), "true or false", shown(value), DEPLOYMENT);
            None
        }
    }
}

fn fallback(reader: &mut Reader<'_>, fields: &mut Object<'_>) -> Option<PhoneNumber> {
    let raw = text(reader, fields, FALLBACK_NUMBER, |_| true, "")?;
    match PhoneNumber::parse(&raw) {
        Ok(number) => Some(number),
        Err(err) => {
            reader.error(&fields.path(FALLBACK_NUMBER), format!("{err}; {DEPLOYMENT}"));
            None
        }
    }
}

/// A non-empty string that `valid` accepts (`what` describes one for the error).
fn text(
    reader: &mut Reader<'_>,
    fields: &mut Object<'_>,
    field: Field,
    valid: impl Fn(&str) -> bool,
    what: &str,
) -> Option<String> {
    match fields.get(reader, field, DEPLOYMENT) {
        Lookup::Found(Found { value: Value::String(raw), .. }) if !raw.trim().is_empty() && valid(raw.trim()) => {
            Some(raw.trim().to_owned())
        }
        Lookup::Found(Found { value: Value::Null, .. }) | Lookup::Absent | Lookup::Conflict => None,
        Lookup::Found(Found { value, .. }) => {
            let what = if what.is_empty() { "a non-empty string" } else { what };
            reader.expected(&fields.path(field), what, shown(value), DEPLOYMENT);
            None
        }
    }
}

/// `ja-JP`, `en-US`, `cmn-CN`: a language, a hyphen and a region.
fn is_language_code(raw: &str) -> bool {
    let Some((language, region)) = raw.split_once('-') else { return false };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && region.len() == 2
        && region.bytes().all(|b| b.is_ascii_uppercase())
}

/// Polly voice ids are one capitalised word of letters (`Kazuha`, `Joanna`).
fn is_voice(raw: &str) -> bool {
    raw.len() <= 20 && raw.starts_with(|c: char| c.is_ascii_uppercase()) && raw.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_engine(raw: &str) -> bool {
    matches!(raw.to_ascii_lowercase().as_str(), "neural" | "standard")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;

    fn policy(entry: &str) -> (ProjectPolicy, Vec<crate::problem::Problem>) {
        let json = format!(r#"[{{"snsTopicName":"t","phoneNumberJsonFile":"r.json",{entry}}}]"#);
        let report = Mapping::parse("mapping.json", json.as_bytes());
        (report.mapping.unwrap().entries[0].policy.clone(), report.problems)
    }

    #[test]
    fn every_setting_is_read_in_either_spelling() {
        let camel = r#""repeatCount":2,"repeatGroup":true,"checkIntervalSeconds":30,"pollIntervalSeconds":5,
            "fallbackNumber":"+819011112222","languageCode":"en-US","voice":"Joanna","voiceEngine":"Neural",
            "prompt":"This is an alert. Press 1.""#;
        let snake = r#""repeat_count":2,"repeat_group":true,"check_interval_seconds":30,"poll_interval_seconds":5,
            "fallback_number":"+819011112222","language_code":"en-US","voice":"Joanna","voice_engine":"neural",
            "prompt":"This is an alert. Press 1.""#;
        let expected = ProjectPolicy {
            repeat_count: Some(2),
            repeat_group: Some(true),
            check_interval_seconds: Some(30),
            poll_interval_seconds: Some(5),
            fallback: Some(PhoneNumber::parse("+819011112222").unwrap()),
            speech: Speech {
                language_code: Some("en-US".into()),
                voice: Some("Joanna".into()),
                voice_engine: Some("Neural".into()),
                prompt: Some("This is an alert. Press 1.".into()),
            },
        };
        for entry in [camel, snake] {
            let (read, problems) = policy(entry);
            assert_eq!(problems, vec![], "{entry}");
            assert_eq!(read, expected, "{entry}");
        }
    }

    #[test]
    fn a_setting_that_cannot_be_read_is_an_error_naming_it_and_the_deployments_is_used() {
        for (entry, location) in [
            (r#""repeatCount":0"#, "[0].repeatCount"),
            (r#""repeatCount":"3""#, "[0].repeatCount"),
            (r#""repeatGroup":"yes""#, "[0].repeatGroup"),
            (r#""checkIntervalSeconds":4"#, "[0].checkIntervalSeconds"),
            (r#""pollIntervalSeconds":61"#, "[0].pollIntervalSeconds"),
            (r#""fallbackNumber":"090-1234-5678""#, "[0].fallbackNumber"),
            (r#""languageCode":"Japanese""#, "[0].languageCode"),
            (r#""voice":"kazuha san""#, "[0].voice"),
            (r#""voiceEngine":"generative""#, "[0].voiceEngine"),
            (r#""prompt":7"#, "[0].prompt"),
        ] {
            let (read, problems) = policy(entry);
            assert_eq!(read, ProjectPolicy::default(), "{entry}");
            assert_eq!(problems.len(), 1, "{entry}: {problems:?}");
            assert!(problems[0].is_error(), "{entry}");
            assert_eq!(problems[0].location.as_deref(), Some(location), "{entry}");
            assert!(problems[0].message.contains("the deployment's setting is used"), "{entry}: {}", problems[0]);
        }
        let (_, problems) = policy(r#""fallbackNumber":"+819011112222x""#);
        assert!(!problems[0].message.contains("9011112222"), "numbers are masked: {}", problems[0]);
    }

    #[test]
    fn each_setting_replaces_only_its_own_deployment_setting() {
        let deployment_repeat = RepeatSettings { repeat_count: 3, repeat_group: false };
        let deployment_timing = Timing { check_interval_seconds: 60, poll_interval_seconds: 15 };
        let fallback = PhoneNumber::parse("+819099990000").unwrap();
        let none = ProjectPolicy::default();
        assert_eq!(none.repeat(deployment_repeat), deployment_repeat);
        assert_eq!(none.timing(deployment_timing), deployment_timing);
        assert_eq!(none.fallback(&fallback), &fallback);
        let count = ProjectPolicy { repeat_count: Some(1), ..ProjectPolicy::default() };
        assert_eq!(count.repeat(deployment_repeat), RepeatSettings { repeat_count: 1, repeat_group: false });
        let group = ProjectPolicy { repeat_group: Some(true), ..ProjectPolicy::default() };
        assert_eq!(group.repeat(deployment_repeat), RepeatSettings { repeat_count: 3, repeat_group: true });
        let check = ProjectPolicy { check_interval_seconds: Some(30), ..ProjectPolicy::default() };
        assert_eq!(check.timing(deployment_timing), Timing { check_interval_seconds: 30, poll_interval_seconds: 15 });
        // A poll never outlasts the attempt, whichever side set which.
        let short = ProjectPolicy { check_interval_seconds: Some(10), ..ProjectPolicy::default() };
        assert_eq!(short.timing(deployment_timing), Timing { check_interval_seconds: 10, poll_interval_seconds: 10 });
        let poll = ProjectPolicy { poll_interval_seconds: Some(5), ..ProjectPolicy::default() };
        assert_eq!(poll.timing(deployment_timing), Timing { check_interval_seconds: 60, poll_interval_seconds: 5 });
        let own = PhoneNumber::parse("+819011112222").unwrap();
        let project = ProjectPolicy { fallback: Some(own.clone()), ..ProjectPolicy::default() };
        assert_eq!(project.fallback(&fallback), &own);
    }

    #[test]
    fn a_voice_without_an_engine_is_neural_and_a_standard_one_must_say_so() {
        assert_eq!(policy(r#""voice":"Kazuha""#).0.speech.voice_engine.as_deref(), Some("Neural"));
        let mizuki = policy(r#""voice":"Mizuki","voiceEngine":"STANDARD""#).0;
        assert_eq!(mizuki.speech.voice_engine.as_deref(), Some("Standard"));
        assert_eq!(policy(r#""prompt":"x""#).0.speech.voice_engine, None, "no voice, no engine");
    }

    #[test]
    fn a_prompt_is_made_speakable_and_bounded() {
        let long = "あ".repeat(MAX_PROMPT_CHARS + 50);
        let (read, problems) = policy(&format!(r#""prompt":"<alert> {long}""#));
        assert_eq!(problems, vec![]);
        let prompt = read.speech.prompt.unwrap();
        assert_eq!(prompt.chars().count(), MAX_PROMPT_CHARS);
        assert!(!prompt.contains('<'), "{prompt}");
    }
}
