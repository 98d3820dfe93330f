//! ZOOKEEPER-4508 (3.9.3): the client expires its own session after 4/3 of the negotiated
//! timeout without hearing from any server, and ZOOKEEPER-4921 (3.9.4): only a handle that has
//! a session does. `ClientCnxn.SendThread.run` at release-3.9.2, 3.9.3 and 3.9.4.

mod common;

use common::*;
use serde_json::json;
use zksim::codes;

/// A client with a 3 s session on a three-server ensemble that goes down at 2 s and comes back
/// at 12 s.
fn ensemble_down(version: &str) -> serde_json::Value {
    report(&run(json!({
        "format": 1, "version": version, "tick_ms": 200,
        "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [{"name": "a", "servers": [1, 2, 3], "session_timeout_ms": 3000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1500, "do": "create", "client": "a", "path": "/e", "ephemeral": true},
            {"at_ms": 2000, "do": "crash_server", "server": 1},
            {"at_ms": 2000, "do": "crash_server", "server": 2},
            {"at_ms": 2000, "do": "crash_server", "server": 3},
            {"at_ms": 12000, "do": "start_server", "server": 1},
            {"at_ms": 12000, "do": "start_server", "server": 2},
            {"at_ms": 12000, "do": "start_server", "server": 3},
            {"at_ms": 13000, "do": "exists", "client": "a", "path": "/e"}
        ],
        "until_ms": 20000
    })))
}

#[test]
fn zookeeper_4508_a_392_client_reconnects_forever_and_the_session_survives() {
    let r = ensemble_down("3.6");
    assert_eq!(client(&r, "a")["state"], "CONNECTED");
    assert_eq!(
        events(&r, "a"),
        ["SyncConnected", "Disconnected", "SyncConnected"]
    );
    // The new leader re-arms the session with a full timeout at takeover: /e is still there.
    assert_eq!(codes(&r, "a"), [Some(0), Some(0)]);
}

#[test]
fn zookeeper_4508_a_393_client_expires_its_own_session() {
    for version in ["3.9.3", "3.9.4"] {
        let r = ensemble_down(version);
        let a = client(&r, "a");
        assert_eq!(a["state"], "CLOSED", "{version}");
        assert_eq!(
            events(&r, "a"),
            ["SyncConnected", "Disconnected", "Expired"],
            "{version}"
        );
        // Later calls fail at once with SESSIONEXPIRED; the servers still had the session.
        assert_eq!(
            codes(&r, "a"),
            [Some(0), Some(codes::SESSIONEXPIRED)],
            "{version}"
        );
    }
}

#[test]
fn zookeeper_4508_the_expiry_comes_4_3_of_the_timeout_after_the_last_packet_heard() {
    let w = run(json!({
        "format": 1, "version": "3.9.3", "tick_ms": 200,
        "servers": [{"id": 1}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 3000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "crash_server", "server": 1}
        ],
        "until_ms": 10000
    }));
    let lines = zksim::report::log_lines(&w);
    let warn = lines
        .iter()
        .find(|l| l.contains("WARN  ClientCnxn - Client session timed out"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    // The last packet heard is the ConnectResponse at 1.004 s (the first ping, at 2.002 s, met
    // a dead server). 4/3 x 3000 = 4000 ms later is 5.004 s, but the loop only looks when it
    // runs: at the next reconnect attempt, 6.855 s, 5851 ms after it last heard anything.
    assert!(warn.trim_start().starts_with("6.855 "), "{warn}");
    assert!(
        warn.contains("have not heard from server in 5851ms"),
        "{warn}"
    );
    assert!(warn.contains("for session id 0x"), "{warn}");
    // Connection and read timeouts are ConnectionTimeoutException "Client connection timed out"
    // from 3.9.3; the catch block names SessionTimeoutException.
    assert!(lines.iter().any(|l| l.contains(
        "Attempting reconnect except it is a SessionExpiredException or SessionTimeoutException. org.apache.zookeeper.ClientCnxn$SessionTimeoutException: Client session timed out"
    )), "{lines:#?}");
}

#[test]
fn zookeeper_4921_a_brand_new_handle_expires_on_393_and_keeps_trying_on_394() {
    // The ensemble is down before the handle ever connects. 3.9.3 checks the expiration for a
    // handle with no session (id 0) too and closes it; 3.9.4 only for a handle with a session.
    let run_it = |version: &str| {
        report(&run(json!({
            "format": 1, "version": version, "tick_ms": 200,
            "servers": [{"id": 1, "start_ms": null}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 3000}],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "a"},
                {"at_ms": 9000, "do": "start_server", "server": 1}
            ],
            "until_ms": 15000
        })))
    };
    let r = run_it("3.9.3");
    assert_eq!(client(&r, "a")["state"], "CLOSED");
    assert_eq!(events(&r, "a"), ["Expired"]);
    let r = run_it("3.9.4");
    assert_eq!(client(&r, "a")["state"], "CONNECTED");
    assert_eq!(events(&r, "a"), ["SyncConnected"]);
}

#[test]
fn zookeeper_4508_a_gc_pause_longer_than_4_3_of_the_timeout_expires_the_handle_on_thaw() {
    // 3.6: the thawed client sees a read timeout, reconnects, and the server says expired.
    // 3.9.3: the first pass of the loop after the pause finds expirationTimeout passed.
    let run_it = |version: &str| {
        report(&run(json!({
            "format": 1, "version": version, "tick_ms": 200, "servers": [{"id": 1}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 3000}],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "a"},
                {"at_ms": 2000, "do": "freeze", "client": "a", "for_ms": 6000}
            ],
            "until_ms": 12000
        })))
    };
    assert_eq!(
        events(&run_it("3.6"), "a"),
        ["SyncConnected", "Disconnected", "Expired"]
    );
    assert_eq!(events(&run_it("3.9.3"), "a"), ["SyncConnected", "Expired"]);
}
