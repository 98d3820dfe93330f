//! Moving sessions: REVALIDATE, owners, SessionMoved, colliding IDs, failover, the ephemeral
//! trap. Each test names the ZooKeeper test, JIRA or REAL-ZOOKEEPER.md observation it pins.

mod common;

use common::*;
use serde_json::{Value, json};
use zksim::codes::{CONNECTIONLOSS, OK, SESSIONMOVED};
use zksim::trace::EventKind;

fn owner_changes(w: &zksim::world::World) -> Vec<(u64, String)> {
    w.trace()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::OwnerChanged { to, .. } => Some((e.at_ms, to.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn quorum_test_session_moved_ten_moves_round_five_servers() {
    // QuorumTest.testSessionMoved: the session moves to every server in turn, twice round,
    // leader included; the new handle's write succeeds, the old handle's write is ConnectionLoss.
    let mut clients = vec![];
    let mut actions = vec![
        json!({"at_ms": 1000, "do": "connect", "client": "h0", "servers": [1]}),
        json!({"at_ms": 1500, "do": "create", "client": "h0", "path": "/sessionMoveTest", "ephemeral": true}),
    ];
    for i in 0..=10 {
        clients.push(json!({"name": format!("h{i}"), "servers": [1, 2, 3, 4, 5], "session_timeout_ms": 30000}));
    }
    for i in 0..10u64 {
        let t = 2000 + i * 1000;
        let server = (i + 1) % 5 + 1;
        actions.push(json!({"at_ms": t, "do": "connect", "client": format!("h{}", i + 1), "session_of": format!("h{i}"), "servers": [server]}));
        actions.push(json!({"at_ms": t + 100, "do": "set_data", "client": format!("h{}", i + 1), "path": "/", "data": format!("{i}")}));
        actions.push(
            json!({"at_ms": t + 150, "do": "sync", "client": format!("h{}", i + 1), "path": "/"}),
        );
        actions.push(json!({"at_ms": t + 200, "do": "set_data", "client": format!("h{i}"), "path": "/", "data": "old"}));
        // dontReconnect(): the old handle is abandoned once its write failed.
        actions.push(json!({"at_ms": t + 300, "do": "kill", "client": format!("h{i}")}));
    }
    let w = run(json!({
        "format": 1, "version": "3.6", "servers": servers(5),
        "clients": clients, "actions": actions, "until_ms": 14000
    }));
    let r = report(&w);
    for i in 0..10 {
        let new = codes(&r, &format!("h{}", i + 1));
        assert_eq!(new[0], Some(OK), "move {i}: the new handle's setData");
        assert_eq!(new[1], Some(OK), "move {i}: the new handle's sync");
        let old = codes(&r, &format!("h{i}"));
        assert_eq!(
            old.last().copied().flatten(),
            Some(CONNECTIONLOSS),
            "move {i}: the old handle's setData"
        );
    }
    assert_eq!(r["sessions"].as_array().unwrap().len(), 1);
    assert!(
        znode(&r, "/sessionMoveTest").is_some(),
        "the session and its ephemeral live on"
    );
    // Ten owner changes at least: one per REVALIDATE or leader-local renew.
    assert!(owner_changes(&w).len() >= 10);
}

fn multi_op_scenario(version: &str) -> Value {
    json!({
        "format": 1, "version": version, "servers": servers(5),
        "clients": [
            {"name": "zk", "servers": [1], "session_timeout_ms": 30000},
            {"name": "zknew", "servers": [2], "session_timeout_ms": 30000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "zk"},
            {"at_ms": 1500, "do": "multi", "client": "zk", "ops": [{"op": "create", "path": "/testSessionMovedWithMultiOp", "ephemeral": true}]},
            {"at_ms": 2000, "do": "connect", "client": "zknew", "session_of": "zk"},
            {"at_ms": 2500, "do": "multi", "client": "zknew", "ops": [{"op": "create", "path": "/testSessionMovedWithMultiOp-1", "ephemeral": true}]},
            {"at_ms": 3000, "do": "multi", "client": "zk", "ops": [{"op": "create", "path": "/testSessionMovedWithMultiOp-Failed", "ephemeral": true}]},
            {"at_ms": 5000, "do": "multi", "client": "zk", "ops": [{"op": "create", "path": "/again", "ephemeral": true}]},
            {"at_ms": 7000, "do": "multi", "client": "zk", "ops": [{"op": "create", "path": "/again", "ephemeral": true}]}
        ],
        "until_ms": 9000
    })
}

#[test]
fn quorum_test_session_moved_with_multi_op_3_6_is_connection_loss() {
    // ZOOKEEPER-2886 (3.6.0): the server closes the connection; the client sees ConnectionLoss,
    // reconnects, takes the session back, and its next multi works.
    let r = report(&run(multi_op_scenario("3.6")));
    let zk = codes(&r, "zk");
    assert_eq!(zk[0], Some(OK));
    assert_eq!(zk[1], Some(CONNECTIONLOSS));
    assert_eq!(
        zk[2],
        Some(OK),
        "after reconnecting, the handle owns the session again"
    );
    assert_eq!(codes(&r, "zknew"), vec![Some(OK)]);
    assert!(events(&r, "zk").contains(&"Disconnected".to_string()));
}

#[test]
fn multi_only_client_is_stuck_with_session_moved_before_3_6() {
    // Pre-ZOOKEEPER-2886: -118 in the results, the connection stays open, forever.
    for v in ["3.4.5", "3.4.14", "3.5.10"] {
        let r = report(&run(multi_op_scenario(v)));
        let zk = codes(&r, "zk");
        assert_eq!(
            zk,
            vec![
                Some(OK),
                Some(SESSIONMOVED),
                Some(SESSIONMOVED),
                Some(SESSIONMOVED)
            ],
            "{v}"
        );
        assert_eq!(
            events(&r, "zk"),
            vec!["SyncConnected"],
            "{v}: never disconnected"
        );
        assert_eq!(client(&r, "zk")["state"], "CONNECTED");
    }
}

#[test]
fn session_moved_write_consumes_a_zxid_and_closes_without_reply() {
    // Spec 6.3: the error txn commits (a zxid is used), the holder's server closes the socket.
    let w = run(json!({
        "format": 1, "version": "3.4.5", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 10000},
            {"name": "b", "servers": [2], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a"},
            {"at_ms": 3000, "do": "set_data", "client": "a", "path": "/", "data": "x"}
        ],
        "until_ms": 3500
    }));
    let r = report(&w);
    assert_eq!(codes(&r, "a"), vec![Some(CONNECTIONLOSS)]);
    // createSession 0x100000001, then the error txn 0x100000002.
    assert_eq!(r["servers"][2]["last_zxid"], "0x100000002");
    assert_eq!(
        log_lines_with(&w, "Session moved").len(),
        1,
        "3.4 logs the user-level exception"
    );
    assert!(!log_lines_with(&w, "Revalidating client").is_empty());
}

#[test]
fn stale_holder_on_a_follower_keeps_reading_and_pinging() {
    // Spec 6.2: learners never check owners; the stale handle's pings keep the session alive.
    let r = report(&run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 6000},
            {"name": "b", "servers": [2], "session_timeout_ms": 6000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1500, "do": "create", "client": "a", "path": "/e", "ephemeral": true},
            {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a"},
            {"at_ms": 2500, "do": "kill", "client": "b"},
            {"at_ms": 5000, "do": "get_data", "client": "a", "path": "/e"},
            {"at_ms": 20000, "do": "exists", "client": "a", "path": "/e"}
        ],
        "until_ms": 30000
    })));
    assert_eq!(codes(&r, "a"), vec![Some(OK), Some(OK), Some(OK)]);
    assert_eq!(events(&r, "a"), vec!["SyncConnected"]);
    assert_eq!(r["sessions"][0]["state"], "open");
}

