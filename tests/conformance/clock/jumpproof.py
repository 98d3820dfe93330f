#!/usr/bin/env python3
"""Proof of fakeclock.py on real releases (see prove-jump.sh, which calls this).

    python3 jumpproof.py JUMP_MS VERSION=RELEASE_DIR [VERSION=RELEASE_DIR...]

Per version and per case (no jump, +JUMP_MS, -JUMP_MS): a standalone server (tickTime 2000) under
FakeClock; a raw client opens a 10 s session, creates an ephemeral node and is dropped without
CloseSession (as if killed); 3 s after its last request the server's wall clock jumps; the driver
watches the server log for `Expiring session 0x...` and reports when it happened, in real time
(the log's timestamp, which is the server's fake wall clock, minus the offset in force) and
relative to the last request. The tracker's own bucket comes from the `dump` four-letter word.
Everything started is stopped by PID; every wait has a timeout.
"""
import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zkraw  # noqa: E402
from fakeclock import FakeClock  # noqa: E402

TICK, TIMEOUT = 2000, 10000
JUMP_AFTER = 3.0
EXPIRY_WAIT = 45.0


class Failure(Exception):
    pass


def say(*a):
    print(*a, flush=True)


def read1(path):
    with open(path) as f:
        return f.readline().strip()


def jdk17_java():
    return os.path.join(os.path.dirname(os.path.realpath(shutil.which("javac"))), "java")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def four_letter(port, word, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(word.encode())
            out = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                out += b
            return out.decode("utf-8", "replace")
    except OSError:
        return ""


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime(
        "%H:%M:%S.%f")[:-3]


def log_ms(line):
    """log4j ISO8601 timestamp (the server runs with user.timezone=UTC) -> epoch ms."""
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})", line)
    dt = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000 + int(m.group(2))


def dump_buckets(port):
    """[(bucket as printed, epoch ms or None)] from `dump`'s Session Sets."""
    out = []
    for m in re.finditer(r"^\d+ expire at (.+):$", four_letter(port, "dump"), re.M):
        txt = m.group(1)
        try:
            dt = datetime.datetime.strptime(txt.replace(" UTC ", " "), "%a %b %d %H:%M:%S %Y")
            out.append((txt, int(dt.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)))
        except ValueError:
            out.append((txt, None))
    return out


LOG4J = """log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File={file}
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{{ISO8601}} - %-5p [%t:%C{{1}}@%L] - %m%n
"""


def stop(p):
    if p.poll() is None:
        try:
            p.terminate()
        except OSError:
            pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=10)


