//! The `zksim` binary as users call it: exit codes, the run report, links, the gallery.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn zksim(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zksim"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("zksim runs");
    if let Some(text) = stdin {
        // A bad argument may end the binary before it reads its input (`diff - --vs 3.7`
        // refuses the version first): the pipe is then closed, which is not a failure.
        let written = child.stdin.take().unwrap().write_all(text.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn story_file(id: &str) -> String {
    format!("{}/../zksim/gallery/{id}.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_json_prints_the_report_of_design_md() {
    let out = zksim(
        &["run", &story_file("zookeeper-2886-stuck"), "--json"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], 1);
    assert_eq!(v["end_ms"], 9000);
    assert!(v["trace_hash"].as_str().unwrap().len() == 16);
    for key in ["servers", "sessions", "clients", "ops", "znodes"] {
        assert!(v[key].is_array(), "{key}");
    }
    let s = &v["sessions"][0];
    assert!(s["id"].as_str().unwrap().starts_with("0x1"));
    assert_eq!(s["password"].as_str().unwrap().len(), 32);
    let codes: Vec<i64> = v["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["client"] == "zk")
        .map(|o| o["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![0, -118, -118, -118]);
}

#[test]
fn the_same_run_gives_the_same_hash_from_a_file_stdin_and_a_link() {
    let file = story_file("session-life");
    let a = zksim(&["run", &file, "--json"], None);
    let text = std::fs::read_to_string(&file).unwrap();
    let b = zksim(&["run", "-", "--json"], Some(&text));
    let link = zksim(&["link", "encode", &file], None);
    assert!(link.status.success());
    let link = String::from_utf8(link.stdout).unwrap();
    assert!(link.trim().starts_with("http://127.0.0.1:8080/#s=1."));
    let c = zksim(&["run", link.trim(), "--json"], None);
    let hash = |o: &Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["trace_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash(&a), hash(&b));
    assert_eq!(hash(&a), hash(&c));
    let decoded = zksim(&["link", "decode", link.trim()], None);
    assert!(decoded.status.success());
    let back: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
    assert_eq!(back["version"], "3.4.5");
}

#[test]
fn log_prints_zookeeper_log_lines_with_time_and_node() {
    let out = zksim(&["run", &story_file("session-life"), "--log"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[s1] INFO  ZooKeeperServer - Expiring session 0xff8bcfe568000000, timeout of 4000ms exceeded"));
    assert!(
        text.lines()
            .all(|l| l.trim_start().chars().next().unwrap().is_ascii_digit())
    );
}

#[test]
fn until_stops_early() {
    let out = zksim(
        &[
            "run",
            &story_file("session-life"),
            "--json",
            "--until",
            "5000",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["end_ms"], 5000);
    assert_eq!(v["sessions"][0]["state"], "open");
}

#[test]
fn bad_input_exits_2_with_the_reason_on_stderr() {
    let cases: [(&[&str], Option<&str>, &str); 7] = [
        (
            &["run", "-"],
            Some(r#"{"format": 1, "servers": [{"id": 0}], "clients": [], "actions": []}"#),
            "servers[0].id",
        ),
        (&["run", "/no/such/file.json"], None, "No such file"),
        (&["run", "http://x/#s=1.@@@"], None, "link"),
        (&["link", "decode", "#s=2.abc"], None, "newer zksim"),
        (&["frobnicate"], None, "unknown command"),
        (
            &["diff", "-"],
            Some(r#"{"format": 1, "servers": [], "clients": [], "actions": []}"#),
            "--vs",
        ),
        (&["diff", "-", "--vs", "3.7"], Some("{}"), "unknown version"),
    ];
    for (args, stdin, needle) in cases {
        let out = zksim(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn gallery_lists_and_prints_stories() {
    let out = zksim(&["gallery"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("collision-3.4.5"));
    let one = zksim(&["gallery", "zookeeper-710"], None);
    let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(v["format"], 1);
    assert_eq!(zksim(&["gallery", "nope"], None).status.code(), Some(2));
}

#[test]
fn help_names_every_command() {
    let out = zksim(&["--help"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    for c in [
        "run",
        "diff",
        "link encode",
        "link decode",
        "gallery",
        "bench",
        "--json",
        "--log",
        "--until",
    ] {
        assert!(text.contains(c), "{c}");
    }
}

#[test]
fn diff_names_the_first_event_where_two_versions_part() {
    // DESIGN.md "Compare": `zksim diff SCENARIO --vs VERSION [--json]`.
    let story = zksim(&["gallery", "zookeeper-2886-stuck"], None);
    let text = String::from_utf8(story.stdout).unwrap();
    let out = zksim(&["diff", "-", "--vs", "3.6"], Some(&text));
    assert_eq!(out.status.code(), Some(0));
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.starts_with("first divergence"), "{t}");
    assert!(t.contains("  3.5.10: ") && t.contains("  3.6: "), "{t}");
    let out = zksim(&["diff", "-", "--vs", "3.6", "--json"], Some(&text));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["a"]["version"], "3.5.10");
    assert_eq!(v["b"]["version"], "3.6");
    assert!(v["first_divergence"]["a"]["at_ms"].as_u64().is_some());
}
