"""Tests of conform.py's log_known entries tied to a race's real branch ("when_real")."""

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


if __name__ == "__main__":
    unittest.main()
