//! The server's handlers alone: a `Server` in a chosen role and state, one input at a chosen
//! time, and the effects it returns, in order. No world, no network, no queue: each test pins
//! the ZooKeeper behaviour its name gives (the Java method, the JIRA) as the list of things the
//! server asks for. Whole runs (roles and timers over time) are in `world/server_tests.rs`.

use super::*;
use crate::datatree::Op;
use crate::effect::{Effect, Timer as EffectTimer};
use crate::profile::Version;

/// A client's connection to the server under test.
const CLIENT_CONN: ConnId = 7;
/// The quorum connection between the server under test and another server.
const QUORUM_CONN: ConnId = 3;
const CLIENT: Node = Node::Client(0);

/// An ensemble of `n` servers (myids 1..=n) running `version`; zoo.cfg: tickTime 2000, session
/// timeouts 4 s to 40 s, initLimit 10, syncLimit 5.
struct Bench {
    version: Version,
    cfg: Config,
    peers: Vec<u8>,
    names: BTreeMap<u64, String>,
}

impl Bench {
    fn new(version: Version, n: usize) -> Bench {
        let cfg = Config {
            seed: 1,
            tick_ms: 2000,
            min_session_timeout_ms: 4000,
            max_session_timeout_ms: 40_000,
            epoch_ms: 1_700_000_000_000,
            latency_ms: (1, 1),
            init_limit: 10,
            sync_limit: 5,
            standalone: n == 1,
            quorum: n / 2 + 1,
            election_ms: 202,
        };
        let peers = (1..=n as u8).collect();
        // The handler `leader()` makes for s2, as the world would have named it.
        let names = BTreeMap::from([(2, "LearnerHandler(s2)#2".to_string())]);
        Bench {
            version,
            cfg,
            peers,
            names,
        }
    }

    /// Server `myid`, down (as `Server::new` makes it).
    fn server(&self, myid: u8) -> Server {
        let spec = ServerSpec {
            id: myid,
            clock_offset_ms: 0,
            uptime_ms: 0,
            start_ms: None,
        };
        Server::new(
            usize::from(myid - 1),
            &spec,
            self.version.profile(),
            &self.cfg,
        )
    }

    /// Runs `handler` at `now_ms` and returns what it asked for, in order.
    fn with(
        &self,
        srv: &mut Server,
        now_ms: u64,
        handler: impl FnOnce(&mut Server, &mut Cx),
    ) -> Vec<Effect> {
        let mut cx = Cx {
            now_ms,
            profile: self.version.profile(),
            cfg: &self.cfg,
            peers: &self.peers,
            handler_names: &self.names,
            next_conn: 100,
            next_handler_id: 2,
            out: Outbox::new(Vec::new(), true),
        };
        handler(srv, &mut cx);
        cx.out.into_effects()
    }

    fn run(&self, srv: &mut Server, now_ms: u64, input: Input) -> Vec<Effect> {
        self.with(srv, now_ms, |srv, cx| srv.handle(cx, input))
    }

    fn receive(
        &self,
        srv: &mut Server,
        now_ms: u64,
        conn: ConnId,
        from: Node,
        msg: Msg,
    ) -> Vec<Effect> {
        self.run(srv, now_ms, Input::Receive { conn, from, msg })
    }

    /// A standalone server started at 0, with a client connection accepted.
    fn standalone(&self) -> Server {
        let mut srv = self.server(1);
        self.run(&mut srv, 0, Input::Start);
        self.receive(&mut srv, 0, CLIENT_CONN, CLIENT, Msg::Syn);
        srv
    }

    /// `standalone()` with a session established at 0 on the client's connection.
    fn established(&self, timeout_ms: i32) -> (Server, SessionId) {
        let mut srv = self.standalone();
        self.receive(&mut srv, 0, CLIENT_CONN, CLIENT, connect(0, timeout_ms));
        let id = srv.cnxns[&CLIENT_CONN].session_id;
        assert_eq!(srv.cnxns[&CLIENT_CONN].state, CnxnState::Established);
        (srv, id)
    }

