#!/usr/bin/env python3
"""Proof of the seedclock agent on real releases (see prove-seed.sh, which calls this).

    python3 seedproof.py AGENT_JAR MILLIS VERSION=RELEASE_DIR [VERSION=RELEASE_DIR...]

Per version: a 3-node quorum (tickTime 2000, ports chosen at run time) with
-javaagent:AGENT_JAR=MILLIS on all three servers; raw-protocol client A on one follower, B on the
other; the ids they get are compared with each other and with the release's formula; then both
sessions are used (A create ephemeral, B create ephemeral, A reconnects, B setData, A closes its
session, a third client on the leader looks at B's node) and the servers' log lines about it are
printed. Everything started is stopped by PID; every wait has a timeout. Run it inside a private
network namespace for 3.4.5 (it binds 0.0.0.0).
"""
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

QUORUM_TIMEOUT = 90.0
M64 = (1 << 64) - 1


class Failure(Exception):
    pass


def read1(path):
    with open(path) as f:
        return f.readline().strip()


def jdk17_java():
    javac = shutil.which("javac")
    if not javac:
        raise Failure("no javac on PATH")
    return os.path.join(os.path.dirname(os.path.realpath(javac)), "java")


def free_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def four_letter(port, word, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(word.encode())
            chunks = []
            while True:
                b = s.recv(4096)
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks).decode("utf-8", "replace")
    except OSError:
        return ""


def expected_id(version, millis, myid):
    """SessionTrackerImpl.initializeNextSession(myid) with the clock pinned to millis."""
    v = (millis << 24) & M64
    if version == "3.4.5":  # (t << 24) >> 8: arithmetic shift, sign-extends
        signed = v - (1 << 64) if v >> 63 else v
        v = (signed >> 8) & M64
    else:  # >>> 8
        v >>= 8
    return (v | (myid << 56)) & M64


LOG4J = """log4j.rootLogger=INFO, F
log4j.logger.org.apache.zookeeper.server.PrepRequestProcessor=DEBUG
log4j.logger.org.apache.zookeeper.server.FinalRequestProcessor=DEBUG
log4j.logger.org.apache.zookeeper.server.SessionTrackerImpl=DEBUG
log4j.logger.org.apache.zookeeper.server.quorum.LearnerSessionTracker=DEBUG
log4j.logger.org.apache.zookeeper.server.quorum.Learner=DEBUG
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File={file}
log4j.appender.F.Append=true
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{{ISO8601}} [myid:%X{{myid}}] - %-5p [%t:%C{{1}}@%L] - %m%n
"""

INTERESTING = re.compile(r"Session moved|SessionMoved|Revalidating|Existing session|"
                         r"Established session|Invalid session|Expiring session|"
                         r"Processed session termination|user-level KeeperException|"
                         r"Session 0x[0-9a-f]+ moved|sendCloseSession|Closed socket connection|"
                         r"FinalRequestProcessor@\d+\] - Processing request:: .*type:error")


def say(*a):
    print(*a, flush=True)


