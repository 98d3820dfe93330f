//! The leader's side of a learner that goes silent: `LearnerHandler.run` reads its learner's
//! socket with a read timeout of syncLimit ticks once the learner has acknowledged NEWLEADER
//! (`sock.setSoTimeout(tickTime * syncLimit)`, 3.4.5 LearnerHandler.java line 458; 3.6.4
//! `learnerMaster.syncTimeout()`, line 634). A learner answers every leader ping, so only a dead
//! or cut-off one stays silent that long; the read times out, the handler logs `Unexpected
//! exception causing shutdown while sock still open` and `GOODBYE`, and shuts down, whether or
//! not the learner has noticed. Pinned by the real 3.6.4 run of the conformance scenario
//! partition: the leader said GOODBYE to the cut-off follower 1025 ms after the cut (tick 200,
//! syncLimit 5), not at the heal.

mod common;

use common::*;
use serde_json::json;

fn cut_follower(version: &str) -> zksim::world::World {
    run(json!({
        "format": 1, "version": version, "seed": 1, "tick_ms": 200, "init_limit": 10, "sync_limit": 5,
        "servers": servers(3),
        "clients": [],
        "actions": [
            {"at_ms": 2000, "do": "partition", "a": ["s1"], "b": ["s2", "s3"]},
            {"at_ms": 9000, "do": "heal", "a": ["s1"], "b": ["s2", "s3"]}
        ],
        "until_ms": 12000
    }))
}

#[test]
fn the_leader_drops_a_cut_off_follower_after_sync_limit_ticks_of_silence() {
    for version in ["3.4.5", "3.6"] {
        let w = cut_follower(version);
        let goodbyes = log_lines_with(&w, "GOODBYE /127.0.0.1 (sid 1)");
        // s1 answered the leader's pings every tick/2 until the cut at 2000 ms: its last packet
        // arrived in (1900, 2000], so the read timeout of 5 ticks ends in (2900, 3000].
        let (at_ms, _) = goodbyes
            .first()
            .unwrap_or_else(|| panic!("{version}: no GOODBYE for s1"));
        assert!(
            (2900..=3000).contains(at_ms),
            "{version}: GOODBYE at {at_ms} ms, {goodbyes:?}"
        );
        let timeouts = log_lines_with(&w, "Read timed out");
        assert!(
            timeouts.iter().any(|(t, l)| t == at_ms
                && l.starts_with("Unexpected exception causing shutdown while sock still open")),
            "{version}: the handler's read timeout comes with its GOODBYE: {timeouts:?}"
        );
        // The follower on its side gives up on the leader after its own syncLimit of silence,
        // and after the heal it follows again: the old handler does not say GOODBYE twice.
        assert_eq!(
            goodbyes.iter().filter(|(t, _)| *t < 9000).count(),
            1,
            "{version}: {goodbyes:?}"
        );
        let r = report(&w);
        let s1 = &r["servers"].as_array().unwrap()[0];
        assert_eq!(s1["state"], "following", "{version}: {s1}");
    }
}

#[test]
fn a_follower_that_answers_pings_keeps_its_handler() {
    let w = run(json!({
        "format": 1, "version": "3.6", "seed": 1, "tick_ms": 200,
        "servers": servers(3), "clients": [], "actions": [], "until_ms": 20000
    }));
    assert!(log_lines_with(&w, "GOODBYE").is_empty());
}