    /// Server 1 of three, LEADING epoch 1 and serving, with server 2 synced on `QUORUM_CONN`
    /// (LearnerHandler 2, the bench's next id) and a client connection accepted.
    fn leader(&self) -> Server {
        let mut srv = self.server(1);
        self.run(&mut srv, 0, Input::Lead { epoch: 1 });
        self.receive(
            &mut srv,
            0,
            QUORUM_CONN,
            Node::Server(2),
            Msg::FollowerInfo {
                last_zxid: 0,
                accepted_epoch: 0,
            },
        );
        self.receive(&mut srv, 0, QUORUM_CONN, Node::Server(2), Msg::AckNewLeader);
        assert!(srv.serving, "a quorum of two synced");
        self.receive(&mut srv, 0, CLIENT_CONN, CLIENT, Msg::Syn);
        srv
    }

    /// Server 2 of three, FOLLOWING server 1 on `QUORUM_CONN` (it is the next connection the
    /// network gives) and serving, with a client connection accepted.
    fn follower(&self) -> Server {
        let mut srv = self.server(2);
        let open = self.run(&mut srv, 0, Input::Follow { leader: 0 });
        assert!(matches!(open[0], Effect::Open { conn: 100, .. }));
        if let Some(f) = srv.following_mut() {
            f.leader_conn = QUORUM_CONN;
        }
        let image = DbImage {
            tree: srv.tree.clone(),
            sessions: BTreeMap::new(),
            last_zxid: 0,
        };
        let leader = Node::Server(1);
        let new_leader = Msg::NewLeader {
            epoch: 1,
            image: Box::new(image),
        };
        self.receive(&mut srv, 0, QUORUM_CONN, leader.clone(), new_leader);
        self.receive(&mut srv, 0, QUORUM_CONN, leader, Msg::UpToDate);
        assert!(srv.serving);
        self.receive(&mut srv, 0, CLIENT_CONN, CLIENT, Msg::Syn);
        srv
    }
}

fn connect(session_id: SessionId, timeout_ms: i32) -> Msg {
    Msg::Connect {
        last_zxid_seen: 0,
        timeout_ms,
        session_id,
        passwd: if session_id == 0 {
            [0; 16]
        } else {
            generate_password(session_id)
        },
    }
}

fn request(xid: i32, req: ClientRequest) -> Msg {
    Msg::Request { xid, req }
}

fn set_data(path: &str) -> ClientRequest {
    ClientRequest::Write(Op::SetData {
        path: path.into(),
        data: "x".into(),
        version: -1,
    })
}

/// The messages sent, with their connections, in order.
fn sent(effects: &[Effect]) -> Vec<(ConnId, &Msg)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { conn, msg } => Some((*conn, msg)),
            _ => None,
        })
        .collect()
}

/// The log lines ZooKeeper would print, in order.
fn lines(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Trace { texts: Some(t), .. } => t.line.as_ref().map(|l| l.text.as_str()),
            _ => None,
        })
        .collect()
}

fn traced(effects: &[Effect]) -> Vec<&EventKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Trace { kind, .. } => Some(kind),
            _ => None,
        })
        .collect()
}

fn armed(effects: &[Effect]) -> Vec<(EffectTimer, u64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ArmTimer { timer, at_ms } => Some((*timer, *at_ms)),
            _ => None,
        })
        .collect()
}

fn closed(effects: &[Effect]) -> Vec<ConnId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Close { conn } => Some(*conn),
            _ => None,
        })
        .collect()
}

fn notes(effects: &[Effect]) -> Vec<(SessionId, SessionNote)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Session { id, note } => Some((*id, *note)),
            _ => None,
        })
        .collect()
}

// ----- QuorumPeer (peer.rs) -----

