"""Tests of timing.py on excerpts of real logs (fixtures/)."""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import timing  # noqa: E402

FIX = os.path.join(HERE, "fixtures")


def epoch_ms(s):
    import calendar
    d, t = s.split(" ")
    y, mo, dd = map(int, d.split("-"))
    hms, ms = t.split(",")
    h, mi, se = map(int, hms.split(":"))
    return calendar.timegm((y, mo, dd, h, mi, se, 0, 0, 0)) * 1000 + int(ms)


class Pings(unittest.TestCase):
    def test_34_wording(self):
        p = timing.ping_times(os.path.join(FIX, "3.4.5-expiry", "client.log"), "3.4.5")
        # `Got ping response for sessionid: 0xffa23582cb110000 after 2ms` at 06:48:15,591
        self.assertEqual(p["0xffa23582cb110000"][0], epoch_ms("2026-12-02 06:48:15,591") - 2)
        self.assertEqual(len(p["0xffa23582cafe0000"]), 2)

    def test_37_wording(self):
        p = timing.ping_times(os.path.join(FIX, "3.7.2-expiry", "client.log"), "3.7.2")
        # `Got ping response for session id: 0x300002fae2e0000 after 5ms.` at 06:53:34,078
        self.assertEqual(p["0x300002fae2e0000"][0], epoch_ms("2026-12-02 06:53:34,078") - 5)
        c = timing.connect_times(os.path.join(FIX, "3.7.2-expiry", "client.log"))
        self.assertEqual(c["0x300002fae2e0000"], epoch_ms("2026-12-02 06:53:33,850"))

    def test_sim_wording_and_compare(self):
        f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
        f.write("     1.006 [a] INFO  ClientCnxn - Session establishment complete on server 127.0.0.1/127.0.0.1:2183, "
                "session id = 0x300000000cd0000, negotiated timeout = 1000\n"
                "     1.341 [a] DEBUG ClientCnxn - Got ping response for session id: 0x300000000cd0000 after 2ms.\n")
        f.close()
        try:
            sp = timing.ping_times(f.name)
            sc = timing.connect_times(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(sp, {"0x300000000cd0000": [1339]})
        real = {"0x3": [10000 + 1339 + 10]}
        res = timing.compare_pings(real, sp, 10000, 25, {"0x3": 10000 + 1006}, sc, {"0x3": "0x300000000cd0000"})
        self.assertTrue(res[0]["ok"])
        self.assertEqual(res[0]["delta_ms"], [10])
        res = timing.compare_pings(real, sp, 10000, 5, {"0x3": 10000 + 1006}, sc, {"0x3": "0x300000000cd0000"})
        self.assertFalse(res[0]["ok"])
        res = timing.compare_pings(real, {}, 10000, 25, None, None, {"0x3": "0x300000000cd0000"})
        self.assertEqual(res[0]["why"], "sim has no ping lines")


class Expiry(unittest.TestCase):
    def test_37_buckets(self):
        d = os.path.join(FIX, "3.7.2-expiry")
        # only s3 (the leader) is in the fixture dir as s3.server.log: lay it out as the harness does
        tmp = tempfile.mkdtemp()
        try:
            for n in ("real.json", "sim.json", "scenario.json", "driver.out", "sim.log"):
                os.symlink(os.path.join(d, n), os.path.join(tmp, n))
            os.mkdir(os.path.join(tmp, "s3"))
            os.symlink(os.path.join(d, "s3.server.log"), os.path.join(tmp, "s3", "server.log"))
            res = {e["client"]: e for e in timing.expiry_instants(tmp)}
            ev = timing.compare_events(tmp, 200)
        finally:
            for root, dirs, files in os.walk(tmp, topdown=False):
                for n in files:
                    os.unlink(os.path.join(root, n))
                for n in dirs:
                    os.rmdir(os.path.join(root, n))
            os.rmdir(tmp)
        self.assertEqual(set(res), {"on-leader", "on-follower", "on-leader-2", "on-follower-2"})
        for e in res.values():
            self.assertLessEqual(abs(e["off_ms"]), 5, e)
        # leader-attached, T=1000, tick=200: last send 1862 -> bucket (floor(2862/200)+1)*200 on the
        # leader's grid (3.7: elapsed clock, phase from the Expiring lines)
        self.assertEqual(res["on-leader"]["last_send_ms"], 1862)
        self.assertEqual(res["on-leader"]["sim_expiry_ms"], 3000)
        self.assertTrue(all(e["ok"] for e in ev), ev)


if __name__ == "__main__":
    unittest.main()
