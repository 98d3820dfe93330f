//! The client's ping cadence, `ClientCnxn.SendThread.run` at each release's tag.
//!
//! Java evaluates the ping rule only when the send loop wakes. On an idle connection the ping's
//! reply wakes it a few ms after each ping, while `idleSend` is under a second, so no slack is
//! subtracted and it sleeps until `lastSend + readTimeout/2`. Idle pings therefore go every
//! readTimeout/2 on 3.4.5 and on 3.4.6+ alike (ZOOKEEPER-1751's slack and its 10 s forced ping
//! act only when something else wakes the loop). Measured on a real 3.8 ensemble with T = 4000:
//! pings 1334-1337 ms apart (readTimeout/2 = 1333).

mod common;

use common::*;
use serde_json::json;
use zksim::trace::{EventKind, Node};
use zksim::world::World;

/// The virtual ms of every ping client `c` (index) sent.
fn ping_times(w: &World, c: u32) -> Vec<u64> {
    w.trace()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent { from, what, .. }
                if *from == Node::Client(c) && *what == "ping" =>
            {
                Some(e.at_ms)
            }
            _ => None,
        })
        .collect()
}

fn idle_client(version: &str, timeout_ms: u64) -> World {
    run(json!({
        "format": 1, "version": version, "tick_ms": 2000,
        "servers": [{"id": 1}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": timeout_ms}],
        "actions": [{"at_ms": 1000, "do": "connect", "client": "a"}],
        "until_ms": 60000
    }))
}

#[test]
fn idle_pings_go_every_half_read_timeout_on_every_release() {
    // ClientCnxn.SendThread.run (3.4.5 and 3.4.6+): readTimeout = 2T/3, a ping every
    // readTimeout/2 of send idleness, measured from the previous ping's write.
    for version in ["3.4.5", "3.4.6", "3.4.14", "3.5.10", "3.6"] {
        for (timeout_ms, half_ms) in [(4000, 1333), (10000, 3333), (30000, 10000)] {
            let w = idle_client(version, timeout_ms);
            let pings = ping_times(&w, 0);
            assert!(pings.len() >= 4, "{version} T={timeout_ms}: {pings:?}");
            for pair in pings.windows(2) {
                assert_eq!(
                    pair[1] - pair[0],
                    half_ms,
                    "{version} T={timeout_ms}: pings at {pings:?}"
                );
            }
        }
    }
}

#[test]
fn standalone_session_of_a_killed_client_expires_after_its_last_ping() {
    // Issue report: standalone 3.6, T = 10000, connect at 1 s, kill at 5 s. The last ping goes
    // readTimeout/2 after the last write, the ConnectRequest at 1.002 s: at 4.335 s. Its touch
    // puts the session in bucket roundToInterval(4.336 + 10) = 16 s (it was 14 s when the
    // simulator subtracted ZOOKEEPER-1751's slack on every ping).
    let w = run(json!({
        "format": 1, "version": "3.6", "tick_ms": 2000,
        "servers": [{"id": 1}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 10000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 5000, "do": "kill", "client": "a"}
        ],
        "until_ms": 20000
    }));
    assert_eq!(ping_times(&w, 0), vec![4335]);
    let r = report(&w);
    assert_eq!(r["sessions"][0]["expired_at_ms"], 16000);
}

#[test]
fn zookeeper_1751_slack_applies_when_a_late_reply_wakes_the_loop() {
    // A reply that arrives more than a second after the last write wakes the loop with
    // idleSend > 1000: 3.4.6+ then subtracts the 1000 ms of slack and pings a second early;
    // 3.4.5 has no slack. The create's reply is delayed by 1500 ms (a delay rule on the reply).
    let scenario = |version: &str| {
        json!({
            "format": 1, "version": version, "tick_ms": 2000,
            "servers": [{"id": 1}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 30000}],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "a"},
                {"at_ms": 2000, "do": "delay", "from": "s1", "to": "a", "by_ms": 1500, "count": 1},
                {"at_ms": 2000, "do": "create", "client": "a", "path": "/x"}
            ],
            "until_ms": 20000
        })
    };
    // The create is written at 2000; readTimeout/2 = 10000.
    let old = ping_times(&run(scenario("3.4.5")), 0);
    assert_eq!(old.first(), Some(&12000), "3.4.5: {old:?}");
    let new = ping_times(&run(scenario("3.4.6")), 0);
    assert_eq!(new.first(), Some(&11000), "3.4.6: {new:?}");
}
