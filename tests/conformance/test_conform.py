"""Tests of conform.py: log_known entries tied to a race's real branch ("when_real"); a faked
server log put back on the machine's clock (clock jumps); which sessions the expiry-bucket check
applies to."""

import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conform  # noqa: E402


class WhenReal(unittest.TestCase):
    def checks(self, real_server):
        ch = conform.Checks("gallery:leader-failover", {"alternatives": {"client[worker].server": [1, 2]}})
        ch.check("client[worker].server", real_server, 2)
        return ch

    def test_plain_entry_always_applies(self):
        self.assertTrue(conform._known_applies(self.checks(2), ["x", "reason"]))

    def test_entry_applies_on_its_branch_only(self):
        # gallery leader-failover: the worker's renew lines on s1 are excused only when the real
        # worker went back to s1; when it went to s2 like zksim's, they are compared.
        entry = ["x", "race", {"when_real": {"client[worker].server": 1}}]
        self.assertTrue(conform._known_applies(self.checks(1), entry))
        self.assertFalse(conform._known_applies(self.checks(2), entry))

    def test_entry_naming_an_unchecked_id_does_not_apply(self):
        entry = ["x", "race", {"when_real": {"client[other].server": 1}}]
        self.assertFalse(conform._known_applies(self.checks(1), entry))


class UnfakeLog(unittest.TestCase):
    # The gallery story clock-jump-3.4.6: s3's clock is set back an hour at 4 s.
    T0 = 1796218890000.0  # real ms of the first line
    HOUR = 3600000

    def line(self, ms, text):
        return conform._log_stamp(ms) + " [myid:3] - INFO  [x:Y@1] - " + text

    def test_lines_after_a_jump_go_back_on_the_machines_clock(self):
        jump = self.T0 + 4000
        text = "\n".join([
            self.line(self.T0, "before"),
            "java.lang.Exception: a continuation line",
            f"{conform.CLOCK_JUMP_MARK} {-self.HOUR} {jump:.3f}",
            self.line(jump + 5 - self.HOUR, "after"),
            self.line(jump + 9000 - self.HOUR, "later"),
        ])
        out = conform.unfake_log(text, [(None, 0), (jump, -self.HOUR)], end_ms=jump + 40000).split("\n")
        self.assertEqual(len(out), 4)
        self.assertEqual(conform.parse_log_time(out[0]), self.T0)
        self.assertEqual(out[1], "java.lang.Exception: a continuation line")
        self.assertEqual(conform.parse_log_time(out[2]), jump + 5)
        self.assertTrue(out[2].endswith("after"))
        self.assertEqual(conform.parse_log_time(out[3]), jump + 9000)

    def test_a_line_read_before_the_jump_and_written_after_its_marker(self):
        jump = self.T0 + 4000
        text = "\n".join([f"{conform.CLOCK_JUMP_MARK} {-self.HOUR} {jump:.3f}",
                          self.line(jump - 1, "read on the old clock")])
        out = conform.unfake_log(text, [(None, 0), (jump, -self.HOUR)], end_ms=jump + 40000)
        self.assertEqual(conform.parse_log_time(out), jump - 1)

    def test_an_initial_offset_applies_from_the_start(self):
        out = conform.unfake_log(self.line(self.T0 + 2500, "x"), [(None, 2500)], end_ms=self.T0 + 40000)
        self.assertEqual(conform.parse_log_time(out), self.T0)

    def test_forward_jumps_add_up(self):
        j1, j2 = self.T0 + 1000, self.T0 + 2000
        text = "\n".join([f"{conform.CLOCK_JUMP_MARK} 6000 {j1:.3f}", self.line(j1 + 10 + 6000, "a"),
                          f"{conform.CLOCK_JUMP_MARK} 12000 {j2:.3f}", self.line(j2 + 10 + 12000, "b")])
        out = conform.unfake_log(text, [(None, 0), (j1, 6000), (j2, 12000)], end_ms=j2 + 40000).split("\n")
        self.assertEqual([conform.parse_log_time(x) for x in out], [j1 + 10, j2 + 10])


class ExpiryBucket(unittest.TestCase):
    """README "Expiry buckets": the spec's bucket of the killed holder's last packet, not for an
    id a live handle also held (its own pings touch the session: stale-holders' on-leader, whose
    ping reaches the leader's touchSession before checkSession throws SessionMoved)."""

    def workdir(self, also_held_by_live_handle):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        d = tmp.name
        t0 = 1796284359600
        sid = "0x300000000cd0000"
        clients = [{"name": "thief", "session": sid, "negotiated_timeout_ms": 2000}]
        if also_held_by_live_handle:
            clients.append({"name": "owner", "session": sid, "negotiated_timeout_ms": 2000})
        real = {"t0": t0, "clients": clients, "sessions": [{"id": sid, "timeout_ms": 2000}],
                "kills": {"thief": {"at_ms": 2000, "last_send_ms": 1606, "server_mode": "leader"}}}
        for name, doc in (("real.json", real), ("sim.json", {"sessions": [], "clients": []}),
                          ("scenario.json", {"tick_ms": 200, "actions": []})):
            with open(os.path.join(d, name), "w") as f:
                json.dump(doc, f)
        os.mkdir(os.path.join(d, "s3"))
        # expired at 3998 ms: the bucket of the live handle's ping at 1966 ms, not of 1606 ms
        t = t0 + 3998
        # UTC, as timing._lines reads it (conform._log_stamp writes local time, for faked logs)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t // 1000)) + ",%03d" % (t % 1000)
        with open(os.path.join(d, "s3", "server.log"), "w") as f:
            f.write(f"{stamp} [myid:3] - INFO  [SessionTracker:ZooKeeperServer@325] - "
                    f"Expiring session {sid}, timeout of 2000ms exceeded\n")
        return d

    def results(self, d):
        ch = conform.Checks("stale-holders", {})
        conform.expiry_bucket_checks(ch, d, {})
        return [(st, cid) for st, cid, _ in ch.results]

    def test_a_killed_sole_holder_is_checked(self):
        self.assertEqual(self.results(self.workdir(False)), [("FAIL", "expiry_bucket[thief]")])

    def test_not_for_a_session_a_live_handle_also_held(self):
        self.assertEqual(self.results(self.workdir(True)), [])


if __name__ == "__main__":
    unittest.main()
