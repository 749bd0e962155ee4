//! The command line. Every setting the functions read from an environment variable has a
//! flag here that overrides the same variable, so `oncall` run in a shell with the
//! deployment's variables previews exactly what the deployment does.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "oncall",
    version,
    about = "Check rosters and mappings, preview an escalation, print a duty calendar",
    long_about = "Check rosters and mappings, preview the escalation a real alert would get, and print \
                  who is on duty each day of a month. It runs the same code as the lambda-connect \
                  functions and reads the same environment variables; flags override them.\n\n\
                  Exit status: 0 nothing wrong (warnings allowed), 1 the files have errors, \
                  2 bad usage, a bad setting or a file that cannot be read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate roster and mapping files (and the rosters a mapping names, from its folder)
    Check(CheckArgs),
    /// Print the escalation a real alert would get: the ordered attempts, the numbers each rings,
    /// the spoken message and any problems
    Plan(PlanArgs),
    /// Print a month as a grid of who is on duty each day, and the days nobody covers
    Calendar(CalendarArgs),
    /// Print the command that makes a real test call through the deployed workflow: it rings
    /// one number with a test message (never the fallback) and its output says whether 1 was
    /// pressed. For a new member of the rota to check their phone before a night on duty
    TestCall(TestCallArgs),
    /// Change a roster for some days: a swap, a stand-in, one number for another, numbers added
    #[command(subcommand)]
    Override(OverrideCommand),
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Add a dated override to a roster file, in the file's own form and style; written only
    /// when the roster reads it as intended with no new error. Preview it with `oncall
    /// calendar` and `oncall plan --at`
    Add(OverrideAddArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["group", "replace", "add", "on_duty"])))]
pub struct OverrideAddArgs {
    /// The roster file to change
    #[arg(long, value_name = "FILE")]
    pub roster: PathBuf,

    /// The first day, in the roster's time zone
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: NaiveDate,

    /// The last day [default: --from]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<NaiveDate>,

    /// A label for the override, shown in plans, calendars and notifications
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,

    /// Put this group on duty (its name, or groupN): a swap
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,

    /// Ring --with instead of this number, in every group
    #[arg(long, value_name = "NUMBER", requires = "with")]
    pub replace: Option<String>,

    /// The number rung instead of --replace
    #[arg(long, value_name = "NUMBER", requires = "replace")]
    pub with: Option<String>,

    /// Ring these numbers too, with the day's group
    #[arg(long, value_name = "NUMBER", num_args = 1..)]
    pub add: Vec<String>,

    /// Put these numbers on duty instead of the day's group
    #[arg(long, value_name = "NUMBER", num_args = 1..)]
    pub on_duty: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Roster or mapping files; which one a file is, is read from its content
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Judge the rosters' overrides as at this instant (ended ones are reported), e.g.
    /// 2026-12-01T09:00:00+09:00 [default: now]
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub at: Option<DateTime<Utc>>,

    #[command(flatten)]
    pub zone: ZoneArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The roster file (simple mode) [env: PHONE_NUMBER_JSON_FILE]
    #[arg(long, value_name = "FILE", conflicts_with = "mapping")]
    pub roster: Option<PathBuf>,

    /// The mapping file (mapping mode); the roster it names is read from the same folder
    /// [env: MAPPING_JSON_FILE]
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// The SNS topic the alert came from (a name or a topic ARN); mapping mode needs it
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,

    /// Plan as if the alert came at this instant, e.g. 2026-12-01T09:00:00+09:00 [default: now]
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub at: Option<DateTime<Utc>>,

    /// The alert's text (plain text, or a CloudWatch alarm's JSON) to hear what would be spoken
    #[arg(long, value_name = "TEXT")]
    pub alert_text: Option<String>,

    /// An execution input to plan for (an EventBridge Pipe batch, a Lambda SNS event or a
    /// console start, as in samplejson/resolve-roster.*.json); --topic, --at and --alert-text
    /// override what it says
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,

    /// Print one JSON object (the escalation state: `attempts`, `problems`, `message`, ...)
    #[arg(long)]
    pub json: bool,

    /// Print phone numbers in full instead of masked (text output; JSON always has them in full)
    #[arg(long)]
    pub show_numbers: bool,

    #[command(flatten)]
    pub zone: ZoneArgs,

    #[command(flatten)]
    pub settings: PlanSettings,

    #[command(flatten)]
    pub fallback: FallbackArgs,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// The roster file [env: PHONE_NUMBER_JSON_FILE]
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,

    /// The month to show [default: the current month in the roster's time zone]
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    /// Print phone numbers in full instead of masked
    #[arg(long)]
    pub show_numbers: bool,

    #[command(flatten)]
    pub zone: ZoneArgs,

    #[command(flatten)]
    pub fallback: FallbackArgs,
}

#[derive(Debug, Args)]
pub struct TestCallArgs {
    /// The number to ring, in E.164 form (+819012345678)
    #[arg(value_name = "NUMBER")]
    pub number: String,

    /// What the call says [default: a Japanese test message asking to press 1]
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,

    /// The state machine (the stack's `StateMachineArn` output)
    #[arg(long, env = "STATE_MACHINE_ARN", value_name = "ARN")]
    pub state_machine_arn: Option<String>,
}

#[derive(Debug, Args)]
pub struct ZoneArgs {
    /// The IANA time zone "today" is read in [default: Asia/Tokyo]
    #[arg(long, env = "ROSTER_TIME_ZONE", value_name = "ZONE")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Args)]
pub struct FallbackArgs {
    /// The number rung when nobody else can be (E.164)
    #[arg(long, env = "CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", hide_env_values = true, value_name = "NUMBER")]
    pub fallback: Option<String>,
}

/// Settings are kept as text: they are validated by the shared configuration code, so a bad
/// value fails with the same message, naming the same variable, as in the functions.
#[derive(Debug, Args)]
pub struct PlanSettings {
    /// Rounds through the groups (or calls of today's group) [default: 3]
    #[arg(long, env = "CALL_REPEAT_COUNT", value_name = "N")]
    pub repeat_count: Option<String>,

    /// True: ring only today's group, --repeat-count times; False: walk on to the next group
    /// [default: False]
    #[arg(long, env = "CALL_REPEAT_GROUP", value_name = "BOOL")]
    pub repeat_group: Option<String>,

    /// Seconds an attempt lasts before the next one starts [default: 60]
    /// [env: CALL_STATE_CHECK_INTERVAL_SECONDS, or the original's CALL_STATE_CHACK_INTERVAL_SECONDS]
    #[arg(long, value_name = "SECONDS")]
    pub check_interval: Option<String>,

    /// Seconds between looks at the calls of an attempt [default: 10]
    #[arg(long, env = "CALL_POLL_INTERVAL_SECONDS", value_name = "SECONDS")]
    pub poll_interval: Option<String>,

    /// The message spoken when the mapping gives the project none [default: 障害が発生しました。]
    #[arg(long, env = "CONNECT_ALARM_MSG", value_name = "TEXT")]
    pub alarm_message: Option<String>,
}

fn parse_instant(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| format!("{err}; expected an RFC 3339 instant such as 2026-12-01T09:00:00+09:00"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn instants_keep_their_offset() {
        assert_eq!(parse_instant("2026-12-01T09:00:00+09:00").unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert!(parse_instant("2026-12-01").unwrap_err().contains("RFC 3339"));
    }
}
