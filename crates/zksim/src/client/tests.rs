//! The client's handlers in isolation: a `Client` in a chosen state, one input at a chosen
//! time, and the effects it returns, in order. No world, no network, no queue: each test pins
//! the Java behaviour its name gives (`ClientCnxn.SendThread.run`, `onConnected`,
//! `StaticHostProvider`, the JIRAs) as the list of things the client asks for.

use super::*;
use crate::profile::Version;

const CONN: ConnId = 7;

/// A handle made by `new ZooKeeper(...)` for one server (s1), session timeout 3000 ms.
fn handle(version: Version) -> Client {
    let spec = ClientSpec {
        name: "app".into(),
        servers: vec![1],
        session_timeout_ms: 3000,
        version: Some(version),
    };
    let mut cl = Client::new(0, &spec, 1);
    cl.handles = 1;
    cl.hosts = vec![1];
    cl.state = ClientState::Connecting;
    cl.phase = Phase::NeedConnect;
    cl.read_timeout_ms = 2000;
    cl.connect_timeout_ms = 3000;
    cl.expiration_timeout_ms = 4000;
    cl
}

/// A handle connected to s1 at time 0 with session 0x1234 (negotiated 3000 ms).
fn connected(version: Version) -> Client {
    let mut cl = handle(version);
    cl.state = ClientState::Connected;
    cl.phase = Phase::Connected;
    cl.conn = Some(CONN);
    cl.server = Some(1);
    cl.session_id = 0x1234;
    cl.negotiated_timeout_ms = 3000;
    cl.is_first_connect = false;
    cl.current_index = 0;
    cl.last_index = 0;
    cl.last_event = "SyncConnected";
    cl
}

fn cx(version: Version, now_ms: u64) -> Cx {
    Cx {
        now_ms,
        profile: version.profile(),
        seed: 1,
        next_conn: 100,
        next_op: 0,
        out: Outbox::new(Vec::new(), true),
    }
}

fn run(cl: &mut Client, version: Version, now_ms: u64, input: Input) -> Vec<Effect> {
    let mut cx = cx(version, now_ms);
    cl.handle(&mut cx, input);
    cx.out.into_effects()
}

fn sent(effects: &[Effect]) -> Vec<&Msg> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { msg, .. } => Some(msg),
            _ => None,
        })
        .collect()
}

fn wakes(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ArmTimer {
                timer: Timer::ClientWake,
                at_ms,
            } => Some(*at_ms),
            _ => None,
        })
        .collect()
}

/// The watcher events and state changes traced, in order (`Expired`, `CLOSED`, ...).
fn client_trace(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Trace {
                kind: EventKind::ClientEvent { event },
                ..
            } => Some(*event),
            Effect::Trace {
                kind: EventKind::ClientState { state },
                ..
            } => Some(*state),
            _ => None,
        })
        .collect()
}

fn log_texts(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Trace {
                texts: Some(Texts { line: Some(l), .. }),
                ..
            } => Some(l.text.as_str()),
            _ => None,
        })
        .collect()
}

fn finished(effects: &[Effect]) -> Vec<(usize, Code)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpFinished { op, code, .. } => Some((*op, *code)),
            _ => None,
        })
        .collect()
}

// ----- send_thread.rs -----

#[test]
fn send_thread_run_pings_an_idle_connection_every_half_read_timeout_on_3_4_6_and_later() {
    // ClientCnxn.SendThread.run: timeToNextPing = readTimeout/2 - idleSend (ZOOKEEPER-1751's
    // slack only when something else wakes the loop). readTimeout 2000: a ping at 1000 ms.
    for version in [Version::V3_4_6, Version::V3_6, Version::V3_9_3] {
        let mut cl = connected(version);
        cl.last_heard_ms = 900;
        let effects = run(&mut cl, version, 1000, Input::Wake);
        assert!(
            matches!(
                sent(&effects).as_slice(),
                [Msg::Request {
                    xid: -2,
                    req: ClientRequest::Ping
                }]
            ),
            "{version:?}"
        );
        assert_eq!(cl.last_ping_sent_ms, 1000);
        // The next wait: the read deadline (900 + 2000) or the next ping (1000 + 1000).
        assert_eq!(wakes(&effects), vec![2000], "{version:?}");
    }
}

