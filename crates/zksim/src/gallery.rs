//! The gallery: one scenario file per story, compiled into the CLI and the web app, so the
//! gallery, the golden tests and the links never drift apart. The files live in
//! `crates/zksim/gallery/`; each has a name, a description and narration for its key moments.

use crate::scenario::{Limits, Scenario, ScenarioError};

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
}
