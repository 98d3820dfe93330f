//! Format v1 as it reads and writes: defaults, canonical text, and every error at its field.

use super::*;
use serde_json::{Value, json};

const MINIMAL: &str = r#"{"format": 1, "servers": [{"id": 1}], "clients": [], "actions": []}"#;

/// Every action kind, every optional field used at least once.
const EVERYTHING: &str = include_str!("../../tests/fixtures/everything.json");

fn read(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_json(text, &Limits::BROWSER)
}

#[test]
fn design_md_defaults_are_resolved() {
    let s = read(MINIMAL).unwrap();
    assert_eq!(s.name, None);
    assert_eq!(s.description, None);
    assert_eq!(s.version, Version::V3_6);
    assert_eq!(s.seed, 1);
    assert_eq!(s.tick_ms, 2000);
    assert_eq!(s.min_session_timeout_ms, 4000);
    assert_eq!(s.max_session_timeout_ms, 40000);
    assert_eq!(s.epoch_ms, 1_700_000_000_000);
    assert_eq!(s.latency_ms, (1, 1));
    assert_eq!((s.init_limit, s.sync_limit), (10, 5));
    assert_eq!(
        s.servers,
        vec![ServerSpec {
            id: 1,
            clock_offset_ms: 0,
            uptime_ms: 0,
            start_ms: Some(0)
        }]
    );
    assert_eq!(s.until_ms, 60_000);
    assert!(s.narration.is_empty());
}

#[test]
fn session_timeout_defaults_follow_tick_ms() {
    let s = read(r#"{"format":1,"tick_ms":500,"servers":[{"id":3}],"clients":[],"actions":[]}"#)
        .unwrap();
    assert_eq!(
        (s.min_session_timeout_ms, s.max_session_timeout_ms),
        (1000, 10000)
    );
}

#[test]
fn until_defaults_to_60000_past_the_last_action() {
    let s = read(
        r#"{"format":1,"servers":[{"id":1}],"clients":[],
            "actions":[{"at_ms":1000,"do":"crash_server","server":1},
                       {"at_ms":7000,"do":"start_server","server":1}]}"#,
    )
    .unwrap();
    assert_eq!(s.until_ms, 67_000);
}

#[test]
fn everything_reads_and_round_trips() {
    let s = read(EVERYTHING).unwrap();
    assert_eq!(s.seed, u64::MAX);
    assert_eq!(s.version, Version::V3_4_6);
    assert_eq!(s.servers[2].start_ms, None);
    assert_eq!(s.servers[3].start_ms, Some(3000));
    assert_eq!(s.actions.len(), 30);
    assert_eq!(
        s.actions[2].kind,
        ActionKind::Connect {
            client: "app.2:x_Y".into(),
            session_of: Some("app-1".into()),
            servers: Some(vec![4, 1]),
            password: None,
        }
    );
    assert_eq!(
        s.actions[4].kind,
        ActionKind::Create {
            client: "app-1".into(),
            path: "/a/".into(),
            data: String::new(),
            ephemeral: false,
            sequential: true,
        }
    );
    assert_eq!(
        s.actions[13].kind,
        ActionKind::Partition {
            a: vec![Endpoint::Server(1)],
            b: vec![Endpoint::Server(2), Endpoint::Client("app-1".into())],
            one_way: true,
        }
    );
    assert_eq!(
        s.actions[14].kind,
        ActionKind::Heal {
            a: Some(vec![Endpoint::Server(1)]),
            b: None
        }
    );
    assert_eq!(
        s.actions[17].kind,
        ActionKind::Hold {
            from: Endpoint::Server(2),
            to: Endpoint::Server(1),
            kind: Some("REVALIDATE".into()),
            count: Some(1),
        }
    );
    let names: std::collections::BTreeSet<&str> = s.actions.iter().map(|a| a.kind.name()).collect();
    assert_eq!(
        names.len(),
        ActionKind::NAMES.len(),
        "every action kind is exercised"
    );

    let compact = s.to_json();
    let pretty = s.to_json_pretty();
    assert_eq!(read(&compact).unwrap(), s);
    assert_eq!(read(&pretty).unwrap(), s);
    // Canonical: writing what was read gives the same text.
    assert_eq!(read(&compact).unwrap().to_json(), compact);
    // The pretty form is the compact form with whitespace.
    let a: Value = serde_json::from_str(&compact).unwrap();
    let b: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(a, b);
    s.validate(&Limits::BROWSER).unwrap();
}

