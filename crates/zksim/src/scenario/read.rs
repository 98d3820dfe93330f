//! Reading format v1: strict JSON, then each field in a fixed order, each error at its path.
//!
//! The text is parsed into a `serde_json::Value` with duplicate keys refused ([`parse_strict`]);
//! [`Reader`] then walks it in the order the format lists its fields, so the first error found
//! is always the same one. An action is read for its shape here (JSON types, numbers that fit)
//! and judged by the one validator (`check.rs`), which `World::apply` asks too.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::*;

/// JSON to a `Value`, refusing duplicate keys. serde_json's recursion limit (128 levels) still
/// applies, so deep nesting is an error, not a stack overflow.
pub(super) fn parse_strict(text: &str) -> R<Value> {
    match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(v)) => Ok(v),
        Err(e) => err("json", e.to_string()),
    }
}

pub(super) struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

pub(super) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate field {}",
                    quote(&key)
                )));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

pub(super) const TOP_FIELDS: &[&str] = &[
    "format",
    "name",
    "description",
    "version",
    "seed",
    "tick_ms",
    "min_session_timeout_ms",
    "max_session_timeout_ms",
    "epoch_ms",
    "latency_ms",
    "init_limit",
    "sync_limit",
    "servers",
    "clients",
    "actions",
    "until_ms",
    "narration",
];
pub(super) const SERVER_FIELDS: &[&str] = &["id", "clock_offset_ms", "uptime_ms", "start_ms"];
pub(super) const CLIENT_FIELDS: &[&str] = &["name", "servers", "session_timeout_ms", "version"];
pub(super) const NARRATION_FIELDS: &[&str] = &["at_ms", "text"];

/// 32 hex digits as 16 bytes.
pub(super) fn parse_password(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Each `do`, with the fields it takes besides `at_ms` and `do`.
pub(super) const ACTIONS: &[(&str, &[&str])] = &[
    ("start_server", &["server"]),
    ("crash_server", &["server"]),
    ("connect", &["client", "session_of", "servers", "password"]),
    ("close", &["client"]),
    ("kill", &["client"]),
    ("freeze", &["client", "for_ms"]),
    (
        "create",
        &["client", "path", "data", "ephemeral", "sequential"],
    ),
    ("set_data", &["client", "path", "data", "version"]),
    ("delete", &["client", "path", "version"]),
    ("exists", &["client", "path"]),
    ("get_data", &["client", "path"]),
    ("sync", &["client", "path"]),
    ("multi", &["client", "ops"]),
    ("register", &["client", "path", "data", "style"]),
    ("partition", &["a", "b", "one_way"]),
    ("heal", &["a", "b"]),
    ("clock_jump", &["server", "by_ms"]),
    ("hold", &["from", "to", "kind", "count"]),
    ("release", &["from", "to"]),
    ("drop", &["from", "to", "kind", "count"]),
    ("delay", &["from", "to", "kind", "by_ms", "count"]),
];

/// Each multi `op`, with the fields it takes besides `op`.
pub(super) const MULTI_OPS: &[(&str, &[&str])] = &[
    ("create", &["path", "data", "ephemeral", "sequential"]),
    ("set_data", &["path", "data", "version"]),
    ("delete", &["path", "version"]),
    ("check", &["path", "version"]),
];

/// `path.key`, or `path["key"]` for a key that is not a plain name (so a path is never empty
/// and never ambiguous).
/// An object's fields, with unknown ones refused.
pub(super) struct Obj<'v> {
    map: &'v Map<String, Value>,
    path: String,
}

