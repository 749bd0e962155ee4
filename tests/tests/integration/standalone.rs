//! A checkout stands alone: no file the repository tracks may refer to a path outside it,
//! because a clone into an empty folder has nothing beside it. Every tracked text file is
//! read for the folders that exist only on the developers' machine, and for relative paths
//! (`../` sequences) that climb above the repository root from the folder the path is read
//! from: the file's own folder, or the folder a shell `cd` in the file moved to.
//!
//! This file is tracked too, so the patterns it looks for are assembled from pieces, and the
//! examples that must be caught are built at run time; a test proves it scans clean itself.

// The helpers outside `#[test]` functions fail the test on an unreadable file, by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Component, Path};
use std::process::Command;

use lambda_connect_tests::workspace_root;

/// One line of one file that points outside the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    line: usize,
    what: String,
}

/// Folders that exist only beside the checkout or on the developers' machine. Assembled
/// from pieces so that this file does not contain them.
fn outside_markers() -> [String; 2] {
    [[".", ".", "/shared"].concat(), ["/", "work", "/"].concat()]
}

const UP: &str = "..";

/// Stands for `$(dirname "$0")` (the script's own folder) once a line is normalised.
const OWN_FOLDER: char = '\u{1}';

/// How many folders `path` (relative to the repository root, `/`-separated) is below it.
fn folder_depth(path: &str) -> i64 {
    path.matches('/').count() as i64
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || "\"'`()[]<>,;={}|&".contains(c)
}