#[test]
fn canonical_json_leaves_defaults_out() {
    let s = read(MINIMAL).unwrap();
    assert_eq!(
        s.to_json(),
        r#"{"format":1,"version":"3.6","servers":[{"id":1}],"clients":[],"actions":[]}"#
    );
    let mut moved = s.clone();
    moved.until_ms = 5;
    moved.servers[0].start_ms = None;
    assert_eq!(
        moved.to_json(),
        r#"{"format":1,"version":"3.6","servers":[{"id":1,"start_ms":null}],"clients":[],"actions":[],"until_ms":5}"#
    );
    assert_eq!(read(&moved.to_json()).unwrap(), moved);
}

#[test]
fn pretty_json_puts_each_action_on_one_line() {
    let s = read(EVERYTHING).unwrap();
    let pretty = s.to_json_pretty();
    assert!(
        pretty.contains("\n    { \"at_ms\": 2000, \"do\": \"crash_server\", \"server\": 2 },\n")
    );
    assert!(pretty.contains("\n  \"latency_ms\": [1, 5],\n"));
    assert!(pretty.lines().all(|l| l.len() <= PRETTY_WIDTH), "{pretty}");
    assert!(pretty.ends_with("}\n"));
}

#[test]
fn null_means_absent_except_for_start_ms() {
    let s = read(
        r#"{"format":1,"name":null,"seed":null,"servers":[{"id":1,"start_ms":null,"uptime_ms":null}],
            "clients":[{"name":"c","servers":[1],"session_timeout_ms":4000}],
            "actions":[{"at_ms":0,"do":"connect","client":"c","session_of":null,"servers":null}],
            "until_ms":null}"#,
    )
    .unwrap();
    assert_eq!(s.name, None);
    assert_eq!(s.seed, 1);
    assert_eq!(s.servers[0].start_ms, None);
    assert_eq!(
        s.actions[0].kind,
        ActionKind::Connect {
            client: "c".into(),
            session_of: None,
            servers: None,
            password: None,
        }
    );
    assert_eq!(s.until_ms, 60_000);
}

#[test]
fn x_fields_are_ignored_anywhere() {
    let s = read(
        r#"{"format":1,"x_editor":{"zoom":2},"servers":[{"id":1,"x_color":"red"}],
            "clients":[{"name":"c","servers":[1],"session_timeout_ms":4000,"x_":1}],
            "actions":[{"at_ms":0,"do":"connect","client":"c","x_note":"hi"},
                       {"at_ms":0,"do":"multi","client":"c","ops":[{"op":"check","path":"/","x_y":[]}]}]}"#,
    )
    .unwrap();
    assert!(!s.to_json().contains("x_"));
}

