#!/usr/bin/env python3
"""Wall-clock jumps for a real ZooKeeper server JVM, from outside: libfaketime by LD_PRELOAD.

    from fakeclock import FakeClock
    clock = FakeClock()                 # offset file at +0.000 s (a temp file, or path=...)
    env = dict(os.environ, **clock.env())
    p = subprocess.Popen([java, ..., "QuorumPeerMain", cfg], env=env)
    clock.jump(+6000)                   # the JVM's CLOCK_REALTIME is now 6 s ahead; nanoTime true
    clock.jump(-6000)                   # back to real time (offsets add up)
    clock.close()                       # removes the temp file (only the one it made)

Only CLOCK_REALTIME moves: System.currentTimeMillis(), Instant.now(), new Date() and log4j's
timestamps follow the file; System.nanoTime() (CLOCK_MONOTONIC), and the length of every timed
wait (Object.wait, Thread.sleep, LockSupport.parkNanos: JDK 17 waits on CLOCK_MONOTONIC condvars)
stay true. The code under test is unchanged: libfaketime wraps the libc calls
(clock_gettime, gettimeofday, time, ...) the JVM makes.

The environment (exactly what env() returns):
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1   (found at run time)
    FAKETIME_TIMESTAMP_FILE=<file>      one line, the offset: "+6.000" or "-2.500" (seconds)
    FAKETIME_NO_CACHE=1                 re-read the file at every clock read: a jump is seen
                                        by the very next currentTimeMillis()
    FAKETIME_DONT_FAKE_MONOTONIC=1      leave CLOCK_MONOTONIC (System.nanoTime) alone
    FAKETIME_FORCE_MONOTONIC_FIX=0      REQUIRED with Debian's build (compiled with
                                        FORCE_MONOTONIC_FIX): without it every timed wait of
                                        JDK 17 returns at once (Object.wait(500) took 0 ms)
    NO_FAKE_STAT=1                      file timestamps (stat) are not faked
Writes are atomic (temp file + rename), so the JVM never reads a half-written offset.

Self-test: `python3 fakeclock.py` compiles ClockProbe.java, runs it under the env, jumps
+10.5 s then -3.25 s (net), and checks what the JVM saw. Needs `libfaketime`
(apt-get install -y --no-install-recommends libfaketime faketime); ensure() installs it.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def libfaketime_path():
    for pat in ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
                "/usr/local/lib/faketime/libfaketime.so.1"):
        hits = sorted(glob.glob(pat))
        if hits:
            return hits[0]
    return None


def ensure():
    """Path of libfaketime.so.1, installing Debian's libfaketime if it is missing."""
    lib = libfaketime_path()
    if lib:
        return lib
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=180", "install", "-y",
           "--no-install-recommends", "libfaketime", "faketime"]
    if os.geteuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env, timeout=600)
    lib = libfaketime_path()
    if not lib:
        raise RuntimeError("cannot install libfaketime:\n" + r.stdout.decode(errors="replace")[-2000:])
    return lib