#[test]
fn send_thread_run_waits_without_pinging_before_half_the_read_timeout() {
    // SendThread.run: timeToNextPing > 0, so no ping; doTransport(to) waits for it.
    let mut cl = connected(Version::V3_6);
    cl.last_send_ms = 400;
    let effects = run(&mut cl, Version::V3_6, 1000, Input::Wake);
    assert!(sent(&effects).is_empty());
    assert_eq!(wakes(&effects), vec![1400]);
}

#[test]
fn send_thread_run_times_out_connecting_after_the_connect_timeout() {
    // SendThread.run: `to = connectTimeout - idleRecv` while not connected; at 0 it throws
    // SessionTimeoutException (3.4-3.9.2), the catch block closes the socket and reconnects.
    let mut cl = handle(Version::V3_6);
    cl.phase = Phase::TcpConnecting;
    cl.conn = Some(CONN);
    cl.server = Some(1);
    let effects = run(&mut cl, Version::V3_6, 3000, Input::Wake);
    let texts = log_texts(&effects);
    assert!(
        texts.iter().any(|t| t.ends_with(
            "ClientCnxn$SessionTimeoutException: Client session timed out, have not heard from server in 3000ms for session id 0x0"
        )),
        "{texts:?}"
    );
    let close = effects
        .iter()
        .position(|e| matches!(e, Effect::Close { conn: CONN }));
    // Never connected yet, so no sleep: the next host at once, on a new connection.
    let open = effects
        .iter()
        .position(|e| matches!(e, Effect::Open { conn: 100, .. }));
    assert!(close.is_some() && close < open, "{effects:?}");
    assert!(!client_trace(&effects).contains(&"Expired"));
    assert_eq!(cl.conn, Some(100));
}

#[test]
fn client_cnxn_sleeps_a_random_0_to_999_ms_before_every_reconnect() {
    // ClientCnxn.SendThread.run: `Thread.sleep(r.nextInt(1000))` before each reconnect (not
    // before the first connect ever).
    let mut seen = Vec::new();
    for seed in 0..20 {
        let mut cl = handle(Version::V3_6);
        cl.rng = Rng::for_entity(seed, "app");
        cl.is_first_connect = false;
        let effects = run(&mut cl, Version::V3_6, 5000, Input::Resume);
        let at = wakes(&effects);
        assert_eq!(at.len(), 1);
        assert!((5000..5000 + 1000).contains(&at[0]), "{at:?}");
        assert!(matches!(
            cl.phase,
            Phase::Sleeping {
                then_host: None,
                ..
            }
        ));
        assert!(effects.iter().all(|e| !matches!(e, Effect::Open { .. })));
        seen.push(at[0]);
    }
    seen.dedup();
    assert!(seen.len() > 1, "the sleep is drawn, not fixed: {seen:?}");
}

#[test]
fn the_first_connect_of_a_handle_opens_the_socket_at_once() {
    // No sleep before the first connect; startConnect logs the host and sends the SYN on the
    // connection the world will number next.
    let mut cl = handle(Version::V3_6);
    let effects = run(&mut cl, Version::V3_6, 0, Input::Resume);
    let open = effects.iter().position(|e| {
        matches!(
            e,
            Effect::Open {
                conn: 100,
                to: Node::Server(1),
                ..
            }
        )
    });
    let syn = effects.iter().position(|e| {
        matches!(
            e,
            Effect::Send {
                conn: 100,
                msg: Msg::Syn
            }
        )
    });
    assert!(
        open.is_some() && open < syn,
        "Open comes before the SYN on it"
    );
    assert_eq!(
        log_texts(&effects)[0],
        "Opening socket connection to server localhost/127.0.0.1:2181."
    );
    assert_eq!(wakes(&effects), vec![3000], "the connect timeout");
}