/// `ZooKeeperServerMain`: a standalone server builds its tracker with sid 1 at startup, arms
/// its expirer and serves at once.
#[test]
fn zookeeper_server_main_starts_serving_with_a_tracker_and_its_expirer_armed() {
    let b = Bench::new(Version::V3_6, 1);
    let mut srv = b.server(1);
    let fx = b.run(&mut srv, 0, Input::Start);
    assert!(srv.serving && srv.role() == Role::Standalone);
    assert!(matches!(
        traced(&fx)[..],
        [
            EventKind::ServerRole {
                role: "standalone",
                ..
            },
            EventKind::TrackerSeeded { leader: true, .. },
            EventKind::Note
        ]
    ));
    assert_eq!(armed(&fx), vec![(EffectTimer::TrackerWake, 2000)]);
    assert!(lines(&fx)[0].starts_with("Created server with tickTime 2000"));
}

/// `QuorumPeer`: a killed process loses its sockets (all of them, as the OS closes them), its
/// role and what lives in memory, and the ensemble looks for a leader again.
#[test]
fn quorum_peer_crash_closes_every_socket_and_asks_for_an_election() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    let fx = b.run(&mut srv, 5000, Input::Crash);
    assert!(matches!(fx[0], Effect::CloseAll));
    assert!(matches!(fx.last(), Some(Effect::LookAgain)));
    assert_eq!(lines(&fx), vec!["process killed"]);
    assert_eq!(srv.role(), Role::Down);
    assert!(srv.cnxns.is_empty() && !srv.serving);
}

/// A port nobody listens on: the OS answers a SYN with RST and keeps nothing.
#[test]
fn a_down_server_refuses_a_connection() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.server(1);
    let fx = b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, Msg::Syn);
    assert!(matches!(
        fx[..],
        [
            Effect::Send {
                conn: CLIENT_CONN,
                msg: Msg::Rst
            },
            Effect::CloseSide { conn: CLIENT_CONN }
        ]
    ));
}

/// `Follower.followLeader`: the follower opens its quorum connection (the id the network gives
/// next), sends FOLLOWERINFO and arms its socket's read timeout at initLimit ticks.
#[test]
fn follower_follow_leader_opens_the_quorum_connection_and_arms_init_limit() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.server(2);
    let fx = b.run(&mut srv, 1000, Input::Follow { leader: 0 });
    assert!(matches!(
        fx[0],
        Effect::Open {
            conn: 100,
            kind: ConnKind::Quorum,
            to: Node::Server(1)
        }
    ));
    assert!(matches!(sent(&fx)[..], [(100, Msg::FollowerInfo { .. })]));
    assert_eq!(
        armed(&fx),
        vec![(EffectTimer::FollowerTimeout, 1000 + 10 * 2000)]
    );
    assert_eq!(srv.following().map(|f| f.leader), Some(0));
}

// ----- Leader and LearnerHandler (leader.rs) -----

/// `LearnerHandler` on FOLLOWERINFO: a handler with the world's next id (named for the
/// learner), NEWLEADER with a snapshot, and the socket's read timeout at initLimit ticks.
#[test]
fn learner_handler_follower_info_names_a_handler_and_sends_newleader() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.server(1);
    b.run(&mut srv, 0, Input::Lead { epoch: 1 });
    let info = Msg::FollowerInfo {
        last_zxid: 0,
        accepted_epoch: 0,
    };
    let fx = b.receive(&mut srv, 10, QUORUM_CONN, Node::Server(2), info);
    assert!(matches!(
        &fx[0],
        Effect::NameHandler { id: 2, name } if name == "LearnerHandler(s2)#2"
    ));
    assert_eq!(
        armed(&fx),
        vec![(EffectTimer::LearnerRead { handler_id: 2 }, 10 + 10 * 2000)]
    );
    assert!(matches!(
        sent(&fx)[..],
        [(QUORUM_CONN, Msg::NewLeader { epoch: 1, .. })]
    ));
}