#[test]
fn stale_holder_on_the_leader_is_cut_at_its_next_ping() {
    // REAL-ZOOKEEPER.md: on the leader reads and even pings are checked.
    let w = run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [3], "session_timeout_ms": 6000},
            {"name": "b", "servers": [1], "session_timeout_ms": 6000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a"}
        ],
        "until_ms": 6000
    }));
    let r = report(&w);
    assert_eq!(r["servers"][2]["state"], "leading");
    let ev = events(&r, "a");
    assert_eq!(&ev[..2], &["SyncConnected", "Disconnected"]);
    let moved = w
        .trace()
        .events()
        .iter()
        .find(|e| matches!(&e.kind, EventKind::SessionMoved { op, .. } if op == "ping"));
    assert!(moved.is_some(), "the stale holder's ping was owner-checked");
    // Reconnecting re-claims the session for the leader's connection. The follower never checks
    // b's pings, so b stays connected and the owner stays with a: moved to s1's LearnerHandler
    // at 2 s, taken back by a's reconnect (creation sets no owner). Pings go every readTimeout/2 = 2000 ms
    // (SendThread.run), so a's first ping after the move is at 3.0 s.
    let changes = owner_changes(&w);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(moved.unwrap().at_ms, 3003);
    // FinalRequestProcessor's catch (SessionMovedException) only calls cnxn.sendCloseSession():
    // no log line of its own, just the connection's close.
    let lines = zksim::report::log_lines(&w);
    assert!(
        !lines.iter().any(|l| l.contains("FinalRequestProcessor")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[s3]") && l.contains("Closed socket connection"))
    );
}