def run_version(version, rdir, agent, millis, logs, procs):
    classpath = read1(os.path.join(rdir, "classpath"))
    java = jdk17_java()
    ports = free_ports(9)
    cports = ports[0:3]
    servers = "".join("server.%d=127.0.0.1:%d:%d\n" % (i + 1, ports[3 + i], ports[6 + i])
                      for i in range(3))
    mine = []
    t0 = time.monotonic()
    for i in range(3):
        myid = i + 1
        nd = os.path.join(logs, version, "s%d" % myid)
        data = os.path.join(nd, "data")
        os.makedirs(data)
        with open(os.path.join(data, "myid"), "w") as f:
            f.write("%d\n" % myid)
        cfg = os.path.join(nd, "zoo.cfg")
        with open(cfg, "w") as f:
            f.write("tickTime=2000\ninitLimit=30\nsyncLimit=10\ndataDir=%s\nclientPort=%d\n"
                    "clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
                    "4lw.commands.whitelist=*\npreAllocSize=1024\n%s" % (data, cports[i], servers))
        l4j = os.path.join(nd, "log4j.properties")
        with open(l4j, "w") as f:
            f.write(LOG4J.format(file=os.path.join(nd, "zookeeper.log")))
        out = open(os.path.join(nd, "stdout.log"), "wb")
        p = subprocess.Popen(
            [java, "-javaagent:%s=%d" % (agent, millis), "-Xmx256m", "-XX:+UseSerialGC",
             "-Dlog4j.configuration=file:" + l4j, "-Dzookeeper.jmx.log4j.disable=true",
             "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=nd)
        out.close()
        procs.append(p)
        mine.append(p)
    say("%s: servers pids %s, client ports %s, agent=%d" % (
        version, " ".join(str(p.pid) for p in mine), cports, millis))
    modes = {}
    while len(modes) < 3:
        for i, p in enumerate(mine):
            if p.poll() is not None:
                raise Failure("s%d exited with %s (see %s)" % (i + 1, p.returncode, logs))
        for i in range(3):
            if i + 1 not in modes:
                m = re.search(r"^Mode: (\w+)", four_letter(cports[i], "srvr"), re.M)
                if m:
                    modes[i + 1] = m.group(1)
        if time.monotonic() - t0 > QUORUM_TIMEOUT:
            raise Failure("no quorum within %.0f s: %s" % (QUORUM_TIMEOUT, modes))
        time.sleep(0.1)
    leader = [k for k, v in modes.items() if v == "leader"][0]
    f1, f2 = [k for k, v in sorted(modes.items()) if v == "follower"]
    say("%s: quorum after %.1f s: leader=%d followers=%d,%d" % (
        version, time.monotonic() - t0, leader, f1, f2))
    for i in range(3):
        with open(os.path.join(logs, version, "s%d" % (i + 1), "stdout.log"), errors="replace") as f:
            for line in f:
                if line.startswith("seedclock:"):
                    say("%s: s%d stderr: %s" % (version, i + 1, line.rstrip()))

    a = zkraw.Client(cports[f1 - 1])
    b = zkraw.Client(cports[f2 - 1])
    ea, eb = expected_id(version, millis, f1), expected_id(version, millis, f2)
    say("%s: A via follower %d: session 0x%016x timeout %d (formula 0x%016x %s)" % (
        version, f1, a.session_id, a.timeout_ms, ea, "match" if ea == a.session_id else "MISMATCH"))
    say("%s: B via follower %d: session 0x%016x timeout %d (formula 0x%016x %s)" % (
        version, f2, b.session_id, b.timeout_ms, eb, "match" if eb == b.session_id else "MISMATCH"))
    same = a.session_id == b.session_id
    say("%s: A and B have %s session ids; passwords %s" % (
        version, "IDENTICAL" if same else "different",
        "identical" if a.passwd == b.passwd else "different"))
    verdict = {"same": same, "formula": ea == a.session_id and eb == b.session_id}

    def step(name, fn):
        try:
            r = fn()
            say("%s: %s -> %s" % (version, name, r))
            return r
        except zkraw.ConnectionClosed as e:
            say("%s: %s -> connection closed by the server (%s)" % (version, name, e))
            return "closed"
        except socket.timeout:
            say("%s: %s -> no reply within 20 s" % (version, name))
            return "timeout"

    def errz(r):
        return zkraw.err_name(r[0]) + " zxid=0x%x" % r[1]

    step("A create -e /seed-a", lambda: errz(a.create("/seed-a", b"A", zkraw.EPHEMERAL)))
    step("B create -e /seed-b", lambda: errz(b.create("/seed-b", b"B", zkraw.EPHEMERAL)))
    a.abort()
    a2 = [None]

    def reconnect():
        a2[0] = zkraw.Client(cports[f1 - 1], session_id=a.session_id, passwd=a.passwd)
        return "session 0x%016x timeout %d" % (a2[0].session_id, a2[0].timeout_ms)
    step("A reconnects to follower %d with its id and password" % f1, reconnect)
    step("B setData /seed-b", lambda: errz(b.set_data("/seed-b", b"B2")))
    # Observed through the leader's four-letter words: no session needed (on 3.4.5 a client on the
    # leader would get the very same id, the leader's tracker being seeded alike).
    def look():
        d = four_letter(cports[leader - 1], "dump")
        d = d.split("ephemeral nodes dump:", 1)[-1]
        eph = " ".join(l.strip() for l in d.splitlines() if l.strip().startswith(("0x", "/")))
        nodes = re.search(r"Node count: (\d+)", four_letter(cports[leader - 1], "srvr"))
        return "leader dump ephemerals: [%s] node count %s" % (eph, nodes and nodes.group(1))
    step("leader state before A closes", look)
    if a2[0] is not None and a2[0].timeout_ms > 0:
        step("A closeSession", lambda: errz(a2[0].close_session()))
    time.sleep(1.0)
    verdict["after_close"] = step("leader state after A closed its session", look)
    step("B exists /seed-b", lambda: "%s owner %s" % (
        (zkraw.err_name(b.exists("/seed-b")[0]),) + (hex(b.exists("/seed-b")[1] or 0),)))
    for cl in (a, b) + ((a2[0],) if a2[0] else ()):
        cl.abort()
    time.sleep(1.0)

    for i in range(3):
        role = "leader" if i + 1 == leader else "follower"
        path = os.path.join(logs, version, "s%d" % (i + 1), "zookeeper.log")
        with open(path, errors="replace") as f:
            for line in f:
                if INTERESTING.search(line) and "no session established" not in line:
                    say("%s: log s%d(%s): %s" % (version, i + 1, role, line.rstrip()))
    for p in mine:
        stop(p)
    return verdict


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


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    agent, millis = sys.argv[1], int(sys.argv[2])
    pairs = [x.split("=", 1) for x in sys.argv[3:]]
    logs = tempfile.mkdtemp(prefix="zksim-seedproof-")
    procs = []
    ok = True

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    say("logs in %s" % logs)
    try:
        for version, rdir in pairs:
            say("=== %s (%s) in %s" % (version, read1(os.path.join(rdir, "version")), rdir))
            v = run_version(version, rdir, agent, millis, logs, procs)
            want_same = version == "3.4.5"
            good = v["formula"] and v["same"] == want_same
            say("seedproof %s %s: ids %s, formula %s, B's ephemeral after A's close: %s" % (
                version, "ok" if good else "FAILED", "identical" if v["same"] else "distinct",
                "matches" if v["formula"] else "MISMATCH", v["after_close"]))
            ok &= good
    except Failure as e:
        say("seedproof FAILED: %s" % e)
        ok = False
    finally:
        for p in procs:
            stop(p)
        if ok and not os.environ.get("ZKSIM_CLOCK_KEEP"):
            shutil.rmtree(logs, ignore_errors=True)
        else:
            say("logs kept in %s" % logs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
