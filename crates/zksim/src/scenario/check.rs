//! The one validator of actions: every rule an action must keep beyond its JSON shape.
//!
//! A file, a link and the browser's palette all end here. The reader turns an action's JSON
//! into an [`ActionKind`] (types only: a string where a string goes, an integer that fits) and
//! hands it to [`Ctx::check_action`]; [`Scenario::check_actions`] hands it the typed actions of
//! a scenario built in code (`World::apply`), with no JSON in between. Either way an action is
//! judged by the same rules, with the same messages and the same field paths:
//!
//! ```text
//!   JSON ──► reader (shape) ──┐
//!                             ├──► Ctx::check_action ──► Ok, or `actions[3].client: ...`
//!   ActionKind (palette) ─────┘    (servers and clients exist, a client has a handle,
//!                                   paths, data, sides, clocks, message kinds, limits)
//! ```
//!
//! The checks run in the order of the action's fields, so the first error found is the same
//! for one mistake however the action arrived.

use std::collections::HashSet;

use super::*;

impl Ctx<'_> {
    /// Checks one action at `path` (`actions[3]`) and records what it changes for the actions
    /// after it (a `connect` gives its client a handle, a `clock_jump` moves a wall clock).
    pub(super) fn check_action(&mut self, kind: &ActionKind, path: &str, limits: &Limits) -> R<()> {
        // Over 80 lines on purpose: one arm per action kind: each action's rules read in one place,
        // as the format documents them.
        let at = |key: &str| join(path, key);
        match kind {
            ActionKind::StartServer { server } | ActionKind::CrashServer { server } => {
                self.check_server(*server, &at("server"))
            }
            ActionKind::Connect {
                client,
                session_of,
                servers,
                password: _,
            } => {
                let ci = self.client_index(client, &at("client"))?;
                if let Some(other) = session_of {
                    let p = at("session_of");
                    let oi = self.client_index(other, &p)?;
                    if !self.connected.get(oi).copied().unwrap_or(false) {
                        return err(
                            &p,
                            format!(
                                "{} has no session to reuse yet (no connect before this action)",
                                quote(other)
                            ),
                        );
                    }
                }
                if let Some(servers) = servers {
                    self.check_server_list(servers, &at("servers"))?;
                }
                if let Some(c) = self.connected.get_mut(ci) {
                    *c = true;
                }
                Ok(())
            }
            ActionKind::Close { client } | ActionKind::Kill { client } => {
                self.check_connected(client, &at("client"))
            }
            ActionKind::Freeze { client, for_ms } => {
                self.check_connected(client, &at("client"))?;
                in_range(*for_ms, 1, limits.until_ms_max, &at("for_ms"))
            }
            ActionKind::Create {
                client,
                path: p,
                data,
                ephemeral: _,
                sequential,
            } => {
                self.check_connected(client, &at("client"))?;
                check_path(p, *sequential, &at("path"))?;
                check_data(data, &at("data"))
            }
            ActionKind::SetData {
                client,
                path: p,
                data,
                version,
            } => {
                self.check_connected(client, &at("client"))?;
                check_path(p, false, &at("path"))?;
                check_data(data, &at("data"))?;
                check_version(*version, &at("version"))
            }
            ActionKind::Delete {
                client,
                path: p,
                version,
            } => {
                self.check_connected(client, &at("client"))?;
                check_path(p, false, &at("path"))?;
                check_version(*version, &at("version"))
            }
            ActionKind::Exists { client, path: p }
            | ActionKind::GetData { client, path: p }
            | ActionKind::Sync { client, path: p } => {
                self.check_connected(client, &at("client"))?;
                check_path(p, false, &at("path"))
            }
            ActionKind::Multi { client, ops } => {
                self.check_connected(client, &at("client"))?;
                check_multi(ops, &at("ops"), limits)
            }
            ActionKind::Register {
                client,
                path: p,
                data,
                style: _,
            } => {
                self.check_connected(client, &at("client"))?;
                check_path(p, false, &at("path"))?;
                check_data(data, &at("data"))
            }
            ActionKind::Partition { a, b, one_way: _ } => {
                self.check_side(a, &at("a"))?;
                self.check_side(b, &at("b"))?;
                let in_a: HashSet<&Endpoint> = a.iter().collect();
                if let Some((j, e)) = b.iter().enumerate().find(|(_, e)| in_a.contains(e)) {
                    return err(
                        &index(&at("b"), j),
                        format!("{e} is on both sides of the partition"),
                    );
                }
                Ok(())
            }
            ActionKind::Heal { a, b } => {
                if let Some(a) = a {
                    self.check_side(a, &at("a"))?;
                }
                if let Some(b) = b {
                    self.check_side(b, &at("b"))?;
                }
                Ok(())
            }
            ActionKind::ClockJump { server, by_ms } => {
                self.check_server(*server, &at("server"))?;
                let p = at("by_ms");
                in_range(*by_ms, -CLOCK_ABS_MAX_MS, CLOCK_ABS_MAX_MS, &p)?;
                let wall = &mut self.wall_ms[usize::from(*server)];
                *wall += i128::from(*by_ms);
                if wall.abs() > i128::from(CLOCK_ABS_MAX_MS) {
                    return err(
                        &p,
                        format!(
                            "puts s{server}'s wall clock at {wall} ms, beyond ±{CLOCK_ABS_MAX_MS}"
                        ),
                    );
                }
                Ok(())
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
                self.check_rule_ends(from, to, path)?;
                check_message_kind(kind.as_deref(), &at("kind"))?;
                check_count(*count, &at("count"))
            }
            ActionKind::Delay {
                from,
                to,
                kind,
                by_ms,
                count,
            } => {
                self.check_rule_ends(from, to, path)?;
                check_message_kind(kind.as_deref(), &at("kind"))?;
                in_range(*by_ms, 1, limits.until_ms_max, &at("by_ms"))?;
                check_count(*count, &at("count"))
            }
            ActionKind::Release { from, to } => {
                if let Some(f) = from {
                    self.check_endpoint(f, &at("from"))?;
                }
                if let Some(t) = to {
                    self.check_endpoint(t, &at("to"))?;
                }
                match (from, to) {
                    (Some(f), Some(t)) => check_link_ends(f, t, &at("to")),
                    _ => Ok(()),
                }
            }
        }
    }

    /// A server id that names a server of the ensemble.
    pub(super) fn check_server(&self, id: u8, path: &str) -> R<()> {
        match id {
            0 => err(path, "must be 1..=255, got 0"),
            id if self.servers[usize::from(id)] => Ok(()),
            id => err(path, format!("no server with id {id}")),
        }
    }

    /// A non-empty list of distinct, existing server ids (a client's connect string).
    pub(super) fn check_server_list(&self, ids: &[u8], path: &str) -> R<()> {
        if ids.is_empty() {
            return err(path, "must list at least one server");
        }
        let mut seen = [false; 256];
        for (i, &id) in ids.iter().enumerate() {
            let p = index(path, i);
            self.check_server(id, &p)?;
            if seen[usize::from(id)] {
                return err(&p, format!("server {id} is listed twice"));
            }
            seen[usize::from(id)] = true;
        }
        Ok(())
    }

    /// A client that must already hold a handle (an earlier `connect`).
    fn check_connected(&self, name: &str, path: &str) -> R<()> {
        let i = self.client_index(name, path)?;
        if !self.connected.get(i).copied().unwrap_or(false) {
            return err(
                path,
                format!(
                    "{} has no handle yet (no connect before this action)",
                    quote(name)
                ),
            );
        }
        Ok(())
    }

    /// An endpoint that exists. A client endpoint spelt like a server (`"s3"`) is judged as the
    /// text it would be written as.
    pub(super) fn check_endpoint(&self, e: &Endpoint, path: &str) -> R<()> {
        match e {
            Endpoint::Server(0) => {
                err(path, format!("server ids are 1..=255, got {}", quote("s0")))
            }
            Endpoint::Server(id) if self.servers[usize::from(*id)] => Ok(()),
            Endpoint::Server(id) => err(path, format!("no server s{id}")),
            Endpoint::Client(name) => match server_ref(name) {
                Some(Err(why)) => err(path, why),
                Some(Ok(id)) if !self.servers[usize::from(id)] => {
                    err(path, format!("no server s{id}"))
                }
                Some(Ok(_)) => err(
                    path,
                    format!(
                        "{} is a server; a client name is expected here",
                        quote(name)
                    ),
                ),
                None => self.client_index(name, path).map(|_| ()),
            },
        }
    }

    /// One side of a partition: a non-empty list of distinct, existing endpoints.
    fn check_side(&self, side: &[Endpoint], path: &str) -> R<()> {
        if side.is_empty() {
            return err(
                path,
                "must not be empty (leave the field out to mean every endpoint)",
            );
        }
        // A side can list every client (200,000 natively): no quadratic scans.
        let mut seen = HashSet::with_capacity(side.len());
        for (i, e) in side.iter().enumerate() {
            let p = index(path, i);
            self.check_endpoint(e, &p)?;
            if !seen.insert(e) {
                return err(&p, format!("{e} is listed twice"));
            }
        }
        Ok(())
    }

    /// `from` and `to` of a network rule: two existing, different endpoints, not two clients.
    fn check_rule_ends(&self, from: &Endpoint, to: &Endpoint, path: &str) -> R<()> {
        self.check_endpoint(from, &join(path, "from"))?;
        self.check_endpoint(to, &join(path, "to"))?;
        check_link_ends(from, to, &join(path, "to"))
    }
}

