//! `PrepRequestProcessor` on the leader (or a standalone server): each request is session
//! checked (`checkSession`: expired, or owned by another connection = SessionMoved) and turned
//! into a txn with the next zxid, or into an error txn; a multi checks every op and fails whole.

use super::*;

impl Server {
    pub(super) fn next_zxid(&mut self) -> Zxid {
        self.zxid_counter += 1;
        ((self.epoch as i64) << 32) | self.zxid_counter as i64
    }

    /// The leader's `PrepRequestProcessor` for one request.
    pub(crate) fn leader_submit(
        &mut self,
        cx: &mut Cx,
        origin: Origin,
        session: SessionId,
        cxid: i32,
        req: ClientRequest,
        owner: Option<Owner>,
    ) {
        match req {
            ClientRequest::Ping
            | ClientRequest::Exists(_)
            | ClientRequest::GetData(_)
            | ClientRequest::Sync(_) => self.prep_read(cx, origin, session, req, owner),
            ClientRequest::CreateSession { timeout_ms } => {
                self.prep_create_session(cx, origin, session, cxid, timeout_ms, owner)
            }
            ClientRequest::CloseSession => self.prep_close_session(cx, origin, session, cxid),
            ClientRequest::Write(op) => self.prep_write(cx, origin, session, cxid, op, owner),
            ClientRequest::Multi(ops) => self.prep_multi(cx, origin, session, cxid, ops, owner),
        }
    }

    /// `checkSession` as Prep calls it: with no owner (the expirer's closeSession, a
    /// createSession) nothing is checked; a session whose owner is null adopts the caller's.
    fn prep_check_session(
        &mut self,
        cx: &mut Cx,
        session: SessionId,
        owner: Option<Owner>,
    ) -> Result<(), CheckError> {
        let Some(o) = owner else {
            return Ok(());
        };
        let r = self
            .tracker_mut()
            .map(|t| t.check_session(session, o))
            .unwrap_or(Err(CheckError::Expired));
        if let Ok(crate::tracker::Check::Adopted) = r {
            let to = cx.owner_name(Some(o));
            cx.out.emit(
                EventKind::OwnerChanged {
                    session,
                    from: "null".into(),
                    to: to.clone(),
                    why: "checkSession adopted the caller's owner",
                },
                move |_| {
                    (
                        None,
                        format!(
                            "SessionTrackerImpl.checkSession: {} had owner null, so it adopts {to}.",
                            hex(session)
                        ),
                    )
                },
            );
        }
        r.map(|_| ())
    }

    /// A read, ping or sync: only the session is checked; the reply slot is served in order.
    fn prep_read(
        &mut self,
        cx: &mut Cx,
        origin: Origin,
        session: SessionId,
        req: ClientRequest,
        owner: Option<Owner>,
    ) {
        let Origin::Local { conn, xid } = origin else {
            return;
        };
        let checked = self.prep_check_session(cx, session, owner);
        if let Err(e) = &checked {
            // Prep's pRequest: checkSession for a read, ping or sync; the catch logs it
            // (no txn header, so no zxid).
            let err = KeeperError::new(e.client_code());
            self.log_user_error(cx, session, xid, None, &req, &err);
        }
        let state = match checked {
            Ok(()) => SlotState::Read,
            Err(CheckError::Moved { .. }) => {
                self.note_session_moved(cx, session, req.type_name(), None);
                SlotState::Moved
            }
            Err(e) => SlotState::Reply {
                zxid: self.last_zxid(),
                err: e.client_code(),
                body: ReplyBody::None,
            },
        };
        self.set_slot(conn, xid, state);
        self.flush_slots(cx, conn);
    }