#[test]
fn a_shared_close_ends_the_session_for_both_handles() {
    let r = report(&run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 6000},
            {"name": "b", "servers": [2], "session_timeout_ms": 6000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1500, "do": "create", "client": "a", "path": "/e", "ephemeral": true},
            {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a"},
            {"at_ms": 3000, "do": "close", "client": "b"}
        ],
        "until_ms": 8000
    })));
    assert_eq!(r["sessions"][0]["state"], "closed");
    assert!(znode(&r, "/e").is_none());
    assert_eq!(client(&r, "a")["state"], "CLOSED");
    assert!(events(&r, "a").contains(&"Expired".to_string()));
}

fn trap(style: &str) -> Value {
    json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "svc-old", "servers": [1, 2, 3], "session_timeout_ms": 10000},
            {"name": "svc-new", "servers": [1, 2, 3], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "svc-old"},
            {"at_ms": 1500, "do": "register", "client": "svc-old", "path": "/svc", "data": "old", "style": style},
            {"at_ms": 3000, "do": "kill", "client": "svc-old"},
            {"at_ms": 4000, "do": "connect", "client": "svc-new"},
            {"at_ms": 5000, "do": "register", "client": "svc-new", "path": "/svc", "data": "new", "style": style}
        ],
        "until_ms": 30000
    })
}

#[test]
fn ephemeral_trap_exists_then_set_keeps_the_dead_sessions_owner() {
    // REAL-ZOOKEEPER.md: setData keeps ephemeralOwner; /svc vanishes with the old session.
    let sc = trap("exists-then-set");
    let mut w = zksim::world::World::new(&scenario(sc), true);
    w.run_until(6000);
    let mid = report(&w);
    let z = znode(&mid, "/svc").expect("still there while the old session lives");
    assert_eq!(z["data"], "new");
    assert_eq!(z["version"], 1);
    assert_eq!(
        zksim::ids::parse_hex(z["ephemeral_owner"].as_str().unwrap()),
        Some(session_of(&mid, "svc-old"))
    );
    w.run();
    let end = report(&w);
    assert!(
        znode(&end, "/svc").is_none(),
        "gone with the dead session, though svc-new lives"
    );
    assert_eq!(client(&end, "svc-new")["state"], "CONNECTED");
}

#[test]
fn ephemeral_trap_fix_delete_then_create_gives_the_node_to_the_new_session() {
    let end = report(&run(trap("delete-then-create")));
    let z = znode(&end, "/svc").expect("survives");
    assert_eq!(
        zksim::ids::parse_hex(z["ephemeral_owner"].as_str().unwrap()),
        Some(session_of(&end, "svc-new"))
    );
}