#[test]
fn odd_keys_get_bracketed_paths() {
    let e = read(r#"{"format": 1, "": 1}"#).unwrap_err();
    assert!(e.to_string().starts_with(r#"[""]: unknown field"#), "{e}");
    let e = read(r#"{"format": 1, "servers": [{"id": 1, "my id": 2}]}"#).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(r#"servers[0]["my id"]: unknown field"#),
        "{e}"
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    assert!(read(&format!("\u{feff}{MINIMAL}")).is_ok());
}

/// `(top-level fields replaced, expected error prefix)`. Every field path is named.
const BAD: &[(&str, &str)] = &[
    (r#"{"format": 2}"#, "format: format 2 is from a newer zksim"),
    (r#"{"format": "1"}"#, r#"format: must be 1, got "1""#),
    (r#"{"format": null}"#, "format: must be 1, got null"),
    (
        r#"{"version": "3.7"}"#,
        r#"version: unknown version "3.7" (expected one of 3.4.5, 3.4.6, 3.4.14, 3.5.10, 3.6, 3.9.3, 3.9.4)"#,
    ),
    (r#"{"version": 3.6}"#, "version: must be a string"),
    (
        r#"{"seeds": 5}"#,
        r#"seeds: unknown field (did you mean "seed"?)"#,
    ),
    (
        r#"{"seed": -1}"#,
        "seed: must be 0..=18446744073709551615, got -1",
    ),
    (r#"{"tick_ms": 0}"#, "tick_ms: must be 1..=3600000, got 0"),
    (
        r#"{"tick_ms": 2000.0}"#,
        "tick_ms: must be an integer in 1..=3600000, got 2000.0",
    ),
    (
        r#"{"min_session_timeout_ms": 50000}"#,
        "min_session_timeout_ms: min_session_timeout_ms (50000) is larger than max_session_timeout_ms (40000)",
    ),
    (
        r#"{"epoch_ms": 9007199254740993}"#,
        "epoch_ms: must be -9007199254740992..=9007199254740992",
    ),
    (
        r#"{"latency_ms": [5, 1]}"#,
        "latency_ms: min 5 is larger than max 1",
    ),
    (
        r#"{"latency_ms": [1]}"#,
        "latency_ms: must be [min, max], got 1 values",
    ),
    (
        r#"{"latency_ms": [1, -1]}"#,
        "latency_ms[1]: must be 0..=3600000, got -1",
    ),
    (
        r#"{"init_limit": 0}"#,
        "init_limit: must be 1..=1000, got 0",
    ),
    (r#"{"name": "a\nb"}"#, "name: must be one line"),
    (
        r#"{"servers": []}"#,
        "servers: an ensemble needs at least one server",
    ),
    (
        r#"{"servers": {"id": 1}}"#,
        "servers: must be an array, got an object",
    ),
    (
        r#"{"servers": [{"id": 0}]}"#,
        "servers[0].id: must be 1..=255, got 0",
    ),
    (
        r#"{"servers": [{"id": 1}, {"id": 1}]}"#,
        "servers[1].id: duplicate server id 1 (also servers[0])",
    ),
    (
        r#"{"servers": [1]}"#,
        "servers[0]: a server is a JSON object, got 1",
    ),
    (
        r#"{"servers": [{"id": 1, "start": 5}]}"#,
        r#"servers[0].start: unknown field (did you mean "start_ms"?)"#,
    ),
    (
        r#"{"servers": [{"id": 1, "clock_offset_ms": 9007199254740992}]}"#,
        "servers[0].clock_offset_ms: puts this server's wall clock at",
    ),
    (
        r#"{"clients": [{"name": "s3", "servers": [1], "session_timeout_ms": 4000}]}"#,
        r#"clients[0].name: "s3" has the form of a server"#,
    ),
    (
        r#"{"clients": [{"name": "", "servers": [1], "session_timeout_ms": 4000}]}"#,
        "clients[0].name: must not be empty",
    ),
    (
        r#"{"clients": [{"name": "app 1", "servers": [1], "session_timeout_ms": 4000}]}"#,
        r#"clients[0].name: "app 1" has ' ' at byte 3"#,
    ),
    (
        r#"{"clients": [{"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "servers": [1], "session_timeout_ms": 4000}]}"#,
        "clients[0].name: 65 bytes long, the limit is 64",
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [1], "session_timeout_ms": 4000},
                        {"name": "a", "servers": [1], "session_timeout_ms": 4000}]}"#,
        r#"clients[1].name: duplicate client name "a" (also clients[0])"#,
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [1, 4], "session_timeout_ms": 4000}]}"#,
        "clients[0].servers[1]: no server with id 4",
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [2, 2], "session_timeout_ms": 4000}]}"#,
        "clients[0].servers[1]: server 2 is listed twice",
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [], "session_timeout_ms": 4000}]}"#,
        "clients[0].servers: must list at least one server",
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [1]}]}"#,
        "clients[0].session_timeout_ms: required",
    ),
    (
        r#"{"clients": [{"name": "a", "servers": [1], "session_timeout_ms": 2147483648}]}"#,
        "clients[0].session_timeout_ms: must be 0..=2147483647",
    ),
    (
        r#"{"actions": [{"do": "kill", "client": "app-1"}]}"#,
        "actions[0].at_ms: required",
    ),
    (r#"{"actions": [{"at_ms": 0}]}"#, "actions[0].do: required"),
    (
        r#"{"actions": [{"at_ms": 0, "do": "conect", "client": "app-1"}]}"#,
        r#"actions[0].do: unknown action "conect" (did you mean "connect"? expected one of start_server,"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "sesion_of": "app-1"}]}"#,
        r#"actions[0].sesion_of: unknown field (did you mean "session_of"?)"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "path": "/a"}]}"#,
        "actions[0].path: unknown field (connect takes at_ms, do, client, session_of, servers, password)",
    ),
    (
        r#"{"actions": [{"at_ms": 2000, "do": "connect", "client": "app-1"},
                        {"at_ms": 1500, "do": "kill", "client": "app-1"}]}"#,
        "actions[1].at_ms: actions must be in time order (1500 < 2000)",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-9"}]}"#,
        r#"actions[0].client: no client named "app-9" (did you mean "app-1"?)"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "s1"}]}"#,
        r#"actions[0].client: "s1" is a server; a client name is expected here"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "exists", "client": "app-1", "path": "/"}]}"#,
        r#"actions[0].client: "app-1" has no handle yet (no connect before this action)"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "session_of": "app-2"}]}"#,
        r#"actions[0].session_of: "app-2" has no session to reuse yet"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "servers": [1, 1]}]}"#,
        "actions[0].servers[1]: server 1 is listed twice",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "crash_server", "server": 7}]}"#,
        "actions[0].server: no server with id 7",
    ),
    (
        r#"{"actions": [{"at_ms": 86400001, "do": "crash_server", "server": 1}]}"#,
        "actions[0].at_ms: must be 0..=86400000, got 86400001",
    ),
    (
        r#"{"actions": [{"at_ms": 86390000, "do": "crash_server", "server": 1}]}"#,
        "until_ms: the default (the last action + 60000) is 86450000, past the limit of 86400000",
    ),
    (
        r#"{"until_ms": 1000, "actions": [{"at_ms": 1001, "do": "crash_server", "server": 1}]}"#,
        "actions[0].at_ms: after until_ms (1001 > 1000)",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "create", "client": "app-1", "path": "a/b"}]}"#,
        r#"actions[1].path: "a/b": path must start with / character (ZooKeeper's PathUtils.validatePath)"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a/"}]}"#,
        r#"actions[1].path: "/a/": path must not end with / character"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "delete", "client": "app-1", "path": "/a//b"}]}"#,
        r#"actions[1].path: "/a//b": empty node name specified @3"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "get_data", "client": "app-1", "path": "/a/../b"}]}"#,
        r#"actions[1].path: "/a/../b": relative paths not allowed @4"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "exists", "client": "app-1"}]}"#,
        "actions[1].path: required",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "set_data", "client": "app-1", "path": "/a", "version": -2}]}"#,
        "actions[1].version: must be -1..=2147483647, got -2",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a", "ephemeral": 1}]}"#,
        "actions[1].ephemeral: must be true or false, got 1",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "freeze", "client": "app-1", "for_ms": 0}]}"#,
        "actions[1].for_ms: must be 1..=86400000, got 0",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "copy", "path": "/a"}]}]}"#,
        r#"actions[1].ops[0].op: unknown op "copy""#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "delete", "path": "/a", "data": "x"}]}]}"#,
        "actions[1].ops[0].data: unknown field (a multi delete takes op, path, version)",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "check", "path": "/a"}, {"op": "create", "path": "//"}]}]}"#,
        r#"actions[1].ops[1].path: "//": path must not end with / character"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                        {"at_ms": 0, "do": "register", "client": "app-1", "path": "/s", "style": "upsert"}]}"#,
        r#"actions[1].style: unknown style "upsert""#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s1", "app-1"], "b": ["s2", "s1"]}]}"#,
        "actions[0].b[1]: s1 is on both sides of the partition",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s9"], "b": ["s2"]}]}"#,
        "actions[0].a[0]: no server s9",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s01"], "b": ["s2"]}]}"#,
        r#"actions[0].a[0]: write servers without leading zeros ("s1")"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s1"]}]}"#,
        "actions[0].b: required",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "heal", "a": []}]}"#,
        "actions[0].a: must not be empty",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "clock_jump", "server": 1, "by_ms": 9007199254740992}]}"#,
        "actions[0].by_ms: puts s1's wall clock at",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "hold", "from": "s1", "to": "s1"}]}"#,
        "actions[0].to: from and to are both s1",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "drop", "from": "app-1", "to": "app-2"}]}"#,
        "actions[0].to: no messages flow between two clients",
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "hold", "from": "s1", "to": "s2", "kind": "RE VALIDATE"}]}"#,
        r#"actions[0].kind: "RE VALIDATE" is not a message kind name"#,
    ),
    (
        r#"{"actions": [{"at_ms": 0, "do": "delay", "from": "s1", "to": "s2", "by_ms": 5, "count": 0}]}"#,
        "actions[0].count: must be 1..=4294967295, got 0",
    ),
    (
        r#"{"until_ms": 86400001}"#,
        "until_ms: must be 0..=86400000, got 86400001",
    ),
    (
        r#"{"narration": [{"at_ms": 5, "text": "b"}, {"at_ms": 4, "text": "a"}]}"#,
        "narration[1].at_ms: narration must be in time order (4 < 5)",
    ),
    (
        r#"{"narration": [{"at_ms": 5, "text": ""}]}"#,
        "narration[0].text: must not be empty",
    ),
    (
        r#"{"narration": [{"at_ms": 60001, "text": "late"}]}"#,
        "narration[0].at_ms: must be 0..=60000, got 60001",
    ),
];

