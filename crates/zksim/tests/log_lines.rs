//! ZooKeeper's own log lines for the connection's ends, per release line, as the Java at each
//! tag builds them: `ClientCnxn.SendThread.run`'s catch block (and the 3.4.14+ WARN where a
//! timeout or expiry is thrown), and `NIOServerCnxn`'s end-of-stream and close lines.

mod common;

use common::*;
use serde_json::json;

/// On a standalone server: `a` freezes past its read timeout and its session expires meanwhile
/// (a timeout, then an expired reconnect); `c` is killed (the server's end of stream); the
/// server crashes under `d` (the client's end of stream); `b` then connects to nothing.
/// Returns the lines without their time and node, and the session ids of a and c.
fn lines(version: &str) -> (Vec<String>, String, String, String) {
    let w = run(json!({
        "format": 1, "version": version, "tick_ms": 200, "servers": [{"id": 1}],
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 3000},
            {"name": "b", "servers": [1], "session_timeout_ms": 3000},
            {"name": "c", "servers": [1], "session_timeout_ms": 3000},
            {"name": "d", "servers": [1], "session_timeout_ms": 30000}
        ],
        "actions": [
            {"at_ms": 100, "do": "connect", "client": "a"},
            {"at_ms": 200, "do": "connect", "client": "c"},
            {"at_ms": 300, "do": "connect", "client": "d"},
            {"at_ms": 400, "do": "kill", "client": "c"},
            {"at_ms": 500, "do": "freeze", "client": "a", "for_ms": 5000},
            {"at_ms": 7000, "do": "crash_server", "server": 1},
            {"at_ms": 7100, "do": "connect", "client": "b"}
        ],
        "until_ms": 7500
    }));
    let r = report(&w);
    let sid = |name: &str| client(&r, name)["session"].as_str().unwrap().to_string();
    let (a, c, d) = (sid("a"), sid("c"), sid("d"));
    let lines = zksim::report::log_lines(&w)
        .into_iter()
        .map(|l| l.split_once(" - ").map(|(_, t)| t.to_string()).unwrap_or(l))
        .collect();
    (lines, a, c, d)
}

fn has(lines: &[String], want: &str) {
    assert!(
        lines.iter().any(|l| l == want),
        "no line {want:?} in\n{}",
        lines.join("\n")
    );
}

#[test]
fn client_catch_block_and_server_eof_lines_per_release() {
    const RETRY: &str = ", closing socket connection and attempting reconnect";
    const ADDR: &str = "localhost/127.0.0.1:2181";
    let timed_out = |label: &str, sid: &str| {
        format!("Client session timed out, have not heard from server in 5396ms for {label} {sid}")
    };
    let expired =
        |sid: &str| format!("Unable to reconnect to ZooKeeper service, session {sid} has expired");
    let client_eof = |sid: &str| {
        format!(
            "Unable to read additional data from server sessionid {sid}, likely server has closed socket"
        )
    };
    let server_eof = |sid: &str| {
        format!(
            "Unable to read additional data from client sessionid {sid}, likely client has closed socket"
        )
    };

    // 3.4.5 and 3.4.6: the catch logs INFO with a suffix; anything else is an unexpected error.
    for v in ["3.4.5", "3.4.6"] {
        let (l, a, c, d) = lines(v);
        has(&l, &format!("{}{RETRY}", timed_out("sessionid", &a)));
        assert!(
            !l.contains(&timed_out("sessionid", &a)),
            "{v}: no WARN where it is thrown"
        );
        has(&l, &format!("{}, closing socket connection", expired(&a)));
        has(&l, &format!("{}{RETRY}", client_eof(&d)));
        has(
            &l,
            &format!(
                "Session 0x0 for server {ADDR}, unexpected error{RETRY} java.net.ConnectException: Connection refused"
            ),
        );
        has(
            &l,
            &format!(
                "caught end of stream exception EndOfStreamException: {}",
                server_eof(&c)
            ),
        );
    }
    // 3.4.14 and 3.5.10: a WARN where thrown, then the catch's INFO; socket errors get an INFO.
    for v in ["3.4.14", "3.5.10"] {
        let (l, a, c, d) = lines(v);
        has(&l, &timed_out("sessionid", &a));
        has(&l, &format!("{}{RETRY}", timed_out("sessionid", &a)));
        has(&l, &expired(&a));
        has(&l, &format!("{}, closing socket connection", expired(&a)));
        has(&l, &format!("{}{RETRY}", client_eof(&d)));
        has(
            &l,
            &format!("Socket error occurred: {ADDR}: Connection refused"),
        );
        has(&l, &server_eof(&c));
    }
    // 3.6+: one WARN for every exception, with the exception's class and message.
    let (l, a, c, d) = lines("3.6");
    let caught = |sid: &str, class: &str, msg: &str| {
        format!(
            "Session {sid} for server {ADDR}, Closing socket connection. Attempting reconnect except it is a SessionExpiredException. {class}: {msg}"
        )
    };
    has(&l, &timed_out("session id", &a));
    has(
        &l,
        &caught(
            &a,
            "org.apache.zookeeper.ClientCnxn$SessionTimeoutException",
            &timed_out("session id", &a),
        ),
    );
    has(&l, &expired(&a));
    has(
        &l,
        &caught(
            &a,
            "org.apache.zookeeper.ClientCnxn$SessionExpiredException",
            &expired(&a),
        ),
    );
    has(&l, &caught(&d, "EndOfStreamException", &client_eof(&d)));
    has(
        &l,
        &caught("0x0", "java.net.ConnectException", "Connection refused"),
    );
    assert!(
        l.iter().any(|x| x.starts_with("Unable to read additional data from client, it probably closed the socket: address = /127.0.0.1:")
            && x.ends_with(&format!(", session = {c}"))),
        "{}",
        l.join("\n")
    );
}

