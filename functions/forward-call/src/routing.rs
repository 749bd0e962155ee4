//! Where a call goes: the called number's entry in the forwarding file, and its
//! destinations now (fixed numbers, or today's on-call group of a roster, as an
//! escalation's first attempt would ring it). Reading the file is per request: it is edited
//! often.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::escalation::plan::local_date;
use domain::phone::{PhoneNumber, mask};
use domain::problem::Problem;
use domain::roster::Roster;
use domain::store::{ObjectStore, StoreError};
use domain::zone::Zone;

use crate::config::ForwardCallConfig;
use crate::error::ForwardCallError;
use crate::forwarding::{self, Destinations, Entry, MAX_NUMBERS, Speech, defaults_path, entry_path};
use crate::twiml::Dial;
use crate::verify::TwilioRequest;

/// A call to forward, worked out from the file.
#[derive(Debug)]
pub struct Forwarding {
    pub client_name: String,
    pub dial: Dial,
    pub notice: Option<Speech>,
    /// Where the numbers came from, for people: the file, or a roster and its group.
    pub source: String,
    pub problems: Vec<Problem>,
}

/// Why a call gets the apology instead.
#[derive(Debug)]
pub struct Failure {
    pub error: ForwardCallError,
    pub apology: Speech,
    pub client_name: Option<String>,
    pub problems: Vec<Problem>,
}

/// The numbers to dial and where they came from, or why there are none.
type Destination = Result<(Vec<PhoneNumber>, String), String>;

/// The called number's entry. Problems of this entry, of the defaults and of the file as a
/// whole come with it; the others are only logged (`log`). When the file is unusable,
/// every problem explains why.
pub async fn load(
    store: &impl ObjectStore,
    key: &str,
    called: &str,
    log: impl Fn(&Problem),
) -> Result<(Entry, Vec<Problem>), Failure> {
    let bytes = store.get(key).await.map_err(|err| Failure {
        error: ForwardCallError::ForwardingFileUnreadable(err),
        apology: Speech::default_apology(),
        client_name: None,
        problems: Vec::new(),
    })?;
    let report = forwarding::parse(&store.location(key), &bytes);
    let (own, defaults) = (entry_path(called), defaults_path());
    let unusable = report.table.is_none();
    let (relevant, others): (Vec<Problem>, Vec<Problem>) = report.problems.into_iter().partition(|p| {
        let at = p.location.as_deref();
        unusable || at.is_none() || own.contains(at) || defaults.contains(at)
    });
    others.iter().for_each(log);
    let Some(table) = report.table else {
        let summary = relevant.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        return Err(Failure {
            error: ForwardCallError::ForwardingFileInvalid(summary),
            apology: Speech::default_apology(),
            client_name: None,
            problems: relevant,
        });
    };
    match table.entry(called) {
        Some(entry) => Ok((entry.clone(), relevant)),
        None => Err(Failure {
            error: ForwardCallError::UnknownNumber { called: called.to_owned() },
            apology: table.defaults.apology(),
            client_name: None,
            problems: relevant,
        }),
    }
}

/// The `<Dial>` for a verified incoming call, or why the caller hears the apology.
pub async fn route(
    store: &impl ObjectStore,
    config: &ForwardCallConfig,
    twilio: &TwilioRequest,
    now: DateTime<Utc>,
    log: impl Fn(&Problem),
) -> Result<Forwarding, Failure> {
    let called = twilio.get("To");
    let (entry, mut problems) = load(store, &config.forwarding_key, called, log).await?;
    let fail = |error, problems| Failure {
        error,
        apology: entry.apology.clone(),
        client_name: Some(entry.client_name.clone()),
        problems,
    };
    let (numbers, source) = match &entry.destinations {
        Destinations::Numbers(numbers) => (numbers.clone(), store.location(&config.forwarding_key)),
        Destinations::Roster { key, fallback } => {
            match todays_group(store, key, fallback.as_ref(), now, &config.time_zone, &mut problems).await {
                Ok(found) => found,
                Err(reason) => return Err(fail(ForwardCallError::NoDestination(reason), problems)),
            }
        }
    };
    // The called number is one of the account's own, so Twilio always accepts it.
    let caller_id = match entry.caller_id.clone().or_else(|| PhoneNumber::parse(called).ok()) {
        Some(caller_id) => caller_id,
        None => {
            let error =
                ForwardCallError::NoDestination(format!("no callerId, and To={} is not a number", mask(called)));
            return Err(fail(error, problems));
        }
    };
    Ok(Forwarding {
        client_name: entry.client_name.clone(),
        dial: Dial { caller_id, numbers, timeout_seconds: entry.dial_timeout_seconds, action: twilio.dial_action() },
        notice: entry.notice.clone(),
        source,
        problems,
    })
}