/// `Leader.lead()`: every tickTime / 2 it pings each learner and sleeps again.
#[test]
fn leader_lead_pings_every_learner_each_half_tick() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    let fx = b.run(&mut srv, 1000, Input::Timer(Timer::LeaderTick));
    assert!(matches!(sent(&fx)[..], [(QUORUM_CONN, Msg::Ping { .. })]));
    assert_eq!(armed(&fx), vec![(EffectTimer::LeaderTick, 2000)]);
}

/// `Leader.lead()`'s quorum check: at a full tick with no learner heard within syncLimit, the
/// leader shuts down: its clients' connections close and it looks for a leader again.
#[test]
fn leader_lead_shuts_down_without_a_synced_quorum() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    if let Some(l) = srv.leading_mut() {
        l.half_ticks = 1;
    }
    let fx = b.run(&mut srv, 12_000, Input::Timer(Timer::LeaderTick));
    let said = lines(&fx);
    assert!(said[0].starts_with("Shutting down: Not sufficient followers synced"));
    assert!(said[0].ends_with("[ 1 ]"));
    assert_eq!(closed(&fx)[0], CLIENT_CONN);
    assert!(matches!(fx.last(), Some(Effect::LookAgain)));
    assert_eq!(srv.role(), Role::Looking);
}

/// `LearnerHandler` REVALIDATE: the leader touches the session and, when that succeeds, makes
/// this learner's handler its owner, then answers.
#[test]
fn learner_handler_revalidate_touches_and_takes_ownership() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    let clock = srv.tracker_clock_ms(b.version.profile(), &b.cfg, 0);
    let id = srv.tracker_mut().unwrap().create_session(30_000, clock);
    srv.tracker_mut().unwrap().add_session(id, 30_000, clock);
    let reval = Msg::Revalidate {
        session_id: id,
        timeout_ms: 30_000,
    };
    let fx = b.receive(&mut srv, 100, QUORUM_CONN, Node::Server(2), reval);
    assert!(traced(&fx).iter().any(|k| matches!(
        k,
        EventKind::OwnerChanged { to, .. } if to == "LearnerHandler(s2)#2"
    )));
    assert!(matches!(
        sent(&fx)[..],
        [(QUORUM_CONN, Msg::RevalidateReply { valid: true, .. })]
    ));
}

// ----- Leader.propose and the ACK quorum (commit.rs) -----

/// `Leader.propose` then `tryToCommit`: a write goes to every learner as a PROPOSAL; with
/// the learner's ACK a quorum has it, so COMMIT goes out and the leader answers its client.
#[test]
fn leader_propose_commits_on_a_quorum_of_acks() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    let fx = b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, connect(0, 30_000));
    assert!(matches!(
        sent(&fx)[..],
        [(QUORUM_CONN, Msg::Proposal { .. })]
    ));
    let zxid = srv
        .leading()
        .unwrap()
        .proposals
        .keys()
        .next()
        .copied()
        .unwrap();
    let fx = b.receive(&mut srv, 2, QUORUM_CONN, Node::Server(2), Msg::Ack { zxid });
    let out = sent(&fx);
    assert!(matches!(out[0], (QUORUM_CONN, Msg::Commit { zxid: z }) if *z == zxid));
    assert!(matches!(
        out[1],
        (
            CLIENT_CONN,
            Msg::ConnectResponse {
                timeout_ms: 30_000,
                ..
            }
        )
    ));
    assert!(srv.leading().unwrap().proposals.is_empty());
}

// ----- NIOServerCnxn and ZooKeeperServer (cnxn.rs) -----