#[test]
fn prep_user_level_keeper_exception_names_the_request_and_the_error_path() {
    // PrepRequestProcessor.pRequest's catch: "Got user-level KeeperException when processing
    // <Request.toString()> Error Path:<e.getPath()> Error:<e.getMessage()>"; inside a multi
    // " aborting remaining multi ops." follows the request. Request.toString reads reqpath from
    // the request's unread bytes: Prep has already deserialised a multi, and a create before it
    // found NodeExists, so both print "n/a" (a session error on a single op, checked first,
    // prints the path: see the collision story's golden log). 3.5.5+ log only codes above -100.
    let run_it = |version: &str| {
        let w = run(json!({
            "format": 1, "version": version, "servers": [{"id": 1}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 6000}],
            "actions": [
                {"at_ms": 100, "do": "connect", "client": "a"},
                {"at_ms": 500, "do": "create", "client": "a", "path": "/x"},
                {"at_ms": 600, "do": "create", "client": "a", "path": "/x"},
                {"at_ms": 700, "do": "multi", "client": "a", "ops": [
                    {"op": "create", "path": "/y"}, {"op": "delete", "path": "/nope"}]}
            ],
            "until_ms": 1000
        }));
        zksim::report::log_lines(&w)
            .into_iter()
            .filter(|x| x.contains("Got user-level KeeperException"))
            .map(|x| x.split_once(" when processing ").unwrap().1.to_string())
            .collect::<Vec<_>>()
    };
    let l = run_it("3.4.6");
    assert_eq!(l.len(), 2, "{l:#?}");
    assert!(l[0].starts_with("sessionid:0x18bcfe568000000 type:create cxid:0x2 zxid:0x3 txntype:-1 reqpath:n/a Error Path:/x Error:KeeperErrorCode = NodeExists for /x"), "{l:#?}");
    assert!(l[1].contains("type:multi cxid:0x3 zxid:0x4 txntype:-1 reqpath:n/a aborting remaining multi ops. Error Path:/nope Error:KeeperErrorCode = NoNode for /nope"), "{l:#?}");
    assert!(run_it("3.5.10").is_empty());
}

