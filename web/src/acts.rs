//! The palette's form as data, and how it becomes a scenario action. Pure: the browser tests
//! and the component share it. Whether the action can run here is the world's question
//! (`World::apply`); this only reads the fields.

use zksim::scenario::{ActionKind, Endpoint, MultiOp, RegisterStyle};

/// The acts the palette offers, with their labels: each named by its `do` (one of
/// [`ActionKind::NAMES`]), but for `move`, a `connect` with another client's session.
pub const ACTS: &[(&str, &str)] = &[
    ("start_server", "Start server"),
    ("crash_server", "Crash server"),
    ("connect", "Connect client"),
    (
        "move",
        "Move session (connect with another client's session)",
    ),
    ("close", "Close client"),
    ("kill", "Kill client"),
    ("freeze", "Freeze client (GC pause)"),
    ("create", "Create znode"),
    ("set_data", "Set data"),
    ("delete", "Delete znode"),
    ("multi", "Multi"),
    ("register", "Register (service recipe)"),
    ("sync", "Sync (before a read)"),
    ("partition", "Partition"),
    ("heal", "Heal"),
    ("clock_jump", "Clock jump"),
];

/// Which fields an act uses.
pub fn fields(act: &str) -> &'static [&'static str] {
    match act {
        "start_server" | "crash_server" => &["server"],
        "connect" => &["client", "server_opt"],
        "move" => &["client", "other", "server_opt"],
        "close" | "kill" => &["client"],
        "freeze" => &["client", "for_ms"],
        "create" => &["client", "path", "data", "ephemeral"],
        "set_data" => &["client", "path", "data", "version"],
        "delete" => &["client", "path", "version"],
        "multi" => &["client", "ops"],
        "register" => &["client", "path", "data", "style"],
        "sync" => &["client", "path"],
        "partition" => &["side_a", "side_b", "one_way"],
        "heal" => &[],
        "clock_jump" => &["server", "by_ms"],
        _ => &[],
    }
}

/// The form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaletteForm {
    pub act: String,
    pub server: String,
    /// "" for any server of the client's connect string.
    pub server_opt: String,
    pub client: String,
    pub other: String,
    pub path: String,
    pub data: String,
    pub ephemeral: bool,
    pub version: String,
    pub for_ms: String,
    pub by_ms: String,
    pub side_a: String,
    pub side_b: String,
    pub one_way: bool,
    pub ops: String,
    pub style: String,
}

impl Default for PaletteForm {
    fn default() -> Self {
        PaletteForm {
            act: "create".into(),
            server: String::new(),
            server_opt: String::new(),
            client: String::new(),
            other: String::new(),
            path: "/node".into(),
            data: "hello".into(),
            ephemeral: true,
            version: "-1".into(),
            for_ms: "5000".into(),
            by_ms: "60000".into(),
            side_a: "s1".into(),
            side_b: String::new(),
            one_way: false,
            ops: "create /a x\nset_data /a y".into(),
            style: "exists-then-set".into(),
        }
    }
}

fn num<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{what} must be a number (got {:?})", short(s)))
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn server(s: &str) -> Result<u8, String> {
    let t = s.trim().trim_start_matches('s');
    num("server", t)
}

fn client(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("choose a client".into())
    } else {
        Ok(s.trim().to_string())
    }
}

fn endpoints(what: &str, s: &str) -> Result<Vec<Endpoint>, String> {
    let list: Vec<&str> = s
        .split([',', ' ', '\n'])
        .filter(|x| !x.is_empty())
        .collect();
    if list.is_empty() {
        return Err(format!(
            "{what}: name at least one endpoint (s1, app-1, ...)"
        ));
    }
    list.into_iter()
        .map(|e| {
            Endpoint::parse(e).ok_or_else(|| format!("{what}: {:?} is not an endpoint", short(e)))
        })
        .collect()
}