#[test]
fn leader_failover_rearms_every_session_with_a_full_timeout() {
    // REAL-ZOOKEEPER.md: followers drop their clients, an election runs, and the client comes
    // back with the same session (spec 6.6 D).
    let r = report(&run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200, "servers": servers(3),
        "clients": [{"name": "a", "servers": [1, 2, 3], "session_timeout_ms": 4000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1500, "do": "create", "client": "a", "path": "/e", "ephemeral": true},
            {"at_ms": 3000, "do": "crash_server", "server": 3}
        ],
        "until_ms": 8000
    })));
    let ev = events(&r, "a");
    assert_eq!(ev.first().map(String::as_str), Some("SyncConnected"));
    assert_eq!(ev.last().map(String::as_str), Some("SyncConnected"));
    assert!(!ev.contains(&"Expired".to_string()));
    assert_eq!(r["sessions"][0]["state"], "open");
    assert!(znode(&r, "/e").is_some());
    assert_eq!(r["servers"][1]["state"], "leading");
}

#[test]
fn a_silent_session_lives_longer_across_a_failover() {
    let run_with = |crash: bool| {
        let mut actions = vec![
            json!({"at_ms": 1000, "do": "connect", "client": "a"}),
            json!({"at_ms": 2000, "do": "kill", "client": "a"}),
        ];
        if crash {
            actions.push(json!({"at_ms": 2100, "do": "crash_server", "server": 3}));
        }
        report(&run(json!({
            "format": 1, "version": "3.6", "tick_ms": 200, "servers": servers(3),
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 400}],
            "actions": actions, "until_ms": 8000
        })))["sessions"][0]["expired_at_ms"]
            .as_i64()
            .unwrap()
    };
    let plain = run_with(false);
    let failover = run_with(true);
    assert!(plain <= 2000 + 700, "{plain}");
    // The new leader's tracker re-arms it with a full timeout from its takeover.
    assert!(failover > 2100 + 200 + 400, "{failover}");
}

#[test]
fn zookeeper_710_a_slow_revalidate_steals_the_session_back() {
    // Spec 6.6 B: a REVALIDATE delayed on s1 reaches the leader after s2's, and the owner
    // becomes s1's LearnerHandler; the handle on s2 is then cut at its next write.
    let w = run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [3], "session_timeout_ms": 10000},
            {"name": "slow", "servers": [1], "session_timeout_ms": 10000},
            {"name": "fast", "servers": [2], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1500, "do": "kill", "client": "a"},
            {"at_ms": 1900, "do": "delay", "from": "s1", "to": "s3", "kind": "REVALIDATE", "by_ms": 1000, "count": 1},
            {"at_ms": 2000, "do": "connect", "client": "slow", "session_of": "a"},
            {"at_ms": 2100, "do": "connect", "client": "fast", "session_of": "a"},
            {"at_ms": 2200, "do": "kill", "client": "slow"},
            {"at_ms": 4000, "do": "set_data", "client": "fast", "path": "/", "data": "x"},
            {"at_ms": 6000, "do": "set_data", "client": "fast", "path": "/", "data": "y"}
        ],
        "until_ms": 7000
    }));
    let r = report(&w);
    assert_eq!(codes(&r, "fast"), vec![Some(CONNECTIONLOSS), Some(OK)]);
    let owners: Vec<String> = owner_changes(&w).into_iter().map(|(_, o)| o).collect();
    let s1 = owners
        .iter()
        .position(|o| o.starts_with("LearnerHandler(s1)"));
    let s2 = owners
        .iter()
        .position(|o| o.starts_with("LearnerHandler(s2)"));
    assert!(
        s2 < s1,
        "s2's REVALIDATE set the owner first, s1's slow one later: {owners:?}"
    );
    // ZooKeeperServer.processConnectRequest: cnxn.disableRecv() while the REVALIDATE is out.
    // s1 does not read the killed client's end of stream (2.2 s) until finishSessionInit has
    // answered (3.0 s) and enableRecv() let it read again.
    let s1: Vec<String> = zksim::report::log_lines(&w)
        .into_iter()
        .filter(|l| {
            l.contains("[s1]") && l.contains("NIOServerCnxn")
                || l.contains("[s1]") && l.contains("Established session")
        })
        .collect();
    assert_eq!(s1.len(), 3, "{s1:#?}");
    assert!(s1[0].contains("Established session"), "{s1:#?}");
    assert!(
        s1[1].contains("Unable to read additional data from client"),
        "{s1:#?}"
    );
    assert!(s1[2].contains("Closed socket connection"), "{s1:#?}");
    assert!(
        s1.iter().all(|l| l.trim_start().starts_with("3.0")),
        "{s1:#?}"
    );
}