fn base() -> Value {
    json!({
        "format": 1,
        "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [
            {"name": "app-1", "servers": [1, 2, 3], "session_timeout_ms": 4000},
            {"name": "app-2", "servers": [1, 2, 3], "session_timeout_ms": 4000}
        ],
        "actions": []
    })
}

#[test]
fn every_error_names_its_field() {
    assert!(read(&base().to_string()).is_ok());
    for (patch, expected) in BAD {
        let mut v = base();
        let patch: Value = serde_json::from_str(patch).expect(patch);
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
        let e = read(&v.to_string()).expect_err(patch.to_string().as_str());
        let shown = e.to_string();
        assert!(
            shown.starts_with(expected),
            "\n  patch    {patch}\n  expected {expected}\n  got      {shown}"
        );
        assert!(shown.starts_with(&format!("{}: ", e.path)));
    }
}

#[test]
fn missing_format_and_non_objects_are_refused() {
    let e = read(r#"{"servers": [{"id": 1}], "clients": [], "actions": []}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "format: required (this zksim reads format 1)"
    );
    let e = read("[1, 2]").unwrap_err();
    assert_eq!(
        e.to_string(),
        "json: a scenario is a JSON object, got an array"
    );
    let e = read("\"hi\"").unwrap_err();
    assert_eq!(e.path, "json");
    let e = read("").unwrap_err();
    assert_eq!(e.path, "json");
    let e = read(r#"{"format": 1,"#).unwrap_err();
    assert!(e.to_string().starts_with("json: EOF while parsing"), "{e}");
    let e = read(&format!("{MINIMAL} x")).unwrap_err();
    assert!(
        e.to_string().starts_with("json: trailing characters"),
        "{e}"
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let e = read(r#"{"format": 1, "seed": 1, "seed": 2, "servers": [{"id": 1}], "clients": [], "actions": []}"#)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("json: duplicate field \"seed\" at line 1"),
        "{e}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "{\"a\":"] {
        let text = open.repeat(100_000);
        let e = read(&text).unwrap_err();
        assert!(e.message.contains("recursion limit exceeded"), "{e}");
    }
    // Nesting inside an otherwise valid scenario.
    let text = format!(
        r#"{{"format": 1, "seed": {}1{}, "servers": [{{"id": 1}}], "clients": [], "actions": []}}"#,
        "[".repeat(126),
        "]".repeat(126)
    );
    assert_eq!(read(&text).unwrap_err().path, "seed");
    let text = text.replace("[[", "[[[");
    assert_eq!(read(&text).unwrap_err().path, "json");
}

#[test]
fn limits_differ_between_browser_and_native() {
    let mut v = base();
    v["servers"] = json!((1..=16).map(|id| json!({"id": id})).collect::<Vec<_>>());
    let text = v.to_string();
    let e = Scenario::from_json(&text, &Limits::BROWSER).unwrap_err();
    assert_eq!(
        e.to_string(),
        "servers: 16 servers, more than the 15 this runtime runs"
    );
    assert!(Scenario::from_json(&text, &Limits::NATIVE).is_ok());

    let mut v = base();
    v["actions"] = json!(
        (0..10_001)
            .map(|_| json!({"at_ms": 0, "do": "start_server", "server": 1}))
            .collect::<Vec<_>>()
    );
    let text = v.to_string();
    assert_eq!(
        Scenario::from_json(&text, &Limits::BROWSER)
            .unwrap_err()
            .path,
        "actions"
    );
    assert!(Scenario::from_json(&text, &Limits::NATIVE).is_ok());

    let tiny = Limits {
        json_bytes_max: 10,
        ..Limits::BROWSER
    };
    let e = Scenario::from_json(MINIMAL, &tiny).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("json: 67 bytes, more than the 10"),
        "{e}"
    );
}

/// Native limits allow 200,000 clients; nothing in reading may be quadratic in them.
#[test]
fn many_clients_in_one_partition_read_in_linear_time() {
    let n = 20_000;
    let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let mut v = base();
    v["clients"] = json!(
        names
            .iter()
            .map(|c| json!({"name": c, "servers": [1], "session_timeout_ms": 4000}))
            .collect::<Vec<_>>()
    );
    v["actions"] = json!([
        {"at_ms": 0, "do": "partition", "a": names, "b": ["s1"]},
        {"at_ms": 0, "do": "heal", "a": names},
    ]);
    let started = std::time::Instant::now();
    let s = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap();
    assert_eq!(s.clients.len(), n);
    // A typo among many names: refused quickly, without a suggestion search.
    v["actions"][0]["a"][5] = json!("c5x");
    let e = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap_err();
    assert_eq!(e.to_string(), r#"actions[0].a[5]: no client named "c5x""#);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn data_is_capped_at_jute_maxbuffer() {
    let mut v = base();
    v["actions"] = json!([
        {"at_ms": 0, "do": "connect", "client": "app-1"},
        {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a", "data": "x".repeat(DATA_BYTES_MAX)},
    ]);
    assert!(Scenario::from_json(&v.to_string(), &Limits::NATIVE).is_ok());
    v["actions"][1]["data"] = json!("x".repeat(DATA_BYTES_MAX + 1));
    let e = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap_err();
    assert_eq!(
        e.to_string(),
        "actions[1].data: 1048576 bytes, more than jute.maxbuffer (1048575)"
    );
}

/// Cases from ZooKeeper's `PathUtilsTest` (`testValidatePath_*`).
#[test]
fn paths_are_checked_like_path_utils_validate_path() {
    for ok in [
        "/", "/a", "/a/b", "/a.b", "/..a", "/.a.", "/a/...", "/\u{e9}", "/a b",
    ] {
        assert_eq!(path_problem(ok, false), None, "{ok:?}");
    }
    for bad in [
        "",
        "a",
        "/a/",
        "//",
        "/a//b",
        "/.",
        "/..",
        "/a/./b",
        "/a/../b",
        "/a\u{0}",
        "/a\u{1}",
        "/\u{7f}",
        "/\u{9f}",
        "/\u{e000}",
        "/\u{fff0}",
        "/\u{1f600}",
    ] {
        assert!(path_problem(bad, false).is_some(), "{bad:?}");
    }
    // A sequential create checks the path with the counter appended.
    assert_eq!(path_problem("/a/", true), None);
    assert_eq!(path_problem("/", true), None);
    assert!(path_problem("//", true).is_some());
    assert!(path_problem(&format!("/{}", "a".repeat(PATH_BYTES_MAX)), false).is_some());
    assert_eq!(
        path_problem(&format!("/{}", "a".repeat(PATH_BYTES_MAX - 1)), false),
        None
    );
}

#[test]
fn endpoints_read_and_print() {
    assert_eq!(Endpoint::parse("s3"), Some(Endpoint::Server(3)));
    assert_eq!(Endpoint::parse("s255"), Some(Endpoint::Server(255)));
    assert_eq!(Endpoint::parse("s256"), None);
    assert_eq!(Endpoint::parse("s0"), None);
    assert_eq!(Endpoint::parse("s03"), None);
    assert_eq!(Endpoint::parse("s3x"), Some(Endpoint::Client("s3x".into())));
    assert_eq!(Endpoint::parse("sx"), Some(Endpoint::Client("sx".into())));
    assert_eq!(Endpoint::parse(""), None);
    assert_eq!(Endpoint::Server(7).to_string(), "s7");
}

#[test]
fn validate_catches_a_hand_built_mistake() {
    let mut s = read(MINIMAL).unwrap();
    assert!(s.validate(&Limits::BROWSER).is_ok());
    s.clients.push(ClientSpec {
        name: "s4".into(),
        servers: vec![1],
        session_timeout_ms: 4000,
        version: None,
    });
    assert_eq!(
        s.validate(&Limits::BROWSER).unwrap_err().path,
        "clients[0].name"
    );
}

/// `validate` judges typed values by the reader's rules, with no JSON in between: a mistake made
/// in code gets the message and the path the same mistake gets in a file.
#[test]
fn validate_judges_typed_values_as_the_reader_judges_their_text() {
    let valid = read(&base().to_string()).unwrap();
    type Edit = fn(&mut Scenario);
    let edits: &[(Edit, &str)] = &[
        (|s| s.tick_ms = 0, r#"{"tick_ms": 0}"#),
        (|s| s.latency_ms = (5, 1), r#"{"latency_ms": [5, 1]}"#),
        (
            |s| s.servers[1].id = 0,
            r#"{"servers": [{"id": 1}, {"id": 0}, {"id": 3}]}"#,
        ),
        (
            |s| s.servers[2].id = 1,
            r#"{"servers": [{"id": 1}, {"id": 2}, {"id": 1}]}"#,
        ),
        (
            |s| s.clients[1].session_timeout_ms = 1 << 31,
            r#"{"clients": [{"name": "app-1", "servers": [1, 2, 3], "session_timeout_ms": 4000},
                            {"name": "app-2", "servers": [1], "session_timeout_ms": 2147483648}]}"#,
        ),
        (
            |s| {
                s.narration.push(Narration {
                    at_ms: 1,
                    text: String::new(),
                })
            },
            r#"{"narration": [{"at_ms": 1, "text": ""}]}"#,
        ),
    ];
    for (edit, patch) in edits {
        let mut typed = valid.clone();
        edit(&mut typed);
        let mut v = base();
        for (k, x) in serde_json::from_str::<Value>(patch)
            .unwrap()
            .as_object()
            .unwrap()
        {
            v[k] = x.clone();
        }
        let from_text = read(&v.to_string()).unwrap_err();
        assert_eq!(
            typed.validate(&Limits::BROWSER).unwrap_err(),
            from_text,
            "{patch}"
        );
    }
}

/// The tag names come from the types: the reader's list of expected names is `NAMES`, and a
/// near miss of an op gets a suggestion, as a near miss of an action does.
#[test]
fn tag_names_come_from_the_types() {
    assert_eq!(ActionKind::NAMES.len(), 21);
    assert_eq!(MultiOp::NAMES, ["create", "set_data", "delete", "check"]);
    let mut v = base();
    v["actions"] = json!([
        {"at_ms": 0, "do": "connect", "client": "app-1"},
        {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "chek", "path": "/a"}]},
    ]);
    assert_eq!(
        read(&v.to_string()).unwrap_err().to_string(),
        r#"actions[1].ops[0].op: unknown op "chek" (did you mean "check"? expected one of create, set_data, delete, check)"#
    );
    for style in RegisterStyle::ALL {
        assert_eq!(RegisterStyle::parse(style.name()), Some(style));
    }
}

#[test]
fn error_messages_quote_long_strings_briefly() {
    let long = "v".repeat(10_000);
    let e = read(&format!(r#"{{"format":1,"version":"{long}"}}"#)).unwrap_err();
    assert!(e.message.len() < 200, "{}", e.message);
}

#[test]
fn sync_and_connect_password_extensions_round_trip() {
    let text = r#"{"format": 1, "servers": [{"id": 1}],
        "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 4000},
                    {"name": "b", "servers": [1], "session_timeout_ms": 4000}],
        "actions": [{"at_ms": 0, "do": "connect", "client": "a"},
                    {"at_ms": 1, "do": "sync", "client": "a", "path": "/"},
                    {"at_ms": 2, "do": "connect", "client": "b", "session_of": "a",
                     "password": "000102030405060708090a0b0c0d0e0f"}]}"#;
    let s = Scenario::from_json(text, &Limits::BROWSER).unwrap();
    assert_eq!(
        s.actions[1].kind,
        ActionKind::Sync {
            client: "a".into(),
            path: "/".into()
        }
    );
    let ActionKind::Connect { password, .. } = &s.actions[2].kind else {
        panic!("not a connect");
    };
    assert_eq!(*password, Some(core::array::from_fn(|i| i as u8)));
    assert_eq!(
        Scenario::from_json(&s.to_json(), &Limits::BROWSER).unwrap(),
        s
    );
    let bad = text.replace("0e0f", "0e0g");
    let e = Scenario::from_json(&bad, &Limits::BROWSER).unwrap_err();
    assert_eq!(e.path, "actions[2].password");
}

/// The field names a derived `Deserialize` struct takes, as serde hands them to the deserializer
/// (`deserialize_struct`'s `fields`): the names come from the type, not from a list kept by hand.
fn struct_fields<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Caught(&'static [&'static str]);
    impl std::fmt::Display for Caught {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    impl std::error::Error for Caught {}
    impl serde::de::Error for Caught {
        fn custom<M: std::fmt::Display>(_: M) -> Caught {
            Caught(&[])
        }
    }
    struct Introspect;
    impl<'de> serde::Deserializer<'de> for Introspect {
        type Error = Caught;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Caught> {
            Err(Caught(&[]))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Caught> {
            Err(Caught(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match T::deserialize(Introspect) {
        Err(Caught(fields)) => fields,
        Ok(_) => unreachable!("Introspect never yields a value"),
    }
}

/// The fuzz dictionary (`fuzz/scenario.dict`, which `scripts/fuzz.sh` hands libFuzzer) holds
/// every name of the format as the types spell it: a field or tag added to the format without
/// its token would leave the fuzzer to find it a byte at a time.
#[test]
fn the_fuzz_dictionary_has_every_name_of_the_format() {
    let dict = include_str!("../../../../fuzz/scenario.dict");
    let tokens: std::collections::HashSet<&str> = dict
        .lines()
        .filter(|l| l.starts_with('"'))
        .map(|l| l.trim())
        .collect();
    let field = |f: &str| format!("\"\\\"{f}\\\":\"");
    let tag = |t: &str| format!("\"\\\"{t}\\\"\"");
    let mut wanted: Vec<String> = super::read::TOP_FIELDS.iter().map(|f| field(f)).collect();
    for fields in [
        struct_fields::<ServerSpec>(),
        struct_fields::<ClientSpec>(),
        struct_fields::<Narration>(),
    ] {
        assert!(!fields.is_empty());
        wanted.extend(fields.iter().map(|f| field(f)));
    }
    wanted.extend(ActionKind::NAMES.iter().map(|t| tag(t)));
    wanted.extend(MultiOp::NAMES.iter().map(|t| tag(t)));
    wanted.extend(RegisterStyle::NAMES.iter().map(|t| tag(t)));
    wanted.extend(crate::profile::Version::ALL.iter().map(|v| tag(v.name())));
    let missing: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|w| !tokens.contains(w))
        .collect();
    assert!(
        missing.is_empty(),
        "fuzz/scenario.dict lacks these lines, add them:\n{}",
        missing.join("\n")
    );
}