impl<'v> Obj<'v> {
    fn new(v: &'v Value, path: &str, what: &str) -> R<Obj<'v>> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: path.to_string(),
            }),
            other => err(
                path,
                format!("{what} is a JSON object, got {}", show(other)),
            ),
        }
    }

    /// Refuses fields not in `allowed` (and not `x_...`), naming the first in sorted order.
    fn only(&self, allowed: &[&str], context: &str) -> R<()> {
        let unknown = self
            .map
            .keys()
            .filter(|k| !k.starts_with("x_") && !allowed.contains(&k.as_str()))
            .min();
        match unknown {
            None => Ok(()),
            Some(k) => {
                let hint = match did_you_mean(k, allowed.iter().copied()) {
                    Some(m) => format!(" (did you mean \"{m}\"?)"),
                    None => format!(" ({context} takes {})", allowed.join(", ")),
                };
                err(&self.at(k), format!("unknown field{hint}"))
            }
        }
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field's value; `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &str) -> R<&'v Value> {
        match self.get(key) {
            Some(v) => Ok(v),
            None => err(&self.at(key), "required"),
        }
    }

    fn int(&self, key: &str, min: i128, max: i128, default: Option<i128>) -> R<i128> {
        let v = match (self.get(key), default) {
            (Some(v), _) => v,
            (None, Some(d)) => return Ok(d),
            (None, None) => return err(&self.at(key), "required"),
        };
        match integer(v) {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            Some(n) => err(&self.at(key), format!("must be {min}..={max}, got {n}")),
            None => err(
                &self.at(key),
                format!("must be an integer in {min}..={max}, got {}", show(v)),
            ),
        }
    }

    fn u64(&self, key: &str, min: u64, max: u64, default: Option<u64>) -> R<u64> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        // In range by the check above.
        Ok(u64::try_from(n).unwrap_or(max))
    }

    fn i64(&self, key: &str, min: i64, max: i64, default: Option<i64>) -> R<i64> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        Ok(i64::try_from(n).unwrap_or(max))
    }

    fn u32(&self, key: &str, min: u32, max: u32, default: Option<u32>) -> R<u32> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        Ok(u32::try_from(n).unwrap_or(max))
    }

    fn version_field(&self, key: &str) -> R<i32> {
        let n = self.int(
            key,
            defaults::ANY_VERSION.into(),
            i32::MAX.into(),
            Some(defaults::ANY_VERSION.into()),
        )?;
        Ok(i32::try_from(n).unwrap_or(defaults::ANY_VERSION))
    }

    fn bool(&self, key: &str, default: bool) -> R<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => err(
                &self.at(key),
                format!("must be true or false, got {}", show(v)),
            ),
        }
    }

    fn opt_str(&self, key: &str) -> R<Option<&'v str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => err(&self.at(key), format!("must be a string, got {}", show(v))),
        }
    }

    fn str(&self, key: &str) -> R<&'v str> {
        match self.opt_str(key)? {
            Some(s) => Ok(s),
            None => err(&self.at(key), "required"),
        }
    }

    fn opt_array(&self, key: &str) -> R<Option<&'v Vec<Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => err(&self.at(key), format!("must be an array, got {}", show(v))),
        }
    }

    fn array(&self, key: &str) -> R<&'v Vec<Value>> {
        match self.opt_array(key)? {
            Some(a) => Ok(a),
            None => err(&self.at(key), "required"),
        }
    }
}

/// What the action list knows while it is read.
pub(super) struct Ctx<'s> {
    pub(super) servers: [bool; 256],
    pub(super) clients: HashMap<&'s str, usize>,
    /// Per client: has a `connect` come before?
    pub(super) connected: Vec<bool>,
    /// Per server id: epoch + offset + clock jumps so far.
    pub(super) wall_ms: [i128; 256],
}