#[test]
fn zookeeper_1622_colliding_ids_share_one_session() {
    // 3.4.5 in its 0xff window: every follower seeds in the same millisecond and mints the
    // same first ID; the leader files the second createSession under the same session.
    let w = run(json!({
        "format": 1, "version": "3.4.5", "epoch_ms": 1_700_000_000_000i64, "servers": servers(5),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 10000},
            {"name": "b", "servers": [2], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1200, "do": "connect", "client": "b"},
            {"at_ms": 2000, "do": "multi", "client": "a", "ops": [{"op": "create", "path": "/m", "ephemeral": true}]},
            {"at_ms": 3000, "do": "multi", "client": "a", "ops": [{"op": "create", "path": "/m", "ephemeral": true}]},
            {"at_ms": 4000, "do": "multi", "client": "a", "ops": [{"op": "create", "path": "/m", "ephemeral": true}]}
        ],
        "until_ms": 5000
    }));
    let r = report(&w);
    let (a, b) = (session_of(&r, "a"), session_of(&r, "b"));
    assert_eq!(a, b, "the same ID minted twice");
    assert_eq!((a as u64) >> 56, 0xff);
    assert_eq!(r["sessions"].as_array().unwrap().len(), 2);
    // The elastic-job trigger: a multi-only client fails with SessionMoved again and again.
    assert_eq!(codes(&r, "a"), vec![Some(SESSIONMOVED); 3]);
    let v = w.session_views();
    assert!(v.iter().all(|s| s.collides));
}

#[test]
fn sync_from_a_stale_follower_holder_always_answers_ok() {
    // Spec 6.3 / ZOOKEEPER-915: the leader's Prep finds SessionMoved, but the learner's sync is
    // answered OK anyway. On the leader itself a stale holder's sync is cut like any request.
    let w = run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [
            {"name": "stale-f", "servers": [1], "session_timeout_ms": 6000},
            {"name": "stale-l", "servers": [3], "session_timeout_ms": 6000},
            {"name": "new-f", "servers": [2], "session_timeout_ms": 6000},
            {"name": "new-l", "servers": [2], "session_timeout_ms": 6000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "stale-f"},
            {"at_ms": 1000, "do": "connect", "client": "stale-l"},
            {"at_ms": 1500, "do": "connect", "client": "new-f", "session_of": "stale-f"},
            {"at_ms": 1500, "do": "connect", "client": "new-l", "session_of": "stale-l"},
            {"at_ms": 1700, "do": "sync", "client": "stale-f", "path": "/"},
            {"at_ms": 1700, "do": "sync", "client": "stale-l", "path": "/"}
        ],
        "until_ms": 2000
    }));
    let r = report(&w);
    assert_eq!(codes(&r, "stale-f"), vec![Some(OK)]);
    assert_eq!(codes(&r, "stale-l"), vec![Some(CONNECTIONLOSS)]);
    let moved: Vec<_> = w
        .trace()
        .events()
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::SessionMoved { op, .. } if op == "sync"))
        .collect();
    assert_eq!(
        moved.len(),
        2,
        "both syncs were found moved at the leader's Prep"
    );
}