pub(super) fn check_link_ends(from: &Endpoint, to: &Endpoint, path: &str) -> R<()> {
    if from == to {
        return err(path, format!("from and to are both {from}"));
    }
    if matches!((from, to), (Endpoint::Client(_), Endpoint::Client(_))) {
        return err(
            path,
            format!("no messages flow between two clients ({from} and {to})"),
        );
    }
    Ok(())
}

/// `min..=max`, with the message the reader gives for a number out of range.
pub(super) fn in_range<T: PartialOrd + std::fmt::Display>(
    n: T,
    min: T,
    max: T,
    path: &str,
) -> R<()> {
    if n < min || n > max {
        return err(path, format!("must be {min}..={max}, got {n}"));
    }
    Ok(())
}

fn check_version(version: i32, path: &str) -> R<()> {
    in_range(version, defaults::ANY_VERSION, i32::MAX, path)
}

fn check_count(count: Option<u32>, path: &str) -> R<()> {
    count.map_or(Ok(()), |n| in_range(n, 1, u32::MAX, path))
}

/// A ZooKeeper path as `PathUtils.validatePath` takes it, within [`super::PATH_BYTES_MAX`].
pub(super) fn check_path(path: &str, sequential: bool, at: &str) -> R<()> {
    match path_problem(path, sequential) {
        Some(why) => err(at, format!("{}: {why}", quote(path))),
        None => Ok(()),
    }
}