#[test]
fn a_bucket_expires_all_its_sessions_before_prep_closes_them() {
    // SessionTrackerImpl.run marks and expires every session of the bucket on its own thread;
    // each ZooKeeperServer.expire only queues a closeSession for the PrepRequestProcessor
    // thread. Real 3.4.14 logs: "Expiring session A", "Expiring session B", then "Processed
    // session termination" for A and B.
    let w = run(json!({
        "format": 1, "version": "3.4.14", "tick_ms": 200, "servers": [{"id": 1}],
        "clients": [
            {"name": "a", "servers": [1], "session_timeout_ms": 1000},
            {"name": "b", "servers": [1], "session_timeout_ms": 1000}
        ],
        "actions": [
            {"at_ms": 100, "do": "connect", "client": "a"},
            {"at_ms": 110, "do": "connect", "client": "b"},
            {"at_ms": 300, "do": "kill", "client": "a"},
            {"at_ms": 300, "do": "kill", "client": "b"}
        ],
        "until_ms": 3000
    }));
    let l: Vec<String> = zksim::report::log_lines(&w)
        .into_iter()
        .filter(|x| x.contains("Expiring session") || x.contains("Processed session termination"))
        .map(|x| {
            x.split_once(" - ")
                .unwrap()
                .1
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(l, ["Expiring", "Expiring", "Processed", "Processed"]);
}

#[test]
fn client_socket_lines_per_release() {
    // ClientCnxn.logStartConnect, primeConnection and onConnected at each tag: 3.4 prints the
    // socket's bare remote address and appends the SASL status; 3.5 names both ends of the
    // socket; 3.6 moves the SASL status to its own line and says "session id".
    let (l, ..) = lines("3.4.6");
    has(
        &l,
        "Opening socket connection to server localhost/127.0.0.1:2181. Will not attempt to authenticate using SASL (unknown error)",
    );
    has(
        &l,
        "Socket connection established to /127.0.0.1:2181, initiating session",
    );
    assert!(l.iter().any(|x| {
        x.starts_with("Session establishment complete on server /127.0.0.1:2181, sessionid = 0x")
    }));
    let (l, ..) = lines("3.5.10");
    has(
        &l,
        "Opening socket connection to server localhost/127.0.0.1:2181. Will not attempt to authenticate using SASL (unknown error)",
    );
    assert!(
        l.iter().any(|x| x
            .starts_with("Socket connection established, initiating session, client: /127.0.0.1:")
            && x.ends_with(", server: localhost/127.0.0.1:2181"))
    );
    assert!(l.iter().any(|x| x.starts_with(
        "Session establishment complete on server localhost/127.0.0.1:2181, sessionid = 0x"
    )));
    let (l, ..) = lines("3.6");
    has(
        &l,
        "Opening socket connection to server localhost/127.0.0.1:2181.",
    );
    has(
        &l,
        "SASL config status: Will not attempt to authenticate using SASL (unknown error)",
    );
    assert!(l.iter().any(|x| x.starts_with(
        "Session establishment complete on server localhost/127.0.0.1:2181, session id = 0x"
    )));
}

/// The log lines of a node, without their time (`[node] LEVEL Logger - text`).
fn node_lines(w: &zksim::world::World, node: &str) -> Vec<String> {
    zksim::report::log_lines(w)
        .into_iter()
        .filter(|l| l.contains(&format!("[{node}] ")))
        .map(|l| l.split_once(" - ").unwrap().1.to_string())
        .collect()
}

#[test]
fn a_new_session_attempt_names_the_minted_id_from_3_5() {
    // ZooKeeperServer.processConnectRequest (3.5.5+): createSession first, then DEBUG "Client
    // attempting to establish new session: session = 0x<new id>, ...".
    for (version, want) in [("3.5.10", true), ("3.6", true), ("3.4.14", false)] {
        let w = run(json!({
            "format": 1, "version": version, "servers": [{"id": 1}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 6000}],
            "actions": [{"at_ms": 100, "do": "connect", "client": "a"}],
            "until_ms": 500
        }));
        let r = report(&w);
        let sid = client(&r, "a")["session"].as_str().unwrap().to_string();
        let l = node_lines(&w, "s1");
        let attempt = l
            .iter()
            .find(|x| x.starts_with("Client attempting to establish new session"))
            .unwrap();
        assert_eq!(
            attempt.contains(&format!("session = {sid},")),
            want,
            "{version}: {attempt}"
        );
    }
}

#[test]
fn a_stale_holders_ping_on_the_3_4_leader_is_a_user_level_keeper_exception() {
    // 3.4 PrepRequestProcessor.pRequest: a ping is only checkSession'd; its SessionMovedException
    // is logged with no txn header (zxid -2, txntype unknown) and the ping's xid -2, sign-
    // extended by Long.toHexString. Real 3.4.5: "... type:ping cxid:0xfffffffffffffffe
    // zxid:0xfffffffffffffffe txntype:unknown reqpath:n/a Error Path:null Error:KeeperErrorCode
    // = Session moved". 3.5.5+ log no API error.
    let run_it = |version: &str| {
        let w = run(json!({
            "format": 1, "version": version,
            "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
            "clients": [
                {"name": "a", "servers": [3], "session_timeout_ms": 6000},
                {"name": "b", "servers": [1], "session_timeout_ms": 6000}
            ],
            "actions": [
                {"at_ms": 1000, "do": "connect", "client": "a"},
                {"at_ms": 2000, "do": "connect", "client": "b", "session_of": "a"}
            ],
            "until_ms": 4000
        }));
        node_lines(&w, "s3")
            .into_iter()
            .filter(|x| x.starts_with("Got user-level KeeperException"))
            .collect::<Vec<_>>()
    };
    let l = run_it("3.4.6");
    assert!(l.iter().any(|x| x.contains("type:ping cxid:0xfffffffffffffffe zxid:0xfffffffffffffffe txntype:unknown reqpath:n/a Error Path:null Error:KeeperErrorCode = Session moved")), "{l:#?}");
    assert!(run_it("3.6").is_empty());
}

#[test]
fn a_follower_that_stops_following_closes_its_clients_with_a_line_each() {
    // Learner.shutdown: cnxnFactory.closeAll(); each connection's close logs "Closed socket
    // connection for client ... which had sessionid 0x...".
    let w = run(json!({
        "format": 1, "version": "3.6", "tick_ms": 200,
        "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 6000}],
        "actions": [
            {"at_ms": 1000, "do": "connect", "client": "a"},
            {"at_ms": 2000, "do": "crash_server", "server": 3}
        ],
        "until_ms": 2100
    }));
    let r = report(&w);
    let sid = client(&r, "a")["session"].as_str().unwrap().to_string();
    let l = node_lines(&w, "s1");
    assert!(
        l.iter().any(
            |x| x.starts_with("Closed socket connection for client /127.0.0.1:")
                && x.ends_with(&format!("which had sessionid {sid}"))
        ),
        "{l:#?}"
    );
}

#[test]
fn after_an_invalid_session_3_4_5_reads_the_clients_end_of_stream_before_closing() {
    // 3.4.5 finishSessionInit calls enableRecv() for an invalid session too (3.4.6 only for a
    // valid one): real 3.4.5 logs the client's end of stream, then the close.
    let run_it = |version: &str| {
        let w = run(json!({
            "format": 1, "version": version, "servers": [{"id": 1}],
            "clients": [
                {"name": "a", "servers": [1], "session_timeout_ms": 6000},
                {"name": "b", "servers": [1], "session_timeout_ms": 6000}
            ],
            "actions": [
                {"at_ms": 100, "do": "connect", "client": "a"},
                {"at_ms": 500, "do": "connect", "client": "b", "session_of": "a",
                 "password": "00000000000000000000000000000000"}
            ],
            "until_ms": 1000
        }));
        let l = node_lines(&w, "s1");
        let i = l
            .iter()
            .position(|x| x.starts_with("Invalid session"))
            .unwrap();
        l[i + 1..]
            .iter()
            .map(|x| x.split(' ').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(run_it("3.4.5"), ["caught", "Closed"]);
    assert_eq!(run_it("3.4.6"), ["Closed"]);
}

#[test]
fn every_ping_reply_is_logged_at_debug() {
    // ClientCnxn.SendThread.readResponse: DEBUG "Got ping response for sessionid: 0x... after
    // Nms" (3.4, 3.5), "... for session id: 0x... after Nms." (3.6+).
    // d is the client that stays connected and idle until the crash.
    let (l, _, _, d) = lines("3.4.6");
    assert!(
        l.contains(&format!("Got ping response for sessionid: {d} after 2ms")),
        "{l:#?}"
    );
    let (l, _, _, d) = lines("3.6");
    assert!(
        l.contains(&format!("Got ping response for session id: {d} after 2ms.")),
        "{l:#?}"
    );
}