/// Today's on-call group of a roster, as an escalation's first attempt rings it: the duty
/// group of the duty day ([`Roster::duty_date`], [`Roster::duty_on`]: the handoff and the
/// overrides apply) and the fallback too when the group is incomplete, or the fallback alone
/// when nobody is on duty or the roster cannot be read.
async fn todays_group(
    store: &impl ObjectStore,
    key: &str,
    fallback: Option<&PhoneNumber>,
    now: DateTime<Utc>,
    zone: &Zone,
    problems: &mut Vec<Problem>,
) -> Destination {
    let location = store.location(key);
    let roster = match store.get(key).await {
        Ok(bytes) => {
            let report = Roster::parse(&location, &bytes);
            problems.extend(report.problems);
            report.roster
        }
        Err(err) => {
            let message = match err {
                StoreError::NotFound { .. } => "does not exist".to_owned(),
                StoreError::Transient { message, .. } | StoreError::Failed { message, .. } => {
                    format!("could not be read: {message}")
                }
            };
            problems.push(Problem::error(location.clone(), None, message));
            None
        }
    };
    let today = roster.as_ref().map_or_else(|| local_date(now, zone), |roster| roster.duty_date(now, zone));
    let duty = roster.as_ref().map(|roster| roster.duty_on(today));
    let on_duty = duty.as_ref().map(|duty| duty.anyone().then(|| duty.rung(duty.base)));
    let (group, mut numbers) = match (on_duty, fallback) {
        (Some(Some(group)), _) => (Some(group.name.to_string()), group.numbers_with_fallback(fallback).0),
        (_, Some(fallback)) => (None, vec![fallback.clone()]),
        (Some(None), None) => return Err(nobody(&location, today, &format!("no group covers day {}", today.day()))),
        (None, None) => return Err(nobody(&location, today, "the roster is unusable")),
    };
    if numbers.is_empty() {
        let name = group.unwrap_or_default();
        return Err(nobody(&location, today, &format!("{name} has no number that can be dialled")));
    }
    if numbers.len() > MAX_NUMBERS {
        problems.push(Problem::warning(
            location.clone(),
            group.clone(),
            format!(
                "{} numbers today; Twilio rings at most {MAX_NUMBERS}, the first {MAX_NUMBERS} are rung",
                numbers.len()
            ),
        ));
        numbers.truncate(MAX_NUMBERS);
    }
    let source = match &group {
        Some(group) => format!("{location}, {group} (on duty {today})"),
        None => format!("{location}: nobody on duty {today}, fallback number"),
    };
    Ok((numbers, source))
}

