"""Tests of loglines.py on excerpts of real logs (fixtures/) and the zksim --log of the same
scenarios. python3 -m unittest discover -s tests/conformance -p 'test_*.py'"""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loglines  # noqa: E402

FIX = os.path.join(HERE, "fixtures")


def _load(path):
    with open(path) as f:
        return json.load(f)


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    f.write(text)
    f.close()
    return f.name


class ParseReal(unittest.TestCase):
    def test_multiline_exception_joined_345(self):
        recs = loglines.read_real_log(os.path.join(FIX, "3.4.5-expiry", "s3.server.log"))
        eos = [r for r in recs if r.text == "caught end of stream exception"]
        self.assertEqual(len(eos), 3)
        self.assertTrue(eos[1].extra[0].startswith("EndOfStreamException: Unable to read additional "
                                                   "data from client sessionid 0xffa23582cb110000"))
        self.assertTrue(all(l.startswith("\tat ") for l in eos[1].extra[1:]))
        self.assertEqual(eos[1].node, 3)
        self.assertEqual(eos[1].level, "WARN")
        self.assertEqual(eos[1].cls, "NIOServerCnxn")

    def test_extract_345_sessions_and_addresses(self):
        lines = loglines.extract(loglines.read_real_log(os.path.join(FIX, "3.4.5-expiry", "s3.server.log")))
        kinds = [(l.kind, l.session) for l in lines if l.session not in (None, "0x0")]
        # `Client attempting to establish new session at ADDR` has no id: learned from its address
        self.assertIn(("new-session", "0xffa23582cb110000"), kinds)
        self.assertIn(("eos", "0xffa23582cb110000"), kinds)
        self.assertIn(("closed", "0xffa23582cb110001"), kinds)
        self.assertIn(("terminated", "0xffa23582cafe0000"), kinds)
        eos = [l for l in lines if l.kind == "eos" and l.session == "0xffa23582cb110000"][0]
        self.assertEqual(eos.norm, "caught end of stream exception | EndOfStreamException: Unable to read "
                                   "additional data from client sessionid 0xffa23582cb110000, likely client "
                                   "has closed socket")
        # the 4lw probe's eos is session 0x0
        self.assertIn(("eos", "0x0"), [(l.kind, l.session) for l in lines])

    def test_a_reused_port_is_a_new_connection(self):
        # Real 3.6.4 (freeze, CI run): the harness's `srvr` probe and, 7 s later, a client's
        # reconnect got the same ephemeral port; the probe's close is nobody's session.
        log = "".join(
            "2026-12-03 06:27:%s [myid:1] - %s [NIOWorkerThread-1:%s] - %s\n" % (t, lvl, cls, text)
            for t, lvl, cls, text in [
                ("14,459", "DEBUG", "NIOServerCnxn@631", "Closed socket connection for client "
                 "/127.0.0.1:47452 (no session established for client)"),
                ("21,092", "DEBUG", "ZooKeeperServer@1444", "Client attempting to renew session: "
                 "session = 0x100028d0ce20000, zxid = 0x100000004, timeout = 1000, address = "
                 "/127.0.0.1:47452"),
                ("21,094", "INFO ", "ZooKeeperServer@1074", "Invalid session 0x100028d0ce20000 for "
                 "client /127.0.0.1:47452, probably expired"),
                ("21,095", "DEBUG", "NIOServerCnxn@631", "Closed socket connection for client "
                 "/127.0.0.1:47452 which had sessionid 0x100028d0ce20000"),
                ("22,805", "DEBUG", "NIOServerCnxn@631", "Closed socket connection for client "
                 "/127.0.0.1:47452 (no session established for client)"),
            ])
        lines = loglines.extract(loglines.read_real_log(write(log)))
        self.assertEqual([(l.kind, l.session) for l in lines], [
            ("closed-nosession", None),
            ("renew", "0x100028d0ce20000"),
            ("invalid", "0x100028d0ce20000"),
            ("closed", "0x100028d0ce20000"),
            ("closed-nosession", None),
        ])
        # Within one connection a line without the id still gets it (3.4's attempt line).
        log = ("2026-12-03 06:27:14,000 [myid:1] - INFO  [NIOServerCxn.Factory:0.0.0.0/0.0.0.0:2181:"
               "ZooKeeperServer@839] - Client attempting to establish new session at /127.0.0.1:5000\n"
               "2026-12-03 06:27:14,100 [myid:1] - INFO  [CommitProcessor:1:ZooKeeperServer@595] - "
               "Established session 0x15 with negotiated timeout 4000 for client /127.0.0.1:5000\n")
        lines = loglines.extract(loglines.read_real_log(write(log)))
        self.assertEqual([(l.kind, l.session) for l in lines],
                         [("new-session", "0x15"), ("established", "0x15")])

    def test_37_line(self):
        line = ("2026-12-02 06:53:34,735 [myid:3] - INFO  [NIOWorkerThread-1:NIOServerCnxn@337] - Unable to "
                "read additional data from client, it probably closed the socket: address = /127.0.0.1:50242, "
                "session = 0x300002fae2e0000\n")
        p = write(line)
        try:
            (ln,) = loglines.extract(loglines.read_real_log(p))
        finally:
            os.unlink(p)
        self.assertEqual((ln.kind, ln.session, ln.addr, ln.level), ("eos", "0x300002fae2e0000", "127.0.0.1:50242", "INFO"))
        self.assertEqual(ln.norm, "Unable to read additional data from client, it probably closed the socket: "
                                  "address = ADDR, session = 0x300002fae2e0000")

    def test_thread_with_brackets_and_normalize(self):
        line = ("2026-12-02 06:51:20,001 [myid:1] - INFO  [QuorumPeer[myid=1](plain=127.0.0.1:2181)(secure=disabled):"
                "ZooKeeperServer@1098] - Invalid session 0x100002fae010000 for client /127.0.0.1:4000, probably expired\n"
                "2026-12-02 06:51:20,002 [myid:1] - INFO  [ProcessThread(sid:1 cport:-1)::PrepRequestProcessor@880] - "
                "Got user-level KeeperException when processing sessionid:0x100002fae010000 type:delete cxid:0x3 "
                "zxid:0x10000000a txntype:-1 reqpath:n/a Error Path:/fix Error:KeeperErrorCode = NoNode for /fix\n")
        p = write(line)
        try:
            lines = loglines.extract(loglines.read_real_log(p))
        finally:
            os.unlink(p)
        self.assertEqual([l.kind for l in lines], ["invalid", "keeper-exception"])
        self.assertEqual(lines[0].norm, "Invalid session 0x100002fae010000 for client ADDR, probably expired")
        self.assertIn("cxid:CXID zxid:ZXID", lines[1].norm)

    def test_sim_one_line_exception_is_joined(self):
        p = write("     2.001 [s3] WARN  NIOServerCnxn - caught end of stream exception org.apache.zookeeper."
                  "server.ServerCnxn$EndOfStreamException: Unable to read additional data from client sessionid "
                  "0xff8bcfe568cd0000, likely client has closed socket\n"
                  "     2.001 [c] INFO  ClientCnxn - not a server line\n")
        try:
            (ln,) = loglines.extract(loglines.read_sim_log(p))
        finally:
            os.unlink(p)
        self.assertEqual(ln.kind, "eos")
        self.assertTrue(ln.norm.startswith("caught end of stream exception | org.apache"))


