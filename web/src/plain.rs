//! Plain words for what reaches the page from the core: typed events, refused acts, links that do
//! not open. Nothing here prints a Rust value with `{:?}`: a person reads these.

use zksim::codes;
use zksim::ids::hex;
use zksim::link::LinkError;
use zksim::scenario::{ActionKind, Endpoint};
use zksim::trace::{EventKind, Node};
use zksim::world::World;

use crate::acts::ACTS;

/// What an act is called on the page ("Crash server"), for any action the core has.
pub fn act_label(kind: &ActionKind) -> &'static str {
    let name = kind.name();
    if let Some((_, label)) = ACTS.iter().find(|(k, _)| *k == name) {
        return label;
    }
    match kind {
        ActionKind::Connect {
            session_of: Some(_),
            ..
        } => "Move session",
        ActionKind::Exists { .. } => "Exists",
        ActionKind::GetData { .. } => "Get data",
        ActionKind::Hold { .. } => "Hold messages",
        ActionKind::Release { .. } => "Release messages",
        ActionKind::Drop { .. } => "Drop messages",
        ActionKind::Delay { .. } => "Delay messages",
        _ => "Act",
    }
}

/// Text typed by the user, shortened and in curly quotes.
pub fn quoted(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    let more = if s.chars().count() > 40 { "…" } else { "" };
    format!("\u{201c}{short}{more}\u{201d}")
}

fn endpoint_exists(world: &World, e: &Endpoint) -> bool {
    match e {
        Endpoint::Server(id) => world.server_views().iter().any(|s| s.myid == *id),
        Endpoint::Client(name) => world.client_views().iter().any(|c| c.name == *name),
    }
}