impl<'s> Ctx<'s> {
    /// What the actions of `scenario` start from: its servers, clients and wall clocks.
    pub(super) fn of(scenario: &'s Scenario) -> Ctx<'s> {
        let mut ctx = Ctx {
            servers: [false; 256],
            clients: HashMap::with_capacity(scenario.clients.len()),
            connected: vec![false; scenario.clients.len()],
            wall_ms: [0; 256],
        };
        ctx.add_servers(&scenario.servers, scenario.epoch_ms);
        for (i, c) in scenario.clients.iter().enumerate() {
            ctx.clients.insert(&c.name, i);
        }
        ctx
    }

    pub(super) fn add_servers(&mut self, servers: &[ServerSpec], epoch_ms: i64) {
        for s in servers {
            self.servers[usize::from(s.id)] = true;
            self.wall_ms[usize::from(s.id)] = i128::from(epoch_ms) + i128::from(s.clock_offset_ms);
        }
    }
}

impl Ctx<'_> {
    pub(super) fn client_index(&self, name: &str, path: &str) -> R<usize> {
        if let Some(&i) = self.clients.get(name) {
            return Ok(i);
        }
        if let Some(Ok(_)) = server_ref(name) {
            return err(
                path,
                format!(
                    "{} is a server; a client name is expected here",
                    quote(name)
                ),
            );
        }
        let hint = match did_you_mean(name, self.clients.keys().copied()) {
            Some(m) => format!(" (did you mean \"{m}\"?)"),
            None => String::new(),
        };
        err(path, format!("no client named {}{hint}", quote(name)))
    }

    /// A list of server ids, read and then checked.
    pub(super) fn server_list(&self, items: &[Value], path: &str) -> R<Vec<u8>> {
        let ids = server_ids(items, path)?;
        self.check_server_list(&ids, path)?;
        Ok(ids)
    }
}

// The shape of an action's fields: the JSON types, and what fits the Rust types. Whether a
// server or a client exists, whether a path is a path, is the one validator's question
// (`check.rs`), asked of the typed action.

/// A server id as written: any integer a `u8` holds (0 is the validator's to refuse).
pub(super) fn server_id(v: &Value, path: &str) -> R<u8> {
    match integer(v) {
        Some(n @ 0..=255) => Ok(n as u8),
        Some(n) => err(path, format!("must be 1..=255, got {n}")),
        None => err(
            path,
            format!("must be a server id (1..=255), got {}", show(v)),
        ),
    }
}

pub(super) fn server_ids(items: &[Value], path: &str) -> R<Vec<u8>> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| server_id(v, &index(path, i)))
        .collect()
}

/// An endpoint as written: `"s<myid>"` is a server, anything else a client's name.
pub(super) fn endpoint(v: &Value, path: &str) -> R<Endpoint> {
    let Value::String(s) = v else {
        return err(
            path,
            format!(
                "must be an endpoint (\"s<myid>\" or a client name), got {}",
                show(v)
            ),
        );
    };
    match server_ref(s) {
        Some(Ok(id)) => Ok(Endpoint::Server(id)),
        Some(Err(why)) => err(path, why),
        None => Ok(Endpoint::Client(s.clone())),
    }
}

impl Obj<'_> {
    fn endpoint(&self, key: &str) -> R<Option<Endpoint>> {
        self.get(key)
            .map(|v| endpoint(v, &self.at(key)))
            .transpose()
    }

    fn required_endpoint(&self, key: &str) -> R<Endpoint> {
        endpoint(self.required(key)?, &self.at(key))
    }

    /// A partition side as written: a list of endpoints.
    fn side(&self, key: &str) -> R<Option<Vec<Endpoint>>> {
        let Some(items) = self.opt_array(key)? else {
            return Ok(None);
        };
        let path = self.at(key);
        let side = items
            .iter()
            .enumerate()
            .map(|(i, v)| endpoint(v, &index(&path, i)))
            .collect::<R<Vec<_>>>()?;
        Ok(Some(side))
    }

    fn required_side(&self, key: &str) -> R<Vec<Endpoint>> {
        match self.side(key)? {
            Some(side) => Ok(side),
            None => err(&self.at(key), "required"),
        }
    }

    fn count(&self) -> R<Option<u32>> {
        match self.get("count") {
            None => Ok(None),
            Some(_) => self.u32("count", 1, u32::MAX, None).map(Some),
        }
    }

    fn kind(&self) -> R<Option<String>> {
        Ok(self.opt_str("kind")?.map(str::to_string))
    }

    fn data_str(&self, key: &str) -> R<String> {
        Ok(self.opt_str(key)?.unwrap_or("").to_string())
    }

    fn string(&self, key: &str) -> R<String> {
        self.str(key).map(str::to_string)
    }
}