/// `ZooKeeperServer.processConnectRequest` with session id 0: the negotiated timeout is
/// clamped to maxSessionTimeout, `createSession` mints an id (a record for the report), and
/// `finishSessionInit` answers with the id and its password.
#[test]
fn zookeeper_server_process_connect_request_creates_a_session() {
    let b = Bench::new(Version::V3_6, 1);
    let mut srv = b.standalone();
    let fx = b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, connect(0, 90_000));
    let id = srv.cnxns[&CLIENT_CONN].session_id;
    assert_eq!(
        notes(&fx),
        vec![(id, SessionNote::Minted { timeout_ms: 40_000 })]
    );
    let reply = sent(&fx);
    assert!(matches!(
        reply[..],
        [(CLIENT_CONN, Msg::ConnectResponse { timeout_ms: 40_000, session_id, passwd })]
            if *session_id == id && *passwd == generate_password(id)
    ));
    assert!(
        traced(&fx)
            .iter()
            .any(|k| matches!(k, EventKind::SessionEstablished { .. }))
    );
}

/// `ZooKeeperServer.processConnectRequest`: a client that has seen a newer zxid than this
/// server applied is refused, its connection closed.
#[test]
fn zookeeper_server_process_connect_request_refuses_a_client_ahead_of_it() {
    let b = Bench::new(Version::V3_6, 1);
    let mut srv = b.standalone();
    let ahead = Msg::Connect {
        last_zxid_seen: 0x5_0000_0001,
        timeout_ms: 30_000,
        session_id: 0,
        passwd: [0; 16],
    };
    let fx = b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, ahead);
    assert!(lines(&fx)[0].starts_with("Refusing session request for client /127.0.0.1:40007"));
    assert_eq!(closed(&fx), vec![CLIENT_CONN]);
    assert!(sent(&fx).is_empty() && srv.cnxns.is_empty());
}

/// `NIOServerCnxn`: a server that is not serving (a learner still syncing) closes a client's
/// connection ("ZooKeeperServer not running").
#[test]
fn nio_server_cnxn_closes_clients_while_not_serving() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.server(2);
    b.run(&mut srv, 0, Input::Follow { leader: 0 });
    b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, Msg::Syn);
    let fx = b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, connect(0, 30_000));
    assert!(lines(&fx)[0].ends_with("ZooKeeperServer not running"));
    assert_eq!(closed(&fx), vec![CLIENT_CONN]);
}

/// `ZooKeeperServer.reopenSession` with a wrong password: `finishSessionInit(false)` answers
/// timeout 0, session 0, and the connection closes.
#[test]
fn zookeeper_server_reopen_session_with_a_bad_password_is_invalid() {
    let b = Bench::new(Version::V3_6, 1);
    let (mut srv, id) = b.established(30_000);
    b.receive(&mut srv, 0, 8, CLIENT, Msg::Syn);
    let bad = Msg::Connect {
        last_zxid_seen: 0,
        timeout_ms: 30_000,
        session_id: id,
        passwd: [1; 16],
    };
    let fx = b.receive(&mut srv, 100, 8, CLIENT, bad);
    assert!(matches!(
        sent(&fx)[..],
        [(
            8,
            Msg::ConnectResponse {
                timeout_ms: 0,
                session_id: 0,
                ..
            }
        )]
    ));
    assert!(lines(&fx).iter().any(|l| l.starts_with("Invalid session")));
    assert!(closed(&fx).contains(&8));
}

/// `Learner.validateSession`: a follower cannot judge a session, so a renewal parks the
/// connection and asks the leader (REVALIDATE); the leader's answer finishes the setup.
#[test]
fn learner_validate_session_asks_the_leader_and_finishes_on_its_answer() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.follower();
    let id = 0x0100_0000_0000_0001;
    let fx = b.receive(&mut srv, 10, CLIENT_CONN, CLIENT, connect(id, 30_000));
    assert_eq!(
        lines(&fx).last(),
        Some(&"Revalidating client: 0x100000000000001")
    );
    assert!(matches!(
        sent(&fx)[..],
        [(QUORUM_CONN, Msg::Revalidate { session_id, timeout_ms: 30_000 })] if *session_id == id
    ));
    let answer = Msg::RevalidateReply {
        session_id: id,
        valid: true,
    };
    let fx = b.receive(&mut srv, 20, QUORUM_CONN, Node::Server(1), answer);
    assert!(matches!(
        sent(&fx)[..],
        [(CLIENT_CONN, Msg::ConnectResponse { timeout_ms: 30_000, session_id, .. })] if *session_id == id
    ));
    assert_eq!(srv.cnxns[&CLIENT_CONN].state, CnxnState::Established);
}