/// Znode data within `jute.maxbuffer`.
pub(super) fn check_data(data: &str, at: &str) -> R<()> {
    if data.len() > DATA_BYTES_MAX {
        return err(
            at,
            format!(
                "{} bytes, more than jute.maxbuffer ({DATA_BYTES_MAX})",
                data.len()
            ),
        );
    }
    Ok(())
}

pub(super) fn check_message_kind(kind: Option<&str>, at: &str) -> R<()> {
    let Some(kind) = kind else {
        return Ok(());
    };
    let ok = kind.len() <= MESSAGE_KIND_BYTES_MAX && crate::net::MESSAGE_KINDS.contains(&kind);
    if !ok {
        return err(
            at,
            format!(
                "{} is not a message kind name (one of {})",
                quote(kind),
                crate::net::MESSAGE_KINDS.join(", ")
            ),
        );
    }
    Ok(())
}

pub(super) fn multi_ops_count(n: usize, at: &str, limits: &Limits) -> R<()> {
    if n > limits.multi_ops_max {
        return err(
            at,
            format!(
                "{n} ops, more than the {} this runtime takes in one multi",
                limits.multi_ops_max
            ),
        );
    }
    Ok(())
}

fn check_multi(ops: &[MultiOp], at: &str, limits: &Limits) -> R<()> {
    multi_ops_count(ops.len(), at, limits)?;
    for (j, op) in ops.iter().enumerate() {
        let p = index(at, j);
        let f = |key: &str| join(&p, key);
        match op {
            MultiOp::Create {
                path,
                data,
                sequential,
                ..
            } => {
                check_path(path, *sequential, &f("path"))?;
                check_data(data, &f("data"))?;
            }
            MultiOp::SetData {
                path,
                data,
                version,
            } => {
                check_path(path, false, &f("path"))?;
                check_data(data, &f("data"))?;
                check_version(*version, &f("version"))?;
            }
            MultiOp::Delete { path, version } | MultiOp::Check { path, version } => {
                check_path(path, false, &f("path"))?;
                check_version(*version, &f("version"))?;
            }
        }
    }
    Ok(())
}

impl Scenario {
    /// Checks this scenario's actions (and `until_ms`) against its ensemble and clients and
    /// `limits`, straight from their types: what `World::apply` needs for an action built in
    /// code, by the same rules and messages as a file's. The rest of the scenario (its servers,
    /// clients and settings) is taken as it is; [`Scenario::validate`] checks everything.
    pub fn check_actions(&self, limits: &Limits) -> Result<(), ScenarioError> {
        // The one rule about the text: what this runtime reads at all (a link made of it must
        // open). Measured, never parsed.
        super::check_json_bytes(self.to_json().len(), limits)?;
        let mut ctx = Ctx::of(self);
        if self.actions.len() > limits.actions_max {
            return err(
                "actions",
                format!(
                    "{} actions, more than the {} this runtime runs",
                    self.actions.len(),
                    limits.actions_max
                ),
            );
        }
        // As the JSON would say it: an `until_ms` equal to its default is left out of the text.
        let default_until = Scenario::default_until_ms(&self.actions);
        let until_given = (self.until_ms != default_until).then_some(self.until_ms);
        if let Some(u) = until_given {
            in_range(u, 0, limits.until_ms_max, "until_ms")?;
        }
        let mut prev_ms = 0;
        for (i, action) in self.actions.iter().enumerate() {
            let path = index("actions", i);
            in_range(action.at_ms, 0, limits.until_ms_max, &join(&path, "at_ms"))?;
            ctx.check_action(&action.kind, &path, limits)?;
            super::check_timeline(action.at_ms, (i > 0).then_some(prev_ms), until_given, &path)?;
            prev_ms = action.at_ms;
        }
        if until_given.is_none() {
            super::check_default_until(default_until, limits)?;
        }
        Ok(())
    }
}
