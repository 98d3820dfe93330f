//! How a learner matches a committed txn to its own pending request: 3.4.5's
//! `CommitProcessor.run` compares only `sessionId` and `cxid` with its head pending request
//! (`nextPending.sessionId == r.sessionId && nextPending.cxid == r.cxid`, lines 94-100). With
//! 3.4.5's sign-extended ids two followers hand out the same id, so a commit of one handle's
//! request can be taken for the other handle's request on the other follower. Pinned by the real
//! 3.4.5 runs of the conformance scenario ids-negotiation (see its description).

mod common;

use common::*;
use serde_json::json;

/// Two 3.4.5 followers mint one id (t1 on s1, t2 on s2); the leader is s3.
fn colliding(closes: &[&str]) -> serde_json::Value {
    let mut actions = vec![
        json!({"at_ms": 1000, "do": "connect", "client": "t1"}),
        json!({"at_ms": 1000, "do": "connect", "client": "t2"}),
    ];
    for c in closes {
        actions.push(json!({"at_ms": 1600, "do": "close", "client": c}));
    }
    let w = run(json!({
        "format": 1, "version": "3.4.5", "seed": 1, "tick_ms": 200,
        "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [
            {"name": "t1", "servers": [1], "session_timeout_ms": 4000},
            {"name": "t2", "servers": [2], "session_timeout_ms": 4000}
        ],
        "actions": actions,
        "until_ms": 8000
    }));
    report(&w)
}

#[test]
fn both_handles_of_one_id_close_at_once_and_each_takes_the_first_commit_for_its_own() {
    let r = colliding(&["t1", "t2"]);
    assert_eq!(
        session_of(&r, "t1"),
        session_of(&r, "t2"),
        "the ids collide"
    );
    // The leader orders t1's close first. s1 answers t1 with it, and s2 takes the same commit
    // (same session, cxid 1) for t2's pending close and answers t2 too: nobody sees
    // ConnectionLoss. Had s2's close come first, s1's head pending request would not have
    // matched, and s1 would have closed t1's connection (-4).
    assert_eq!(codes(&r, "t1"), vec![Some(0)]);
    assert_eq!(codes(&r, "t2"), vec![Some(0)]);
    assert_eq!(events(&r, "t1"), vec!["SyncConnected"]);
    assert_eq!(events(&r, "t2"), vec!["SyncConnected"]);
}

#[test]
fn one_handle_closes_and_the_other_follower_closes_its_twin_without_a_reply() {
    let r = colliding(&["t1"]);
    assert_eq!(codes(&r, "t1"), vec![Some(0)]);
    // On s2 the commit matches nothing pending: FinalRequestProcessor, request.cnxn == null,
    // closes every local connection of that session; t2's reconnect finds it expired.
    assert_eq!(
        events(&r, "t2"),
        vec!["SyncConnected", "Disconnected", "Expired"]
    );
}