class FakeClock:
    """One offset file, i.e. one fake wall clock; give env() to every JVM that shares it."""

    def __init__(self, path=None, lib=None):
        self.lib = lib or ensure()
        self._own = path is None
        if path is None:
            fd, path = tempfile.mkstemp(prefix="zksim-faketime-", suffix=".rc")
            os.close(fd)
        self.path = os.path.abspath(path)
        self.offset_ms = 0
        self.history = []  # (real epoch seconds when written, offset ms)
        self._write()

    def env(self):
        pre = os.environ.get("LD_PRELOAD", "")
        return {
            "LD_PRELOAD": self.lib + ((":" + pre) if pre else ""),
            "FAKETIME_TIMESTAMP_FILE": self.path,
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_FORCE_MONOTONIC_FIX": "0",
            "NO_FAKE_STAT": "1",
        }

    @staticmethod
    def spec(offset_ms):
        """libfaketime's relative offset syntax: a sign, seconds, optional fraction."""
        sign = "-" if offset_ms < 0 else "+"
        a = abs(int(offset_ms))
        return "%s%d.%03d" % (sign, a // 1000, a % 1000)

    def _write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.spec(self.offset_ms) + "\n")
        os.replace(tmp, self.path)
        self.history.append((time.time(), self.offset_ms))

    def set_offset(self, offset_ms):
        """Fake wall = real wall + offset_ms from now on. Returns the real time of the write."""
        self.offset_ms = int(offset_ms)
        self._write()
        return self.history[-1][0]

    def jump(self, by_ms):
        """Move the fake wall clock by by_ms (positive: forward). Returns the real write time."""
        return self.set_offset(self.offset_ms + int(by_ms))

    def close(self):
        if self._own:
            for p in (self.path, self.path + ".tmp"):
                try:
                    os.unlink(p)
                except FileNotFoundError:
                    pass


def selftest():
    """The JVM sees the jumps on currentTimeMillis/Instant, nanoTime and timed waits stay true."""
    java = os.path.join(os.path.dirname(os.path.realpath(shutil.which("javac"))), "java")
    work = tempfile.mkdtemp(prefix="zksim-fakeclock-")
    clock = FakeClock()
    p = None
    try:
        subprocess.run(["javac", "-d", work, os.path.join(HERE, "ClockProbe.java")], check=True,
                       timeout=180, stdin=subprocess.DEVNULL)
        env = dict(os.environ, **clock.env())
        print("env: " + " ".join("%s=%s" % kv for kv in sorted(clock.env().items())), flush=True)
        p = subprocess.Popen([java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", work, "ClockProbe",
                              "12", "300"], env=env, stdout=subprocess.PIPE, text=True)
        t_start = time.monotonic()
        rows, problems = [], []
        plan = {3: 10500, 7: -13750}  # after probe line i: jump by ms (net: -3.25 s)
        deadline = time.monotonic() + 60
        for line in p.stdout:
            real = time.time() * 1000.0
            f = dict(kv.split("=") for kv in line.split()[2:])
            f = {k: int(v) for k, v in f.items()}
            i = int(line.split()[1])
            rows.append((i, real, f, clock.offset_ms))
            print("real=%d offset=%+6d  %s" % (real, clock.offset_ms, line.strip()), flush=True)
            for k in ("waited", "slept", "parked"):
                if not 90 <= f[k] <= 400:  # asked for 100 ms
                    problems.append("probe %d: %s %d ms (asked 100)" % (i, k, f[k]))
            if abs((f["wall"] - real) - clock.offset_ms) > 150:
                problems.append("probe %d: wall-real %.0f ms, offset %d" % (i, f["wall"] - real, clock.offset_ms))
            if i in plan:
                clock.jump(plan[i])
                print("jump %+d ms -> file %r" % (plan[i], FakeClock.spec(clock.offset_ms)), flush=True)
            if time.monotonic() > deadline:
                problems.append("no end within 60 s")
                break
        rc = p.wait(timeout=30)
        monos = [r[2]["mono"] for r in rows]
        steps = [b - a for a, b in zip(monos, monos[1:])]
        if rc != 0 or len(rows) != 12:
            problems.append("probe exit %s with %d lines" % (rc, len(rows)))
        if any(not 250 <= s <= 1200 for s in steps):
            problems.append("nanoTime steps %s (expected about 300)" % steps)
        print("nanoTime steps between lines (ms): %s; run %.1f s" % (steps, time.monotonic() - t_start))
        if problems:
            print("fakeclock selftest FAILED: " + "; ".join(problems))
            return 1
        print("fakeclock selftest ok: currentTimeMillis/Instant followed +10.5 s and -13.75 s; "
              "nanoTime and timed waits unaffected")
        return 0
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(timeout=10)
        clock.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(selftest())
