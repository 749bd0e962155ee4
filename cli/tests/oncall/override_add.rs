//! `oncall override add`: the file keeps its form, order and style and gains one entry, which
//! every reader then applies; a change that cannot be read is refused and nothing is written.

use super::*;

fn add(roster: &str, args: &[&str]) -> Run {
    let mut all = vec!["override", "add", "--roster", roster];
    all.extend_from_slice(args);
    oncall(&all)
}

/// The file's lines before, in order, are all still there: only lines were added (or, for a
/// one-line array, the last line grew).
fn kept_every_line(before: &str, after: &str) {
    let mut lines = after.lines();
    for line in before.lines() {
        let line = line.trim_end_matches(',');
        assert!(lines.any(|l| l.trim_end_matches(',') == line), "{line:?} was changed:\n{after}");
    }
}

#[test]
fn a_swap_is_appended_to_the_array_in_its_style_and_then_rung() {
    let original = std::fs::read_to_string(lambda_connect_tests::sample("phoneNumber.json")).unwrap();
    let dir = folder(&[("phoneNumber.json", original.as_bytes())]);
    let roster = join(&dir, "phoneNumber.json");
    let run =
        add(&roster, &["--from", "2026-12-24", "--to", "2026-12-25", "--group", "group3", "--name", "jiro covers"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("added jiro covers (2026-12-24 to 2026-12-25): group3 on duty instead"), "{run:?}");
    let edited = std::fs::read_to_string(dir.path().join("phoneNumber.json")).unwrap();
    kept_every_line(&original, &edited);
    assert!(
        edited.contains(
            "    },\n    {\"from\": \"2026-12-24\", \"to\": \"2026-12-25\", \"name\": \"jiro covers\", \"group\": \"group3\"}\n]"
        ),
        "{edited}"
    );
    let plan =
        oncall(&["plan", "--json", "--roster", &roster, "--at", "2026-12-24T12:00:00+09:00", "--fallback", FALLBACK]);
    assert_eq!(plan.json()["attempts"][0]["group"], "group3 (jiro covers)", "{plan:?}");
    let calendar = oncall(&["calendar", "--roster", &roster, "--month", "2026-12"]);
    assert!(calendar.stdout.contains("24 g3*") && calendar.stdout.contains("26 g3 "), "{calendar:?}");
}

#[test]
fn snake_case_and_old_format_files_keep_their_spelling_and_form() {
    let snake = read(&compat("phoneNumber_snake_array.json"));
    let old = read(&compat("phoneNumber_old.json"));
    let dir = folder(&[("snake.json", &snake), ("old.json", &old)]);
    let run = add(&join(&dir, "snake.json"), &["--from", "2026-12-24", "--on-duty", "+819044440004"]);
    assert_eq!(run.code, 0, "{run:?}");
    let edited = std::fs::read_to_string(dir.path().join("snake.json")).unwrap();
    kept_every_line(&String::from_utf8(snake).unwrap(), &edited);
    assert!(
        edited.contains("\"phone_number\": [\"+819044440004\"]}")
            || edited.contains("\"phone_number\":[\"+819044440004\"]}"),
        "{edited}"
    );
    assert!(!edited.contains("phoneNumber"), "{edited}");

    let run = add(&join(&dir, "old.json"), &["--from", "2026-12-24", "--add", "+819044440004", "+819055550005"]);
    assert_eq!(run.code, 0, "{run:?}");
    let edited = std::fs::read_to_string(dir.path().join("old.json")).unwrap();
    kept_every_line(&String::from_utf8(old).unwrap(), &edited);
    let report = domain::roster::Roster::parse("old.json", edited.as_bytes());
    let roster = report.roster.unwrap();
    assert_eq!(roster.overrides.len(), 1, "{edited}");
    // A second override joins the first in the same array.
    let run = add(
        &join(&dir, "old.json"),
        &["--from", "2026-12-31", "--replace", "+819044440004", "--with", "+819055550005"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let edited = std::fs::read_to_string(dir.path().join("old.json")).unwrap();
    assert_eq!(
        domain::roster::Roster::parse("old.json", edited.as_bytes()).roster.unwrap().overrides.len(),
        2,
        "{edited}"
    );
    assert_eq!(edited.matches("\"overrides\"").count(), 1, "{edited}");
}

#[test]
fn an_override_that_cannot_be_read_is_refused_and_nothing_is_written() {
    let original = std::fs::read(lambda_connect_tests::sample("phoneNumber.json")).unwrap();
    let dir = folder(&[("phoneNumber.json", &original)]);
    let roster = join(&dir, "phoneNumber.json");
    for (args, needle) in [
        (vec!["--from", "2026-12-24", "--group", "group9"], "[3].group"),
        (vec!["--from", "2026-12-24", "--to", "2026-12-23", "--group", "group1"], "must not end before it starts"),
        (vec!["--from", "2026-12-24", "--add", "+8190"], "--add"),
    ] {
        let run = add(&roster, &args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {run:?}");
        assert_eq!(std::fs::read(dir.path().join("phoneNumber.json")).unwrap(), original, "{args:?}");
    }
    let run = add(&roster, &["--from", "24/12/2026", "--group", "group1"]);
    assert_eq!(run.code, 2, "{run:?}");
    let missing = add(&roster, &["--from", "2026-12-24"]);
    assert_eq!(missing.code, 2, "a change is required: {missing:?}");
}