#[test]
fn a_wrong_password_is_answered_like_an_expired_session() {
    // REAL-ZOOKEEPER.md: "Incorrect password from ... for session 0x..." then the invalid answer.
    for (v, warns) in [("3.4.5", false), ("3.6", true)] {
        let w = run(json!({
            "format": 1, "version": v, "servers": servers(3),
            "clients": [
                {"name": "a", "servers": [1], "session_timeout_ms": 6000},
                {"name": "b", "servers": [2], "session_timeout_ms": 6000}
            ],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "a"},
                {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a",
                 "password": "00000000000000000000000000000001"}
            ],
            "until_ms": 3000
        }));
        let r = report(&w);
        assert_eq!(events(&r, "b"), vec!["Expired"], "{v}");
        assert_eq!(client(&r, "b")["state"], "CLOSED");
        assert_eq!(
            r["sessions"][0]["state"], "open",
            "{v}: the session itself is fine"
        );
        assert_eq!(
            log_lines_with(&w, "Incorrect password").is_empty(),
            !warns,
            "{v}"
        );
        assert_eq!(log_lines_with(&w, "probably expired").len(), 1, "{v}");
        assert_eq!(events(&r, "a"), vec!["SyncConnected"]);
    }
}

#[test]
fn follower_failover_reconnects_elsewhere_with_the_same_session() {
    // REAL-ZOOKEEPER.md: killing the follower a client is on: reconnect elsewhere, same session.
    let r = report(&run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200, "servers": servers(3),
        "clients": [{"name": "a", "servers": [1, 2, 3], "session_timeout_ms": 4000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a", "servers": [1, 2]},
            {"at_ms": 1500, "do": "create", "client": "a", "path": "/e", "ephemeral": true},
            {"at_ms": 2000, "do": "crash_server", "server": 1},
            {"at_ms": 2000, "do": "crash_server", "server": 2},
            {"at_ms": 2001, "do": "start_server", "server": 2}
        ],
        "until_ms": 6000
    })));
    assert_eq!(
        events(&r, "a"),
        vec!["SyncConnected", "Disconnected", "SyncConnected"]
    );
    assert_eq!(r["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(r["sessions"][0]["state"], "open");
    assert_eq!(client(&r, "a")["server"], 2);
    assert!(znode(&r, "/e").is_some());
}

#[test]
fn a_learner_reseeds_its_ids_at_each_sync_so_the_counter_restarts() {
    // REAL-ZOOKEEPER.md: the low 16 bits count from 0 per server, restarting when it re-syncs;
    // the time field is its uptime when it (re)synced.
    let r = report(&run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200, "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 4000},
            {"name": "b", "servers": [1], "session_timeout_ms": 4000},
            {"name": "c", "servers": [1], "session_timeout_ms": 4000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1100, "do": "connect", "client": "b"},
            {"at_ms": 2000, "do": "crash_server", "server": 1},
            {"at_ms": 3000, "do": "start_server", "server": 1},
            {"at_ms": 4000, "do": "connect", "client": "c"}
        ],
        "until_ms": 5000
    })));
    let id = |n: &str| zksim::ids::IdAnatomy::of(session_of(&r, n));
    assert_eq!((id("a").counter, id("b").counter), (0, 1));
    assert_eq!(id("c").counter, 0, "re-synced, re-seeded");
    assert!(
        id("c").time_field >= 3000,
        "seeded after the restart: {:?}",
        id("c")
    );
    assert_eq!(id("a").high_byte, 1);
}

#[test]
fn every_learner_reports_a_late_touch_for_a_new_session() {
    // REAL-ZOOKEEPER.md: each learner's touch table gets the session at commit
    // (LearnerSessionTracker.addSession), so every learner reports it at the next PING.
    let w = run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200, "servers": servers(3),
        "clients": [{"name": "a", "servers": [3], "session_timeout_ms": 4000}],
        "actions": [{"at_ms": 1000, "do": "connect", "client": "a"}],
        "until_ms": 1500
    }));
    let pings_with_touches: Vec<_> = w
        .trace()
        .events()
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::MessageDelivered {
                    what: "PING",
                    to: zksim::trace::Node::Server(3),
                    ..
                }
            ) && e.explain.contains("(1 touches)")
        })
        .map(|e| e.at_ms)
        .collect();
    assert_eq!(
        pings_with_touches.len(),
        2,
        "one late touch from each follower: {pings_with_touches:?}"
    );
}

