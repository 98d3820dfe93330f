//! The gallery: one scenario file per story, compiled into the CLI and the web app, so the
//! gallery, the golden tests and the links never drift apart. The files live in
//! `crates/zksim/gallery/`; each has a name, a description and narration for its key moments.

use serde::Deserialize;

use crate::scenario::{Limits, Scenario, ScenarioError};

/// What the conformance suite found when it ran the stories on real releases:
/// `gallery/conformance.json`, written by `tests/conformance` (which fails when the committed
/// file is stale) and shown on the page beside each story.
const CONFORMANCE_JSON: &str = include_str!("../gallery/conformance.json");

/// One run of a story on one real release: how many of the suite's checks agreed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReleaseResult {
    /// The real release (`3.4.5`, `3.8.4`, ...), servers and its own Java client.
    pub release: String,
    /// Checks made, and how many agreed (the rest are known differences, each with a reason in
    /// the story's expect file).
    pub checks: u32,
    pub agreed: u32,
}

/// Whether a story was checked against a real release, and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    On(Vec<ReleaseResult>),
    /// Why the conformance harness cannot drive this story on a real ensemble.
    NotChecked(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConformanceFile {
    /// 1; a reader of another format says so instead of guessing.
    #[allow(dead_code)]
    format: u32,
    stories: std::collections::BTreeMap<String, StoryEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryEntry {
    #[serde(default)]
    releases: Vec<ReleaseResult>,
    #[serde(default)]
    not_checked: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Story {
    /// A short stable id (the file name), usable in links and on the command line.
    pub id: &'static str,
    /// The scenario file, format 1.
    pub json: &'static str,
}

impl Story {
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(self.json, &Limits::BROWSER)
    }

    /// The real releases this story was run on by the conformance suite, or why it was not.
    pub fn checked(&self) -> Checked {
        // The file is compiled in and a unit test reads it, so a parse error cannot ship; it
        // is still answered in words rather than a panic (the page must never panic).
        let file: ConformanceFile = match serde_json::from_str(CONFORMANCE_JSON) {
            Ok(f) => f,
            Err(e) => return Checked::NotChecked(format!("conformance.json: {e}")),
        };
        match file.stories.get(self.id) {
            Some(e) if !e.releases.is_empty() => Checked::On(e.releases.clone()),
            Some(StoryEntry {
                not_checked: Some(why),
                ..
            }) => Checked::NotChecked(why.clone()),
            _ => Checked::NotChecked("not run on a real release yet".into()),
        }
    }
}

/// Every story, in the order the gallery shows them.
pub const STORIES: &[Story] = &[
    Story {
        id: "collision-3.4.5",
        json: include_str!("../gallery/collision-3.4.5.json"),
    },
    Story {
        id: "collision-3.4.6",
        json: include_str!("../gallery/collision-3.4.6.json"),
    },
    Story {
        id: "collision-3.6",
        json: include_str!("../gallery/collision-3.6.json"),
    },
    Story {
        id: "reconnect-after-expiry",
        json: include_str!("../gallery/reconnect-after-expiry.json"),
    },
    Story {
        id: "session-life",
        json: include_str!("../gallery/session-life.json"),
    },
    Story {
        id: "connection-loss-vs-expiry",
        json: include_str!("../gallery/connection-loss-vs-expiry.json"),
    },
    Story {
        id: "ephemeral-trap",
        json: include_str!("../gallery/ephemeral-trap.json"),
    },
    Story {
        id: "ephemeral-trap-fix",
        json: include_str!("../gallery/ephemeral-trap-fix.json"),
    },
    Story {
        id: "zookeeper-710",
        json: include_str!("../gallery/zookeeper-710.json"),
    },
    Story {
        id: "zookeeper-2886-stuck",
        json: include_str!("../gallery/zookeeper-2886-stuck.json"),
    },
    Story {
        id: "zookeeper-2886-fixed",
        json: include_str!("../gallery/zookeeper-2886-fixed.json"),
    },
    Story {
        id: "clock-jump-3.4.6",
        json: include_str!("../gallery/clock-jump-3.4.6.json"),
    },
    Story {
        id: "clock-jump-3.4.14",
        json: include_str!("../gallery/clock-jump-3.4.14.json"),
    },
    Story {
        id: "leader-failover",
        json: include_str!("../gallery/leader-failover.json"),
    },
    Story {
        id: "stale-holders",
        json: include_str!("../gallery/stale-holders.json"),
    },
    Story {
        id: "timeout-negotiation",
        json: include_str!("../gallery/timeout-negotiation.json"),
    },
    Story {
        id: "ensemble-down-3.9.2",
        json: include_str!("../gallery/ensemble-down-3.9.2.json"),
    },
    Story {
        id: "ensemble-down-3.9.3",
        json: include_str!("../gallery/ensemble-down-3.9.3.json"),
    },
];

pub fn story(id: &str) -> Option<&'static Story> {
    STORIES.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_story_parses_with_browser_limits_and_has_a_name_and_narration() {
        for s in STORIES {
            let sc = s.scenario().unwrap_or_else(|e| panic!("{}: {e}", s.id));
            assert!(sc.name.is_some(), "{}", s.id);
            assert!(sc.description.is_some(), "{}", s.id);
            assert!(!sc.narration.is_empty(), "{}", s.id);
        }
    }

    #[test]
    fn the_conformance_results_name_only_gallery_stories() {
        let file: ConformanceFile = serde_json::from_str(CONFORMANCE_JSON).unwrap();
        assert_eq!(file.format, 1);
        for (id, e) in &file.stories {
            assert!(
                story(id).is_some(),
                "conformance.json names no story {id:?}"
            );
            assert!(
                e.releases.is_empty() != e.not_checked.is_none(),
                "{id}: either releases or not_checked"
            );
            for r in &e.releases {
                assert!(r.agreed <= r.checks, "{id} on {}", r.release);
            }
        }
        for s in STORIES {
            match s.checked() {
                Checked::On(rs) => assert!(!rs.is_empty()),
                Checked::NotChecked(why) => assert!(!why.is_empty()),
            }
        }
    }
}