class Compare(unittest.TestCase):
    def test_37_expiry_leader(self):
        d = os.path.join(FIX, "3.7.2-expiry")
        real = _load(os.path.join(d, "real.json"))
        sim = _load(os.path.join(d, "sim.json"))
        smap = loglines.build_session_map(real, sim)
        self.assertEqual(smap["0x300002fae2e0000"], "0x300000000cd0000")
        self.assertEqual(smap["0x100002fae010000"], "0x100000000cc0000")
        diffs = loglines.compare_server_logs({3: os.path.join(d, "s3.server.log")}, os.path.join(d, "sim.log"),
                                             smap, {"0x300002fae2e0002"}, "3.7.2")
        by = {(x.node, x.session): x for x in diffs}
        # the simulator prints `session = 0x0` where 3.7.2 prints the new id
        x = by[(3, "0x300000000cd0000")]
        self.assertEqual(x.index, 0)
        self.assertIn("session = 0x300000000cd0000", x.real)
        self.assertIn("session = 0x0,", x.sim)
        # sessions only committed/expired on the leader compare equal
        self.assertNotIn((3, "0x100000000cc0000"), by)
        self.assertNotIn((3, "0x200000000cc0000"), by)
        # the tree reader (ignored) never shows
        self.assertFalse([x for x in diffs if x.session == "0x300000000cd0002"])

    def test_known(self):
        d = os.path.join(FIX, "3.7.2-expiry")
        real = _load(os.path.join(d, "real.json"))
        sim = _load(os.path.join(d, "sim.json"))
        diffs = loglines.compare_server_logs({3: os.path.join(d, "s3.server.log")}, os.path.join(d, "sim.log"),
                                             loglines.build_session_map(real, sim), set(), "3.7.2",
                                             known=[(r"establish new session: session = 0x0,", "sim prints 0x0")])
        self.assertTrue(diffs)
        self.assertTrue(all(x.known == "sim prints 0x0" for x in diffs))

    def test_345_leader(self):
        d = os.path.join(FIX, "3.4.5-expiry")
        smap = {"0xffa23582cafe0000": "0xff8bcfe568cc0000", "0xffa23582cb110000": "0xff8bcfe568cd0000",
                "0xffa23582cb110001": "0xff8bcfe568cd0001", "0xffa23582cb350000": "0xff8bcfe568cc0000"}
        diffs = loglines.compare_server_logs({3: os.path.join(d, "s3.server.log")}, os.path.join(d, "sim.log"),
                                             smap, {"0xffa23582cb350001"}, "3.4.5")
        x = [d for d in diffs if d.session == "0xff8bcfe568cd0000"][0]
        self.assertEqual(x.index, 2)
        self.assertTrue(x.real.startswith("WARN caught end of stream exception | EndOfStreamException: "))
        self.assertTrue(x.sim.startswith("WARN caught end of stream exception | org.apache.zookeeper.server."
                                         "ServerCnxn$EndOfStreamException: "))

    def test_identical_logs_no_difference(self):
        d = os.path.join(FIX, "3.7.2-expiry")
        p = os.path.join(d, "s3.server.log")
        lines = loglines.extract(loglines.read_real_log(p))
        ids = {l.session for l in lines if l.session and l.session != "0x0"}
        diffs = loglines.compare_server_logs({3: p}, os.path.join(d, "sim.log"), {i: i for i in ids}, set(), "3.7.2")
        # mapping each real id to itself: the sim's ids are different, so every sequence differs
        self.assertTrue(all(x.sim is None or x.real is None for x in diffs))

    def test_until_cut_and_known_goes_on(self):
        real = write(
            "2026-12-02 06:53:33,755 [myid:3] - DEBUG [NIOWorkerThread-1:ZooKeeperServer@1468] - Client attempting to "
            "establish new session: session = 0x300002fae2e0000, zxid = 0x0, timeout = 1000, address = /127.0.0.1:50242\n"
            "2026-12-02 06:53:33,841 [myid:3] - DEBUG [CommitProcessor:3:ZooKeeperServer@1089] - Established session "
            "0x300002fae2e0000 with negotiated timeout 1000 for client /127.0.0.1:50242\n"
            "2026-12-02 06:53:34,735 [myid:3] - INFO  [NIOWorkerThread-1:NIOServerCnxn@337] - Unable to read additional "
            "data from client, it probably closed the socket: address = /127.0.0.1:50242, session = 0x300002fae2e0000\n")
        sim = write(
            "     1.003 [s3] DEBUG ZooKeeperServer - Client attempting to establish new session: session = 0x0, zxid = 0x0, "
            "timeout = 1000, address = /127.0.0.1:40003\n"
            "     1.005 [s3] DEBUG ZooKeeperServer - Established session 0x300000000cd0000 with negotiated timeout 999 for "
            "client /127.0.0.1:40003\n")
        try:
            m = {"0x300002fae2e0000": "0x300000000cd0000"}
            t_end = loglines.read_real_log(real)[1].t * 1000 + 1  # just after the Established line
            known = [(r"session = 0x0,", "0x0")]
            d = loglines.compare_server_logs({3: real}, sim, m, (), "3.7.2", known, real_until_ms=t_end,
                                             sim_until_ms=2000)
            # the known substitution at line 0 is reported, and the timeout difference at line 1 still shows
            self.assertEqual([(x.index, x.known) for x in d], [(0, "0x0"), (1, None)])
            self.assertIn("negotiated timeout 999", d[1].sim)
            # without the cut, the eos line (the driver's exit) would be a third line
            d = loglines.compare_server_logs({3: real}, sim, m, (), "3.7.2", known, sim_until_ms=2000)
            self.assertEqual(len(d[1].real_seq), 3)
        finally:
            os.unlink(real)
            os.unlink(sim)

    def test_unrace_attempt_after_commit(self):
        seq = [("committing", "INFO Committing global session 0x1"),
               ("established", "DEBUG Established session 0x1 with negotiated timeout 1000 for client ADDR"),
               ("new-session", "DEBUG Client attempting to establish new session: session = 0x1, ..."),
               ("eos", "INFO Unable to read ...")]
        self.assertEqual([k for k, _t in loglines._unrace(seq)], ["new-session", "committing", "established", "eos"])
        # an attempt after other lines (a later connection) stays where it is
        seq2 = [("closed", "x"), ("new-session", "y")]
        self.assertEqual(loglines._unrace(seq2), seq2)