#[test]
fn session_invalidation_test_creates_after_close_are_refused() {
    // SessionInvalidationTest (ZOOKEEPER-1208): Prep closeSession marks the session closing,
    // so ephemeral creates that reach Prep behind the close fail checkSession (an error txn
    // with SessionExpired) and create nothing.
    let mut actions = vec![
        json!({"at_ms": 1000, "do": "connect", "client": "a"}),
        json!({"at_ms": 1100, "do": "connect", "client": "b", "session_of": "a"}),
        json!({"at_ms": 2000, "do": "close", "client": "b"}),
    ];
    for i in 0..10 {
        actions.push(json!({"at_ms": 2001, "do": "create", "client": "a", "path": format!("/foo{i}"), "ephemeral": true}));
    }
    let w = run(json!({
        "format": 1, "version": "3.4.5", "servers": servers(3),
        "clients": [
            {"name": "a", "servers": [2], "session_timeout_ms": 30000},
            {"name": "b", "servers": [1], "session_timeout_ms": 30000}
        ],
        "actions": actions, "until_ms": 4000
    }));
    let r = report(&w);
    assert!(
        r["znodes"].as_array().unwrap().is_empty(),
        "{}",
        r["znodes"]
    );
    let refused = log_lines_with(&w, "type:create")
        .into_iter()
        .filter(|(_, t)| t.contains("Session expired"))
        .count();
    assert_eq!(refused, 10, "each create met the closing session in Prep");
}

#[test]
fn colliding_ids_one_close_ends_both_handles_and_their_ephemerals() {
    // 3.4.5: two handles share one session; when one closes it, the other's ephemerals go too.
    let r = report(&run(json!({
        "format": 1, "version": "3.4.5", "epoch_ms": 1_700_000_000_000i64, "servers": servers(5),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 10000},
            {"name": "b", "servers": [2], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "b"},
            {"at_ms": 1500, "do": "create", "client": "b", "path": "/b", "ephemeral": true},
            {"at_ms": 1600, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "create", "client": "a", "path": "/a", "ephemeral": true},
            {"at_ms": 3000, "do": "close", "client": "b"}
        ],
        "until_ms": 8000
    })));
    assert_eq!(session_of(&r, "a"), session_of(&r, "b"));
    assert_eq!(
        codes(&r, "a"),
        vec![Some(OK)],
        "a owns the session after its createSession"
    );
    assert!(
        znode(&r, "/a").is_none() && znode(&r, "/b").is_none(),
        "{}",
        r["znodes"]
    );
    assert!(events(&r, "a").contains(&"Expired".to_string()));
    assert!(
        r["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "closed")
    );
}

#[test]
fn a_committed_write_whose_commit_was_lost_survives_the_failover() {
    // ZAB: a txn a quorum logged is in the history of whichever of them leads next, even if
    // the old leader's COMMIT never reached them.
    let w = run(json!({
        "format": 1, "version": "3.6", "servers": servers(3),
        "clients": [{"name": "a", "servers": [3], "session_timeout_ms": 30000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "create", "client": "a", "path": "/w", "data": "kept"},
            {"at_ms": 2003, "do": "partition", "a": ["s3"], "b": ["s1", "s2"], "one_way": true},
            {"at_ms": 16000, "do": "heal"}
        ],
        "until_ms": 20000
    }));
    let r = report(&w);
    assert_eq!(codes(&r, "a")[0], Some(OK));
    assert_eq!(r["servers"][1]["state"], "leading", "s2 took over");
    assert_eq!(r["servers"][2]["state"], "following", "s3 rejoined");
    for s in 0..3 {
        assert_eq!(r["servers"][s]["last_zxid"], r["servers"][1]["last_zxid"]);
    }
    assert_eq!(
        znode(&r, "/w").map(|z| z["data"].clone()),
        Some(json!("kept"))
    );
}