/// `NIOServerCnxn.disableRecv`: a client's end of stream during session setup waits unread,
/// and `finishSessionInit`'s `enableRecv` then reads it and closes the connection.
#[test]
fn nio_server_cnxn_reads_an_end_of_stream_only_after_finish_session_init() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.follower();
    let id = 0x0100_0000_0000_0001;
    b.receive(&mut srv, 10, CLIENT_CONN, CLIENT, connect(id, 30_000));
    let fx = b.receive(&mut srv, 11, CLIENT_CONN, CLIENT, Msg::Fin);
    assert!(closed(&fx).is_empty() && srv.cnxns[&CLIENT_CONN].eof_unread);
    let answer = Msg::RevalidateReply {
        session_id: id,
        valid: true,
    };
    let fx = b.receive(&mut srv, 20, QUORUM_CONN, Node::Server(1), answer);
    assert!(matches!(
        sent(&fx)[0],
        (CLIENT_CONN, Msg::ConnectResponse { .. })
    ));
    assert_eq!(closed(&fx), vec![CLIENT_CONN]);
    assert!(srv.cnxns.is_empty());
}

// ----- SessionTrackerImpl (session_tracker.rs) -----

/// `SessionTrackerImpl.touchSession`: every packet touches its session, moving it to a later
/// expiry bucket (ExpiryQueue.update on 3.5+).
#[test]
fn session_tracker_impl_touch_session_moves_the_bucket() {
    let b = Bench::new(Version::V3_6, 1);
    let (mut srv, id) = b.established(30_000);
    let before = srv.tracker().unwrap().get(id).unwrap().expires_at_ms;
    let fx = b.receive(
        &mut srv,
        9000,
        CLIENT_CONN,
        CLIENT,
        request(1, ClientRequest::Ping),
    );
    let after = srv.tracker().unwrap().get(id).unwrap().expires_at_ms;
    assert!(after > before);
    assert!(matches!(
        traced(&fx)[0],
        EventKind::BucketMoved { session, from_ms, to_ms } if *session == id && *from_ms == before && Some(*to_ms) == after
    ));
    assert!(matches!(
        sent(&fx)[..],
        [(CLIENT_CONN, Msg::Reply { xid: 1, .. })]
    ));
}

/// `ZooKeeperServer.submitRequest`: a packet for a session the tracker no longer has (expired
/// and removed) is dropped, with no reply.
#[test]
fn zookeeper_server_submit_request_drops_a_request_of_a_missing_session() {
    let b = Bench::new(Version::V3_4_6, 1);
    let (mut srv, id) = b.established(30_000);
    srv.tracker_mut().unwrap().remove_session(id);
    let fx = b.receive(
        &mut srv,
        100,
        CLIENT_CONN,
        CLIENT,
        request(1, ClientRequest::Ping),
    );
    assert!(lines(&fx)[0].starts_with("Dropping request: No session with sessionid"));
    assert!(sent(&fx).is_empty());
}

