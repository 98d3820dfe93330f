//! Writing format v1 in its canonical form: compact for links, pretty (one action a line) for
//! files. Keys go in the order of the format's tables; a field at its default is left out.
//!
//! The text comes from the types' `Serialize` derives (`scenario.rs`: each field's name, its
//! order and when it is left out are written on the field), so there is one description of
//! the format to keep. The scenario itself goes through [`Wire`], because whether some of its
//! fields are at their default depends on others (`min_session_timeout_ms` on `tick_ms`,
//! `until_ms` on the last action). The pretty form reads the compact text back, keeping key
//! order, and lays it out. It stays a small printer of its own: its rule (an object or array
//! stays on one line when that line fits in 100 columns) needs the whole value's width before
//! it writes the first byte, which serde_json's streaming `Formatter` cannot know, and
//! `PrettyFormatter` would put every number of `latency_ms` on a line of its own, changing the
//! bytes of every file written so far.

use serde::Serialize;
use serde::de::{self, Deserialize, MapAccess, SeqAccess, Visitor};

use super::*;

/// The scenario as written: `None` is a field left out.
#[derive(Serialize)]
struct Wire<'s> {
    format: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'s str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'s str>,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tick_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_session_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_session_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<[u64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    init_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_limit: Option<u32>,
    servers: &'s [ServerSpec],
    clients: &'s [ClientSpec],
    actions: &'s [Action],
    #[serde(skip_serializing_if = "Option::is_none")]
    until_ms: Option<u64>,
    #[serde(skip_serializing_if = "<[Narration]>::is_empty")]
    narration: &'s [Narration],
}

/// `Some(v)` unless `v` is the default.
fn unless<T: PartialEq>(v: T, default: T) -> Option<T> {
    (v != default).then_some(v)
}

impl Scenario {
    fn wire(&self) -> Wire<'_> {
        let tick = self.tick_ms;
        Wire {
            format: FORMAT,
            name: self.name.as_deref(),
            description: self.description.as_deref(),
            version: self.version.name(),
            seed: unless(self.seed, defaults::SEED),
            tick_ms: unless(tick, defaults::TICK_MS),
            min_session_timeout_ms: unless(
                self.min_session_timeout_ms,
                tick.saturating_mul(defaults::MIN_SESSION_TIMEOUT_TICKS),
            ),
            max_session_timeout_ms: unless(
                self.max_session_timeout_ms,
                tick.saturating_mul(defaults::MAX_SESSION_TIMEOUT_TICKS),
            ),
            epoch_ms: unless(self.epoch_ms, defaults::EPOCH_MS),
            latency_ms: unless(self.latency_ms, defaults::LATENCY_MS).map(|(lo, hi)| [lo, hi]),
            init_limit: unless(self.init_limit, defaults::INIT_LIMIT),
            sync_limit: unless(self.sync_limit, defaults::SYNC_LIMIT),
            servers: &self.servers,
            clients: &self.clients,
            actions: &self.actions,
            until_ms: unless(self.until_ms, Scenario::default_until_ms(&self.actions)),
            narration: &self.narration,
        }
    }

    /// The canonical JSON of this scenario, on one line (what links carry).
    pub fn to_json(&self) -> String {
        // Writing plain data to a string cannot fail: every key is a string, no map is
        // fallible, and the format has no floats.
        serde_json::to_string(&self.wire()).unwrap_or_default()
    }

    /// The canonical JSON, indented for people: objects and arrays that fit in 100 columns stay
    /// on one line, so each action reads as one line.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        // The compact text, read back with its key order (a `serde_json::Value` sorts keys).
        if let Ok(j) = serde_json::from_str::<J>(&self.to_json()) {
            write_pretty(&j, 0, 0, &mut out);
        }
        out.push('\n');
        out
    }
}

// Field helpers for the derives in `scenario.rs`.

pub(super) fn is_false(b: &bool) -> bool {
    !*b
}

pub(super) fn is_zero(n: &i64) -> bool {
    *n == 0
}

pub(super) fn is_any_version(v: &i32) -> bool {
    *v == defaults::ANY_VERSION
}

pub(super) fn is_default_start(start_ms: &Option<u64>) -> bool {
    *start_ms == defaults::SERVER_START_MS
}

pub(super) fn password_hex<S: serde::Serializer>(
    password: &Option<[u8; 16]>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(
        &password
            .map(|p| crate::ids::password_hex(&p))
            .unwrap_or_default(),
    )
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for RegisterStyle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A JSON value with its keys in the order they were written.
pub(super) enum J {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    S(String),
    A(Vec<J>),
    O(Vec<(String, J)>),
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("canonical scenario JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::I(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::U(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::S(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::S(v))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::A(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut fields = Vec::new();
        while let Some(entry) = map.next_entry()? {
            fields.push(entry);
        }
        Ok(J::O(fields))
    }
}

pub(super) fn escape_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if u32::from(c) < 0x20 => {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
        c => out.push(c),
    }
}

pub(super) fn write_str(v: &str, out: &mut String) {
    out.push('"');
    for c in v.chars() {
        escape_char(c, out);
    }
    out.push('"');
}

pub(super) fn write_compact(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::U(n) => out.push_str(&n.to_string()),
        J::I(n) => out.push_str(&n.to_string()),
        J::S(v) => write_str(v, out),
        J::A(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        J::O(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_compact(v, out);
            }
            out.push('}');
        }
    }
}

/// One-line form with spaces after `,` and `:` (and inside non-empty objects' braces). Gives up
/// (returns false) as soon as the line would be longer than `limit` bytes.
pub(super) fn write_inline(j: &J, out: &mut String, limit: usize) -> bool {
    match j {
        J::A(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_inline(item, out, limit) {
                    return false;
                }
            }
            out.push(']');
        }
        J::O(fields) if !fields.is_empty() => {
            out.push_str("{ ");
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(k, out);
                out.push_str(": ");
                if !write_inline(v, out, limit) {
                    return false;
                }
            }
            out.push_str(" }");
        }
        other => write_compact(other, out),
    }
    out.len() <= limit
}

pub(super) const PRETTY_WIDTH: usize = 100;

/// `column` is where the value starts on its line; `indent` the current indentation.
pub(super) fn write_pretty(j: &J, indent: usize, column: usize, out: &mut String) {
    // The top level is always broken up; anything else stays on one line if it fits.
    if indent > 0 {
        let mut inline = String::new();
        if write_inline(j, &mut inline, PRETTY_WIDTH.saturating_sub(column)) {
            out.push_str(&inline);
            return;
        }
    }
    let pad = " ".repeat(indent + 2);
    match j {
        J::A(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_pretty(item, indent + 2, indent + 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        J::O(fields) if !fields.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in fields.iter().enumerate() {
                out.push_str(&pad);
                let before = out.len();
                write_str(k, out);
                out.push_str(": ");
                let key_len = out.len() - before;
                write_pretty(v, indent + 2, indent + 2 + key_len, out);
                if i + 1 < fields.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        // A scalar too long for its line (a long string) stays whole.
        other => write_compact(other, out),
    }
}