    /// createSession: the tracker adds the session (a closing id makes an error txn).
    fn prep_create_session(
        &mut self,
        cx: &mut Cx,
        origin: Origin,
        session: SessionId,
        cxid: i32,
        timeout_ms: i32,
        owner: Option<Owner>,
    ) {
        let zxid = self.next_zxid();
        let clock = cx.tracker_clock_ms(self);
        let tracked = self
            .tracker_mut()
            .map(|t| t.add_session(session, timeout_ms, clock));
        if let Some(tr) = tracked {
            self.note_touch(cx, session, Some(tr.touch));
        }
        // setOwner throws SessionExpiredException for a closing session (an id already
        // expiring: a 3.4.5 collision with a dying session). Prep's catch turns the
        // createSession into an error txn. It consumes a zxid; by the time it commits, the
        // closeSession that made the id closing has committed before it and closed every
        // connection carrying the id (NIOServerCnxnFactory.closeSession), the new one
        // too, so no server answers it.
        let closing = self
            .tracker()
            .and_then(|t| t.get(session))
            .is_some_and(|e| e.closing);
        let txn = if closing {
            self.log_user_error(
                cx,
                session,
                cxid,
                Some(zxid),
                &ClientRequest::CreateSession { timeout_ms },
                &KeeperError::new(codes::SESSIONEXPIRED),
            );
            Txn::Error {
                code: codes::SESSIONEXPIRED,
            }
        } else {
            self.set_owner(cx, session, owner, "PrepRequestProcessor createSession");
            Txn::CreateSession { timeout_ms }
        };
        let hdr = self.txn_header(cx, session, cxid, zxid);
        self.propose(cx, hdr, txn, origin);
    }

    /// closeSession: no owner check; the session is marked closing and its ephemerals listed.
    fn prep_close_session(&mut self, cx: &mut Cx, origin: Origin, session: SessionId, cxid: i32) {
        let zxid = self.next_zxid();
        let paths = { self.prep.prep_close_session(&self.tree, session, zxid) };
        if let Some(t) = self.tracker_mut() {
            t.set_session_closing(session);
        }
        cx.out.session(session, SessionNote::Closing);
        if cx.profile.logs_processed_termination {
            cx.out.log(
                EventKind::Note,
                Level::Info,
                "PrepRequestProcessor",
                || format!("Processed session termination for sessionid: {}", hex(session)),
                || "Prep closeSession: no owner check (the expirer is not the owner); the session is marked closing and its ephemerals listed.".into(),
            );
        }
        let txn = Txn::CloseSession {
            paths: cx.profile.close_session_txn_lists_paths.then_some(paths),
        };
        let hdr = self.txn_header(cx, session, cxid, zxid);
        self.propose(cx, hdr, txn, origin);
    }

    /// A single write: the session check, then the op's own checks; either failure is an
    /// error txn.
    fn prep_write(
        &mut self,
        cx: &mut Cx,
        origin: Origin,
        session: SessionId,
        cxid: i32,
        op: crate::datatree::Op,
        owner: Option<Owner>,
    ) {
        let zxid = self.next_zxid();
        let txn = match self.prep_check_session(cx, session, owner) {
            Err(e) => {
                if let CheckError::Moved { .. } = e {
                    self.note_session_moved(cx, session, req_type(&op), Some(zxid));
                }
                let logged = ClientRequest::Write(op.clone());
                self.log_user_error(
                    cx,
                    session,
                    cxid,
                    Some(zxid),
                    &logged,
                    &KeeperError::new(e.client_code()),
                );
                Txn::Error {
                    code: e.client_code(),
                }
            }
            Ok(()) => match self.prep.prep_op(&self.tree, session, zxid, &op) {
                Ok(t) => t,
                Err(e) => {
                    let logged = ClientRequest::Write(op.clone());
                    self.log_user_error(cx, session, cxid, Some(zxid), &logged, &e);
                    Txn::Error { code: e.code }
                }
            },
        };
        let hdr = self.txn_header(cx, session, cxid, zxid);
        self.propose(cx, hdr, txn, origin);
    }

    /// A multi: every op checked; a session error (SessionMoved: ZOOKEEPER-2886) fails them all.
    fn prep_multi(
        &mut self,
        cx: &mut Cx,
        origin: Origin,
        session: SessionId,
        cxid: i32,
        ops: Vec<crate::datatree::Op>,
        owner: Option<Owner>,
    ) {
        let zxid = self.next_zxid();
        let session_error = match self.prep_check_session(cx, session, owner) {
            Err(e) => {
                if let CheckError::Moved { .. } = e {
                    self.note_session_moved(cx, session, "multi", Some(zxid));
                }
                Some(e.client_code())
            }
            Ok(()) => None,
        };
        let (txn, failed) = {
            self.prep
                .prep_multi(&self.tree, session, zxid, &ops, session_error)
        };
        if let Some(e) = failed {
            let logged = ClientRequest::Multi(ops);
            self.log_user_error(cx, session, cxid, Some(zxid), &logged, &e);
        }
        let hdr = self.txn_header(cx, session, cxid, zxid);
        self.propose(cx, hdr, txn, origin);
    }

