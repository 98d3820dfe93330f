//! Reading format v1: strict JSON, then each field by serde in a fixed order, each error at its
//! path.
//!
//! The text is parsed into a `serde_json::Value` with duplicate keys refused ([`parse_strict`]).
//! [`Reader`] then reads the top-level fields in the order the format lists them, so the first
//! error found is always the same one: each field, list item and action is deserialized by its
//! derived `Deserialize` (`de.rs` gives the paths and the words), then judged by the one
//! validator's rule for it (`check.rs`), which [`Scenario::validate`] and `World::apply` ask of
//! typed values too.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::de::{ClockMs, Int, ValueDe, read_at, refuse_unknown};
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

/// The top-level object's fields; `null` counts as absent.
struct Top<'v> {
    map: &'v Map<String, Value>,
}

impl<'v> Top<'v> {
    fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn read<T: Deserialize<'v>>(&self, key: &str) -> R<Option<T>> {
        self.get(key).map(|v| read_at(v, key)).transpose()
    }

    /// A list's items, for a count limit checked before any item is read.
    fn items(&self, key: &str) -> R<Option<&'v [Value]>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(v) => err(key, format!("must be an array, got {}", show(v))),
        }
    }

    fn required_items(&self, key: &str) -> R<&'v [Value]> {
        self.items(key)?.map_or_else(|| err(key, "required"), Ok)
    }
}

pub(super) struct Reader<'l> {
    pub(super) limits: &'l Limits,
}