def run_case(version, rdir, jump_ms, logs, procs):
    nd = tempfile.mkdtemp(prefix="%s-%+d-" % (version, jump_ms), dir=logs)
    data = os.path.join(nd, "data")
    os.makedirs(data)
    port = free_port()
    cfg = os.path.join(nd, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write("tickTime=%d\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
                "4lw.commands.whitelist=*\nadmin.enableServer=false\npreAllocSize=1024\n"
                % (TICK, data, port))
    logfile = os.path.join(nd, "zookeeper.log")
    with open(os.path.join(nd, "log4j.properties"), "w") as f:
        f.write(LOG4J.format(file=logfile))
    clock = FakeClock(path=os.path.join(nd, "faketime.rc"))
    env = dict(os.environ, **clock.env())
    out = open(os.path.join(nd, "stdout.log"), "wb")
    p = subprocess.Popen(
        [jdk17_java(), "-Xmx256m", "-XX:+UseSerialGC", "-Duser.timezone=UTC",
         "-Dlog4j.configuration=file:" + os.path.join(nd, "log4j.properties"),
         "-Dzookeeper.jmx.log4j.disable=true", "-cp", read1(os.path.join(rdir, "classpath")),
         "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=nd, env=env)
    out.close()
    procs.append(p)
    try:
        t0 = time.monotonic()
        while "Mode: standalone" not in four_letter(port, "srvr"):
            if p.poll() is not None:
                raise Failure("%s server exited with %s (%s)" % (version, p.returncode, nd))
            if time.monotonic() - t0 > 60:
                raise Failure("%s server not serving within 60 s (%s)" % (version, nd))
            time.sleep(0.1)
        serving = time.monotonic() - t0
        c = zkraw.Client(port, timeout_ms=TIMEOUT)
        err, _z, _p = c.create("/jump", b"x", zkraw.EPHEMERAL)
        reply = time.time() * 1000.0
        # The server touches the session when the request arrives, before the txn-log fsync that
        # the reply waits for: the touch is in [sent, reply]; times below count from `sent`.
        touch = c.last_sent * 1000.0
        sid = c.session_id
        c.abort()  # no CloseSession: the session must expire
        before = dump_buckets(port)
        tag = "%s jump=%+d" % (version, jump_ms)
        say("%s: server pid %d port %d serving after %.1f s; session 0x%016x timeout %d, create -> %s; last request "
            "sent at %s real (reply %.0f ms later); dropped without CloseSession" % (
                tag, p.pid, port, serving, sid, c.timeout_ms, zkraw.err_name(err), iso(touch), reply - touch))
        say("%s: dump before: %s" % (tag, ", ".join(b[0] for b in before) or "(none)"))
        time.sleep(max(0.0, touch / 1000.0 + JUMP_AFTER - time.time()))
        t_jump = None
        if jump_ms:
            t_jump = clock.jump(jump_ms) * 1000.0
            say("%s: jumped the server's wall clock by %+d ms at %s real (%.3f s after the last "
                "request; file now %r)" % (tag, jump_ms, iso(t_jump), (t_jump - touch) / 1000.0,
                                           FakeClock.spec(clock.offset_ms)))
            time.sleep(0.2)
            say("%s: dump after the jump: %s (offset in force %+d ms)"
                % (tag, ", ".join(b[0] for b in dump_buckets(port)) or "(none)", clock.offset_ms))
        seen = line = None
        deadline = time.time() + EXPIRY_WAIT
        pat = "Expiring session 0x%x," % sid
        while time.time() < deadline:
            with open(logfile, errors="replace") as f:
                for ln in f:
                    if pat in ln:
                        line = ln.rstrip()
                        break
            if line:
                seen = time.time() * 1000.0
                break
            time.sleep(0.02)
        if not line:
            raise Failure("%s: no '%s' within %.0f s (%s)" % (tag, pat, EXPIRY_WAIT, nd))
        fake = log_ms(line)
        real = fake - clock.offset_ms  # the offset in force when the line was written
        # The session's bucket is the latest one (an earlier touch leaves an empty set behind).
        bucket = max((b[1] for b in before if b[1] is not None), default=None)
        say("%s: server log: %s" % (tag, line))
        say("%s: expiry at %s real (log time %s - offset %+d ms; driver saw it at %s); "
            "%.3f s after the last request" % (tag, iso(real), iso(fake), clock.offset_ms,
                                               iso(seen), (real - touch) / 1000.0))
        return {"version": version, "jump": jump_ms, "touch": touch, "real": real,
                "after": (real - touch) / 1000.0, "bucket": bucket, "fake": fake,
                "line": line, "sid": sid, "lag": (reply - touch) / 1000.0}
    finally:
        stop(p)
        clock.close()


def verdict(r):
    """Where the expiry must fall, in seconds after the last request, for each tracker clock."""
    j = r["jump"] / 1000.0
    wall = r["version"] in ("3.4.5", "3.4.6")  # trackers on System.currentTimeMillis
    lo, hi = TIMEOUT / 1000.0, TIMEOUT / 1000.0 + TICK / 1000.0  # (T, T+tick] with no jump
    if wall and j > 0:  # wall bucket reached j s early in real time; tracker wakes <= 1 tick late
        lo, hi = lo - j, hi - j + TICK / 1000.0
    elif wall and j < 0:  # reached |j| s late
        lo, hi = lo - j, hi - j
    hi += r["lag"]  # the touch happened somewhere between the request's send and its reply
    slack = 0.6  # a loaded 2-core machine
    return lo - 0.05 <= r["after"] <= hi + slack, (lo, hi)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    jump = int(sys.argv[1])
    pairs = [x.split("=", 1) for x in sys.argv[2:]]
    logs = tempfile.mkdtemp(prefix="zksim-jumpproof-")
    procs, results, ok = [], [], True

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    say("logs in %s" % logs)
    try:
        for version, rdir in pairs:
            say("=== %s (%s)" % (version, read1(os.path.join(rdir, "version"))))
            for j in (0, jump, -jump):
                results.append(run_case(version, rdir, j, logs, procs))
    except Failure as e:
        say("jumpproof FAILED: %s" % e)
        ok = False
    finally:
        for p in procs:
            stop(p)
    say("=== summary (tickTime %d, session timeout %d, jump %.1f s after the last request)" % (
        TICK, TIMEOUT, JUMP_AFTER))
    for r in results:
        good, (lo, hi) = verdict(r)
        ok &= good
        say("jumpproof %s jump=%+d ms: expired %.3f s after the last request (allowed (%.1f, %.1f]"
            " for %s tracker, +0.6 slack) %s; bucket %s" % (
                r["version"], r["jump"], r["after"], lo, hi,
                "a wall-clock" if r["version"] in ("3.4.5", "3.4.6") else "an elapsed-time",
                "ok" if good else "FAILED",
                "-" if r["bucket"] is None else
                ("%s (dump, server wall clock)" % iso(r["bucket"]) if r["bucket"] > 86400000 * 365
                 else "%.0f s of uptime (dump prints elapsed time as a 1970 date)" % (r["bucket"] / 1000.0))))
    if ok and not os.environ.get("ZKSIM_CLOCK_KEEP"):
        shutil.rmtree(logs, ignore_errors=True)
    else:
        say("logs kept in %s" % logs)
    say("jumpproof %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