#[test]
fn static_host_provider_spins_1000_ms_when_it_comes_round() {
    // StaticHostProvider.next(spinDelay): back at the host last connected to, it sleeps 1000 ms
    // before handing it out; the socket opens only then.
    let mut cl = connected(Version::V3_6);
    cl.phase = Phase::Sleeping {
        until_ms: 5000,
        then_host: None,
    };
    cl.conn = None;
    let effects = run(&mut cl, Version::V3_6, 5000, Input::Wake);
    assert_eq!(wakes(&effects), vec![6000]);
    assert!(effects.iter().all(|e| !matches!(e, Effect::Open { .. })));
    let effects = run(&mut cl, Version::V3_6, 6000, Input::Wake);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Open { conn: 100, .. }))
    );
}

#[test]
fn zookeeper_4508_a_3_9_3_client_expires_its_own_session() {
    // ZOOKEEPER-4508 (3.9.3): nothing heard for expirationTimeout (4/3 of the timeout) while
    // reconnecting: CLOSED and Expired with no server involved; pending calls SESSIONEXPIRED.
    let mut cl = connected(Version::V3_9_3);
    cl.phase = Phase::TcpConnecting;
    cl.state = ClientState::Connecting;
    cl.outgoing.push_back(Packet {
        xid: 0,
        op: 3,
        req: ClientRequest::Exists("/a".into()),
        recipe: None,
    });
    let effects = run(&mut cl, Version::V3_9_3, 4000, Input::Wake);
    assert_eq!(client_trace(&effects), vec!["CLOSED", "Expired"]);
    assert_eq!(finished(&effects), vec![(3, codes::SESSIONEXPIRED)]);
    assert!(log_texts(&effects)[0].starts_with(
        "Client session timed out, have not heard from server in 4000ms for session id 0x"
    ));
    assert!(matches!(
        effects
            .iter()
            .rev()
            .find(|e| matches!(e, Effect::StopTimer { .. })),
        Some(Effect::StopTimer {
            timer: Timer::ClientWake
        })
    ));
    // The same silence on 3.6 is only a connect timeout.
    let mut cl = connected(Version::V3_6);
    cl.phase = Phase::TcpConnecting;
    let effects = run(&mut cl, Version::V3_6, 4000, Input::Wake);
    assert!(!client_trace(&effects).contains(&"Expired"));
}

// ----- read_response.rs -----

#[test]
fn send_thread_on_connected_with_timeout_0_gives_expired_and_closed() {
    // SendThread.onConnected: negotiatedSessionTimeout <= 0 means the session is gone: state
    // CLOSED, Expired to the watcher, SessionExpiredException; no Closed event follows.
    let mut cl = handle(Version::V3_6);
    cl.phase = Phase::AwaitingSession;
    cl.conn = Some(CONN);
    cl.server = Some(1);
    let effects = run(
        &mut cl,
        Version::V3_6,
        500,
        Input::Receive {
            conn: CONN,
            msg: Msg::ConnectResponse {
                timeout_ms: 0,
                session_id: 0,
                passwd: [0; 16],
            },
        },
    );
    assert_eq!(client_trace(&effects), vec!["CLOSED", "Expired"]);
    assert_eq!(cl.negotiated_timeout_ms, 0);
    assert_eq!(cl.phase, Phase::Idle);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Close { conn: CONN }))
    );
    assert!(
        log_texts(&effects)
            .iter()
            .any(|t| t.contains("SessionExpiredException"))
    );
}