/// `SessionTrackerImpl.run`: when the expirer wakes past a session's bucket it expires the
/// session (its record marked), then Prep's closeSession runs and the connection closes with
/// the session, and the expirer sleeps until the next bucket.
#[test]
fn session_tracker_impl_run_expires_a_silent_session_and_closes_its_connection() {
    let b = Bench::new(Version::V3_6, 1);
    let (mut srv, id) = b.established(4000);
    let due = srv.deadline_ms(Timer::TrackerWake).unwrap();
    let fx = b.with(&mut srv, 8000, |srv, cx| {
        srv.arm(cx, Timer::TrackerWake, 8000)
    });
    assert_eq!(armed(&fx), vec![(EffectTimer::TrackerWake, 8000)]);
    assert!(due <= 8000);
    let fx = b.run(&mut srv, 8000, Input::Timer(Timer::TrackerWake));
    assert_eq!(
        notes(&fx),
        vec![
            (id, SessionNote::Expired),
            (id, SessionNote::Closing),
            (id, SessionNote::Closed)
        ]
    );
    assert!(lines(&fx)[0].starts_with("Expiring session"));
    assert_eq!(closed(&fx), vec![CLIENT_CONN]);
    assert!(matches!(armed(&fx)[..], [(EffectTimer::TrackerWake, t)] if t > 8000));
    assert!(srv.db_sessions.is_empty());
}

// ----- PrepRequestProcessor and FinalRequestProcessor (prep.rs, final_processor.rs) -----

/// `ZOOKEEPER-710`: a request on a connection that does not own its session (another server's
/// LearnerHandler does) fails checkSession with SessionMoved, and FinalRequestProcessor closes
/// the connection without a reply.
#[test]
fn zookeeper_710_session_moved_closes_the_connection_without_a_reply() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.leader();
    let clock = srv.tracker_clock_ms(b.version.profile(), &b.cfg, 0);
    let t = srv.tracker_mut().unwrap();
    let id = t.create_session(30_000, clock);
    t.add_session(id, 30_000, clock);
    t.set_owner(id, Some(Owner::Handler(2))).unwrap();
    let c = srv.cnxns.get_mut(&CLIENT_CONN).unwrap();
    c.session_id = id;
    c.timeout_ms = 30_000;
    c.state = CnxnState::Established;
    let fx = b.receive(
        &mut srv,
        100,
        CLIENT_CONN,
        CLIENT,
        request(1, ClientRequest::Exists("/a".into())),
    );
    assert!(
        traced(&fx)
            .iter()
            .any(|k| matches!(k, EventKind::SessionMoved { session, .. } if *session == id))
    );
    assert!(sent(&fx).is_empty());
    assert_eq!(closed(&fx), vec![CLIENT_CONN]);
}

/// `FinalRequestProcessor` answers a connection's requests in the order they came, whatever
/// order they finished in: a read queued behind a write waits for the write's commit.
#[test]
fn final_request_processor_replies_in_order_per_connection() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.follower();
    let id = 0x0100_0000_0000_0001;
    b.receive(&mut srv, 0, CLIENT_CONN, CLIENT, connect(id, 30_000));
    let answer = Msg::RevalidateReply {
        session_id: id,
        valid: true,
    };
    b.receive(&mut srv, 0, QUORUM_CONN, Node::Server(1), answer);
    let fx = b.receive(&mut srv, 10, CLIENT_CONN, CLIENT, request(1, set_data("/")));
    assert!(matches!(
        sent(&fx)[..],
        [(QUORUM_CONN, Msg::LearnerRequest { cxid: 1, .. })]
    ));
    let fx = b.receive(
        &mut srv,
        11,
        CLIENT_CONN,
        CLIENT,
        request(2, ClientRequest::Exists("/".into())),
    );
    assert!(sent(&fx).is_empty(), "the read waits behind the write");
    let hdr = TxnHeader {
        session_id: id,
        cxid: 1,
        zxid: 0x1_0000_0001,
        time_ms: 0,
    };
    let txn = Txn::Error {
        code: codes::BADVERSION,
    };
    let leader = Node::Server(1);
    b.receive(
        &mut srv,
        20,
        QUORUM_CONN,
        leader.clone(),
        Msg::Proposal { hdr, txn },
    );
    let fx = b.receive(
        &mut srv,
        21,
        QUORUM_CONN,
        leader,
        Msg::Commit { zxid: hdr.zxid },
    );
    let xids: Vec<i32> = sent(&fx)
        .iter()
        .filter_map(|(c, m)| match m {
            Msg::Reply { xid, .. } if *c == CLIENT_CONN => Some(*xid),
            _ => None,
        })
        .collect();
    assert_eq!(xids, vec![1, 2]);
}