#[test]
fn session_test_session_move_on_one_server_and_spec_6_6_c() {
    // SessionTest.testSessionMove (a single host): the new handle can sync and setData. Spec
    // 6.6 C: reopening on the server that holds the old connection closes that connection
    // (`serverCnxnFactory.closeSession`) and keeps the owner: no SessionMoved anywhere.
    for servers_n in [1u8, 3] {
        let w = run(json!({
            "format": 1, "version": "3.4.5", "servers": servers(servers_n),
            "clients": [
                {"name": "zk", "servers": [1], "session_timeout_ms": 30000},
                {"name": "zknew", "servers": [1], "session_timeout_ms": 30000}
            ],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "zk"},
                {"at_ms": 2000, "do": "connect", "client": "zknew", "session_of": "zk"},
                {"at_ms": 2100, "do": "sync", "client": "zknew", "path": "/"},
                {"at_ms": 2200, "do": "set_data", "client": "zknew", "path": "/", "data": "x"},
                {"at_ms": 2300, "do": "kill", "client": "zk"}
            ],
            "until_ms": 3000
        }));
        let r = report(&w);
        assert_eq!(
            codes(&r, "zknew"),
            vec![Some(OK), Some(OK)],
            "{servers_n} servers"
        );
        assert_eq!(&events(&r, "zk")[..2], &["SyncConnected", "Disconnected"]);
        assert!(
            !w.trace()
                .events()
                .iter()
                .any(|e| matches!(e.kind, EventKind::SessionMoved { .. })),
            "{servers_n} servers: the owner never changed hands"
        );
    }
}

#[test]
fn zookeeper_1622_create_session_for_a_closing_id_is_an_error_txn() {
    // 3.4.5 PrepRequestProcessor, case createSession: setOwner throws SessionExpiredException
    // for a closing session, and pRequest's catch turns the txn into ErrorTxn(-112) (INFO "Got
    // user-level KeeperException ... Session expired"). Here s1's session is closing (a's close
    // waits for slow ACKs) when s2 mints the same 0xff... id for b. The closeSession commits
    // first and cuts b's half-made connection; b reconnects and gets the next id.
    let w = run(json!({
        "format": 1, "version": "3.4.5", "epoch_ms": 1_700_000_000_000i64, "servers": servers(5),
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 10000},
            {"name": "b", "servers": [2], "session_timeout_ms": 10000}
        ],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 1900, "do": "delay", "from": "s1", "to": "s5", "kind": "ACK", "by_ms": 500},
            {"at_ms": 1900, "do": "delay", "from": "s3", "to": "s5", "kind": "ACK", "by_ms": 500},
            {"at_ms": 1900, "do": "delay", "from": "s4", "to": "s5", "kind": "ACK", "by_ms": 500},
            {"at_ms": 2000, "do": "close", "client": "a"},
            {"at_ms": 2100, "do": "connect", "client": "b"}
        ],
        "until_ms": 6000
    }));
    let lines = zksim::report::log_lines(&w);
    let err = lines
        .iter()
        .find(|l| l.contains("type:createSession") && l.contains("Session expired"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(err.contains("[s5] INFO  PrepRequestProcessor"), "{err}");
    let r = report(&w);
    let ids: Vec<&str> = r["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], ids[1], "s2 minted s1's id again");
    assert_ne!(ids[2], ids[0], "b's second try gets the next id");
    assert_eq!(client(&r, "b")["state"], "CONNECTED");
    assert_eq!(client(&r, "b")["session"].as_str(), Some(ids[2]));
    // Four zxids: a's createSession, its closeSession, the error txn, b's createSession.
    assert_eq!(r["servers"][4]["last_zxid"], "0x100000004");
}