impl Reader<'_> {
    pub(super) fn scenario(&self, root: &Value) -> R<Scenario> {
        // Over 80 lines on purpose: the scenario's fields in the format's order, each read and
        // then judged by its rule.
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
        refuse_unknown(map, "", &[], TOP_FIELDS, "a scenario")?;
        let top = Top { map };

        let name: Option<String> = top.read("name")?;
        check_name(name.as_deref())?;
        let description: Option<String> = top.read("description")?;
        check_description(description.as_deref())?;
        let version = match top.get("version") {
            None => defaults::VERSION,
            Some(v) => {
                super::de::version(ValueDe::new(v, "version")).map_err(ScenarioError::from)?
            }
        };
        let seed = top
            .read::<Int<u64, 0, { u64::MAX as i128 }>>("seed")?
            .map_or(defaults::SEED, |i| i.0);
        let tick_ms = top
            .read::<Int<u64, 1, { TICK_MS_MAX as i128 }>>("tick_ms")?
            .map_or(defaults::TICK_MS, |i| i.0);
        type Timeout = Int<u64, 1, { SESSION_TIMEOUT_MS_MAX as i128 }>;
        let min_session_timeout_ms = top
            .read::<Timeout>("min_session_timeout_ms")?
            .map_or(tick_ms * defaults::MIN_SESSION_TIMEOUT_TICKS, |i| i.0);
        let max_given = top.read::<Timeout>("max_session_timeout_ms")?;
        let max_session_timeout_ms = max_given
            .as_ref()
            .map_or(tick_ms * defaults::MAX_SESSION_TIMEOUT_TICKS, |i| i.0);
        check_session_timeouts(
            min_session_timeout_ms,
            max_session_timeout_ms,
            max_given.is_some(),
        )?;
        let epoch_ms = top
            .read::<ClockMs>("epoch_ms")?
            .map_or(defaults::EPOCH_MS, |i| i.0);
        let latency_ms = match top.items("latency_ms")? {
            None => defaults::LATENCY_MS,
            Some(pair) if pair.len() != 2 => {
                return err(
                    "latency_ms",
                    format!("must be [min, max], got {} values", pair.len()),
                );
            }
            Some(_) => {
                type Latency = Int<u64, 0, { LATENCY_MS_MAX as i128 }>;
                let [lo, hi] = top
                    .read::<[Latency; 2]>("latency_ms")?
                    .unwrap_or([Int(1), Int(1)]);
                check_latency((lo.0, hi.0))?;
                (lo.0, hi.0)
            }
        };
        type TickLimit = Int<u32, 1, { TICK_LIMIT_MAX as i128 }>;
        let init_limit = top
            .read::<TickLimit>("init_limit")?
            .map_or(defaults::INIT_LIMIT, |i| i.0);
        let sync_limit = top
            .read::<TickLimit>("sync_limit")?
            .map_or(defaults::SYNC_LIMIT, |i| i.0);
        let until_given = top
            .get("until_ms")
            .map(|v| self.limited_ms(v, "until_ms"))
            .transpose()?;

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
            name,
            description,
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

    fn servers(&self, top: &Top, epoch_ms: i64) -> R<Vec<ServerSpec>> {
        let items = top.required_items("servers")?;
        check_count(items.len(), ListLimit::Servers, self.limits)?;
        let mut first_at: [Option<usize>; 256] = [None; 256];
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let server: ServerSpec = read_at(v, &index("servers", i))?;
            check_server(&server, i, epoch_ms, &mut first_at, self.limits)?;
            out.push(server);
        }
        Ok(out)
    }

    fn clients<'v>(&self, top: &Top<'v>, ctx: &mut Ctx<'v>) -> R<Vec<ClientSpec>> {
        let items = top.required_items("clients")?;
        check_count(items.len(), ListLimit::Clients, self.limits)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let client: ClientSpec = read_at(v, &index("clients", i))?;
            // The name as the text holds it, so the names known so far need no copies.
            let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
            ctx.check_client(&client, name, i)?;
            out.push(client);
        }
        ctx.connected = vec![false; out.len()];
        Ok(out)
    }

    fn actions(&self, top: &Top, ctx: &mut Ctx, until: Option<u64>) -> R<Vec<Action>> {
        let items = top.required_items("actions")?;
        check_count(items.len(), ListLimit::Actions, self.limits)?;
        let mut out: Vec<Action> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("actions", i);
            let action = self.action(v, &path)?;
            ctx.check_action(&action.kind, &path, self.limits)?;
            check_timeline(action.at_ms, out.last().map(|a| a.at_ms), until, &path)?;
            out.push(action);
        }
        Ok(out)
    }

    /// An action's shape: its `do` and fields (derived), then its `at_ms`, which sits beside
    /// them in the same object.
    fn action(&self, v: &Value, path: &str) -> R<Action> {
        let kind = ActionKind::deserialize(ValueDe::taking(v, path, &["at_ms"]))
            .map_err(ScenarioError::from)?;
        let at = join(path, "at_ms");
        let at_ms = match v.get("at_ms").filter(|v| !v.is_null()) {
            None => return err(&at, "required"),
            Some(t) => self.limited_ms(t, &at)?,
        };
        Ok(Action { at_ms, kind })
    }

    /// A time within the runtime's `until_ms_max`, read where the limit is known, so that the
    /// message can give the range.
    fn limited_ms(&self, v: &Value, path: &str) -> R<u64> {
        let max = self.limits.until_ms_max;
        match integer(v) {
            Some(n) if (0..=i128::from(max)).contains(&n) => Ok(n as u64),
            Some(n) => err(path, format!("must be 0..={max}, got {n}")),
            None => err(
                path,
                format!("must be an integer in 0..={max}, got {}", show(v)),
            ),
        }
    }

    fn narration(&self, top: &Top, until_ms: u64) -> R<Vec<Narration>> {
        let Some(items) = top.items("narration")? else {
            return Ok(Vec::new());
        };
        check_count(items.len(), ListLimit::Narration, self.limits)?;
        let mut out: Vec<Narration> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let entry: Narration = read_at(v, &index("narration", i))?;
            check_narration(&entry, out.last(), i, until_ms)?;
            out.push(entry);
        }
        Ok(out)
    }
}
