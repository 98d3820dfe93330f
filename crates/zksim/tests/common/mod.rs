//! Helpers shared by the integration tests: build scenarios from JSON, run them, read results.
#![allow(dead_code)]

use serde_json::Value;
use zksim::codes::Code;
use zksim::ids::{SessionId, hex};
use zksim::scenario::{Limits, Scenario};
use zksim::world::World;

pub fn scenario(v: Value) -> Scenario {
    let text = v.to_string();
    Scenario::from_json(&text, &Limits::NATIVE).unwrap_or_else(|e| panic!("bad test scenario: {e}"))
}

pub fn run(v: Value) -> World {
    let sc = scenario(v);
    let mut w = World::new(&sc, true);
    w.run();
    w
}

pub fn report(w: &World) -> Value {
    zksim::report::report(w)
}

pub fn client<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no client {name}"))
}

pub fn events(r: &Value, name: &str) -> Vec<String> {
    client(r, name)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

/// The result codes of a client's ops, in the order issued (None: never answered).
pub fn codes(r: &Value, name: &str) -> Vec<Option<Code>> {
    r["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["client"] == name)
        .map(|o| o["code"].as_i64().map(|c| c as Code))
        .collect()
}

pub fn ops<'a>(r: &'a Value, name: &str) -> Vec<&'a Value> {
    r["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["client"] == name)
        .collect()
}

pub fn znode<'a>(r: &'a Value, path: &str) -> Option<&'a Value> {
    r["znodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["path"] == path)
}

pub fn session_of(r: &Value, name: &str) -> SessionId {
    let s = client(r, name)["session"].as_str().unwrap();
    zksim::ids::parse_hex(s).unwrap()
}

pub fn session(r: &Value, id: SessionId) -> &Value {
    r["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == hex(id))
        .unwrap_or_else(|| panic!("no session {}", hex(id)))
}

/// Log lines (the text after the logger) that contain `needle`.
pub fn log_lines_with(w: &World, needle: &str) -> Vec<(u64, String)> {
    w.trace()
        .events()
        .iter()
        .filter_map(|e| e.log.as_ref().map(|l| (e.at_ms, l.text.clone())))
        .filter(|(_, t)| t.contains(needle))
        .collect()
}

pub fn servers(n: u8) -> Value {
    Value::Array((1..=n).map(|i| serde_json::json!({ "id": i })).collect())
}
