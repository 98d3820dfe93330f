//! Read-only views of the world for the UI, the CLI and the tests. The UI never reaches into
//! state: it asks for these.

use crate::codes::Code;
use crate::ids::{IdAnatomy, SessionId, hex};
use crate::net::{ConnKind, Status};
use crate::server::Role;
use crate::trace::Node;
use crate::world::World;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerView {
    pub myid: u8,
    pub role: Role,
    pub serving: bool,
    pub epoch: u32,
    pub last_zxid: i64,
    pub wall_ms: i64,
    pub elapsed_ms: i64,
    /// Client connections on this server: (client name, session id).
    pub connections: Vec<(String, SessionId)>,
    /// Next session ID this server would mint, if it has a tracker or touch table.
    pub next_session_id: Option<SessionId>,
    /// Learners' touch table waiting for the next PING (followers only).
    pub touch_table: Vec<(SessionId, i32)>,
    pub pending_revalidations: Vec<SessionId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    pub id: SessionId,
    pub anatomy: IdAnatomy,
    pub minted_by: u8,
    pub timeout_ms: i32,
    pub state: &'static str,
    /// On the leader's tracker: bucket, owner, closing.
    pub bucket_ms: Option<i64>,
    pub owner: Option<String>,
    pub closing: bool,
    /// Virtual ms until the leader's tracker clock reaches the bucket.
    pub expires_in_ms: Option<i64>,
    /// Another minted session has the same ID.
    pub collides: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketView {
    pub bucket_ms: i64,
    pub sessions: Vec<SessionId>,
    pub is_next: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientView {
    pub name: String,
    pub state: &'static str,
    pub server: Option<u8>,
    pub session_id: SessionId,
    pub negotiated_timeout_ms: i32,
    pub read_timeout_ms: i32,
    pub connect_timeout_ms: i32,
    pub last_heard_ms: u64,
    pub last_send_ms: u64,
    pub frozen: bool,
    pub killed: bool,
    pub events: Vec<&'static str>,
    pub pending_ops: usize,
    pub hosts: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub summary: String,
    pub sent_ms: u64,
    pub deliver_ms: u64,
    pub status: &'static str,
    pub quorum: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZnodeView {
    pub path: String,
    pub data: String,
    pub ephemeral_owner: SessionId,
    /// The owner session is open, closing (marked by the tracker), or gone.
    pub owner_state: Option<&'static str>,
    pub version: i32,
    pub cversion: i32,
    pub czxid: i64,
    pub mzxid: i64,
    pub pzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub num_children: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpView {
    pub client: String,
    pub op: &'static str,
    pub path: Option<String>,
    pub at_ms: u64,
    pub done_ms: Option<u64>,
    pub code: Option<Code>,
}

impl World {
    pub fn server_views(&self) -> Vec<ServerView> {
        (0..self.servers.len())
            .map(|i| {
                let s = &self.servers[i];
                ServerView {
                    myid: s.myid,
                    role: s.role(),
                    serving: s.serving,
                    epoch: s.epoch,
                    last_zxid: s.last_zxid(),
                    wall_ms: self.wall_ms(i),
                    elapsed_ms: self.elapsed_ms(i),
                    connections: s
                        .cnxns
                        .values()
                        .map(|c| (self.clients[c.client].name.clone(), c.session_id))
                        .collect(),
                    next_session_id: s
                        .tracker()
                        .map(|t| t.next_session_id())
                        .or_else(|| s.touch_table().map(|t| t.next_session_id())),
                    touch_table: s
                        .touch_table()
                        .map(|t| t.pending().collect())
                        .unwrap_or_default(),
                    pending_revalidations: s
                        .following()
                        .map(|f| f.pending_revalidations.keys().copied().collect())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The server whose tracker decides expiry now (leader or standalone), if any serves.
    pub fn tracker_server(&self) -> Option<usize> {
        (0..self.servers.len())
            .find(|&i| self.servers[i].is_leader_like() && self.servers[i].tracker().is_some())
    }

    pub fn session_state(
        &self,
        id: SessionId,
        record: &crate::world::SessionRecord,
    ) -> &'static str {
        let _ = id;
        if record.closed_ms.is_some() {
            if record.expired_ms.is_some() {
                "expired"
            } else {
                "closed"
            }
        } else if record.closing {
            "closing"
        } else {
            "open"
        }
    }

    pub fn session_views(&self) -> Vec<SessionView> {
        let leader = self.tracker_server();
        let mut minted: std::collections::BTreeMap<SessionId, usize> = Default::default();
        for r in &self.sessions {
            *minted.entry(r.id).or_default() += 1;
        }
        self.sessions
            .iter()
            .map(|r| {
                let entry = leader.and_then(|l| {
                    self.servers[l]
                        .tracker()
                        .and_then(|t| t.get(r.id))
                        .map(|e| (l, e))
                });
                let open = r.closed_ms.is_none();
                SessionView {
                    id: r.id,
                    anatomy: IdAnatomy::of(r.id),
                    minted_by: r.minted_by,
                    timeout_ms: r.timeout_ms,
                    state: self.session_state(r.id, r),
                    bucket_ms: entry.and_then(|(_, e)| e.expires_at_ms).filter(|_| open),
                    owner: entry
                        .filter(|_| open)
                        .map(|(_, e)| self.owner_name(e.owner)),
                    closing: entry.is_some_and(|(_, e)| e.closing),
                    expires_in_ms: entry
                        .filter(|_| open)
                        .and_then(|(l, e)| e.expires_at_ms.map(|b| b - self.tracker_clock_ms(l))),
                    collides: minted.get(&r.id).copied().unwrap_or(0) > 1,
                }
            })
            .collect()
    }

    pub fn bucket_views(&self) -> Vec<BucketView> {
        let Some(l) = self.tracker_server() else {
            return Vec::new();
        };
        let Some(t) = self.servers[l].tracker() else {
            return Vec::new();
        };
        let next = t.next_expiration_ms();
        t.buckets()
            .map(|(b, ids)| BucketView {
                bucket_ms: b,
                sessions: ids.collect(),
                is_next: b == next,
            })
            .collect()
    }

    /// The leader's tracker clock and its next expiration (the expirer's cursor).
    pub fn expiry_cursor(&self) -> Option<(i64, i64)> {
        let l = self.tracker_server()?;
        let t = self.servers[l].tracker()?;
        Some((self.tracker_clock_ms(l), t.next_expiration_ms()))
    }

    pub fn client_views(&self) -> Vec<ClientView> {
        self.clients
            .iter()
            .map(|c| ClientView {
                name: c.name.clone(),
                state: if c.killed { "KILLED" } else { c.state.name() },
                server: c.conn.and(c.server),
                session_id: c.session_id,
                negotiated_timeout_ms: c.negotiated_timeout_ms,
                read_timeout_ms: c.read_timeout_ms,
                connect_timeout_ms: c.connect_timeout_ms,
                last_heard_ms: c.last_heard_ms,
                last_send_ms: c.last_send_ms,
                frozen: c.frozen_until_ms.is_some(),
                killed: c.killed,
                events: c.events.clone(),
                pending_ops: c.pending_ops(),
                hosts: c.hosts.clone(),
            })
            .collect()
    }

    pub fn message_views(&self) -> Vec<MessageView> {
        self.net
            .inflight()
            .into_iter()
            .map(|m| MessageView {
                id: m.id,
                from: self.node_name(&m.from),
                to: self.node_name(&m.to),
                kind: m.msg.kind_name(),
                summary: m.msg.summary(),
                sent_ms: m.sent_ms,
                deliver_ms: m.deliver_ms,
                status: match m.status {
                    Status::Flying => "flying",
                    Status::Partitioned => "partitioned",
                    Status::Held => "held",
                },
                quorum: self
                    .net
                    .conn(m.conn)
                    .is_some_and(|c| c.kind == ConnKind::Quorum),
            })
            .collect()
    }

    /// The server whose tree is most up to date (highest last zxid among those up; else any).
    pub fn freshest_server(&self) -> usize {
        (0..self.servers.len())
            .max_by_key(|&i| {
                (
                    self.servers[i].is_up(),
                    self.servers[i].last_zxid(),
                    self.servers[i].myid,
                )
            })
            .unwrap_or(0)
    }

    /// The data tree as the freshest server has it, without `/zookeeper`.
    pub fn znode_views(&self) -> Vec<ZnodeView> {
        let s = self.freshest_server();
        let tree = &self.servers[s].tree;
        tree.nodes()
            .filter(|(p, _, _)| *p != "/" && *p != "/zookeeper" && !p.starts_with("/zookeeper/"))
            .map(|(p, data, st)| {
                let owner_state = (st.ephemeral_owner != 0).then(|| {
                    let rec = self
                        .sessions
                        .iter()
                        .rev()
                        .find(|r| r.id == st.ephemeral_owner);
                    match rec {
                        Some(r) => self.session_state(r.id, r),
                        None => "open",
                    }
                });
                ZnodeView {
                    path: p.to_string(),
                    data: data.to_string(),
                    ephemeral_owner: st.ephemeral_owner,
                    owner_state,
                    version: st.version,
                    cversion: st.cversion,
                    czxid: st.czxid,
                    mzxid: st.mzxid,
                    pzxid: st.pzxid,
                    ctime: st.ctime,
                    mtime: st.mtime,
                    num_children: st.num_children,
                }
            })
            .collect()
    }

    pub fn op_views(&self) -> Vec<OpView> {
        self.ops
            .iter()
            .map(|o| OpView {
                client: self.clients[o.client].name.clone(),
                op: o.op,
                path: o.path.clone(),
                at_ms: o.at_ms,
                done_ms: o.done_ms,
                code: o.code,
            })
            .collect()
    }

    pub fn node_of_client(&self, name: &str) -> Option<Node> {
        self.client_index(name).map(|i| Node::Client(i as u32))
    }
}

/// Formats a session ID for display.
pub fn session_hex(id: SessionId) -> String {
    hex(id)
}