/// `create /a data`, `create-e /a`, `set_data /a data [version]`, `delete /a [version]`,
/// `check /a version`: one op a line.
pub fn parse_ops(text: &str) -> Result<Vec<MultiOp>, String> {
    let mut ops = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let path = words
            .get(1)
            .map(|s| s.to_string())
            .ok_or_else(|| format!("op {}: no path", i + 1))?;
        let arg = words.get(2).copied();
        let version = |s: Option<&str>| {
            s.map(|v| num::<i32>("version", v))
                .transpose()
                .map(|v| v.unwrap_or(-1))
        };
        ops.push(match words[0] {
            "create" | "create-e" => MultiOp::Create {
                path,
                data: arg.unwrap_or("").to_string(),
                ephemeral: words[0] == "create-e",
                sequential: false,
            },
            "set_data" | "set" => MultiOp::SetData {
                path,
                data: arg.unwrap_or("").to_string(),
                version: version(words.get(3).copied())?,
            },
            "delete" => MultiOp::Delete {
                path,
                version: version(arg)?,
            },
            "check" => MultiOp::Check {
                path,
                version: version(arg)?,
            },
            other => {
                return Err(format!(
                    "op {}: unknown op {:?} (create, create-e, set_data, delete, check)",
                    i + 1,
                    short(other)
                ));
            }
        });
    }
    if ops.is_empty() {
        return Err("multi: write at least one op".into());
    }
    Ok(ops)
}

impl PaletteForm {
    /// The action this form describes, or what is wrong with it.
    pub fn build(&self) -> Result<ActionKind, String> {
        // Over 80 lines on purpose: one arm per palette action.
        let f = self;
        let server_opt = || -> Result<Option<Vec<u8>>, String> {
            if f.server_opt.trim().is_empty() {
                Ok(None)
            } else {
                server(&f.server_opt).map(|s| Some(vec![s]))
            }
        };
        Ok(match f.act.as_str() {
            "start_server" => ActionKind::StartServer {
                server: server(&f.server)?,
            },
            "crash_server" => ActionKind::CrashServer {
                server: server(&f.server)?,
            },
            "connect" => ActionKind::Connect {
                client: client(&f.client)?,
                session_of: None,
                servers: server_opt()?,
                password: None,
            },
            "move" => ActionKind::Connect {
                client: client(&f.client)?,
                session_of: Some(client(&f.other)?),
                servers: server_opt()?,
                password: None,
            },
            "close" => ActionKind::Close {
                client: client(&f.client)?,
            },
            "kill" => ActionKind::Kill {
                client: client(&f.client)?,
            },
            "freeze" => ActionKind::Freeze {
                client: client(&f.client)?,
                for_ms: num("for (ms)", &f.for_ms)?,
            },
            "create" => ActionKind::Create {
                client: client(&f.client)?,
                path: f.path.trim().to_string(),
                data: f.data.clone(),
                ephemeral: f.ephemeral,
                sequential: false,
            },
            "set_data" => ActionKind::SetData {
                client: client(&f.client)?,
                path: f.path.trim().to_string(),
                data: f.data.clone(),
                version: num("version", &f.version)?,
            },
            "delete" => ActionKind::Delete {
                client: client(&f.client)?,
                path: f.path.trim().to_string(),
                version: num("version", &f.version)?,
            },
            "multi" => ActionKind::Multi {
                client: client(&f.client)?,
                ops: parse_ops(&f.ops)?,
            },
            "register" => ActionKind::Register {
                client: client(&f.client)?,
                path: f.path.trim().to_string(),
                data: f.data.clone(),
                style: if f.style == "delete-then-create" {
                    RegisterStyle::DeleteThenCreate
                } else {
                    RegisterStyle::ExistsThenSet
                },
            },
            "sync" => ActionKind::Sync {
                client: client(&f.client)?,
                path: f.path.trim().to_string(),
            },
            "partition" => ActionKind::Partition {
                a: endpoints("side A", &f.side_a)?,
                b: endpoints("side B", &f.side_b)?,
                one_way: f.one_way,
            },
            "heal" => ActionKind::Heal { a: None, b: None },
            "clock_jump" => ActionKind::ClockJump {
                server: server(&f.server)?,
                by_ms: num("by (ms)", &f.by_ms)?,
            },
            other => return Err(format!("unknown act {:?}", short(other))),
        })
    }
}
