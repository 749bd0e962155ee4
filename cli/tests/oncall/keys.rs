//! A mapping names its rosters by S3 key, and `oncall` reads them as S3 does: literally.
//! A key with `..`, `.` or a leading `/` finds no object in the bucket, so the preview must
//! not find a file on the disk either: `check` reports the entry as the error production
//! would hit, and `plan` rings only the fallback number, as resolve-roster would.

use super::*;

/// `<tmp>/projectA-phoneNumber.json` beside the folder `<tmp>/rosters/`, whose mapping names
/// `roster_key` for projectA.
fn bucket_beside_a_roster(roster_key: &str) -> (tempfile::TempDir, String) {
    let dir = folder(&[("projectA-phoneNumber.json", &read(&sample("projectA-phoneNumber.json")))]);
    std::fs::create_dir(dir.path().join("rosters")).unwrap();
    let mapping = serde_json::json!([
        {"snsTopicName": "projectA-sns-topic", "phoneNumberJsonFile": roster_key, "message": "A案件で障害が発生しました。"}
    ]);
    let path = dir.path().join("rosters").join("mapping.json");
    std::fs::write(&path, mapping.to_string()).unwrap();
    (dir, path_arg(&path))
}

#[test]
fn check_reports_a_parent_folder_key_as_the_roster_s3_cannot_find() {
    let (_dir, mapping) = bucket_beside_a_roster("../projectA-phoneNumber.json");
    let run = oncall(&["check", &mapping]);
    assert_eq!(run.code, 1, "{run:?}");
    let errors: Vec<&str> = run.stdout.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{run:?}");
    for expected in [
        "[0].phoneNumberJsonFile",
        "as the key \"../projectA-phoneNumber.json\", exactly",
        "S3 does not resolve ..",
        "alerts of topic projectA-sns-topic would ring only the fallback number",
    ] {
        assert!(errors[0].contains(expected), "{expected:?} missing from {}", errors[0]);
    }
    // The file beside the folder was not read as the project's roster.
    assert_eq!(run.stdout.lines().last(), Some("checked 1 file (1 mapping, 0 rosters): 1 error, 0 warnings"));
}

#[test]
fn check_never_reads_an_absolute_path_a_mapping_names() {
    for key in ["/etc/passwd", "/etc/hostname"] {
        let (_dir, mapping) = bucket_beside_a_roster(key);
        let run = oncall(&["check", &mapping]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stdout.contains(&format!("as the key \"{key}\", exactly")), "{run:?}");
        assert!(run.stdout.contains("a leading / is part of the key"), "{run:?}");
        assert_eq!(run.stdout.lines().last(), Some("checked 1 file (1 mapping, 0 rosters): 1 error, 0 warnings"));
        assert!(!run.stdout.contains("root:"), "{run:?}");
    }
}

#[test]
fn check_still_reads_a_key_in_a_subfolder_of_the_bucket() {
    let (dir, mapping) = bucket_beside_a_roster("team/projectA-phoneNumber.json");
    std::fs::create_dir(dir.path().join("rosters/team")).unwrap();
    std::fs::write(
        dir.path().join("rosters/team/projectA-phoneNumber.json"),
        read(&sample("projectA-phoneNumber.json")),
    )
    .unwrap();
    let run = oncall(&["check", &mapping]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().last(), Some("checked 2 files (1 mapping, 1 roster): 0 errors, 0 warnings"));
}

#[test]
fn plan_rings_only_the_fallback_for_a_key_s3_cannot_find_as_production_does() {
    for key in ["../projectA-phoneNumber.json", "./../projectA-phoneNumber.json"] {
        let (_dir, mapping) = bucket_beside_a_roster(key);
        let run = oncall_with_env(
            &["plan", "--mapping", &mapping, "--topic", "projectA-sns-topic", "--json"],
            &[("CONNECT_EXTRA_DESTINATION_PHONE_NUMBER", FALLBACK)],
        );
        assert_eq!(run.code, 1, "{run:?}");
        let plan = run.json();
        assert_eq!(plan["roster"], serde_json::Value::Null, "{plan}");
        for attempt in plan["attempts"].as_array().unwrap() {
            assert_eq!(attempt["phoneNumbers"], serde_json::json!([FALLBACK]), "{plan}");
        }
        let problems = plan["problems"].to_string();
        assert!(problems.contains("S3 would look for exactly that key"), "{problems}");
        assert!(problems.contains("the fallback number is rung"), "{problems}");
    }
}