fn nobody(location: &str, today: NaiveDate, reason: &str) -> String {
    format!("{location} gives nobody for {today} and the entry has no usable \"fallback\" ({reason})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::store::MemoryStore;

    const FORWARDING: &str = r#"{"numbers": {
        "+815012340001": {"clientName": "A", "destinations": ["+81312345678"], "colour": "red"},
        "+815012340002": {"clientName": "B", "destinations": {"roster": "r.json", "fallback": "+81398765432"}},
        "+815012340003": {"clientName": "C", "destinations": {"roster": "r.json"}},
        "+815012340004": {"clientName": "D", "destinations": ["+81xxxxxxxxxx"]}
    }}"#;
    const ROSTER: &str = r#"[{"startDay": 1, "endDay": 10, "phoneNumber": ["+819012341001", "+81xxxxxxxxxx"]},
                             {"startDay": 11, "endDay": 20, "phoneNumber": ["+819012342001"]}]"#;

    fn config() -> ForwardCallConfig {
        ForwardCallConfig {
            bucket: "b".into(),
            forwarding_key: "forwarding.json".into(),
            auth_token_parameter: "/p".into(),
            webhook_url: None,
            slack_webhook_url_parameter: None,
            time_zone: domain::zone::Zone::tokyo(),
            incident_table: None,
        }
    }

    fn call_to(to: &str) -> TwilioRequest {
        TwilioRequest { params: vec![("To".into(), to.into())], url: "https://f.example/".into(), dial_result: false }
    }

    /// Noon in Tokyo on `day` November 2026.
    fn on(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 3, 0, 0).unwrap()
    }

    async fn dial(store: &MemoryStore, to: &str, day: u32) -> Result<Forwarding, Failure> {
        route(store, &config(), &call_to(to), on(day), |_| {}).await
    }

    fn numbers(forwarding: &Forwarding) -> Vec<&str> {
        forwarding.dial.numbers.iter().map(PhoneNumber::as_str).collect()
    }

    #[tokio::test]
    async fn fixed_numbers_are_dialled_and_only_this_entrys_problems_come_along() {
        let store = MemoryStore::from([("forwarding.json", FORWARDING)]);
        let forwarding = dial(&store, "+815012340001", 1).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+81312345678"]);
        assert_eq!(forwarding.dial.caller_id.as_str(), "+815012340001", "the called number");
        assert_eq!(forwarding.dial.action, "https://f.example/?step=dial-result");
        assert_eq!(forwarding.source, "mem://forwarding.json");
        let locations: Vec<_> = forwarding.problems.iter().map(|p| p.location.clone().unwrap_or_default()).collect();
        assert_eq!(locations, ["numbers.+815012340001.colour"], "not entry D's problems");
        let logged = std::cell::RefCell::new(Vec::new());
        let _ = route(&store, &config(), &call_to("+815012340001"), on(1), |p: &Problem| {
            logged.borrow_mut().push(p.location.clone().unwrap_or_default())
        })
        .await;
        assert!(logged.borrow().iter().all(|l| l.starts_with("numbers.+815012340004")), "{logged:?}");
    }

    #[tokio::test]
    async fn a_roster_destination_rings_todays_group_as_the_first_attempt_would() {
        let store = MemoryStore::from([("forwarding.json", FORWARDING), ("r.json", ROSTER)]);
        // Day 5: group1 is incomplete, so the entry's fallback is rung with it.
        let forwarding = dial(&store, "+815012340002", 5).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+819012341001", "+81398765432"]);
        assert_eq!(forwarding.source, "mem://r.json, group1 (on duty 2026-11-05)");
        assert!(forwarding.problems.iter().any(|p| p.location.as_deref() == Some("[0].phoneNumber[1]")));
        let forwarding = dial(&store, "+815012340002", 15).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+819012342001"]);
        // Day 25: nobody on duty, the fallback alone; without one, the apology.
        let forwarding = dial(&store, "+815012340002", 25).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+81398765432"]);
        assert_eq!(forwarding.source, "mem://r.json: nobody on duty 2026-11-25, fallback number");
        let failure = dial(&store, "+815012340003", 25).await.unwrap_err();
        assert_eq!(
            failure.error.to_string(),
            "nobody to forward to: mem://r.json gives nobody for 2026-11-25 and the entry has no usable \
             \"fallback\" (no group covers day 25)"
        );
        assert_eq!(failure.client_name.as_deref(), Some("C"));
    }

    #[tokio::test]
    async fn a_roster_destination_follows_the_rosters_handoff_and_overrides() {
        let roster = r#"{"handoff": "09:00",
            "groups": [{"startDay": 1, "endDay": 10, "phoneNumber": ["+819012341001"]},
                       {"startDay": 11, "endDay": 20, "phoneNumber": ["+819012342001"]}],
            "overrides": [{"from": "2026-11-05", "name": "cover", "phoneNumber": ["+819012343001"]},
                          {"from": "2026-11-25", "phoneNumber": ["+819012343001"]}]}"#;
        let store = MemoryStore::from([("forwarding.json", FORWARDING), ("r.json", roster)]);
        let forwarding = dial(&store, "+815012340002", 5).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+819012343001"]);
        assert_eq!(forwarding.source, "mem://r.json, cover (on duty 2026-11-05)");
        // A day no group covers has the override's stand-in, not the fallback.
        assert_eq!(numbers(&dial(&store, "+815012340003", 25).await.unwrap()), ["+819012343001"]);
        // 08:00 in Tokyo on the 11th is still the 10th's duty.
        let early = Utc.with_ymd_and_hms(2026, 11, 10, 23, 0, 0).unwrap();
        let forwarding = route(&store, &config(), &call_to("+815012340002"), early, |_| {}).await.unwrap();
        assert_eq!(numbers(&forwarding), ["+819012341001"]);
        assert_eq!(forwarding.source, "mem://r.json, group1 (on duty 2026-11-10)");
    }

    #[tokio::test]
    async fn an_unusable_roster_rings_the_fallback_or_nobody() {
        let store = MemoryStore::from([("forwarding.json", FORWARDING), ("r.json", "[")]);
        assert_eq!(numbers(&dial(&store, "+815012340002", 5).await.unwrap()), ["+81398765432"]);
        let failure = dial(&store, "+815012340003", 5).await.unwrap_err();
        assert!(failure.error.to_string().ends_with("(the roster is unusable)"), "{}", failure.error);
        assert!(failure.problems.iter().any(|p| p.message.starts_with("not valid JSON")));
        let missing = MemoryStore::from([("forwarding.json", FORWARDING)]);
        let forwarding = dial(&missing, "+815012340002", 5).await.unwrap();
        assert_eq!(forwarding.problems[0].to_string(), "error: mem://r.json: does not exist");
    }

    #[tokio::test]
    async fn an_unknown_number_or_entry_gets_the_apology_naming_why() {
        let store = MemoryStore::from([("forwarding.json", FORWARDING)]);
        let unknown = dial(&store, "+815099999999", 5).await.unwrap_err();
        assert_eq!(unknown.error.error_type(), "UnknownNumber");
        assert_eq!(unknown.apology, Speech::default_apology());
        let broken = dial(&store, "+815012340004", 5).await.unwrap_err();
        assert_eq!(broken.error.error_type(), "UnknownNumber", "an unusable entry is dropped");
        assert!(broken.problems.iter().any(|p| p.location.as_deref() == Some("numbers.+815012340004.destinations")));
        let invalid = MemoryStore::from([("forwarding.json", "[]")]);
        let failure = dial(&invalid, "+815012340001", 5).await.unwrap_err();
        assert_eq!(failure.error.error_type(), "ForwardingFileInvalid");
        assert!(failure.error.to_string().contains("expected an object"), "{}", failure.error);
    }
}