#[test]
fn send_thread_on_connected_sets_read_timeout_to_two_thirds_and_flushes_queued_calls() {
    // SendThread.onConnected: readTimeout = negotiated * 2/3, connectTimeout = negotiated / hosts;
    // SyncConnected, then the packets queued while connecting go out.
    let mut cl = handle(Version::V3_6);
    cl.phase = Phase::AwaitingSession;
    cl.conn = Some(CONN);
    cl.server = Some(1);
    cl.outgoing.push_back(Packet {
        xid: 0,
        op: 0,
        req: ClientRequest::Exists("/a".into()),
        recipe: None,
    });
    let effects = run(
        &mut cl,
        Version::V3_6,
        500,
        Input::Receive {
            conn: CONN,
            msg: Msg::ConnectResponse {
                timeout_ms: 6000,
                session_id: 0x99,
                passwd: [1; 16],
            },
        },
    );
    assert_eq!(client_trace(&effects), vec!["CONNECTED", "SyncConnected"]);
    assert_eq!((cl.read_timeout_ms, cl.connect_timeout_ms), (4000, 6000));
    assert!(matches!(
        sent(&effects).as_slice(),
        [Msg::Request {
            xid: 1,
            req: ClientRequest::Exists(path)
        }] if path == "/a"
    ));
}

#[test]
fn read_response_resets_the_connection_on_an_xid_out_of_order() {
    // SendThread.readResponse: "Xid out of order" is an IOException: the catch block closes the
    // socket and every pending call gets ConnectionLoss.
    let mut cl = connected(Version::V3_6);
    cl.pending.push_back(Packet {
        xid: 5,
        op: 2,
        req: ClientRequest::GetData("/a".into()),
        recipe: None,
    });
    let effects = run(
        &mut cl,
        Version::V3_6,
        100,
        Input::Receive {
            conn: CONN,
            msg: Msg::Reply {
                xid: 6,
                zxid: 0,
                err: codes::OK,
                body: ReplyBody::None,
            },
        },
    );
    assert!(
        log_texts(&effects)[0].ends_with("Xid out of order. Got Xid 6 with err 0 expected Xid 5")
    );
    assert_eq!(finished(&effects), vec![(2, codes::CONNECTIONLOSS)]);
    assert_eq!(client_trace(&effects), vec!["Disconnected"]);
}

// ----- catch.rs -----

#[test]
fn cleanup_fails_pending_calls_with_connection_loss_on_end_of_stream() {
    // ClientCnxn.cleanup after EndOfStreamException: pending and queued packets fail with
    // CONNECTIONLOSS (-4), Disconnected is queued, the loop sleeps before reconnecting.
    let mut cl = connected(Version::V3_4_14);
    cl.pending.push_back(Packet {
        xid: 1,
        op: 0,
        req: ClientRequest::Exists("/a".into()),
        recipe: None,
    });
    cl.outgoing.push_back(Packet {
        xid: 0,
        op: 1,
        req: ClientRequest::Exists("/b".into()),
        recipe: None,
    });
    let effects = run(
        &mut cl,
        Version::V3_4_14,
        100,
        Input::Receive {
            conn: CONN,
            msg: Msg::Fin,
        },
    );
    assert!(log_texts(&effects)[0].ends_with(
        "likely server has closed socket, closing socket connection and attempting reconnect"
    ));
    assert_eq!(
        finished(&effects),
        vec![(0, codes::CONNECTIONLOSS), (1, codes::CONNECTIONLOSS)]
    );
    assert_eq!(client_trace(&effects), vec!["Disconnected"]);
    assert_eq!(wakes(&effects).len(), 1, "the random reconnect sleep");
}

// ----- zookeeper.rs -----