/// The words of a line with their byte offsets, split at whitespace, quotes and brackets.
fn tokens(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (is_delimiter(c), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// Where `path` leads from the folder `level` deep: `Ok(level)` of the folder it names, or
/// `Err(())` if it climbs above the repository root on the way.
fn walk(level: i64, path: &str) -> Result<i64, ()> {
    let mut level = level;
    for part in path.split('/') {
        match part {
            UP => {
                level -= 1;
                if level < 0 {
                    return Err(());
                }
            }
            "" | "." => {}
            _ => level += 1,
        }
    }
    Ok(level)
}

/// Whether a word is a relative path with a `..` component (a lone `..`, a Rust range or an
/// ellipsis is not).
fn climbs_somewhere(word: &str) -> bool {
    word.contains('/') && word.split('/').any(|part| part == UP)
}

/// The folder level a word that is a path starts from: the script's own folder for
/// `$(dirname "$0")/...`, the current folder for a relative path, `None` when unknown (an
/// absolute path, a variable, a home folder).
fn start_of(word: &str, home: i64, current: Option<i64>) -> Option<(i64, &str)> {
    if let Some(rest) = word.strip_prefix(OWN_FOLDER) {
        return Some((home, rest));
    }
    match word.chars().next() {
        None | Some('/' | '~' | '$' | '-' | '%' | '@') => None,
        Some(_) if word.contains("://") => None,
        Some(_) => current.map(|level| (level, word)),
    }
}

/// Whether the `cd` at `start` is a command: first on the line (after a `$ ` prompt) or after
/// `&&`, `||`, `;`, `|` or `(`. Returns whether it runs in a subshell, `(cd dir && ...)`.
fn cd_command(line: &str, start: usize) -> Option<bool> {
    let before = line[..start].trim_end();
    let command = before.is_empty()
        || before == "$"
        || ["&&", "||", ";", "|", "(", "then", "do"].iter().any(|end| before.ends_with(end));
    command.then(|| before.ends_with('('))
}

/// Every place in `text` (the file `path`, relative to the repository root) that refers to a
/// path outside the repository.
fn scan(path: &str, text: &str) -> Vec<Finding> {
    let markers = outside_markers();
    let home = folder_depth(path);
    let markdown = path.ends_with(".md");
    // The folder commands run in, as far as a `cd` in this file moved it.
    let mut current = Some(home);
    let mut findings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        for marker in &markers {
            if raw.contains(marker.as_str()) {
                findings.push(Finding { line, what: format!("names `{marker}`, which is outside the repository") });
            }
        }
        if markdown && raw.trim_start().starts_with("```") {
            current = Some(home);
            continue;
        }
        let normalised = ["$(dirname \"$0\")", "$(dirname $0)", "$(dirname \"${BASH_SOURCE[0]}\")"]
            .iter()
            .fold(raw.to_owned(), |line, own| line.replace(own, &OWN_FOLDER.to_string()));
        let words = tokens(&normalised);
        let mut here = current;
        let mut skip_next = false;
        for (i, &(start, word)) in words.iter().enumerate() {
            if std::mem::take(&mut skip_next) {
                continue;
            }
            if word == "cd"
                && let Some(subshell) = cd_command(&normalised, start)
            {
                let target = words.get(i + 1).map_or("", |&(_, target)| target);
                skip_next = true;
                here = match start_of(target, home, here) {
                    None => None,
                    Some((level, rest)) => match walk(level, rest) {
                        Ok(level) => Some(level),
                        Err(()) => {
                            findings.push(Finding {
                                line,
                                what: format!("`cd {target}` climbs above the repository root"),
                            });
                            None
                        }
                    },
                };
                if !subshell {
                    current = here;
                }
                continue;
            }
            if !climbs_somewhere(word) {
                continue;
            }
            if let Some((level, rest)) = start_of(word, home, here)
                && walk(level, rest).is_err()
            {
                let shown = word.replace(OWN_FOLDER, "$(dirname \"$0\")");
                findings.push(Finding { line, what: format!("`{shown}` climbs above the repository root") });
            }
        }
    }
    findings
}

/// A tracked symbolic link must lead somewhere inside the repository.
fn symlink_finding(path: &str, target: &Path) -> Option<String> {
    if target.has_root() || target.components().any(|c| matches!(c, Component::Prefix(_))) {
        return Some(format!("is a symbolic link to the absolute path {}", target.display()));
    }
    let target = target.to_str()?.replace('\\', "/");
    walk(folder_depth(path), &target)
        .err()
        .map(|()| format!("is a symbolic link to {target}, which is above the repository root"))
}

/// The files git tracks under the workspace root, relative to it; `None` (with a message)
/// when git cannot be run or this is not a git checkout.
fn tracked_files(root: &Path) -> Option<Vec<String>> {
    let output = match Command::new("git").arg("-C").arg(root).args(["ls-files", "-z"]).env("LC_ALL", "C").output() {
        Ok(output) => output,
        Err(err) => {
            eprintln!(
                "SKIPPED: git cannot be run ({err}), so the check that no tracked file refers to a path \
                 outside the repository did not run"
            );
            return None;
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            eprintln!(
                "SKIPPED: {} is not a git checkout, so the check that no tracked file refers to a path \
                 outside the repository did not run",
                root.display()
            );
            return None;
        }
        panic!("git ls-files failed in {}: {stderr}", root.display());
    }
    let listing = String::from_utf8(output.stdout).expect("git lists UTF-8 paths");
    Some(listing.split('\0').filter(|path| !path.is_empty()).map(str::to_owned).collect())
}

#[test]
fn no_tracked_file_refers_to_a_path_outside_the_repository() {
    let root = workspace_root();
    let Some(files) = tracked_files(&root) else { return };
    assert!(files.iter().any(|file| file == "Cargo.toml"), "git listed the workspace: {files:?}");
    let mut findings = Vec::new();
    for file in &files {
        let path = root.join(file);
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue; // deleted in the working tree; the commit will say so
        };
        if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            findings.extend(symlink_finding(file, &target).map(|what| format!("{file}: {what}")));
            continue;
        }
        if !metadata.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else { continue }; // binary
        if text.contains('\0') {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for Finding { line, what } in scan(file, text) {
            let excerpt: String = lines[line - 1].trim().chars().take(160).collect();
            findings.push(format!("{file}:{line}: {what}: {excerpt}"));
        }
    }
    assert!(
        findings.is_empty(),
        "{} place(s) in tracked files refer to paths outside the repository; a clone has nothing \
         beside it, so keep what they need inside the repository (e.g. tests/fixtures/):\n{}",
        findings.len(),
        findings.join("\n")
    );
}

#[test]
fn this_file_does_not_trip_on_its_own_patterns() {
    assert_eq!(scan("tests/tests/integration/standalone.rs", include_str!("standalone.rs")), vec![]);
}

