//! `oncall plan`: the escalation a real alert would get, computed by the code resolve-roster
//! runs (`domain::resolve::resolve`), over the local folder instead of the bucket.
//! The folder stands in for the bucket: in mapping mode the roster the mapping names is
//! read from the mapping file's folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use domain::alert::AlertInput;
use domain::incident::{Incident, IncidentAction, IncidentSource};
use domain::mapping::topic_name_from_arn;
use domain::payload::{Action, EscalationState};
use domain::phone::PhoneNumber;
use domain::problem::has_errors;
use domain::resolve::resolve;
use domain::store::DirStore;
use serde_json::Value;

use crate::Status;
use crate::args::PlanArgs;
use crate::settings::{file_or_env, roster_config};

/// Names the escalation in the JSON output; a real one is named after its execution.
const ESCALATION_ID: &str = "oncall-plan";

/// Which file starts the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Roster(PathBuf),
    Mapping(PathBuf),
}

pub fn run(args: &PlanArgs) -> anyhow::Result<Status> {
    let mode = mode(args)?;
    let input = alert_input(args)?;
    let (file, is_mapping) = match &mode {
        Mode::Roster(path) => (path, false),
        Mode::Mapping(path) => (path, true),
    };
    if is_mapping && input.alert.topic_name.is_none() && input.alert.topic_arn.is_none() {
        bail!("mapping mode needs the alert's SNS topic to choose the roster: give --topic NAME");
    }
    let (folder, key) = split(file)?;
    let (roster_key, mapping_key) = if is_mapping { (None, Some(key.as_str())) } else { (Some(key.as_str()), None) };
    let config = roster_config(folder, roster_key, mapping_key, &args.zone, &args.settings, &args.fallback)?;
    let store = DirStore::new(folder);
    let runtime = tokio::runtime::Builder::new_current_thread().build().context("starting the async runtime")?;
    let state = runtime
        .block_on(resolve(&store, &config, input, ESCALATION_ID.to_owned(), Utc::now()))
        .map_err(|err| anyhow!(err))
        .context("the escalation could not be planned")?;
    if args.json {
        println!("{}", json(&state)?);
    } else {
        print!("{}", render(&state, args.at, args.show_numbers));
    }
    Ok(if has_errors(&state.problems) { Status::Problems } else { Status::Clean })
}

/// `--roster` or `--mapping`, else the variables the functions read (the mapping first, as
/// MAPPING_JSON_FILE switches the functions to mapping mode).
fn mode(args: &PlanArgs) -> anyhow::Result<Mode> {
    if let Some(path) = &args.roster {
        return Ok(Mode::Roster(path.clone()));
    }
    if let Some(path) = file_or_env(args.mapping.as_deref(), "MAPPING_JSON_FILE") {
        return Ok(Mode::Mapping(path));
    }
    match file_or_env(None, "PHONE_NUMBER_JSON_FILE") {
        Some(path) => Ok(Mode::Roster(path)),
        None => bail!(
            "give --roster FILE, or --mapping FILE --topic NAME (or set PHONE_NUMBER_JSON_FILE or MAPPING_JSON_FILE)"
        ),
    }
}

/// The alert: from `--event` if given, then `--topic`, `--at` and `--alert-text` on top.
fn alert_input(args: &PlanArgs) -> anyhow::Result<AlertInput> {
    let mut input = match &args.event {
        None => AlertInput::default(),
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("{}: cannot be read", path.display()))?;
            let value: Value =
                serde_json::from_slice(&bytes).with_context(|| format!("{}: not valid JSON", path.display()))?;
            AlertInput::parse(&value)
        }
    };
    if let Some(topic) = args.topic.as_deref().map(str::trim) {
        if topic.starts_with("arn:") {
            let name = topic_name_from_arn(topic).with_context(|| format!("--topic {topic}: not an SNS topic ARN"))?;
            input.alert.topic_name = Some(name.to_owned());
            input.alert.topic_arn = Some(topic.to_owned());
        } else if topic.is_empty() || topic.contains(':') {
            bail!("--topic {topic:?}: expected an SNS topic name (or a topic ARN)");
        } else {
            input.alert.topic_name = Some(topic.to_owned());
            input.alert.topic_arn = None;
        }
    }
    if let Some(at) = args.at {
        input.at = Some(at);
    }
    if let Some(text) = &args.alert_text {
        input.alert.message = Some(text.clone());
    }
    Ok(input)
}

/// The folder (the "bucket") and the file name (the key).
fn split(path: &Path) -> anyhow::Result<(&Path, String)> {
    let key = path
        .file_name()
        .and_then(|name| name.to_str())
        .with_context(|| format!("{}: expected a file name in UTF-8", path.display()))?;
    Ok((path.parent().unwrap_or(Path::new("")), key.to_owned()))
}