#[test]
fn zookeeper_3_4_close_while_disconnected_gives_up_with_connection_loss() {
    // 3.4.x SendThread.run checks `closing` only after the random reconnect sleep: a close()
    // called while disconnected never sends closeSession; cleanup() fails it with
    // CONNECTIONLOSS and disconnect() makes the handle CLOSED.
    let v = Version::V3_4_6;
    let mut cl = handle(v);
    cl.is_first_connect = false;
    cl.phase = Phase::Sleeping {
        until_ms: 800,
        then_host: None,
    };
    let effects = run(
        &mut cl,
        v,
        500,
        Input::Action {
            kind: ActionKind::Close {
                client: "app".into(),
            },
            reuse: None,
        },
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::OpStarted {
            op: 0,
            name: "close",
            ..
        }]
    ));
    assert!(cl.closing);
    let effects = run(&mut cl, v, 800, Input::Wake);
    assert_eq!(log_texts(&effects)[0], "SendThread exitedloop.");
    assert_eq!(finished(&effects), vec![(0, codes::CONNECTIONLOSS)]);
    assert_eq!(client_trace(&effects), vec!["CLOSED"]);
    assert!(
        sent(&effects).is_empty(),
        "no closeSession reaches a server"
    );
}

#[test]
fn zookeeper_calls_on_a_closed_handle_fail_with_session_expired() {
    // ClientCnxn.queuePacket on a dead state: the call fails at once with SESSIONEXPIRED (-112).
    let mut cl = handle(Version::V3_6);
    cl.state = ClientState::Closed;
    let effects = run(
        &mut cl,
        Version::V3_6,
        10,
        Input::Action {
            kind: ActionKind::GetData {
                client: "app".into(),
                path: "/a".into(),
            },
            reuse: None,
        },
    );
    assert_eq!(finished(&effects), vec![(0, codes::SESSIONEXPIRED)]);
    assert!(sent(&effects).is_empty());
}

#[test]
fn a_paused_process_holds_its_calls_until_it_resumes() {
    // A stop-the-world pause: the application's calls wait; the pause's end is a timer.
    let v = Version::V3_6;
    let mut cl = connected(v);
    let freeze = ActionKind::Freeze {
        client: "app".into(),
        for_ms: 700,
    };
    let effects = run(
        &mut cl,
        v,
        100,
        Input::Action {
            kind: freeze,
            reuse: None,
        },
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::ArmTimer {
            timer: Timer::ClientUnfreeze,
            at_ms: 800
        }
    )));
    let get = ActionKind::GetData {
        client: "app".into(),
        path: "/a".into(),
    };
    let effects = run(
        &mut cl,
        v,
        200,
        Input::Action {
            kind: get,
            reuse: None,
        },
    );
    assert!(effects.is_empty(), "nothing happens while paused");
    let mut cx = cx(v, 800);
    let held = cl.client_unfreeze(&mut cx);
    assert!(matches!(
        held.as_deref(),
        Some([ActionKind::GetData { .. }])
    ));
}

// ----- event_thread.rs -----

#[test]
fn event_thread_queue_event_delivers_a_repeated_state_once() {
    // EventThread.queueEvent drops a None-type event equal to the last one it queued.
    let mut cl = connected(Version::V3_6);
    let mut cx = cx(Version::V3_6, 0);
    cl.queue_event(&mut cx, "Disconnected");
    cl.queue_event(&mut cx, "Disconnected");
    cl.queue_event(&mut cx, "SyncConnected");
    let effects = cx.out.into_effects();
    assert_eq!(
        client_trace(&effects),
        vec!["Disconnected", "SyncConnected"]
    );
    assert_eq!(cl.events, vec!["Disconnected", "SyncConnected"]);
}

#[test]
fn a_hash_only_run_formats_no_texts() {
    // The benchmark's cost: with texts not kept, trace effects carry none.
    let mut cl = connected(Version::V3_6);
    let mut cx = cx(Version::V3_6, 1000);
    cx.out = Outbox::new(Vec::new(), false);
    cl.event_thread_shutdown(&mut cx);
    assert!(matches!(
        cx.out.effects(),
        [Effect::Trace { texts: None, .. }]
    ));
}