#[test]
fn the_developers_folders_are_named_with_their_line() {
    let [beside, machine] = outside_markers();
    let text = format!("fine\nread {beside}/compat/x.json\nok\nsee {machine}elsewhere/x\n");
    let findings = scan("tests/src/lib.rs", &text);
    assert_eq!(findings.iter().map(|f| f.line).collect::<Vec<_>>(), [2, 4], "{findings:?}");
    assert!(findings[0].what.contains(&beside), "{findings:?}");
}

#[test]
fn a_relative_path_may_climb_to_the_root_but_not_above_it() {
    let up = |n: usize| format!("{UP}/").repeat(n);
    // tests/tests/ is two folders deep.
    assert_eq!(scan("tests/tests/a.rs", &format!("include_str!(\"{}samplejson/x.json\")", up(2))), vec![]);
    let above = scan("tests/tests/a.rs", &format!("x\ninclude_str!(\"{}elsewhere/x.json\")", up(3)));
    assert_eq!(above.len(), 1, "{above:?}");
    assert_eq!(above[0].line, 2);
    // From the root, any climb is above it; a path that goes down first may come back up.
    assert_eq!(scan("README.md", &format!("[x]({}samplejson)", up(1))).len(), 1);
    assert_eq!(scan("README.md", &format!("infra/{}samplejson/x", up(1))), vec![]);
    assert_eq!(scan("README.md", &format!("infra/{}{}x", up(1), up(1))).len(), 1);
    // The final `..` of `'../..'` counts too.
    assert_eq!(scan("tests/local/h.mjs", &format!("new URL('{UP}/{UP}', import.meta.url)")), vec![]);
    assert_eq!(scan("tests/h.mjs", &format!("new URL('{UP}/{UP}', import.meta.url)")).len(), 1);
}

#[test]
fn ranges_ellipses_and_urls_are_not_paths() {
    let text = format!(
        "for i in 0{UP}n {{}}\nlet x = S {{ {UP}Default::default() }};\nwait{UP}. and {UP}.\n\
         `{UP}` alone\n1{UP}=9\nhttps://example.com/{UP}/{UP}/x\n"
    );
    assert_eq!(scan("README.md", &text), vec![]);
}

#[test]
fn a_cd_in_a_script_or_a_code_block_moves_where_paths_start() {
    let up = |n: usize| format!("{UP}/").repeat(n);
    // The README's deployment: `cd infra`, then a path back up to the root's samples.
    let readme = format!("```sh\ncd infra\naws s3 cp {}samplejson/p.json s3://b/p.json\n```\n", up(1));
    assert_eq!(scan("README.md", &readme), vec![]);
    // A fence ends the `cd`.
    let after = format!("```sh\ncd infra\n```\n\n```sh\ncat {}samplejson/p.json\n```\n", up(1));
    assert_eq!(scan("README.md", &after).iter().map(|f| f.line).collect::<Vec<_>>(), [6]);
    // A script that goes to the root from its own folder, then reads inside.
    let script =
        format!("#!/bin/sh\ncd \"$(dirname \"$0\")/{UP}/{UP}\"\ncat samplejson/x\n(cd tests/local && ls {})\n", up(2));
    assert_eq!(scan("tests/local/run.sh", &script), vec![]);
    // ... or one that climbs above the root.
    let script = format!("cd \"$(dirname \"$0\")/{UP}/{UP}/{UP}\"\n");
    assert_eq!(scan("tests/local/run.sh", &script).len(), 1);
    // A subshell's `cd` lasts for its line only.
    let text = format!("(cd infra && cat {}x)\ncat {}x\n", up(1), up(1));
    assert_eq!(scan("README.md", &text).iter().map(|f| f.line).collect::<Vec<_>>(), [2]);
    // After a `cd` to somewhere unknown, relative paths are not judged.
    assert_eq!(scan("run.sh", &format!("cd \"$TMP\"\ncat {}x\n", up(3))), vec![]);
    // A `cd` in prose is not a command.
    assert_eq!(scan("README.md", &format!("run `cd infra` first\n[x]({}y)\n", up(1))).len(), 1);
}

#[test]
fn a_symbolic_link_must_stay_inside() {
    assert_eq!(symlink_finding("a/link", Path::new(&format!("{UP}/README.md"))), None);
    assert!(symlink_finding("a/link", Path::new(&format!("{UP}/{UP}/outside"))).is_some());
    assert!(symlink_finding("link", Path::new("/etc/hosts")).is_some());
}