/// The text's size, checked before parsing (a parsed value costs several times its text).
pub(super) fn check_json_bytes(bytes: usize, limits: &Limits) -> R<()> {
    if bytes > limits.json_bytes_max {
        return err(
            "json",
            format!(
                "{bytes} bytes, more than the {} this runtime reads",
                limits.json_bytes_max
            ),
        );
    }
    Ok(())
}

/// An action's place in the timeline: in time order, none after a given `until_ms`.
pub(super) fn check_timeline(
    at_ms: u64,
    prev_ms: Option<u64>,
    until: Option<u64>,
    path: &str,
) -> R<()> {
    if let Some(prev) = prev_ms
        && at_ms < prev
    {
        return err(
            &join(path, "at_ms"),
            format!("actions must be in time order ({at_ms} < {prev})"),
        );
    }
    if let Some(u) = until
        && at_ms > u
    {
        return err(
            &join(path, "at_ms"),
            format!("after until_ms ({at_ms} > {u})"),
        );
    }
    Ok(())
}

/// A defaulted `until_ms` must fit the runtime too.
pub(super) fn check_default_until(until_ms: u64, limits: &Limits) -> R<()> {
    if until_ms > limits.until_ms_max {
        return err(
            "until_ms",
            format!(
                "the default (the last action + {}) is {until_ms}, past the limit of {} \
                 here; give until_ms",
                defaults::UNTIL_AFTER_LAST_ACTION_MS,
                limits.until_ms_max
            ),
        );
    }
    Ok(())
}

pub(super) struct Reader<'l> {
    pub(super) limits: &'l Limits,
}

