#!/usr/bin/env python3
"""Smoke test of one built release (see ../smoke-release.sh, which calls this).

    python3 smoke.py VERSION RELEASE_DIR

Starts a 3-node quorum of the release on 127.0.0.1 (ports chosen at run time), waits until every
node serves (`srvr` says `Mode:`), runs Smoke.java (the release's own Java client, on the dir's
`java`), then stops every process it started, by PID. Logs go to a temp dir, printed on failure
(kept on success only with ZKSIM_SMOKE_KEEP=1). The last line is
    smoke <V> ok build=<jar> quorum=<s> leader=<myid> session=0x<16 hex> <decoded id>
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
QUORUM_TIMEOUT = 90.0
CLIENT_TIMEOUT = 60.0


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


def four_letter(port, word, timeout=1.0):
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


LOG4J = """log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File={file}
log4j.appender.F.Append=true
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{{ISO8601}} [myid:%X{{myid}}] - %-5p [%t:%C{{1}}@%L] - %m%n
"""


def decode_session(sid, wall_ms, mono_ms):
    """Which clock the 40-bit time field (bits 16..55) follows, and the top byte."""
    top = sid >> 56
    t40 = (sid >> 16) & ((1 << 40) - 1)
    ctr = sid & 0xFFFF

    def near(ms):
        d = (t40 - (int(ms) % (1 << 40))) % (1 << 40)
        d = min(d, (1 << 40) - d)
        return d

    d_wall, d_mono = near(wall_ms), near(mono_ms)
    if d_mono < 300000 and d_mono <= d_wall:
        clock = "uptime-ms,%.1fs-ago" % (d_mono / 1000.0)
    elif d_wall < 300000:
        clock = "epoch-ms,%.1fs-ago" % (d_wall / 1000.0)
    else:
        clock = "unknown"
    return "top=0x%02x time40=%d(%s) counter=%d" % (top, t40, clock, ctr)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    version, rdir = sys.argv[1], sys.argv[2]
    classpath = read1(os.path.join(rdir, "classpath"))
    # ZKSIM_SMOKE_CLIENT_JAVA overrides the dir's `java` (to show why 3.4.14 needs Java 11).
    client_java = os.environ.get("ZKSIM_SMOKE_CLIENT_JAVA") or read1(os.path.join(rdir, "java"))
    server_java = jdk17_java()
    jar = os.path.join(rdir, "zookeeper.jar")
    logs = tempfile.mkdtemp(prefix="zksim-smoke-%s-" % version)
    procs = []  # (name, Popen)
    ok = False

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        # 1. The client, compiled against this release's jar.
        classes = os.path.join(logs, "classes")
        os.makedirs(classes)
        r = subprocess.run(
            ["javac", "--release", "8", "-encoding", "UTF-8", "-proc:none", "-nowarn",
             "-d", classes, "-cp", jar, os.path.join(HERE, "Smoke.java")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=180)
        if r.returncode != 0:
            raise Failure("compiling Smoke.java failed:\n" + r.stdout.decode(errors="replace"))

        # 2. Three nodes.
        ports = free_ports(9)
        client_ports = ports[0:3]
        servers = "".join(
            "server.%d=127.0.0.1:%d:%d\n" % (i + 1, ports[3 + i], ports[6 + i]) for i in range(3))
        t_launch = time.monotonic()
        for i in range(3):
            myid = i + 1
            nd = os.path.join(logs, "s%d" % myid)
            data = os.path.join(nd, "data")
            os.makedirs(data)
            with open(os.path.join(data, "myid"), "w") as f:
                f.write("%d\n" % myid)
            cfg = os.path.join(nd, "zoo.cfg")
            with open(cfg, "w") as f:
                f.write("tickTime=200\ninitLimit=50\nsyncLimit=10\n"
                        "dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
                        "admin.enableServer=false\n4lw.commands.whitelist=*\n"
                        "preAllocSize=1024\n%s" % (data, client_ports[i], servers))
            l4j = os.path.join(nd, "log4j.properties")
            with open(l4j, "w") as f:
                f.write(LOG4J.format(file=os.path.join(nd, "zookeeper.log")))
            out = open(os.path.join(nd, "stdout.log"), "wb")
            p = subprocess.Popen(
                [server_java, "-Xmx256m", "-XX:+UseSerialGC",
                 "-Dlog4j.configuration=file:" + l4j, "-Dzookeeper.jmx.log4j.disable=true",
                 "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=nd)
            out.close()
            procs.append(("s%d" % myid, p))
        with open(os.path.join(logs, "pids"), "w") as f:
            f.write("".join("%d\n" % p.pid for _, p in procs))

        # 3. Until every node serves.
        modes = {}
        deadline = t_launch + QUORUM_TIMEOUT
        while len(modes) < 3:
            for name, p in procs:
                if p.poll() is not None:
                    raise Failure("%s exited with %s before the quorum formed" % (name, p.returncode))
            for i in range(3):
                if i + 1 in modes:
                    continue
                m = re.search(r"^Mode: (\w+)", four_letter(client_ports[i], "srvr"), re.M)
                if m:
                    modes[i + 1] = m.group(1)
            if len(modes) == 3:
                break
            if time.monotonic() > deadline:
                raise Failure("no quorum within %.0f s (serving: %s)" % (QUORUM_TIMEOUT, modes))
            time.sleep(0.05)
        t_quorum = time.monotonic() - t_launch
        leaders = [k for k, v in modes.items() if v == "leader"]
        print("quorum after %.2f s: %s" % (
            t_quorum, " ".join("%d=%s" % (k, modes[k]) for k in sorted(modes))), flush=True)

        # 4. The release's own client: session via node 1, read back via node 2.
        cl4j = os.path.join(logs, "client-log4j.properties")
        with open(cl4j, "w") as f:
            f.write(LOG4J.format(file=os.path.join(logs, "client.log")))
        cout = os.path.join(logs, "client.out")
        with open(cout, "wb") as out:
            c = subprocess.Popen(
                [client_java, "-Xmx128m", "-XX:+UseSerialGC", "-Dlog4j.configuration=file:" + cl4j,
                 "-cp", classes + ":" + classpath, "Smoke",
                 "127.0.0.1:%d" % client_ports[0], "127.0.0.1:%d" % client_ports[1]],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
            procs.append(("client", c))
            try:
                rc = c.wait(timeout=CLIENT_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise Failure("client did not finish within %.0f s" % CLIENT_TIMEOUT)
        wall_ms, mono_ms = time.time() * 1000.0, time.monotonic() * 1000.0
        with open(cout, errors="replace") as f:
            text = f.read()
        sys.stdout.write("".join("client: " + line + "\n" for line in text.splitlines()
                                 if not line.startswith(("log4j:", "SLF4J:"))))
        if rc != 0 or not re.search(r"^ok$", text, re.M):
            raise Failure("client failed (exit %s)" % rc)
        sid = int(re.search(r"^session 0x([0-9a-f]+)", text, re.M).group(1), 16)
        ok = True
        print("smoke %s ok build=%s quorum=%.2fs leader=%s session=0x%016x %s" % (
            version, read1(os.path.join(rdir, "version")).split(",")[0], t_quorum,
            ",".join(map(str, leaders)) or "?", sid, decode_session(sid, wall_ms, mono_ms)),
            flush=True)
        return 0
    except Failure as e:
        print("smoke %s FAILED: %s" % (version, e), flush=True)
        return 1
    finally:
        # Stop everything started here, by PID: TERM, then KILL after 10 s.
        for _, p in procs:
            if p.poll() is None:
                try:
                    p.terminate()
                except OSError:
                    pass
        end = time.monotonic() + 10
        for _, p in procs:
            try:
                p.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        if not ok:
            print("logs in %s" % logs)
            for root, _dirs, files in sorted(os.walk(logs)):
                for fn in sorted(files):
                    if fn.endswith((".log", ".out")):
                        path = os.path.join(root, fn)
                        print("=== %s" % os.path.relpath(path, logs))
                        with open(path, errors="replace") as f:
                            for line in f.readlines()[-20:]:
                                sys.stdout.write(line)
            sys.stdout.flush()
        elif os.environ.get("ZKSIM_SMOKE_KEEP"):
            print("logs kept in %s" % logs)
        else:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
