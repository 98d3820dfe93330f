//! The run report: the JSON object `zksim run --json` prints (DESIGN.md, a public contract).
//!
//! Field meanings are fixed by the contract; additions are marked in the README. Session IDs
//! and zxids print as ZooKeeper prints them: `0x` and lower-case hex without leading zeros.

use serde_json::{Value, json};

use crate::ids::{generate_password, hex, password_hex};
use crate::scenario::Scenario;
use crate::server::Role;
use crate::world::World;

/// Runs a scenario to its end and returns the world (events kept for `--log`).
pub fn run_scenario(scenario: &Scenario, until_ms: Option<u64>, keep_trace: bool) -> World {
    let mut w = World::new(scenario, keep_trace);
    w.run_until(until_ms.unwrap_or(scenario.until_ms));
    w
}

/// The `run --json` object for a world.
pub fn report(w: &World) -> Value {
    // Over 80 lines on purpose: the whole `run --json` shape (DESIGN's CLI contract) in one place.
    let servers: Vec<Value> = w
        .server_views()
        .iter()
        .map(|s| {
            json!({
                "id": s.myid,
                "state": match s.role {
                    Role::Down => "down",
                    Role::Looking => "looking",
                    Role::Following => "following",
                    Role::Leading => "leading",
                    Role::Standalone => "standalone",
                },
                "serving": s.serving,
                "last_zxid": hex(s.last_zxid),
            })
        })
        .collect();
    let sessions: Vec<Value> = w
        .sessions()
        .iter()
        .map(|r| {
            json!({
                "id": hex(r.id),
                "minted_by": r.minted_by,
                "minted_ms": r.minted_ms,
                "timeout_ms": r.timeout_ms,
                "password": password_hex(&generate_password(r.id)),
                "state": w.session_state(r.id, r),
                "expired_at_ms": r.expired_ms,
                "closed_at_ms": r.closed_ms,
            })
        })
        .collect();
    let clients: Vec<Value> = w
        .client_views()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "name": c.name,
                "state": c.state,
                "server": c.server,
                "session": (c.session_id != 0).then(|| hex(c.session_id)),
                "events": c.events,
                "negotiated_timeout_ms": c.negotiated_timeout_ms,
            });
            // Only a client with a release of its own says which (`clients[].version`).
            if w.clients[i].own_version.is_some() {
                v["version"] = json!(w.cprofile(i).name);
            }
            v
        })
        .collect();
    let ops: Vec<Value> = w
        .ops()
        .iter()
        .map(|o| {
            let mut v = json!({
                "client": w.node_name(&crate::trace::Node::Client(o.client as u32)),
                "op": o.op,
                "path": o.path,
                "at_ms": o.at_ms,
                "done_ms": o.done_ms,
                "code": o.code,
            });
            if !o.results.is_empty() {
                v["results"] = json!(o.results);
            }
            if let Some(r) = o.recipe {
                v["recipe"] = json!(r);
            }
            v
        })
        .collect();
    let znodes: Vec<Value> = w
        .znode_views()
        .iter()
        .map(|z| {
            json!({
                "path": z.path,
                "data": z.data,
                "ephemeral_owner": hex(z.ephemeral_owner),
                "version": z.version,
                "czxid": hex(z.czxid),
                "mzxid": hex(z.mzxid),
            })
        })
        .collect();
    json!({
        "format": 1,
        "version": w.profile().name,
        "trace_hash": w.trace_hash(),
        "end_ms": w.now_ms(),
        "events": w.trace().len(),
        "servers": servers,
        "sessions": sessions,
        "clients": clients,
        "ops": ops,
        "znodes": znodes,
    })
}

/// The `--log` text: every log line, prefixed by the virtual time and the node.
pub fn log_lines(w: &World) -> Vec<String> {
    w.trace()
        .events()
        .iter()
        .filter_map(|e| e.log_text(&w.node_name(&e.node)))
        .collect()
}