impl Reader<'_> {
    pub(super) fn scenario(&self, root: &Value) -> R<Scenario> {
        // Over 80 lines on purpose: the scenario's fields in the format's order, each with its
        // limit and its error.
        let Value::Object(map) = root else {
            return err(
                "json",
                format!("a scenario is a JSON object, got {}", show(root)),
            );
        };
        match map.get("format") {
            None => {
                return err(
                    "format",
                    format!("required (this zksim reads format {FORMAT})"),
                );
            }
            Some(v) => match integer(v) {
                Some(1) => {}
                Some(n) if n > 1 => {
                    return err(
                        "format",
                        format!("format {n} is from a newer zksim; this one reads format {FORMAT}"),
                    );
                }
                _ => return err("format", format!("must be {FORMAT}, got {}", show(v))),
            },
        }
        let top = Obj::new(root, "", "a scenario")?;
        top.only(TOP_FIELDS, "a scenario")?;

        let name = top.opt_str("name")?;
        if let Some(name) = name {
            if name.len() > NAME_BYTES_MAX {
                return err(
                    "name",
                    format!("{} bytes long, the limit is {NAME_BYTES_MAX}", name.len()),
                );
            }
            if name.chars().any(char::is_control) {
                return err("name", "must be one line without control characters");
            }
        }
        let description = top.opt_str("description")?;
        if let Some(d) = description
            && d.len() > DESCRIPTION_BYTES_MAX
        {
            return err(
                "description",
                format!(
                    "{} bytes long, the limit is {DESCRIPTION_BYTES_MAX}",
                    d.len()
                ),
            );
        }
        let version = match top.get("version") {
            None => defaults::VERSION,
            Some(v) => version_value(v, "version")?,
        };
        let seed = top.u64("seed", 0, u64::MAX, Some(defaults::SEED))?;
        let tick_ms = top.u64("tick_ms", 1, TICK_MS_MAX, Some(defaults::TICK_MS))?;
        let min_session_timeout_ms = top.u64(
            "min_session_timeout_ms",
            1,
            SESSION_TIMEOUT_MS_MAX,
            Some(tick_ms * defaults::MIN_SESSION_TIMEOUT_TICKS),
        )?;
        let max_session_timeout_ms = top.u64(
            "max_session_timeout_ms",
            1,
            SESSION_TIMEOUT_MS_MAX,
            Some(tick_ms * defaults::MAX_SESSION_TIMEOUT_TICKS),
        )?;
        if min_session_timeout_ms > max_session_timeout_ms {
            // QuorumPeerConfig refuses this too.
            let which = if top.get("max_session_timeout_ms").is_some() {
                "max_session_timeout_ms"
            } else {
                "min_session_timeout_ms"
            };
            return err(
                which,
                format!(
                    "min_session_timeout_ms ({min_session_timeout_ms}) is larger than \
                     max_session_timeout_ms ({max_session_timeout_ms})"
                ),
            );
        }
        let epoch_ms = top.i64(
            "epoch_ms",
            -CLOCK_ABS_MAX_MS,
            CLOCK_ABS_MAX_MS,
            Some(defaults::EPOCH_MS),
        )?;
        let latency_ms = match top.opt_array("latency_ms")? {
            None => defaults::LATENCY_MS,
            Some(pair) => {
                let [lo, hi] = pair.as_slice() else {
                    return err(
                        "latency_ms",
                        format!("must be [min, max], got {} values", pair.len()),
                    );
                };
                let bound = |v: &Value, p: &str| -> R<u64> {
                    match integer(v) {
                        Some(n) if (0..=i128::from(LATENCY_MS_MAX)).contains(&n) => Ok(n as u64),
                        _ => err(p, format!("must be 0..={LATENCY_MS_MAX}, got {}", show(v))),
                    }
                };
                let lo = bound(lo, "latency_ms[0]")?;
                let hi = bound(hi, "latency_ms[1]")?;
                if lo > hi {
                    return err("latency_ms", format!("min {lo} is larger than max {hi}"));
                }
                (lo, hi)
            }
        };
        let init_limit = top.u32("init_limit", 1, TICK_LIMIT_MAX, Some(defaults::INIT_LIMIT))?;
        let sync_limit = top.u32("sync_limit", 1, TICK_LIMIT_MAX, Some(defaults::SYNC_LIMIT))?;
        let until_given = match top.get("until_ms") {
            None => None,
            Some(_) => Some(top.u64("until_ms", 0, self.limits.until_ms_max, None)?),
        };

        let servers = self.servers(&top, epoch_ms)?;
        let mut ctx = Ctx {
            servers: [false; 256],
            clients: HashMap::new(),
            connected: Vec::new(),
            wall_ms: [0; 256],
        };
        ctx.add_servers(&servers, epoch_ms);
        let clients = self.clients(&top, &mut ctx)?;
        let actions = self.actions(&top, &mut ctx, until_given)?;
        let until_ms = match until_given {
            Some(u) => u,
            None => {
                let u = Scenario::default_until_ms(&actions);
                check_default_until(u, self.limits)?;
                u
            }
        };
        let narration = self.narration(&top, until_ms)?;

        Ok(Scenario {
            name: name.map(str::to_string),
            description: description.map(str::to_string),
            version,
            seed,
            tick_ms,
            min_session_timeout_ms,
            max_session_timeout_ms,
            epoch_ms,
            latency_ms,
            init_limit,
            sync_limit,
            servers,
            clients,
            actions,
            until_ms,
            narration,
        })
    }

    fn servers(&self, top: &Obj, epoch_ms: i64) -> R<Vec<ServerSpec>> {
        let items = top.array("servers")?;
        if items.is_empty() {
            return err("servers", "an ensemble needs at least one server");
        }
        if items.len() > self.limits.servers_max {
            return err(
                "servers",
                format!(
                    "{} servers, more than the {} this runtime runs",
                    items.len(),
                    self.limits.servers_max
                ),
            );
        }
        let mut first_at: [Option<usize>; 256] = [None; 256];
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("servers", i);
            let o = Obj::new(v, &path, "a server")?;
            o.only(SERVER_FIELDS, "a server")?;
            let id = o.u32("id", 1, 255, None)? as u8;
            if let Some(j) = first_at[usize::from(id)] {
                return err(
                    &o.at("id"),
                    format!("duplicate server id {id} (also servers[{j}])"),
                );
            }
            first_at[usize::from(id)] = Some(i);
            let clock_offset_ms = o.i64(
                "clock_offset_ms",
                -CLOCK_ABS_MAX_MS,
                CLOCK_ABS_MAX_MS,
                Some(0),
            )?;
            let wall = i128::from(epoch_ms) + i128::from(clock_offset_ms);
            if wall.abs() > i128::from(CLOCK_ABS_MAX_MS) {
                return err(
                    &o.at("clock_offset_ms"),
                    format!(
                        "puts this server's wall clock at {wall} ms, beyond ±{CLOCK_ABS_MAX_MS}"
                    ),
                );
            }
            let uptime_ms = o.i64("uptime_ms", -CLOCK_ABS_MAX_MS, CLOCK_ABS_MAX_MS, Some(0))?;
            // Here null has a meaning of its own: not started until a start_server action.
            let start_ms = match o.map.get("start_ms") {
                None => defaults::SERVER_START_MS,
                Some(Value::Null) => None,
                Some(_) => Some(o.u64("start_ms", 0, self.limits.until_ms_max, None)?),
            };
            out.push(ServerSpec {
                id,
                clock_offset_ms,
                uptime_ms,
                start_ms,
            });
        }
        Ok(out)
    }

    fn clients<'v>(&self, top: &Obj<'v>, ctx: &mut Ctx<'v>) -> R<Vec<ClientSpec>> {
        let items = top.array("clients")?;
        if items.len() > self.limits.clients_max {
            return err(
                "clients",
                format!(
                    "{} clients, more than the {} this runtime runs",
                    items.len(),
                    self.limits.clients_max
                ),
            );
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("clients", i);
            let o = Obj::new(v, &path, "a client")?;
            o.only(CLIENT_FIELDS, "a client")?;
            let name = o.str("name")?;
            if let Some(why) = client_name_problem(name) {
                return err(&o.at("name"), why);
            }
            if let Some(&j) = ctx.clients.get(name) {
                return err(
                    &o.at("name"),
                    format!("duplicate client name {} (also clients[{j}])", quote(name)),
                );
            }
            ctx.clients.insert(name, i);
            let servers = ctx.server_list(o.array("servers")?, &o.at("servers"))?;
            let session_timeout_ms =
                o.u64("session_timeout_ms", 0, SESSION_TIMEOUT_MS_MAX, None)?;
            let version = match o.get("version") {
                None => None,
                Some(v) => Some(version_value(v, &o.at("version"))?),
            };
            out.push(ClientSpec {
                name: name.to_string(),
                servers,
                session_timeout_ms,
                version,
            });
        }
        ctx.connected = vec![false; out.len()];
        Ok(out)
    }

    fn actions(&self, top: &Obj, ctx: &mut Ctx, until: Option<u64>) -> R<Vec<Action>> {
        let items = top.array("actions")?;
        if items.len() > self.limits.actions_max {
            return err(
                "actions",
                format!(
                    "{} actions, more than the {} this runtime runs",
                    items.len(),
                    self.limits.actions_max
                ),
            );
        }
        let mut out: Vec<Action> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("actions", i);
            let action = self.action(v, &path, ctx)?;
            check_timeline(action.at_ms, out.last().map(|a| a.at_ms), until, &path)?;
            out.push(action);
        }
        Ok(out)
    }

    fn action(&self, v: &Value, path: &str, ctx: &mut Ctx) -> R<Action> {
        let o = Obj::new(v, path, "an action")?;
        let what = o.str("do")?;
        let Some(&(what, fields)) = ACTIONS.iter().find(|(n, _)| *n == what) else {
            let hint = match did_you_mean(what, ACTIONS.iter().map(|(n, _)| *n)) {
                Some(m) => format!("did you mean \"{m}\"? "),
                None => String::new(),
            };
            let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
            return err(
                &o.at("do"),
                format!(
                    "unknown action {} ({hint}expected one of {})",
                    quote(what),
                    names.join(", ")
                ),
            );
        };
        let mut allowed = vec!["at_ms", "do"];
        allowed.extend_from_slice(fields);
        o.only(&allowed, what)?;
        let at_ms = o.u64("at_ms", 0, self.limits.until_ms_max, None)?;
        let kind = self.action_kind(&o, what)?;
        ctx.check_action(&kind, path, self.limits)?;
        Ok(Action { at_ms, kind })
    }

    /// The typed action `do` names, from `o`'s fields as written (JSON types and what fits
    /// the Rust types only; `check_action` judges the rest).
    fn action_kind(&self, o: &Obj, what: &str) -> R<ActionKind> {
        // Over 80 lines on purpose: one arm per action kind, in the format's order.
        let server = |o: &Obj| server_id(o.required("server")?, &o.at("server"));
        Ok(match what {
            "start_server" => ActionKind::StartServer { server: server(o)? },
            "crash_server" => ActionKind::CrashServer { server: server(o)? },
            "connect" => ActionKind::Connect {
                client: o.string("client")?,
                session_of: o.opt_str("session_of")?.map(str::to_string),
                servers: match o.opt_array("servers")? {
                    None => None,
                    Some(items) => Some(server_ids(items, &o.at("servers"))?),
                },
                password: match o.opt_str("password")? {
                    None => None,
                    Some(hex) => Some(parse_password(hex).ok_or_else(|| ScenarioError {
                        path: o.at("password"),
                        message: format!("expected 32 hex digits (16 bytes), got {}", quote(hex)),
                    })?),
                },
            },
            "close" => ActionKind::Close {
                client: o.string("client")?,
            },
            "kill" => ActionKind::Kill {
                client: o.string("client")?,
            },
            "freeze" => ActionKind::Freeze {
                client: o.string("client")?,
                for_ms: o.u64("for_ms", 1, self.limits.until_ms_max, None)?,
            },
            "create" => ActionKind::Create {
                client: o.string("client")?,
                sequential: o.bool("sequential", false)?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                ephemeral: o.bool("ephemeral", false)?,
            },
            "set_data" => ActionKind::SetData {
                client: o.string("client")?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                version: o.version_field("version")?,
            },
            "delete" => ActionKind::Delete {
                client: o.string("client")?,
                path: o.string("path")?,
                version: o.version_field("version")?,
            },
            "exists" => ActionKind::Exists {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "get_data" => ActionKind::GetData {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "sync" => ActionKind::Sync {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "multi" => {
                let client = o.string("client")?;
                let items = o.array("ops")?;
                let ops_path = o.at("ops");
                // Before reading them: a limit on what is read at all.
                multi_ops_count(items.len(), &ops_path, self.limits)?;
                let ops = items
                    .iter()
                    .enumerate()
                    .map(|(j, v)| multi_op(v, &index(&ops_path, j)))
                    .collect::<R<Vec<_>>>()?;
                ActionKind::Multi { client, ops }
            }
            "register" => ActionKind::Register {
                client: o.string("client")?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                style: match o.str("style")? {
                    "exists-then-set" => RegisterStyle::ExistsThenSet,
                    "delete-then-create" => RegisterStyle::DeleteThenCreate,
                    other => {
                        return err(
                            &o.at("style"),
                            format!(
                                "unknown style {} (expected \"exists-then-set\" or \
                                 \"delete-then-create\")",
                                quote(other)
                            ),
                        );
                    }
                },
            },
            "partition" => ActionKind::Partition {
                a: o.required_side("a")?,
                b: o.required_side("b")?,
                one_way: o.bool("one_way", false)?,
            },
            "heal" => ActionKind::Heal {
                a: o.side("a")?,
                b: o.side("b")?,
            },
            "clock_jump" => ActionKind::ClockJump {
                server: server(o)?,
                by_ms: o.i64("by_ms", -CLOCK_ABS_MAX_MS, CLOCK_ABS_MAX_MS, None)?,
            },
            "hold" => ActionKind::Hold {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                count: o.count()?,
            },
            "release" => ActionKind::Release {
                from: o.endpoint("from")?,
                to: o.endpoint("to")?,
            },
            "drop" => ActionKind::Drop {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                count: o.count()?,
            },
            "delay" => ActionKind::Delay {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                by_ms: o.u64("by_ms", 1, self.limits.until_ms_max, None)?,
                count: o.count()?,
            },
            // Every name in ACTIONS is matched above.
            other => return err(&o.at("do"), format!("unknown action {}", quote(other))),
        })
    }

    fn narration(&self, top: &Obj, until_ms: u64) -> R<Vec<Narration>> {
        let Some(items) = top.opt_array("narration")? else {
            return Ok(Vec::new());
        };
        if items.len() > self.limits.narration_max {
            return err(
                "narration",
                format!(
                    "{} entries, more than the {} this runtime shows",
                    items.len(),
                    self.limits.narration_max
                ),
            );
        }
        let mut out: Vec<Narration> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("narration", i);
            let o = Obj::new(v, &path, "a narration entry")?;
            o.only(NARRATION_FIELDS, "a narration entry")?;
            let at_ms = o.u64("at_ms", 0, until_ms, None)?;
            if let Some(prev) = out.last()
                && at_ms < prev.at_ms
            {
                return err(
                    &o.at("at_ms"),
                    format!("narration must be in time order ({at_ms} < {})", prev.at_ms),
                );
            }
            let text = o.str("text")?;
            if text.is_empty() {
                return err(&o.at("text"), "must not be empty");
            }
            if text.len() > NARRATION_TEXT_BYTES_MAX {
                return err(
                    &o.at("text"),
                    format!(
                        "{} bytes long, the limit is {NARRATION_TEXT_BYTES_MAX}",
                        text.len()
                    ),
                );
            }
            out.push(Narration {
                at_ms,
                text: text.to_string(),
            });
        }
        Ok(out)
    }
}

pub(super) fn multi_op(v: &Value, path: &str) -> R<MultiOp> {
    let o = Obj::new(v, path, "a multi op")?;
    let what = o.str("op")?;
    let Some(&(what, fields)) = MULTI_OPS.iter().find(|(n, _)| *n == what) else {
        return err(
            &o.at("op"),
            format!(
                "unknown op {} (expected one of create, set_data, delete, check)",
                quote(what)
            ),
        );
    };
    let mut allowed = vec!["op"];
    allowed.extend_from_slice(fields);
    o.only(&allowed, &format!("a multi {what}"))?;
    Ok(match what {
        "create" => {
            let sequential = o.bool("sequential", false)?;
            MultiOp::Create {
                path: o.string("path")?,
                data: o.data_str("data")?,
                ephemeral: o.bool("ephemeral", false)?,
                sequential,
            }
        }
        "set_data" => MultiOp::SetData {
            path: o.string("path")?,
            data: o.data_str("data")?,
            version: o.version_field("version")?,
        },
        "delete" => MultiOp::Delete {
            path: o.string("path")?,
            version: o.version_field("version")?,
        },
        _ => MultiOp::Check {
            path: o.string("path")?,
            version: o.version_field("version")?,
        },
    })
}

/// A version name (the scenario's `version`, a client's `version`): one of the profiles.
fn version_value(v: &Value, path: &str) -> R<Version> {
    match v {
        Value::String(s) => Version::parse(s).map_or_else(
            || {
                let known: Vec<&str> = Version::ALL.iter().map(|v| v.name()).collect();
                err(
                    path,
                    format!(
                        "unknown version {} (expected one of {})",
                        quote(s),
                        known.join(", ")
                    ),
                )
            },
            Ok,
        ),
        other => err(
            path,
            format!("must be a string such as \"3.6\", got {}", show(other)),
        ),
    }
}
