//! A client's own release (`clients[].version`): client-side rules follow the client's release,
//! server-side rules the scenario's. Mixed fleets are how upgrades run: a 3.4.14 client against
//! 3.6 servers, a 3.8 (profile 3.6) client against 3.4.5 servers.

mod common;

use common::*;
use serde_json::json;

fn fleet(servers: &str, old: &str) -> zksim::world::World {
    run(json!({
        "format": 1, "version": servers, "tick_ms": 2000, "servers": [{"id": 1}],
        "clients": [
            {"name": "old", "servers": [1], "session_timeout_ms": 30000, "version": old},
            {"name": "same", "servers": [1], "session_timeout_ms": 30000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "old"},
            {"at_ms": 1000, "do": "connect", "client": "same"},
            {"at_ms": 2000, "do": "delay", "from": "s1", "to": "old", "by_ms": 1500, "count": 1},
            {"at_ms": 2000, "do": "delay", "from": "s1", "to": "same", "by_ms": 1500, "count": 1},
            {"at_ms": 2000, "do": "create", "client": "old", "path": "/o"},
            {"at_ms": 2000, "do": "create", "client": "same", "path": "/s"}
        ],
        "until_ms": 20000
    }))
}

/// The client's log lines, without time and node.
fn client_lines(w: &zksim::world::World, name: &str) -> Vec<String> {
    zksim::report::log_lines(w)
        .into_iter()
        .filter(|l| l.contains(&format!("[{name}] ")))
        .map(|l| l.split_once(" - ").unwrap().1.to_string())
        .collect()
}

fn first_ping_ms(w: &zksim::world::World, name: &str) -> u64 {
    let r = report(w);
    let idx = r["clients"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == name)
        .unwrap() as u32;
    w.trace()
        .events()
        .iter()
        .find(|e| {
            matches!(&e.kind, zksim::trace::EventKind::MessageSent { from, what, .. }
            if *from == zksim::trace::Node::Client(idx) && *what == "ping")
        })
        .map(|e| e.at_ms)
        .unwrap()
}

#[test]
fn a_3_4_5_client_against_3_6_servers_pings_without_zookeeper_1751s_slack() {
    // The create is written at 2000 and its reply comes 1500 ms late. 3.6's client (ZOOKEEPER-
    // 1751) subtracts a second of slack when that late reply wakes its loop and pings at 11 s;
    // a 3.4.5 client on the same servers waits the full readTimeout/2 and pings at 12 s.
    let w = fleet("3.6", "3.4.5");
    assert_eq!(first_ping_ms(&w, "same"), 11000);
    assert_eq!(first_ping_ms(&w, "old"), 12000);
    let r = report(&w);
    assert_eq!(client(&r, "old")["version"], "3.4.5");
    assert!(client(&r, "same").get("version").is_none());
}

#[test]
fn a_client_logs_as_its_own_release_and_the_servers_as_theirs() {
    // A 3.4.14 client on 3.6 servers prints 3.4's socket lines; the 3.6 server prints 3.6's.
    let w = fleet("3.6", "3.4.14");
    let old = client_lines(&w, "old");
    assert!(
        old.iter()
            .any(|l| l == "Socket connection established to /127.0.0.1:2181, initiating session"),
        "{old:#?}"
    );
    let same = client_lines(&w, "same");
    assert!(
        same.iter()
            .any(|l| l.starts_with("Socket connection established, initiating session, client: ")),
        "{same:#?}"
    );
    let server: Vec<String> = zksim::report::log_lines(&w)
        .into_iter()
        .filter(|l| l.contains("[s1] ") && l.contains("Client attempting to establish new session"))
        .collect();
    assert_eq!(server.len(), 2);
    assert!(
        server.iter().all(|l| l.contains("session = 0x")),
        "{server:#?}"
    );
}

#[test]
fn a_3_9_3_client_on_3_6_servers_expires_on_its_own_and_a_3_6_one_does_not() {
    // ZOOKEEPER-4508 is client code: a 3.9.3 client in a fleet of 3.9.2 (profile 3.6) servers
    // gives up on its session when the server is gone; its 3.6 neighbour keeps trying.
    let w = run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200, "servers": [{"id": 1}],
        "clients": [
            {"name": "new", "servers": [1], "session_timeout_ms": 3000, "version": "3.9.3"},
            {"name": "old", "servers": [1], "session_timeout_ms": 3000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "new"},
            {"at_ms": 1000, "do": "connect", "client": "old"},
            {"at_ms": 2000, "do": "crash_server", "server": 1}
        ],
        "until_ms": 12000
    }));
    let r = report(&w);
    assert_eq!(client(&r, "new")["state"], "CLOSED");
    assert_eq!(
        events(&r, "new"),
        ["SyncConnected", "Disconnected", "Expired"]
    );
    assert_eq!(client(&r, "old")["state"], "CONNECTING");
    assert_eq!(events(&r, "old"), ["SyncConnected", "Disconnected"]);
}

#[test]
fn a_client_version_is_checked_like_the_scenarios() {
    let sc = json!({
        "format": 1, "servers": [{"id": 1}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 3000, "version": "3.7"}],
        "actions": []
    });
    let e = zksim::scenario::Scenario::from_json(&sc.to_string(), &zksim::scenario::Limits::NATIVE)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with(r#"clients[0].version: unknown version "3.7" (expected one of 3.4.5"#),
        "{e}"
    );
}
