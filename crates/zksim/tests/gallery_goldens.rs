//! Golden files: each gallery story's `zksim run --json` report and `zksim run --log` lines,
//! byte for byte, in `fixtures/golden/<story>.json` and `<story>.log`.
//!
//! The trace hash (`gallery_hashes.rs`) says *that* a run changed; these files say *how*, in a
//! diff a reviewer can read. A refactoring keeps them identical. A fidelity fix (behaviour that
//! follows the Java more closely) rewrites them in the same commit as the behaviour: rerun with
//! `ZKSIM_BLESS=1` and read the diff before committing it.

use std::path::PathBuf;

use zksim::gallery::STORIES;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

/// What `zksim run <story> --json` and `zksim run <story> --log` print, as the CLI prints them.
fn outputs(id: &str) -> (String, String) {
    let story = zksim::gallery::story(id).unwrap();
    let sc = story.scenario().unwrap_or_else(|e| panic!("{id}: {e}"));
    let json_world = zksim::report::run_scenario(&sc, None, false);
    let json = serde_json::to_string_pretty(&zksim::report::report(&json_world)).unwrap() + "\n";
    let log_world = zksim::report::run_scenario(&sc, None, true);
    let mut log = String::new();
    for line in zksim::report::log_lines(&log_world) {
        log.push_str(&line);
        log.push('\n');
    }
    (json, log)
}

#[test]
fn every_gallery_story_reports_and_logs_as_pinned() {
    let dir = golden_dir();
    let bless = std::env::var_os("ZKSIM_BLESS").is_some_and(|v| v == "1");
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut differ = Vec::new();
    for story in STORIES {
        let (json, log) = outputs(story.id);
        for (ext, now) in [("json", &json), ("log", &log)] {
            let path = dir.join(format!("{}.{ext}", story.id));
            if bless {
                std::fs::write(&path, now).unwrap();
                continue;
            }
            let pinned = std::fs::read_to_string(&path).unwrap_or_default();
            if &pinned != now {
                let first = pinned
                    .lines()
                    .zip(now.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| pinned.lines().count().min(now.lines().count()));
                differ.push(format!(
                    "{}.{ext}: differs from line {} (pinned: {:?}, now: {:?})",
                    story.id,
                    first + 1,
                    pinned.lines().nth(first).unwrap_or("<end>"),
                    now.lines().nth(first).unwrap_or("<end>"),
                ));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "golden files differ (rerun with ZKSIM_BLESS=1 if the change is deliberate):\n{}",
        differ.join("\n")
    );
}
