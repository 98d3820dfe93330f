//! Writing format v1 in its canonical form: compact for links, pretty (one action a line) for
//! files. Keys go in the order of the format's tables; a field at its default is left out.

use super::*;

/// A JSON value with its keys in the order they are written.
pub(super) enum J {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    S(String),
    A(Vec<J>),
    O(Vec<(&'static str, J)>),
}

/// Builds an object, leaving out fields equal to their default.
pub(super) struct ObjOut(Vec<(&'static str, J)>);

impl ObjOut {
    fn new() -> ObjOut {
        ObjOut(Vec::new())
    }
    fn put(&mut self, key: &'static str, v: J) -> &mut Self {
        self.0.push((key, v));
        self
    }
    fn put_if(&mut self, cond: bool, key: &'static str, v: impl FnOnce() -> J) -> &mut Self {
        if cond {
            self.0.push((key, v()));
        }
        self
    }
    fn done(&mut self) -> J {
        J::O(std::mem::take(&mut self.0))
    }
}

pub(super) fn s(v: &str) -> J {
    J::S(v.to_string())
}

pub(super) fn ids(v: &[u8]) -> J {
    J::A(v.iter().map(|&id| J::U(id.into())).collect())
}

pub(super) fn endpoints(v: &[Endpoint]) -> J {
    J::A(v.iter().map(|e| J::S(e.to_string())).collect())
}

impl Scenario {
    /// The canonical JSON of this scenario, on one line (what links carry).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_compact(&self.to_j(), &mut out);
        out
    }

    /// The canonical JSON, indented for people: objects and arrays that fit in 100 columns stay
    /// on one line, so each action reads as one line.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write_pretty(&self.to_j(), 0, 0, &mut out);
        out.push('\n');
        out
    }

    fn to_j(&self) -> J {
        let tick = self.tick_ms;
        let mut o = ObjOut::new();
        o.put("format", J::U(FORMAT))
            .put_if(self.name.is_some(), "name", || {
                s(self.name.as_deref().unwrap_or_default())
            })
            .put_if(self.description.is_some(), "description", || {
                s(self.description.as_deref().unwrap_or_default())
            })
            .put("version", s(self.version.name()))
            .put_if(self.seed != defaults::SEED, "seed", || J::U(self.seed))
            .put_if(tick != defaults::TICK_MS, "tick_ms", || J::U(tick))
            .put_if(
                self.min_session_timeout_ms
                    != tick.saturating_mul(defaults::MIN_SESSION_TIMEOUT_TICKS),
                "min_session_timeout_ms",
                || J::U(self.min_session_timeout_ms),
            )
            .put_if(
                self.max_session_timeout_ms
                    != tick.saturating_mul(defaults::MAX_SESSION_TIMEOUT_TICKS),
                "max_session_timeout_ms",
                || J::U(self.max_session_timeout_ms),
            )
            .put_if(self.epoch_ms != defaults::EPOCH_MS, "epoch_ms", || {
                J::I(self.epoch_ms)
            })
            .put_if(
                self.latency_ms != defaults::LATENCY_MS,
                "latency_ms",
                || J::A(vec![J::U(self.latency_ms.0), J::U(self.latency_ms.1)]),
            )
            .put_if(
                self.init_limit != defaults::INIT_LIMIT,
                "init_limit",
                || J::U(self.init_limit.into()),
            )
            .put_if(
                self.sync_limit != defaults::SYNC_LIMIT,
                "sync_limit",
                || J::U(self.sync_limit.into()),
            )
            .put(
                "servers",
                J::A(self.servers.iter().map(ServerSpec::to_j).collect()),
            )
            .put(
                "clients",
                J::A(self.clients.iter().map(ClientSpec::to_j).collect()),
            )
            .put(
                "actions",
                J::A(self.actions.iter().map(Action::to_j).collect()),
            )
            .put_if(
                self.until_ms != Scenario::default_until_ms(&self.actions),
                "until_ms",
                || J::U(self.until_ms),
            )
            .put_if(!self.narration.is_empty(), "narration", || {
                J::A(
                    self.narration
                        .iter()
                        .map(|n| {
                            ObjOut::new()
                                .put("at_ms", J::U(n.at_ms))
                                .put("text", s(&n.text))
                                .done()
                        })
                        .collect(),
                )
            })
            .done()
    }
}

impl ServerSpec {
    fn to_j(&self) -> J {
        ObjOut::new()
            .put("id", J::U(self.id.into()))
            .put_if(self.clock_offset_ms != 0, "clock_offset_ms", || {
                J::I(self.clock_offset_ms)
            })
            .put_if(self.uptime_ms != 0, "uptime_ms", || J::I(self.uptime_ms))
            .put_if(
                self.start_ms != defaults::SERVER_START_MS,
                "start_ms",
                || self.start_ms.map_or(J::Null, J::U),
            )
            .done()
    }
}

impl ClientSpec {
    fn to_j(&self) -> J {
        ObjOut::new()
            .put("name", s(&self.name))
            .put("servers", ids(&self.servers))
            .put("session_timeout_ms", J::U(self.session_timeout_ms))
            .done()
    }
}

pub(super) fn put_data(o: &mut ObjOut, data: &str) {
    o.put_if(!data.is_empty(), "data", || s(data));
}

pub(super) fn put_version(o: &mut ObjOut, version: i32) {
    o.put_if(version != defaults::ANY_VERSION, "version", || {
        J::I(version.into())
    });
}

pub(super) fn put_rule(o: &mut ObjOut, from: &Endpoint, to: &Endpoint, kind: &Option<String>) {
    o.put("from", s(&from.to_string()))
        .put("to", s(&to.to_string()))
        .put_if(kind.is_some(), "kind", || {
            s(kind.as_deref().unwrap_or_default())
        });
}

pub(super) fn put_count(o: &mut ObjOut, count: Option<u32>) {
    o.put_if(count.is_some(), "count", || {
        J::U(count.unwrap_or_default().into())
    });
}

impl Action {
    fn to_j(&self) -> J {
        let mut o = ObjOut::new();
        o.put("at_ms", J::U(self.at_ms))
            .put("do", s(self.kind.name()));
        match &self.kind {
            ActionKind::StartServer { server } | ActionKind::CrashServer { server } => {
                o.put("server", J::U((*server).into()));
            }
            ActionKind::Connect {
                client,
                session_of,
                servers,
                password,
            } => {
                o.put("client", s(client))
                    .put_if(session_of.is_some(), "session_of", || {
                        s(session_of.as_deref().unwrap_or_default())
                    })
                    .put_if(servers.is_some(), "servers", || {
                        ids(servers.as_deref().unwrap_or_default())
                    })
                    .put_if(password.is_some(), "password", || {
                        s(&password
                            .map(|p| crate::ids::password_hex(&p))
                            .unwrap_or_default())
                    });
            }
            ActionKind::Close { client } | ActionKind::Kill { client } => {
                o.put("client", s(client));
            }
            ActionKind::Freeze { client, for_ms } => {
                o.put("client", s(client)).put("for_ms", J::U(*for_ms));
            }
            ActionKind::Create {
                client,
                path,
                data,
                ephemeral,
                sequential,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                o.put_if(*ephemeral, "ephemeral", || J::Bool(true)).put_if(
                    *sequential,
                    "sequential",
                    || J::Bool(true),
                );
            }
            ActionKind::SetData {
                client,
                path,
                data,
                version,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                put_version(&mut o, *version);
            }
            ActionKind::Delete {
                client,
                path,
                version,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_version(&mut o, *version);
            }
            ActionKind::Exists { client, path }
            | ActionKind::GetData { client, path }
            | ActionKind::Sync { client, path } => {
                o.put("client", s(client)).put("path", s(path));
            }
            ActionKind::Multi { client, ops } => {
                o.put("client", s(client))
                    .put("ops", J::A(ops.iter().map(MultiOp::to_j).collect()));
            }
            ActionKind::Register {
                client,
                path,
                data,
                style,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                o.put("style", s(style.name()));
            }
            ActionKind::Partition { a, b, one_way } => {
                o.put("a", endpoints(a))
                    .put("b", endpoints(b))
                    .put_if(*one_way, "one_way", || J::Bool(true));
            }
            ActionKind::Heal { a, b } => {
                o.put_if(a.is_some(), "a", || {
                    endpoints(a.as_deref().unwrap_or_default())
                })
                .put_if(b.is_some(), "b", || {
                    endpoints(b.as_deref().unwrap_or_default())
                });
            }
            ActionKind::ClockJump { server, by_ms } => {
                o.put("server", J::U((*server).into()))
                    .put("by_ms", J::I(*by_ms));
            }
            ActionKind::Hold {
                from,
                to,
                kind,
                count,
            }
            | ActionKind::Drop {
                from,
                to,
                kind,
                count,
            } => {
                put_rule(&mut o, from, to, kind);
                put_count(&mut o, *count);
            }
            ActionKind::Delay {
                from,
                to,
                kind,
                by_ms,
                count,
            } => {
                put_rule(&mut o, from, to, kind);
                o.put("by_ms", J::U(*by_ms));
                put_count(&mut o, *count);
            }
            ActionKind::Release { from, to } => {
                o.put_if(from.is_some(), "from", || {
                    J::S(from.as_ref().map(Endpoint::to_string).unwrap_or_default())
                })
                .put_if(to.is_some(), "to", || {
                    J::S(to.as_ref().map(Endpoint::to_string).unwrap_or_default())
                });
            }
        }
        o.done()
    }
}

impl MultiOp {
    fn to_j(&self) -> J {
        let mut o = ObjOut::new();
        o.put("op", s(self.name())).put("path", s(self.path()));
        match self {
            MultiOp::Create {
                data,
                ephemeral,
                sequential,
                ..
            } => {
                put_data(&mut o, data);
                o.put_if(*ephemeral, "ephemeral", || J::Bool(true)).put_if(
                    *sequential,
                    "sequential",
                    || J::Bool(true),
                );
            }
            MultiOp::SetData { data, version, .. } => {
                put_data(&mut o, data);
                put_version(&mut o, *version);
            }
            MultiOp::Delete { version, .. } | MultiOp::Check { version, .. } => {
                put_version(&mut o, *version);
            }
        }
        o.done()
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
