//! The one validator: every rule a scenario must keep beyond its JSON shape, its actions' above
//! all.
//!
//! A file, a link, a scenario built in code ([`Scenario::validate`]) and the browser's palette
//! (`World::apply`, through [`Scenario::check_actions`]) all end here. The reader turns an
//! action's JSON into an [`ActionKind`] (types only: a string where a string goes, an integer
//! that fits) and hands it to [`Ctx::check_action`]; [`Scenario::check_actions`] hands it the
//! typed actions of a scenario built in code, with no JSON in between. The scenario's other
//! rules (names, counts, clocks, timeouts) are functions here too, which the reader calls field
//! by field and [`Scenario::validate`] calls in the same order. Either way an action is
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

use std::collections::{HashMap, HashSet};

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
                check_rule_count(*count, &at("count"))
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
                check_rule_count(*count, &at("count"))
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

fn check_rule_count(count: Option<u32>, path: &str) -> R<()> {
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

// ------------------------------------------------------------------------------------------------
// The rest of a scenario: its settings, servers, clients and narration
// ------------------------------------------------------------------------------------------------

pub(super) fn check_name(name: Option<&str>) -> R<()> {
    let Some(name) = name else {
        return Ok(());
    };
    if name.len() > NAME_BYTES_MAX {
        return err(
            "name",
            format!("{} bytes long, the limit is {NAME_BYTES_MAX}", name.len()),
        );
    }
    if name.chars().any(char::is_control) {
        return err("name", "must be one line without control characters");
    }
    Ok(())
}

pub(super) fn check_description(description: Option<&str>) -> R<()> {
    match description {
        Some(d) if d.len() > DESCRIPTION_BYTES_MAX => err(
            "description",
            format!(
                "{} bytes long, the limit is {DESCRIPTION_BYTES_MAX}",
                d.len()
            ),
        ),
        _ => Ok(()),
    }
}

/// `min <= max`, as `QuorumPeerConfig` refuses otherwise; the error is at the field written
/// (`max_given`: the maximum was, so it is the one to blame).
pub(super) fn check_session_timeouts(min_ms: u64, max_ms: u64, max_given: bool) -> R<()> {
    if min_ms <= max_ms {
        return Ok(());
    }
    let which = if max_given {
        "max_session_timeout_ms"
    } else {
        "min_session_timeout_ms"
    };
    err(
        which,
        format!(
            "min_session_timeout_ms ({min_ms}) is larger than max_session_timeout_ms ({max_ms})"
        ),
    )
}

pub(super) fn check_latency((lo, hi): (u64, u64)) -> R<()> {
    in_range(lo, 0, LATENCY_MS_MAX, "latency_ms[0]")?;
    in_range(hi, 0, LATENCY_MS_MAX, "latency_ms[1]")?;
    if lo > hi {
        return err("latency_ms", format!("min {lo} is larger than max {hi}"));
    }
    Ok(())
}

/// The lists a runtime bounds, checked before any of their items is read.
#[derive(Clone, Copy)]
pub(super) enum ListLimit {
    Servers,
    Clients,
    Actions,
    Narration,
}

pub(super) fn check_count(n: usize, list: ListLimit, limits: &Limits) -> R<()> {
    let (path, max, what, verb) = match list {
        ListLimit::Servers if n == 0 => {
            return err("servers", "an ensemble needs at least one server");
        }
        ListLimit::Servers => ("servers", limits.servers_max, "servers", "runs"),
        ListLimit::Clients => ("clients", limits.clients_max, "clients", "runs"),
        ListLimit::Actions => ("actions", limits.actions_max, "actions", "runs"),
        ListLimit::Narration => ("narration", limits.narration_max, "entries", "shows"),
    };
    if n > max {
        return err(
            path,
            format!("{n} {what}, more than the {max} this runtime {verb}"),
        );
    }
    Ok(())
}

/// Server `i`: a unique id, a wall clock within bounds, a start time within the runtime's.
pub(super) fn check_server(
    s: &ServerSpec,
    i: usize,
    epoch_ms: i64,
    first_at: &mut [Option<usize>; 256],
    limits: &Limits,
) -> R<()> {
    let at = |key: &str| join(&index("servers", i), key);
    in_range(s.id, 1, 255, &at("id"))?;
    if let Some(j) = first_at[usize::from(s.id)] {
        return err(
            &at("id"),
            format!("duplicate server id {} (also servers[{j}])", s.id),
        );
    }
    first_at[usize::from(s.id)] = Some(i);
    let offset = at("clock_offset_ms");
    in_range(
        s.clock_offset_ms,
        -CLOCK_ABS_MAX_MS,
        CLOCK_ABS_MAX_MS,
        &offset,
    )?;
    let wall = i128::from(epoch_ms) + i128::from(s.clock_offset_ms);
    if wall.abs() > i128::from(CLOCK_ABS_MAX_MS) {
        return err(
            &offset,
            format!("puts this server's wall clock at {wall} ms, beyond ±{CLOCK_ABS_MAX_MS}"),
        );
    }
    in_range(
        s.uptime_ms,
        -CLOCK_ABS_MAX_MS,
        CLOCK_ABS_MAX_MS,
        &at("uptime_ms"),
    )?;
    if let Some(start) = s.start_ms {
        in_range(start, 0, limits.until_ms_max, &at("start_ms"))?;
    }
    Ok(())
}

impl<'s> Ctx<'s> {
    /// Client `i`, whose name is `name`: a valid, unique name and a connect string of existing
    /// servers. Its name is known to the clients after it.
    pub(super) fn check_client(&mut self, c: &ClientSpec, name: &'s str, i: usize) -> R<()> {
        let at = |key: &str| join(&index("clients", i), key);
        if let Some(why) = client_name_problem(name) {
            return err(&at("name"), why);
        }
        if let Some(&j) = self.clients.get(name) {
            return err(
                &at("name"),
                format!("duplicate client name {} (also clients[{j}])", quote(name)),
            );
        }
        self.clients.insert(name, i);
        self.check_server_list(&c.servers, &at("servers"))?;
        in_range(
            c.session_timeout_ms,
            0,
            SESSION_TIMEOUT_MS_MAX,
            &at("session_timeout_ms"),
        )
    }
}

/// Narration entry `i`, after `prev`: in time order, within the run, a caption of bounded size.
pub(super) fn check_narration(
    entry: &Narration,
    prev: Option<&Narration>,
    i: usize,
    until_ms: u64,
) -> R<()> {
    let at = |key: &str| join(&index("narration", i), key);
    in_range(entry.at_ms, 0, until_ms, &at("at_ms"))?;
    if let Some(prev) = prev
        && entry.at_ms < prev.at_ms
    {
        return err(
            &at("at_ms"),
            format!(
                "narration must be in time order ({} < {})",
                entry.at_ms, prev.at_ms
            ),
        );
    }
    if entry.text.is_empty() {
        return err(&at("text"), "must not be empty");
    }
    if entry.text.len() > NARRATION_TEXT_BYTES_MAX {
        return err(
            &at("text"),
            format!(
                "{} bytes long, the limit is {NARRATION_TEXT_BYTES_MAX}",
                entry.text.len()
            ),
        );
    }
    Ok(())
}

impl Scenario {
    /// Checks a scenario built in code against the format and `limits`, from its types, by the
    /// rules and in the order the reader applies them to a file (no JSON in between: only its
    /// size is measured, so that a link made of it opens).
    pub fn validate(&self, limits: &Limits) -> Result<(), ScenarioError> {
        // Over 80 lines on purpose: the reader's order, field by field.
        super::check_json_bytes(self.to_json().len(), limits)?;
        check_name(self.name.as_deref())?;
        check_description(self.description.as_deref())?;
        in_range(self.tick_ms, 1, TICK_MS_MAX, "tick_ms")?;
        let (min_ms, max_ms) = (self.min_session_timeout_ms, self.max_session_timeout_ms);
        in_range(min_ms, 1, SESSION_TIMEOUT_MS_MAX, "min_session_timeout_ms")?;
        in_range(max_ms, 1, SESSION_TIMEOUT_MS_MAX, "max_session_timeout_ms")?;
        // As the JSON would say it: a maximum at its default is left out of the text.
        let max_given = max_ms
            != self
                .tick_ms
                .saturating_mul(defaults::MAX_SESSION_TIMEOUT_TICKS);
        check_session_timeouts(min_ms, max_ms, max_given)?;
        in_range(
            self.epoch_ms,
            -CLOCK_ABS_MAX_MS,
            CLOCK_ABS_MAX_MS,
            "epoch_ms",
        )?;
        check_latency(self.latency_ms)?;
        in_range(self.init_limit, 1, TICK_LIMIT_MAX, "init_limit")?;
        in_range(self.sync_limit, 1, TICK_LIMIT_MAX, "sync_limit")?;
        if let Some(u) = self.until_given() {
            in_range(u, 0, limits.until_ms_max, "until_ms")?;
        }
        check_count(self.servers.len(), ListLimit::Servers, limits)?;
        let mut first_at = [None; 256];
        for (i, s) in self.servers.iter().enumerate() {
            check_server(s, i, self.epoch_ms, &mut first_at, limits)?;
        }
        check_count(self.clients.len(), ListLimit::Clients, limits)?;
        let mut ctx = Ctx {
            servers: [false; 256],
            clients: HashMap::with_capacity(self.clients.len()),
            connected: vec![false; self.clients.len()],
            wall_ms: [0; 256],
        };
        ctx.add_servers(&self.servers, self.epoch_ms);
        for (i, c) in self.clients.iter().enumerate() {
            ctx.check_client(c, &c.name, i)?;
        }
        self.check_timeline_in(ctx, limits)?;
        check_count(self.narration.len(), ListLimit::Narration, limits)?;
        for (i, entry) in self.narration.iter().enumerate() {
            check_narration(
                entry,
                i.checked_sub(1).map(|p| &self.narration[p]),
                i,
                self.until_ms,
            )?;
        }
        Ok(())
    }

    /// Checks this scenario's actions (and `until_ms`) against its ensemble and clients and
    /// `limits`, straight from their types: what `World::apply` needs for an action built in
    /// code, by the same rules and messages as a file's. The rest of the scenario (its servers,
    /// clients and settings) is taken as it is; [`Scenario::validate`] checks everything.
    pub fn check_actions(&self, limits: &Limits) -> Result<(), ScenarioError> {
        // The one rule about the text: what this runtime reads at all (a link made of it must
        // open). Measured, never parsed.
        super::check_json_bytes(self.to_json().len(), limits)?;
        self.check_timeline_in(Ctx::of(self), limits)
    }

    /// `until_ms` as the JSON would say it: one equal to its default is left out of the text.
    fn until_given(&self) -> Option<u64> {
        let default_until = Scenario::default_until_ms(&self.actions);
        (self.until_ms != default_until).then_some(self.until_ms)
    }

    /// The actions, in order, from the servers and clients `ctx` knows, and `until_ms`.
    fn check_timeline_in(&self, mut ctx: Ctx, limits: &Limits) -> Result<(), ScenarioError> {
        check_count(self.actions.len(), ListLimit::Actions, limits)?;
        let until_given = self.until_given();
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
            super::check_default_until(Scenario::default_until_ms(&self.actions), limits)?;
        }
        Ok(())
    }
}