class SessionMap(unittest.TestCase):
    def test_collision_shares_sim_id(self):
        real = {"clients": [{"name": "a", "session": "0x1"}, {"name": "b", "session": "0x2"}],
                "sessions": [{"id": "0x1", "minted_by": 1, "minted_ms": 5}, {"id": "0x2", "minted_by": 2, "minted_ms": 6}]}
        sim = {"clients": [{"name": "a", "session": "0xa"}, {"name": "b", "session": "0xa"}],
               "sessions": [{"id": "0xa", "minted_by": 1, "minted_ms": 3}, {"id": "0xa", "minted_by": 2, "minted_ms": 3}]}
        self.assertEqual(loglines.build_session_map(real, sim), {"0x1": "0xa", "0x2": "0xa"})

    def test_minted_order(self):
        real = {"clients": [], "sessions": [{"id": "0x12", "minted_by": 1, "minted_ms": 9},
                                            {"id": "0x11", "minted_by": 1, "minted_ms": 5}]}
        sim = {"clients": [], "sessions": [{"id": "0xb", "minted_by": 1, "minted_ms": 4},
                                           {"id": "0xa", "minted_by": 1, "minted_ms": 3}]}
        self.assertEqual(loglines.build_session_map(real, sim), {"0x11": "0xa", "0x12": "0xb"})


if __name__ == "__main__":
    unittest.main()