/// Checks an act against the world before the core does, so that the common refusals read as
/// sentences about the ensemble on screen.
pub fn check_act(kind: &ActionKind, world: &World) -> Result<(), String> {
    let label = act_label(kind);
    let servers: Vec<u8> = world.server_views().iter().map(|s| s.myid).collect();
    let clients: Vec<String> = world.client_views().into_iter().map(|c| c.name).collect();
    let server_list = || {
        servers
            .iter()
            .map(|s| format!("s{s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let no_server = |id: u8| {
        format!(
            "{label}: there is no server s{id} in this ensemble (it has {}).",
            server_list()
        )
    };
    let no_client = |name: &str| {
        if clients.is_empty() {
            format!("{label}: this scenario has no clients.")
        } else {
            format!("{label}: there is no client {} here.", quoted(name))
        }
    };
    let check_server = |id: &u8| {
        if servers.contains(id) {
            Ok(())
        } else {
            Err(no_server(*id))
        }
    };
    if let Some(c) = kind.client()
        && !clients.iter().any(|x| x == c)
    {
        return Err(no_client(c));
    }
    let endpoints: Vec<&Endpoint> = match kind {
        ActionKind::Partition { a, b, .. } => a.iter().chain(b.iter()).collect(),
        ActionKind::Heal { a, b } => a.iter().flatten().chain(b.iter().flatten()).collect(),
        ActionKind::Hold { from, to, .. }
        | ActionKind::Drop { from, to, .. }
        | ActionKind::Delay { from, to, .. } => vec![from, to],
        ActionKind::Release { from, to } => from.iter().chain(to.iter()).collect(),
        _ => Vec::new(),
    };
    for e in endpoints {
        if !endpoint_exists(world, e) {
            return Err(match e {
                Endpoint::Server(id) => no_server(*id),
                Endpoint::Client(name) => no_client(name),
            });
        }
    }
    match kind {
        ActionKind::StartServer { server }
        | ActionKind::CrashServer { server }
        | ActionKind::ClockJump { server, .. } => check_server(server),
        ActionKind::Connect {
            session_of,
            servers: to,
            ..
        } => {
            if let Some(o) = session_of
                && !clients.iter().any(|x| x == o)
            {
                return Err(no_client(o));
            }
            to.iter().flatten().try_for_each(check_server)
        }
        _ => Ok(()),
    }
}

/// A refusal from the core, in the page's words: the act's label, then the reason with field
/// paths and Rust spellings taken out.
pub fn act_error(kind: &ActionKind, core: &str) -> String {
    format!("{}: {}", act_label(kind), sentence(core))
}

/// Core text made readable: `Server(3)` as s3, `Client(0)` as client 0, no `actions[3].`
/// field paths, no `scenario:` prefix, straight quotes curled.
pub fn sentence(core: &str) -> String {
    let mut s = core.trim().to_string();
    for prefix in ["scenario: ", "link: "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    // Field paths: `actions[12].client: ...`, `until_ms: ...`.
    if let Some((head, rest)) = s.split_once(": ")
        && !head.contains(' ')
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_[].".contains(c))
        && head.chars().any(|c| c == '_' || c == '[' || c == '.')
    {
        s = rest.to_string();
    }
    let s = replace_calls(&s, "Server(", |inner| format!("s{inner}"));
    let s = replace_calls(&s, "Client(", |inner| inner.trim_matches('"').to_string());
    let mut out = String::with_capacity(s.len());
    let mut open = true;
    for c in s.chars() {
        if c == '"' {
            out.push(if open { '\u{201c}' } else { '\u{201d}' });
            open = !open;
        } else {
            out.push(c);
        }
    }
    let mut out = out.trim_end_matches('.').to_string();
    out.push('.');
    out
}

/// Replaces every `Name(inner)` by `f(inner)`.
fn replace_calls(s: &str, open: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(')') else { break };
        out.push_str(&rest[..i]);
        out.push_str(&f(&after[..j]));
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

/// Why a link does not open, in plain words.
pub fn link_error(e: &LinkError) -> String {
    match e {
        LinkError::TooLong { bytes } => {
            format!("it is {bytes} characters long, longer than a zksim link can be")
        }
        LinkError::NoScenario => "there is no scenario in it".into(),
        LinkError::DuplicateParameter { name } => format!("it gives {name}= twice"),
        LinkError::NoFormatPrefix => "it does not say which link format it is in".into(),
        LinkError::UnknownFormat { format } => {
            let format: String = format.chars().take(12).collect();
            format!("it needs a newer zksim: it is in link format {format}, this page reads 1")
        }
        LinkError::NotBase64 { offset, .. } => format!(
            "it is damaged: character {} cannot be part of a zksim link",
            offset + 1
        ),
        LinkError::BadBase64 { .. } | LinkError::Inflate { .. } | LinkError::NotUtf8 { .. } => {
            "it is damaged: cut short or changed on the way".into()
        }
        LinkError::TooLarge => "the scenario in it is too large for this page".into(),
        LinkError::Scenario(e) => format!(
            "the scenario in it is not valid: {}",
            sentence(&e.message).trim_end_matches('.')
        ),
        LinkError::BadPosition { reason } => format!(
            "its time (t=) is not valid: {}",
            sentence(reason).trim_end_matches('.')
        ),
    }
}

/// An error code as a person reads it: `SessionMoved (-118)`, `OK`.
pub fn code(c: codes::Code) -> String {
    if c == codes::OK {
        "OK".into()
    } else {
        format!("{} ({c})", codes::message(c))
    }
}

fn name(world: &World, n: &Node) -> String {
    match n {
        Node::Network => "the network".into(),
        _ => world.node_name(n),
    }
}

/// What an event is, in a sentence (the Details panel's "event" row).
pub fn event_text(kind: &EventKind, world: &World) -> String {
    // Over 80 lines on purpose: one arm per event kind, in plain words.
    use EventKind::*;
    match kind {
        MessageSent { from, to, what, .. } => {
            format!("{} sends {what} to {}", name(world, from), name(world, to))
        }
        MessageDelivered { from, to, what, .. } => {
            format!(
                "{what} from {} arrives at {}",
                name(world, from),
                name(world, to)
            )
        }
        MessageDropped {
            from,
            to,
            what,
            why,
            ..
        } => format!(
            "{what} from {} to {} is lost ({why})",
            name(world, from),
            name(world, to)
        ),
        MessageHeld { from, to, what, .. } => format!(
            "{what} from {} to {} waits in the network",
            name(world, from),
            name(world, to)
        ),
        ServerRole { role, epoch } => format!("now {role}, epoch {epoch}"),
        TrackerSeeded {
            next_session_id,
            leader,
            ..
        } => format!(
            "the {} session tracker is seeded: the next session ID is {}",
            if *leader { "leader's" } else { "learner's" },
            hex(*next_session_id)
        ),
        SessionMinted {
            session,
            timeout_ms,
        } => format!("session {} minted, timeout {timeout_ms} ms", hex(*session)),
        SessionEstablished {
            session,
            timeout_ms,
        } => format!(
            "session {} established, timeout {timeout_ms} ms",
            hex(*session)
        ),
        BucketMoved {
            session,
            from_ms,
            to_ms,
        } => match from_ms {
            Some(f) => format!(
                "session {} moves from bucket {f} to bucket {to_ms}",
                hex(*session)
            ),
            None => format!("session {} goes into bucket {to_ms}", hex(*session)),
        },
        BucketExpired {
            bucket_ms,
            sessions,
        } => format!("bucket {bucket_ms} expires with {sessions} session(s) in it"),
        SessionExpiring {
            session,
            timeout_ms,
        } => format!(
            "session {} expires (timeout {timeout_ms} ms)",
            hex(*session)
        ),
        SessionClosed { session, zxid } => {
            format!("session {} closed at zxid 0x{zxid:x}", hex(*session))
        }
        OwnerChanged {
            session,
            from,
            to,
            why,
        } => format!(
            "owner of session {} changes from {from} to {to} ({why})",
            hex(*session)
        ),
        Revalidate {
            session,
            timeout_ms,
        } => format!(
            "REVALIDATE of session {} (timeout {timeout_ms} ms)",
            hex(*session)
        ),
        RevalidateAnswered { session, valid } => format!(
            "REVALIDATE answered: session {} is {}",
            hex(*session),
            if *valid { "valid" } else { "not valid" }
        ),
        SessionMoved { session, op } => {
            format!("SessionMoved: {op} of session {} refused", hex(*session))
        }
        ClientState { state } => format!("client state {state}"),
        ClientEvent { event } => format!("client event {event}"),
        OpDone { op, path, code: c } => {
            if path.is_empty() {
                format!("{op} answered {}", code(*c))
            } else {
                format!("{op} {path} answered {}", code(*c))
            }
        }
        ZnodeCreated {
            path,
            zxid,
            ephemeral_owner,
        } => {
            if *ephemeral_owner == 0 {
                format!("{path} created at zxid 0x{zxid:x}")
            } else {
                format!(
                    "ephemeral {path} created at zxid 0x{zxid:x}, owner {}",
                    hex(*ephemeral_owner)
                )
            }
        }
        ZnodeChanged {
            path,
            zxid,
            version,
        } => format!("{path} set to version {version} at zxid 0x{zxid:x}"),
        ZnodeDeleted { path, zxid } => format!("{path} deleted at zxid 0x{zxid:x}"),
        Note => "a log line".into(),
    }
}