/// The escalation state as the execution shows it after resolve-roster, without the fields
/// that only fill in while calls are made (the decision and outcome of an alert that rings
/// nobody, set by resolve-roster, stay).
fn json(state: &EscalationState) -> anyhow::Result<String> {
    let mut value = serde_json::to_value(state).context("serialising the plan")?;
    if let Value::Object(fields) = &mut value {
        for later in ["calls", "history"] {
            fields.remove(later);
        }
        if fields.get("outcome").is_some_and(Value::is_null) {
            fields.remove("outcome");
        }
    }
    serde_json::to_string_pretty(&value).context("serialising the plan")
}

fn render(state: &EscalationState, at: Option<DateTime<Utc>>, show_numbers: bool) -> String {
    let mut out = String::new();
    let when = match at {
        Some(at) => format!("at {}", state.time_zone.at(at).format("%Y-%m-%d %H:%M:%S %:z")),
        None => "now".to_owned(),
    };
    out.push_str(&format!("Escalation for an alert {when}: today is {} in {}\n", state.today, state.time_zone));
    if let Some(topic) = &state.alert.topic_name {
        out.push_str(&format!("topic:    {topic}\n"));
    }
    match &state.roster {
        Some(roster) => out.push_str(&format!("roster:   {roster}\n")),
        None => out.push_str("roster:   none could be used (see the problems): the fallback number is rung\n"),
    }
    out.push_str(&format!("message:  {}\n", state.message));
    out.push_str(&format!(
        "timing:   an attempt lasts up to {} s; its calls are checked every {} s\n",
        state.timing.check_interval_seconds, state.timing.poll_interval_seconds
    ));
    match &state.maintenance {
        Some(window) if state.dry_run => out.push_str(&format!(
            "dry run:  yes, in the project's maintenance window {}: an alert then rings nobody\n",
            window.describe()
        )),
        _ if state.dry_run => out
            .push_str("dry run:  yes (the alert or the mapping asks for it): a real alert of this kind rings nobody\n"),
        _ => {}
    }
    // The incident of an alert keyed by its text alone is a hash: worth showing only in --json.
    let named =
        |incident: &&Incident| incident.source != IncidentSource::Content || incident.action != IncidentAction::Trigger;
    if let Some(incident) = state.incident.as_ref().filter(named) {
        let action = serde_json::to_value(incident.action).ok();
        let action = action.as_ref().and_then(Value::as_str).unwrap_or("trigger");
        out.push_str(&format!("incident: {} ({action})\n", incident.key));
    }
    if let Some(decision) = state.decision.as_ref().filter(|d| d.action == Action::RingNobody) {
        out.push_str(&format!("\nnobody is rung: {}\n", decision.reason));
        out.push_str(&problem_list(state));
        return out;
    }

    out.push_str(&format!(
        "\n{} in order (everyone in an attempt is rung at once; the first to press 1 ends the escalation):\n",
        count(state.attempts.len(), "attempt")
    ));
    let labels: Vec<String> =
        state.attempts.iter().map(|attempt| attempt.group.clone().unwrap_or_else(|| "fallback".to_owned())).collect();
    let width = labels.iter().map(|label| label.chars().count()).max().unwrap_or(0);
    for (attempt, label) in state.attempts.iter().zip(&labels) {
        let numbers: Vec<String> = attempt.phone_numbers.iter().map(|n| number(n, show_numbers)).collect();
        let note = if attempt.includes_fallback && attempt.group.is_some() {
            "  (+ the fallback number: the group lists numbers that cannot be dialled)"
        } else {
            ""
        };
        out.push_str(&format!("  {:>2}. {label:<width$}  {}{note}\n", attempt.index + 1, numbers.join(", ")));
    }

    out.push_str(&problem_list(state));
    out
}

fn problem_list(state: &EscalationState) -> String {
    if state.problems.is_empty() {
        return "\nno problems found\n".to_owned();
    }
    let mut out = format!("\n{}:\n", count(state.problems.len(), "problem"));
    for problem in &state.problems {
        out.push_str(&format!("  {problem}\n"));
    }
    out
}

fn number(number: &PhoneNumber, show: bool) -> String {
    if show { number.as_str().to_owned() } else { number.to_string() }
}

fn count(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_file_name_is_read_from_the_current_folder() {
        let (folder, key) = split(Path::new("phoneNumber.json")).unwrap();
        assert_eq!((folder, key.as_str()), (Path::new(""), "phoneNumber.json"));
        let (folder, key) = split(Path::new("rosters/team/a.json")).unwrap();
        assert_eq!((folder, key.as_str()), (Path::new("rosters/team"), "a.json"));
    }
}
