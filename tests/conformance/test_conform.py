"""Tests of conform.py: log_known entries tied to a race's real branch ("when_real"); a faked
server log put back on the machine's clock (clock jumps)."""

import os
import sys
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


if __name__ == "__main__":
    unittest.main()