    pub(super) fn txn_header(
        &self,
        cx: &Cx,
        session: SessionId,
        cxid: i32,
        zxid: Zxid,
    ) -> TxnHeader {
        TxnHeader {
            session_id: session,
            cxid,
            zxid,
            time_ms: cx.wall_ms(self),
        }
    }

    pub(super) fn note_session_moved(
        &mut self,
        cx: &mut Cx,
        session: SessionId,
        op: &str,
        zxid: Option<Zxid>,
    ) {
        let owner = self
            .tracker()
            .and_then(|t| t.get(session))
            .and_then(|e| e.owner);
        let owner_name = cx.owner_name(owner);
        let op = op.to_string();
        cx.out.emit(
            EventKind::SessionMoved {
                session,
                op: op.clone(),
            },
            move |_| {
                (
                    None,
                    format!(
                        "PrepRequestProcessor: checkSession({}) threw SessionMovedException for {op}: \
                         the owner is {owner_name}, not the connection that sent it{}.",
                        hex(session),
                        if zxid.is_some() {
                            "; the error txn is still proposed and consumes a zxid"
                        } else {
                            ""
                        }
                    ),
                )
            },
        );
    }

    /// Prep's INFO "Got user-level KeeperException when processing <Request.toString()> ...":
    /// 3.4 through 3.5.4 log every user-level error; 3.5.5+ only codes above APIERROR (-100).
    /// `req` is what `Request.toString` names and reads its `reqpath:` from.
    pub(super) fn log_user_error(
        &mut self,
        cx: &mut Cx,
        session: SessionId,
        cxid: i32,
        zxid: Option<Zxid>,
        req: &ClientRequest,
        err: &KeeperError,
    ) {
        if !cx.profile.logs_user_level_session_moved && err.code <= codes::APIERROR {
            return;
        }
        let (op, reqpath) = (op2string(req), reqpath_at_prep(req, err));
        // A request with no txn header (a read, a ping, a sync): zxid -2 and txntype unknown.
        let (zxid, txntype) = match zxid {
            Some(z) => (hex(z), "-1"),
            None => ("0xfffffffffffffffe".to_string(), "unknown"),
        };
        let multi = matches!(req, ClientRequest::Multi(_));
        let error_path = err.path.clone().unwrap_or_else(|| "null".into());
        let message = err.message();
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "PrepRequestProcessor",
            move || {
                format!(
                    "Got user-level KeeperException when processing sessionid:{} type:{op} cxid:0x{:x} zxid:{zxid} txntype:{txntype} reqpath:{reqpath}{} Error Path:{error_path} Error:{message}",
                    hex(session),
                    // Long.toHexString of the int cxid: sign-extended (a ping's -2 is 0xff..fe).
                    cxid as i64 as u64,
                    if multi { " aborting remaining multi ops." } else { "" },
                )
            },
            || "Prep caught a KeeperException: the request becomes an error txn.".into(),
        );
    }
}

pub(super) fn req_type(op: &crate::datatree::Op) -> &'static str {
    ClientRequest::Write(op.clone()).type_name()
}

/// `Request.op2String`: the op names Request.toString prints, "sync:" with its colon.
pub(super) fn op2string(req: &ClientRequest) -> &'static str {
    match req {
        ClientRequest::Sync(_) => "sync:",
        other => other.type_name(),
    }
}

/// The `reqpath:` of `Request.toString` on Prep's INFO line. It reads a length-prefixed string
/// from the request's bytes only if at least 4 of them are still unread (`remaining() >= 4`).
/// Prep deserialises a request before most of its checks, so by the time it logs, the bytes are
/// read and the path is "n/a": a multi (deserialised whole before its loop), and every single-op
/// error found after `byteBuffer2Record` (NoNode, NodeExists, BadVersion, ...). Only a
/// `checkSession` failure, which 3.4's create/delete/setData run first, still sees the path.
/// (Real 3.4.5-3.5.10 logs agree: `reqpath:/w ... Session moved` for a setData, `reqpath:n/a
/// aborting remaining multi ops.` for a multi. From 3.5.5 Prep logs no API error at all.)
pub(super) fn reqpath_at_prep(req: &ClientRequest, err: &KeeperError) -> String {
    match req {
        ClientRequest::Write(op) if err.path.is_none() => op.path().to_string(),
        // Reads and syncs are only session-checked in Prep: their bytes are unread.
        ClientRequest::Exists(p) | ClientRequest::GetData(p) | ClientRequest::Sync(p) => {
            p.to_string()
        }
        _ => "n/a".to_string(),
    }
}