// ----- Learner / Follower (learner.rs) -----

/// `Learner`'s read timeout: a follower that heard nothing from its leader for syncLimit ticks
/// gives up ("Read timed out"), drops its sockets and looks for a leader.
#[test]
fn follower_read_timed_out_after_sync_limit_goes_looking() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.follower();
    let fx = b.run(&mut srv, 10_000, Input::Timer(Timer::FollowerTimeout));
    assert!(lines(&fx)[0].ends_with("SocketTimeoutException: Read timed out"));
    assert!(fx.iter().any(|e| matches!(e, Effect::CloseAll)));
    assert!(matches!(fx.last(), Some(Effect::LookAgain)));
    assert_eq!(srv.role(), Role::Looking);
}

/// The same timer due while the leader was heard from since: re-armed from the last packet,
/// never early (`sock.setSoTimeout` restarts with each read).
#[test]
fn follower_read_timeout_rearms_from_the_last_packet_heard() {
    let b = Bench::new(Version::V3_6, 3);
    let mut srv = b.follower();
    let ping = Msg::Ping {
        touches: Vec::new(),
    };
    let fx = b.receive(&mut srv, 4000, QUORUM_CONN, Node::Server(1), ping);
    assert!(matches!(sent(&fx)[..], [(QUORUM_CONN, Msg::Ping { .. })]));
    let fx = b.run(&mut srv, 10_000, Input::Timer(Timer::FollowerTimeout));
    assert_eq!(armed(&fx), vec![(EffectTimer::FollowerTimeout, 14_000)]);
    assert!(lines(&fx).is_empty());
}

/// `ZOOKEEPER-915`: a learner's sync goes to `Leader.processSync` whatever Prep's
/// checkSession found, so the leader answers SYNC even for a session it does not know (3.4
/// logs Prep's user-level error first).
#[test]
fn zookeeper_915_the_leader_answers_a_learner_sync_whatever_prep_found() {
    let b = Bench::new(Version::V3_4_6, 3);
    let mut srv = b.leader();
    let sync = Msg::LearnerRequest {
        session_id: 0x0200_0000_0000_0001,
        cxid: 4,
        req: ClientRequest::Sync("/".into()),
    };
    let fx = b.receive(&mut srv, 100, QUORUM_CONN, Node::Server(2), sync);
    assert!(lines(&fx)[0].starts_with("Got user-level KeeperException when processing"));
    assert!(matches!(
        sent(&fx)[..],
        [(
            QUORUM_CONN,
            Msg::Sync {
                session_id: 0x0200_0000_0000_0001,
                cxid: 4
            }
        )]
    ));
}

/// A wall-clock jump (`System.currentTimeMillis` moving) shifts the server's wall clock and
/// nothing else: it is logged, and no timer moves with it.
#[test]
fn a_wall_clock_jump_moves_the_wall_clock_only() {
    let b = Bench::new(Version::V3_6, 1);
    let mut srv = b.standalone();
    let before = srv.wall_ms(&b.cfg, 0);
    let fx = b.run(&mut srv, 0, Input::ClockJump { by_ms: -60_000 });
    assert_eq!(srv.wall_ms(&b.cfg, 0), before - 60_000);
    assert_eq!(srv.elapsed_ms(0), 0);
    assert_eq!(lines(&fx), vec!["wall clock jumped by -60000 ms"]);
    assert!(armed(&fx).is_empty());
}
