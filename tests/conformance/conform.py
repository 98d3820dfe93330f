#!/usr/bin/env python3
"""Conformance: each zksim profile against the real ZooKeeper release it models.

For each release (--release V, repeatable; `all`; default: every release with a profile) and each
scenarios/NAME.json (scenario format v1):
  0. refuses the scenario if it uses a field or action the real side cannot drive (the scenario
     fails, naming the field); skips it if NAME.expect.json says it means nothing on the release;
  1. runs the simulator on it under the release's profile (the scenario's "version" rewritten;
     `zksim run FILE --json`, and `--until T` at each checkpoint);
  2. starts a real ensemble (QuorumPeerMain JVMs, one per server, free loopback ports; one server
     means a standalone server), drives the same actions through real ZooKeeper handles in
     Driver.java, reads the server logs, and builds a report in the shape of `zksim run --json`;
  3. compares the two: session-ID structure, negotiated timeouts, op codes, client events and
     states, ephemeral owners at checkpoints, the end tree, expiry instants within the spec's
     window. NAME.expect.json lists checkpoints, outcomes the real system races on (compared as
     sets) and known differences (expected to fail, with the reason).

Standard library only. Every process it starts is stopped by PID. Each release runs in a child
process of this script (for 3.4.5, inside a private network namespace: its election and quorum
ports bind 0.0.0.0); the parent adds up their results.
"""
import argparse
import datetime
import json
import math
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loglines  # noqa: E402
import timing  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "clock"))
import fakeclock  # noqa: E402
DEBIAN_CP = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-api.jar",
             "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"]
# The release -> the zksim profile that models it.
PROFILE = {"3.4.5": "3.4.5", "3.4.6": "3.4.6", "3.4.14": "3.4.14", "3.5.10": "3.5.10",
           "3.6.4": "3.6", "3.7.2": "3.6", "3.8.4": "3.6", "3.9.2": "3.6", "3.9.3": "3.9.3", "3.9.4": "3.9.4", "debian-3.8.0": "3.6"}
# The default (and `all`): every release releases.sh builds that has a profile.
DEFAULT_RELEASES = ["3.4.5", "3.4.6", "3.4.14", "3.5.10", "3.6.4", "3.7.2", "3.8.4", "3.9.2", "3.9.3", "3.9.4"]
# Releases that run only these scenarios unless scenario names are given (the time budget: 3.9.3
# and 3.9.4 differ from 3.9.2's profile only by the client's own expiry, ZOOKEEPER-4508/4921).
RELEASE_SCENARIOS = {"3.9.3": ["client-expiry"], "3.9.4": ["client-expiry"]}
# Every release runs in a private network namespace of its own (unshare -n, loopback only): 3.4.5's
# servers bind election/quorum ports on 0.0.0.0, and the partitions' nftables rules (Cuts) must
# touch nothing outside the run.
NETNS = set(PROFILE)
RELEASES_SH = os.path.join(HERE, "releases.sh")
LOG4J = """log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File={file}
log4j.appender.F.Append=true
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{{yyyy-MM-dd HH:mm:ss,SSS}} [myid:%X{{myid}}] - %-5p [%t:%c{{1}}@%L] - %m%n
"""
DEBUG_CLASSES = ["server.SessionTrackerImpl", "server.quorum.LearnerSessionTracker",
                 "server.ZooKeeperServer", "server.FinalRequestProcessor",
                 "server.PrepRequestProcessor", "server.NIOServerCnxn",
                 "server.quorum.LearnerHandler"]
PROCS = {}  # pid -> description; every process this script started and has not yet reaped
PIDFILE = None  # run.sh's trap kills whatever is listed here if this script dies


def read_json(path):
    """A JSON file, read and closed."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def track(pid, what=None):
    if what is None:
        PROCS.pop(pid, None)
    else:
        PROCS[pid] = what
    if PIDFILE:
        with open(PIDFILE, "w") as f:
            f.write("".join(f"{p}\n" for p in PROCS))


def now_ms():
    return time.time() * 1000.0


def log(msg):
    print(msg, flush=True)


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def four_letter(port, cmd, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(cmd.encode())
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
            return out.decode(errors="replace")
    except OSError:
        return ""


def stop_pid(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class Release:
    """A real ZooKeeper release: its jars (classpath), the java that runs it, its version."""

    def __init__(self, name, cp, java, version, jar):
        self.name, self.cp, self.java, self.version, self.jar = name, cp, java, version, jar
        self.profile = PROFILE[name]
        self.v = tuple(int(x) for x in re.findall(r"\d+", version)[:3])
        self.is34 = self.v < (3, 5)

    @staticmethod
    def debian():
        for jar in DEBIAN_CP:
            if not os.path.exists(jar):
                raise RuntimeError(f"missing {jar} (Debian's zookeeper package)")
        return Release("debian-3.8.0", DEBIAN_CP, "java", "3.8.0", DEBIAN_CP[0])

    @staticmethod
    def from_dir(name, d):
        rd = lambda f: open(os.path.join(d, f)).read().strip()
        return Release(name, rd("classpath").split(":"), rd("java"), rd("version"),
                       os.path.join(d, "zookeeper.jar"))

    def to_json(self):
        return {"name": self.name, "cp": self.cp, "java": self.java, "version": self.version,
                "jar": self.jar}

    @staticmethod
    def from_json(j):
        return Release(j["name"], j["cp"], j["java"], j["version"], j["jar"])


def raw_int(scn, key, default):
    v = scn.get(key)
    return default if v is None else v


class Ensemble:
    """Real QuorumPeerMain JVMs, one per myid; one server = standalone."""

    def __init__(self, scn, release, workdir):
        ids = [s["id"] for s in scn["servers"]]
        tick = raw_int(scn, "tick_ms", 2000)
        self.release = release
        self.ids = ids
        self.tick = tick
        self.dir = workdir
        self.procs = {}
        self.agent = {}  # sid -> seedclock agent argument for its next start (then cleared)
        # With partitions, each server runs as a uid of its own, so that nftables can tell whose
        # packet it is (Cuts); it keeps root's file access (ambient capabilities) and nothing else.
        self.uid = {sid: SERVER_UID_BASE + sid for sid in ids} if uses_partitions(scn) else {}
        # A server whose wall clock the scenario moves runs on a fake clock of its own (see
        # "Clock jumps" below); the clock outlives the server's restarts, as a machine's does.
        self.clocks, self.clock_history = {}, {}  # sid -> FakeClock; [(real ms, offset ms)]
        for sid, offset_ms in clock_servers(scn).items():
            self.clocks[sid] = fakeclock.FakeClock()
            self.clocks[sid].set_offset(offset_ms)
            self.clock_history[sid] = [(None, offset_ms)]
        ports = free_ports(3 * len(ids))
        self.client_port = {sid: ports[3 * i] for i, sid in enumerate(ids)}
        self.quorum_ports = {sid: (ports[3 * i + 1], ports[3 * i + 2]) for i, sid in enumerate(ids)}
        self.port_to_id = {p: sid for sid, p in self.client_port.items()}
        for sid in ids:
            d = os.path.join(self.dir, f"s{sid}")
            os.makedirs(os.path.join(d, "data"), exist_ok=True)
            with open(os.path.join(d, "data", "myid"), "w") as f:
                f.write(f"{sid}\n")
            cfg = [f"tickTime={tick}",
                   f"initLimit={raw_int(scn, 'init_limit', 10)}",
                   f"syncLimit={raw_int(scn, 'sync_limit', 5)}",
                   f"minSessionTimeout={raw_int(scn, 'min_session_timeout_ms', 2 * tick)}",
                   f"maxSessionTimeout={raw_int(scn, 'max_session_timeout_ms', 20 * tick)}",
                   f"dataDir={d}/data", f"clientPort={self.client_port[sid]}",
                   "clientPortAddress=127.0.0.1", "preAllocSize=1024",
                   # No fsync per txn: disk latency is not what is compared, and a slow first
                   # commit would blow the 100 ms connect timeout of a tiny requested timeout.
                   # (3.4 reads it as the system property zookeeper.forceSync: its config
                   # parser turns every key it does not know into one.)
                   "forceSync=no"]
            if not release.is34:
                # 3.5+: no Jetty admin server; every four-letter word (dump, srvr). 3.4 has
                # neither, and would silently turn the keys into zookeeper.* system properties.
                cfg += ["admin.enableServer=false", "4lw.commands.whitelist=*"]
            if len(ids) > 1:
                for o in ids:
                    q, e = self.quorum_ports[o]
                    cfg.append(f"server.{o}=127.0.0.1:{q}:{e}")
            with open(os.path.join(d, "zoo.cfg"), "w") as f:
                f.write("\n".join(cfg) + "\n")
            l4j = LOG4J.format(file=os.path.join(d, "server.log"))
            l4j += "".join(f"log4j.logger.org.apache.zookeeper.{c}=DEBUG\n" for c in DEBUG_CLASSES)
            with open(os.path.join(d, "log4j.properties"), "w") as f:
                f.write(l4j)

    def wipe(self):
        """Empties every data dir but its myid file (a fresh ensemble)."""
        for sid in self.ids:
            d = os.path.join(self.dir, f"s{sid}", "data")
            for name in os.listdir(d):
                if name != "myid":
                    shutil.rmtree(os.path.join(d, name), ignore_errors=True)

    def log_path(self, sid):
        return os.path.join(self.dir, f"s{sid}", "server.log")

    def start(self, sid):
        d = os.path.join(self.dir, f"s{sid}")
        agent = self.agent.pop(sid, None)
        cmd = [self.release.java] + ([f"-javaagent:{SEEDCLOCK}={agent}"] if agent else []) + ["-Xmx256m", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
               f"-Dlog4j.configuration=file:{d}/log4j.properties",
               "-Dzookeeper.jmx.log4j.disable=true",
               "-cp", ":".join(self.release.cp),
               "org.apache.zookeeper.server.quorum.QuorumPeerMain", f"{d}/zoo.cfg"]
        if agent:
            self.seeded = getattr(self, "seeded", set()) | {sid}
        if sid in self.uid:
            u = self.uid[sid]
            caps = "+dac_override,+dac_read_search"
            cmd = ["setpriv", f"--reuid={u}", f"--regid={u}", "--clear-groups", f"--inh-caps={caps}",
                   f"--ambient-caps={caps}"] + cmd  # setpriv execs: the same PID
        env = dict(os.environ, **self.clocks[sid].env()) if sid in self.clocks else None
        out = open(os.path.join(d, "stdout.log"), "ab")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             cwd=d, env=env)
        out.close()
        self.procs[sid] = p
        track(p.pid, f"server s{sid}")

    def crash(self, sid):
        p = self.procs.pop(sid, None)
        if p is None:
            return
        stop_pid(p.pid)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        track(p.pid)

    def stop_all(self):
        for sid in list(self.procs):
            self.crash(sid)

    def jump_clock(self, sid, by_ms):
        """Moves server sid's wall clock by by_ms and marks the moment in its log (a line the
        log reader never sees: unfake_log takes it out with the faked timestamps)."""
        clock = self.clocks[sid]
        t = clock.jump(by_ms)
        self.clock_history[sid].append((t * 1000.0, clock.offset_ms))
        with open(self.log_path(sid), "a") as f:  # O_APPEND, as the server's own appender
            f.write(f"{CLOCK_JUMP_MARK} {clock.offset_ms} {t * 1000.0:.3f}\n")

    def unfake_logs(self):
        """Every faked server log back on the machine's clock (the original kept beside it)."""
        for sid, clock in self.clocks.items():
            p = self.log_path(sid)
            if os.path.exists(p):
                shutil.copyfile(p, p + ".faked")
                with open(p, errors="replace") as f:
                    text = f.read()
                with open(p, "w") as f:
                    f.write(unfake_log(text, self.clock_history[sid]))
            clock.close()

    def wait_port(self, sid, timeout_s):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.client_port[sid]), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def mode(self, sid):
        out = four_letter(self.client_port[sid], "srvr", timeout=1.0)
        m = re.search(r"Mode: (\w+)", out)
        return m.group(1) if m else None

    def wait_serving(self, sids, timeout_s=30):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            modes = {sid: self.mode(sid) for sid in sids}
            if all(modes.values()):
                return modes
            time.sleep(0.1)
        raise RuntimeError(f"servers {sids} not serving after {timeout_s} s: {modes}")

    def leader(self):
        for sid in self.procs:
            m = self.mode(sid)
            if m in ("leader", "standalone"):
                return sid
        return None


# Partitions on a real ensemble. Every release runs in a network namespace of its own, where the
# harness owns the nftables ruleset. A server runs as uid SERVER_UID_BASE + myid (Ensemble), and a
# client a partition names binds its sockets to a loopback address of its own (CLIENT_IP_BASE + its
# index; DriverSocket34/35). Each new connection is marked with its initiator's uid (conntrack), so
# a packet's sender is its socket's uid and its receiver is the acceptor (by destination port) or
# the initiator (by the mark). A cut X -> Y drops what X sends Y, as the simulator's partition
# stops it: TCP retransmits, nothing is lost, a connect across it hangs (its SYN or SYN-ACK is
# dropped), and the data moves again after the heal (after TCP's retransmission backoff, where
# the simulator delivers at once: scenarios leave the heal time to matter only by seconds).
SERVER_UID_BASE = 20000
CLIENT_IP_BASE = 10
NFT_TABLE = "zksim_cuts"


def uses_partitions(scn):
    return any(a.get("do") in ("partition", "heal") for a in scn.get("actions", []))


def partition_clients(scn):
    """Client name -> its own loopback address, for every client a partition or heal names."""
    named = set()
    for a in scn.get("actions", []):
        if a.get("do") in ("partition", "heal"):
            named |= {e for e in (a.get("a") or []) + (a.get("b") or []) if not re.fullmatch(r"s\d+", e)}
    return {c["name"]: f"127.0.0.{CLIENT_IP_BASE + i}" for i, c in enumerate(scn.get("clients", []))
            if c["name"] in named}


def partition_refusal():
    """Why partitions cannot be driven here, or None."""
    if os.geteuid() != 0:
        return "partitions need root (a network namespace, nftables rules, servers under their own uids)"
    if not shutil.which("nft") or not shutil.which("setpriv"):
        return "partitions need nft (Debian's nftables) and setpriv"
    return None


def nft(*args):
    p = subprocess.run(["nft"] + list(args), capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        raise RuntimeError(f"nft {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


class Cuts:
    """The directed cuts now in force, as nftables rules (see above)."""

    def __init__(self, ens, client_ips):
        self.ens = ens
        self.ips = client_ips
        self.rules = {}  # (from, to) -> [rule handle]
        nft("add", "table", "inet", NFT_TABLE)
        nft("add", "chain", "inet", NFT_TABLE, "out", "{ type filter hook output priority 0; }")
        for sid, u in ens.uid.items():
            nft("add", "rule", "inet", NFT_TABLE, "out", "meta", "skuid", str(u), "ct", "state", "new",
                "ct", "mark", "set", str(u))

    def _ports(self, sid):
        q, e = self.ens.quorum_ports[sid]
        return "{ " + ", ".join(str(p) for p in (self.ens.client_port[sid], q, e)) + " }"

    def _exprs(self, x, y):
        """nft match expressions for what endpoint x sends endpoint y."""
        xs, ys = x if x.startswith("s") and x[1:].isdigit() else None, y if y.startswith("s") and y[1:].isdigit() else None
        if xs and ys:
            ux, uy = self.ens.uid[int(x[1:])], self.ens.uid[int(y[1:])]
            return [f"meta skuid {ux} ct mark {ux} tcp dport {self._ports(int(y[1:]))}",
                    f"meta skuid {ux} ct mark {uy}"]
        if xs:
            return [f"meta skuid {self.ens.uid[int(x[1:])]} ip daddr {self.ips[y]}"]
        if ys:
            return [f"ip saddr {self.ips[x]} tcp dport {self.ens.client_port[int(y[1:])]}"]
        return []  # client to client: no traffic to cut

    def cut(self, x, y):
        if (x, y) in self.rules:
            return
        handles = []
        for e in self._exprs(x, y):
            out = nft("-e", "-a", "add", "rule", "inet", NFT_TABLE, "out", *e.split(), "drop")
            m = re.search(r"# handle (\d+)", out)
            if not m:
                raise RuntimeError(f"nft gave no rule handle: {out!r}")
            handles.append(m.group(1))
        self.rules[(x, y)] = handles

    def heal(self, pred):
        for k in [k for k in self.rules if pred(*k)]:
            for h in self.rules.pop(k):
                nft("delete", "rule", "inet", NFT_TABLE, "out", "handle", h)

    def close(self):
        try:
            nft("delete", "table", "inet", NFT_TABLE)
        except Exception:
            pass


# Clock jumps on a real server. A server whose wall clock the scenario moves (`clock_jump`, or
# `servers[].clock_offset_ms`) runs under libfaketime (clock/fakeclock.py): its
# System.currentTimeMillis() and its log timestamps follow an offset file, while System.nanoTime()
# and the length of every timed wait stay true, as on a machine whose clock is stepped. Every
# server event the harness reads comes from log timestamps, so after the run the faked log is
# put back on the machine's clock: each jump appends a marker line to the log (the harness's
# write, O_APPEND like the appender's), and the lines between two markers are shifted back by
# the offset then in force. A line whose clock was read on one side of a jump and written on the
# other (a few microseconds) is recognised by landing outside its segment and shifted by the
# neighbouring offset instead.
CLOCK_JUMP_MARK = "ZKSIM-CLOCK-JUMP"
CLOCK_SEGMENT_SLACK_MS = 500


def clock_servers(scn):
    """Server id -> its initial wall-clock offset (ms), for every server whose clock moves."""
    out = {}
    for sv in scn.get("servers", []):
        if sv.get("clock_offset_ms") not in (None, 0):
            out[sv["id"]] = int(sv["clock_offset_ms"])
    for a in scn.get("actions", []):
        if a.get("do") == "clock_jump":
            out.setdefault(int(a["server"]), 0)
    return out


def _log_stamp(ms):
    dt = datetime.datetime.fromtimestamp(ms / 1000.0)
    return dt.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % (int(round(ms)) % 1000)


def unfake_log(text, history, end_ms=None):
    """A faked server log's text on the machine's clock. history: [(real ms, offset ms)], the
    offset from the start first and then one entry per jump, in the order of the log's markers;
    end_ms: the real end of the log (no line is later; default now)."""
    end_ms = time.time() * 1000.0 if end_ms is None else end_ms
    bounds = [h[0] for h in history[1:]]  # the real instants of the jumps
    slack = CLOCK_SEGMENT_SLACK_MS
    out, seg = [], 0
    for line in text.split("\n"):
        if line.startswith(CLOCK_JUMP_MARK):
            seg = min(seg + 1, len(history) - 1)
            continue
        stamp = parse_log_time(line)
        if stamp is None:
            out.append(line)
            continue
        lo = bounds[seg - 1] if seg > 0 else None
        hi = bounds[seg] if seg < len(bounds) else end_ms
        t = stamp - history[seg][1]
        if (lo is not None and t < lo - slack) or t > hi + slack:
            if lo is not None and abs(stamp - history[seg - 1][1] - lo) <= slack:
                t = stamp - history[seg - 1][1]  # read before the jump, written after its marker
            elif seg < len(bounds) and abs(stamp - history[seg + 1][1] - hi) <= slack:
                t = stamp - history[seg + 1][1]  # read after the next jump, written before its marker
        out.append(_log_stamp(t) + line[23:])
    return "\n".join(out)


class Driver:
    """The Java driver JVM: real ZooKeeper handles, driven by lines on stdin."""

    def __init__(self, workdir, classes, release):
        l4j = LOG4J.format(file=os.path.join(workdir, "client.log")).replace("rootLogger=INFO",
                                                                                "rootLogger=INFO")
        l4j += "log4j.logger.org.apache.zookeeper.ClientCnxn=DEBUG\n"
        with open(os.path.join(workdir, "client-log4j.properties"), "w") as f:
            f.write(l4j)
        cmd = [release.java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               f"-Dlog4j.configuration=file:{workdir}/client-log4j.properties",
               "-cp", ":".join([classes] + release.cp), "Driver"]
        self.err = open(os.path.join(workdir, "driver.stderr"), "wb")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, text=True, bufsize=1)
        track(self.p.pid, "driver")
        self.lines = []
        self.q = queue.Queue()
        self.raw = open(os.path.join(workdir, "driver.out"), "w")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.raw.write(line)
            self.raw.flush()
            f = line.rstrip("\n").split("\t")
            f[0] = int(f[0])
            self.lines.append(f)
            self.q.put(f)

    def send(self, *fields):
        self.p.stdin.write("\t".join(str(x) for x in fields) + "\n")
        self.p.stdin.flush()

    def wait_for(self, pred, timeout_s):
        deadline = time.time() + timeout_s
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise RuntimeError("driver: timed out waiting")
            try:
                f = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if pred(f):
                return f

    def stop(self):
        try:
            self.send("quit")
            self.p.wait(timeout=5)
        except Exception:
            pass
        stop_pid(self.p.pid)
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        track(self.p.pid)
        self.err.close()
        self.raw.close()


def q(s):
    return urllib.parse.quote(s if s is not None else "", safe="")


def parse_log_time(line):
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})", line)
    if not m:
        return None
    dt = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    return dt.timestamp() * 1000.0 + int(m.group(2))


def parse_dump(text):
    """`dump` 4lw: {session: [ephemeral paths]}."""
    owners = {}
    cur = None
    in_eph = False
    for line in text.splitlines():
        if line.startswith("Sessions with Ephemerals"):
            in_eph = True
            continue
        if not in_eph:
            continue
        if line.startswith("Connections"):
            break
        m = re.match(r"^(0x[0-9a-f]+):$", line.strip())
        if m and not line.startswith("\t"):
            cur = m.group(1)
            continue
        if line.startswith("\t/") and cur:
            owners[line.strip()] = cur
    return owners


# ---------------------------------------------------------------------------------------------
# The real run


# seedclock (clock/README.md): the releases whose follower collision is made deterministic.
SEED_RELEASES = {"3.4.5"}
SEED_MILLIS = 1700000000000
SEEDCLOCK = None  # the agent jar, set by run_release for a release in SEED_RELEASES


def seeded_ok(ens, sid):
    """The agent says it instrumented the tracker (printed when the class loads: after the
    election, before the first session), within 10 s of serving."""
    p = os.path.join(ens.dir, f"s{sid}", "stdout.log")
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if "seedclock: instrumented" in open(p, errors="replace").read():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def run_real(scn, expect, workdir, classes, release, sim_hosts, sim_leader, barrier=None):
    ids = [s["id"] for s in scn["servers"]]
    ens = Ensemble(scn, release, workdir)
    drv = None
    cuts = None
    real = {"notes": []}
    t_setup = time.time()
    try:
        if uses_partitions(scn):
            # Before any server starts: conntrack then sees every connection from its SYN, so
            # its mark is its initiator's uid (a connection picked up mid-stream would be
            # marked by whichever side happened to send first after the rules were loaded).
            cuts = Cuts(ens, partition_clients(scn))
        # The driver JVM starts (and loads its client classes against a closed port: a handle
        # to it mints nothing) while the servers start and elect.
        drv = Driver(workdir, classes, release)
        drv.send("warmup", f"127.0.0.1:{free_ports(1)[0]}")
        # start_ms: 0 (the default) = before the scenario's clock starts; later = at that time
        # (a timeline event below); null = only by a start_server action.
        start_at = {s["id"]: s.get("start_ms", 0) for s in scn["servers"]}
        initial = [sid for sid in ids if start_at[sid] == 0]
        modes = {}
        # Highest myid first, so that it wins the first election as in the simulator (if the two
        # lower ones form a quorum before it is up, the middle one leads); checked, and retried.
        for attempt in range(3):
            if not initial:
                break
            if release.name in SEED_RELEASES and len(initial) > 1 and SEEDCLOCK:
                # 3.4.5's collision made deterministic: the followers seed their session ids
                # from the same pinned millisecond, the leader from the next (as zksim's
                # followers and leader do); only the JVM's first seeding is pinned.
                lead = sim_leader if sim_leader in initial else max(initial)
                for sid in initial:
                    ens.agent[sid] = f"{SEED_MILLIS + (1 if sid == lead else 0)},once"
            for i, sid in enumerate(sorted(initial, reverse=True)):
                ens.start(sid)
                if i == 0 and len(initial) > 1:
                    # Its client port opens just before it starts its election: the others join
                    # an election it is in (a fixed sleep loses on a loaded machine).
                    ens.wait_port(sid, 15)
            if len(initial) < len(ids) and len(initial) <= len(ids) // 2:
                break  # no quorum yet: nothing serves until the later ones start
            modes = ens.wait_serving(initial)
            for sid in sorted(getattr(ens, "seeded", ())):
                if not seeded_ok(ens, sid):
                    raise RuntimeError(f"s{sid}: no `seedclock: instrumented` line in its stdout.log "
                                       f"(a broken fixture; exit 86 = the agent refused)")
            want = sim_leader if sim_leader in initial else max(initial)
            if len(initial) == 1 or modes.get(want) == "leader":
                break
            real["notes"].append(f"attempt {attempt + 1}: s{want} did not lead ({modes}); restarting")
            ens.stop_all()
            ens.wipe()
        else:
            raise RuntimeError(f"the first election did not make s{want} leader: {modes}")
        real["initial_modes"] = modes
        modes_cache = dict(modes)  # cleared when a server starts or crashes
        client_ips = partition_clients(scn)
        drv.wait_for(lambda f: f[1] == "warm", 30)
        clients = {c["name"]: c for c in scn["clients"]}
        actions = scn["actions"]
        until = scn.get("until_ms", (actions[-1]["at_ms"] if actions else 0) + 60000)
        checkpoints = sorted(expect.get("checkpoints", []))
        sessions_of = {}  # client -> (sid, passwd) of its current session
        issued = []  # (index, action)
        kills = {}  # client -> (wall ms, last send ago, server, server mode)
        kill_info = {}  # client -> (server, its mode) when killed
        connects = []  # (client, wall, action)
        dumps = {}
        server_events = []
        timeline = [(a["at_ms"], 0, i, a) for i, a in enumerate(actions)]
        timeline += [(cp, 1, -1, {"do": "_checkpoint", "at_ms": cp}) for cp in checkpoints]
        # A server starts at its start_ms before any action of that millisecond (the simulator
        # starts servers before it runs actions).
        timeline += [(t, -1, -1, {"do": "start_server", "server": sid, "at_ms": t})
                     for sid, t in start_at.items() if t and t <= until]
        timeline.sort(key=lambda x: (x[0], x[1], x[2]))
        real["setup_s"] = round(time.time() - t_setup, 2)
        if barrier:
            # Releases side by side start each scenario's clock together: no JVM of one starts
            # while the other is in the middle of a scenario (except by the scenario's actions,
            # which then happen at the same time in both).
            real["barrier_wait_s"] = barrier()
        t0 = now_ms()
        real["t0"] = t0
        attached = {}  # client -> server port it is on now (from conn lines)

        def current_conns():
            for f in list(drv.lines):
                if f[1] == "conn":
                    attached[f[2]] = int(f[6])
                    sessions_of[f[2]] = (f[3], f[5])

        for at, _, idx, a in timeline:
            delay = t0 + at - now_ms()
            if delay > 0:
                time.sleep(delay / 1000.0)
            what = a["do"]
            current_conns()
            if what == "_checkpoint":
                leader = ens.leader()
                dumps[at] = parse_dump(four_letter(ens.client_port[leader], "dump")) if leader else None
                continue
            c = a.get("client")
            if what == "start_server":
                ens.start(a["server"])
                modes_cache.clear()
                server_events.append((now_ms(), "start", a["server"]))
            elif what == "crash_server":
                ens.crash(a["server"])
                modes_cache.clear()
                server_events.append((now_ms(), "crash", a["server"]))
            elif what == "connect":
                spec = clients[c]
                servers = a.get("servers") or spec.get("servers") or ids
                order = sim_hosts.get(idx) or servers
                order = order + [s for s in servers if s not in order]
                hosts = ",".join(f"127.0.0.1:{ens.client_port[s]}" for s in order)
                sid, pw = "-", "-"
                if a.get("session_of"):
                    # A slow first connect on a loaded machine: wait (bounded) for the session.
                    deadline = time.time() + 3
                    while a["session_of"] not in sessions_of and time.time() < deadline:
                        time.sleep(0.02)
                        current_conns()
                    if a["session_of"] not in sessions_of:
                        raise RuntimeError(f"{a['session_of']} has no session to reuse at {at} ms")
                    sid, pw = sessions_of[a["session_of"]]
                    if a.get("password"):
                        pw = a["password"]
                drv.send("connect", c, hosts, spec.get("session_timeout_ms", 30000), sid, pw,
                         client_ips.get(c, "-"))
                connects.append((c, now_ms(), a, idx))
            elif what == "kill":
                port = attached.get(c)
                sid = ens.port_to_id.get(port)
                if sid not in modes_cache:
                    modes_cache[sid] = ens.mode(sid) if sid else None
                mode = modes_cache[sid]
                drv.send("kill", c)
                kill_info[c] = (sid, mode)
            elif what == "clock_jump":
                ens.jump_clock(int(a["server"]), int(a["by_ms"]))
                server_events.append((now_ms(), "clock_jump", a))
            elif what == "freeze":
                drv.send("freeze", c, a["for_ms"])
            elif what == "partition":
                for x in a["a"]:
                    for y in a["b"]:
                        cuts.cut(x, y)
                        if not a.get("one_way"):
                            cuts.cut(y, x)
                modes_cache.clear()
                server_events.append((now_ms(), "partition", a))
            elif what == "heal":
                def side(v, e):
                    return v is None or e in v
                cuts.heal(lambda f, t: (side(a.get("a"), f) and side(a.get("b"), t))
                          or (side(a.get("a"), t) and side(a.get("b"), f)))
                modes_cache.clear()
                server_events.append((now_ms(), "heal", a))
            elif what == "close":
                drv.send("close", idx, c)
                issued.append((idx, a))
            elif what in ("create", "set_data", "delete", "exists", "get_data", "sync"):
                drv.send("op", idx, c, what, q(a["path"]), q(a.get("data", "")),
                         a.get("version", -1), int(bool(a.get("ephemeral"))),
                         int(bool(a.get("sequential"))))
                issued.append((idx, a))
            elif what == "multi":
                ops = ";".join(",".join([q(o["op"]), q(o["path"]), q(o.get("data", "")),
                                         str(o.get("version", -1)), str(int(bool(o.get("ephemeral")))),
                                         str(int(bool(o.get("sequential"))))])
                               for o in a["ops"])
                drv.send("multi", idx, c, ops)
                issued.append((idx, a))
            elif what == "register":
                drv.send("register", idx, c, a["style"], q(a["path"]), q(a.get("data", "")))
                issued.append((idx, a))
            else:
                raise RuntimeError(f"action {what!r} is not supported by the conformance harness")
        delay = t0 + until - now_ms()
        if delay > 0:
            time.sleep(delay / 1000.0)
        end_wall = now_ms()
        t_end = time.time()
        # Read the end tree through a handle of its own, outside the scenario.
        live = [sid for sid in ids if sid in ens.procs]
        drv.send("tree", ",".join(f"127.0.0.1:{ens.client_port[s]}" for s in live))
        drv.wait_for(lambda f: f[1] == "treedone", 40)
        real["final_modes"] = {sid: ens.mode(sid) for sid in live}
        lines = list(drv.lines)
        for f in lines:
            if f[1] == "killed" and f[2] in kill_info:
                kills[f[2]] = (f[0], int(f[3])) + kill_info[f[2]]
    finally:
        if drv:
            drv.stop()
        ens.stop_all()
        ens.unfake_logs()
        if cuts:
            cuts.close()
    real["teardown_s"] = round(time.time() - t_end, 2) if "t_end" in locals() else None
    # Server logs.
    slog = []
    for sid in ids:
        try:
            with open(ens.log_path(sid), errors="replace") as fh:
                for line in fh:
                    t = parse_log_time(line)
                    if t is not None:
                        slog.append((t, sid, line.rstrip("\n")))
        except FileNotFoundError:
            pass
    slog.sort()
    return build_report(scn, lines, slog, dumps, kills, connects, issued, t0, end_wall, ens,
                        server_events, real)


def build_report(scn, lines, slog, dumps, kills, connects, issued, t0, end_wall, ens,
                 server_events, real):
    rel = lambda w: None if w is None else int(round(w - t0))
    # Sessions minted: the first SyncConnected of a connect without session_of.
    expiring = {}
    for t, sid, line in slog:
        m = re.search(r"Expiring session (0x[0-9a-f]+), timeout of (\d+)ms exceeded", line)
        if m:
            expiring.setdefault(m.group(1), []).append((t, sid))
    events = {c["name"]: [] for c in scn["clients"]}
    conn_info = {}
    last_conn = {}
    minted = []
    seen = set()
    new_session_clients = {}
    for c, wall, a, idx in connects:
        new_session_clients.setdefault(c, []).append(not a.get("session_of"))
    connect_count = {c: 0 for c in events}
    holds = []  # every SyncConnected: which handle held which session, negotiated what
    conn_gen = {}
    refused = {}
    for f in lines:
        kind = f[1]
        if kind == "refused":
            refused[f[2]] = int(f[4])
        if kind == "ev":
            events[f[2]].append(f[3])
        elif kind == "conn":
            c, sid, to, pw, port = f[2], f[3], int(f[4]), f[5], int(f[6])
            refused.pop(c, None)  # a later handle of this name connected: its timeout counts
            conn_info[c] = {"session": sid, "timeout": to, "password": pw,
                            "server": ens.port_to_id.get(port), "at": f[0]}
            holds.append({"client": c, "session": sid, "timeout_ms": to, "at_ms": rel(f[0])})
            # A fresh handle's first SyncConnected mints a session at the server it is on (not
            # the high byte's: 3.4.5's is 0xff). Two servers can mint the same ID (3.4.5, two
            # followers seeded in the same millisecond): each minting is its own entry.
            mine = [x for x in connects if x[0] == c and x[1] <= f[0] + 5]
            fresh = bool(mine) and not mine[-1][2].get("session_of")
            first = fresh and conn_gen.get(c) != mine[-1][3]
            conn_gen[c] = mine[-1][3] if mine else None
            key = (sid, ens.port_to_id.get(port))
            if sid != "0x0" and (sid not in seen or (first and key not in seen)):
                seen.add(sid)
                seen.add(key)
                minted.append({"id": sid, "minted_by": ens.port_to_id.get(port), "timeout_ms": to,
                               "password": pw, "minted_ms": rel(f[0])})
    # Client handles were replaced on reconnect: events of the current handle only are kept by
    # the driver (it ignores the old handle), which is what the simulator reports.
    closed_sessions = {}
    results = {}
    for f in lines:
        if f[1] == "res":
            results[f[2]] = f
    ops = []
    for idx, a in issued:
        c = a["client"]
        if a["do"] == "register":
            for sub in ("1", "2"):
                r = results.get(f"{idx}.{sub}")
                if r is None:
                    if sub == "1":
                        ops.append({"client": c, "op": "exists" if a["style"] == "exists-then-set"
                                    else "delete", "path": a["path"], "at_ms": a["at_ms"],
                                    "done_ms": None, "code": None, "recipe": "register"})
                    continue
                ops.append({"client": c, "op": r[3], "path": urllib.parse.unquote_plus(r[4]),
                            "at_ms": rel(int(r[8])), "done_ms": rel(r[0]), "code": int(r[5]),
                            "recipe": "register", "ephemeral_owner": r[6], "version": r[7]})
            continue
        r = results.get(str(idx))
        op = a["do"]
        path = a.get("path") or (a["ops"][0]["path"] if a.get("ops") else None)
        if op == "close":
            path = None
        ops.append({"client": c, "op": op, "path": path, "at_ms": a["at_ms"],
                    "done_ms": rel(r[0]) if r else None, "code": int(r[5]) if r else None,
                    "ephemeral_owner": r[6] if r else None, "version": r[7] if r else None})
        if op == "close" and r and int(r[5]) == 0 and c in conn_info:
            closed_sessions[conn_info[c]["session"]] = r[0]
    clients = []
    for cs in scn["clients"]:
        c = cs["name"]
        ev = events[c]
        info = conn_info.get(c)
        if c in kills:
            state = "KILLED"
        elif any(op["client"] == c and op["op"] == "close" for op in ops) or (ev and ev[-1] in ("Expired", "Closed", "AuthFailed")):
            state = "CLOSED"
        elif ev and ev[-1] == "SyncConnected":
            state = "CONNECTED"
        elif any(x[0] == c for x in connects):
            state = "CONNECTING"
        else:
            state = "NOT_STARTED"
        last_sid = info["session"] if info else None
        # A renew that was refused: the handle's session is the one it asked for.
        for cc, wall, a, idx in connects:
            if cc == c and a.get("session_of") and (not info or info["at"] < wall):
                other = conn_info.get(a["session_of"])
                last_sid = other["session"] if other else last_sid
        clients.append({"name": c, "state": state,
                        "server": info["server"] if info and state == "CONNECTED" else None,
                        "session": last_sid, "events": ev,
                        "negotiated_timeout_ms": refused[c] if c in refused else (info["timeout"] if info else None)})
    sessions = []
    for s in minted:
        # an id minted twice (3.4.5's pinned seeding: two holders sharing it, or a follower
        # minting the id an expired session of another had): the first Expiring line after
        # this minting is this one's
        exp = next((e for e in expiring.get(s["id"], []) if rel(e[0]) >= s["minted_ms"] - 5), None)
        st = "open"
        if exp:
            st = "expired"
        elif s["id"] in closed_sessions:
            st = "closed"
        s.update({"state": st, "expired_at_ms": rel(exp[0]) if exp else None,
                  "expired_by": exp[1] if exp else None})
        sessions.append(s)
    znodes = []
    for f in lines:
        if f[1] == "node":
            znodes.append({"path": urllib.parse.unquote_plus(f[2]), "data": urllib.parse.unquote_plus(f[3]),
                           "ephemeral_owner": f[4], "version": int(f[5])})
    interesting = re.compile(r"Expiring session|Revalidating client|Invalid session|Incorrect password|"
                             r"Closing session|Established session|Client attempting to renew|"
                             r"Got user-level KeeperException|LEADING|FOLLOWING|"
                             r"Closed socket connection|SessionMoved|Session moved")
    evidence = [f"{rel(t):>7} s{sid} {line.split(' - ', 2)[-1]}" for t, sid, line in slog
                if t >= t0 - 50 and interesting.search(line)]
    real.update({"format": 1, "end_ms": rel(end_wall), "sessions": sessions, "clients": clients,
                 "ops": ops, "znodes": znodes,
                 "checkpoints": {str(k): v for k, v in dumps.items()},
                 "holds": holds,
                 "kills": {c: {"at_ms": rel(w), "last_send_ms": rel(w - ago), "server": srv,
                               "server_mode": mode} for c, (w, ago, srv, mode) in kills.items()},
                 "server_events": [(rel(w), what, sid) for w, what, sid in server_events],
                 "evidence": evidence})
    return real


# ---------------------------------------------------------------------------------------------
# The simulator


def run_sim(zksim, path, until=None):
    cmd = [zksim, "run", path, "--json"]
    if until is not None:
        cmd += ["--until", str(until)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"zksim run failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)


def sim_hosts(zksim, path, scn):
    """For each connect action, the servers in the order the simulated client tried them."""
    p = subprocess.run([zksim, "run", path, "--log"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"zksim run --log failed: {p.stderr.strip()}")
    tried = []  # (t_ms, client, server)
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d.]+) \[([^\]]+)\] INFO\s+ClientCnxn - Opening socket connection to server "
                     r"[^:]+:(\d+)", line)
        if m:
            tried.append((float(m.group(1)) * 1000, m.group(2), int(m.group(3)) - 2180))
    out = {}
    acts = scn["actions"]
    for i, a in enumerate(acts):
        if a["do"] != "connect":
            continue
        nxt = min([b["at_ms"] for b in acts[i + 1:] if b["do"] == "connect" and b["client"] == a["client"]]
                  + [float("inf")])
        order = []
        for t, c, s in tried:
            if c == a["client"] and a["at_ms"] <= t + 0.5 and t < nxt and s not in order:
                order.append(s)
        out[i] = order
    return out, p.stdout


# ---------------------------------------------------------------------------------------------
# Comparison


def sim_leader(simlog):
    """The myid the simulator's first election makes leader."""
    for line in simlog.splitlines():
        m = re.match(r"\s*[\d.]+ \[s(\d+)\] INFO\s+QuorumPeer - LEADING", line)
        if m:
            return int(m.group(1))
    return None


def session_keys(sessions):
    """Each session -> 'sN.eE.cC': its minting server N (the one its first client was connected
    to: not the high byte, which 3.4.5's sign extension makes 0xff), N's E-th seeding (bits 16-55,
    in minting order), the counter (low 16 bits). Returns (key per session in list order,
    id -> key; an id two servers minted, as the simulated 3.4.5 can, maps to 'k1|k2')."""
    epochs = {}
    per = []
    byid = {}
    for s in sessions:
        v = int(s["id"], 16)
        srv, mid, low = s["minted_by"], (v >> 16) & ((1 << 40) - 1), v & 0xFFFF
        lst = epochs.setdefault(srv, [])
        if mid not in lst:
            lst.append(mid)
        k = f"s{srv}.e{lst.index(mid)}.c{low}"
        per.append(k)
        byid.setdefault(s["id"], set()).add(k)
    return per, {i: "|".join(sorted(ks)) for i, ks in byid.items()}


def alt_match(value, alts):
    """value is one of alts; an alternative "re:REGEX" matches a list joined with commas."""
    for a in alts:
        if isinstance(a, str) and a.startswith("re:"):
            v = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            if re.fullmatch(a[3:], v):
                return True
        elif a == value:
            return True
    return False


class Checks:
    def __init__(self, name, expect):
        self.name = name
        self.alt = expect.get("alternatives", {})
        self.known = expect.get("known_differences", {})
        self.results = []  # (status, id, detail)
        self.real_values = {}  # check id -> the real side's value (for log_known's "when_real")

    def check(self, cid, real, sim, ok=None, detail=""):
        self.real_values[cid] = real
        if ok is None:
            alts = self.alt.get(cid)
            if alts is not None:
                ok = alt_match(real, alts) and alt_match(sim, alts)
            else:
                ok = real == sim
        status = "ok" if ok else "FAIL"
        if ok and cid in self.alt and real != sim:
            status = "race"
        if cid in self.known:
            status = "known" if not ok else "known-but-agrees"
        d = f"real={json.dumps(real)} sim={json.dumps(sim)}"
        if detail:
            d += f" ({detail})"
        if cid in self.known and not ok:
            d += f" -- known difference: {self.known[cid]}"
        self.results.append((status, cid, d))
        return ok

    def add(self, status, cid, detail):
        self.results.append((status, cid, detail))

    def failed(self):
        return [r for r in self.results if r[0] == "FAIL"]


# Ping send times: real minus simulated interval since the session's previous send (a ping, an
# op of a handle holding the session, or the connect), ms. Measured (README "Ping send times"):
# the real client is late by up to +50 ms (p99 +31), never early beyond clock granularity.
PING_LATE_MS, PING_EARLY_MS = 50, 5
# Expiry buckets: the leader's `Expiring session` line against the spec's bucket(s); the real
# last packet is the driver's reading of lastSend (a few ms from the server's arrival stamp).
EXPIRY_SLACK_MS, EXPIRY_LATE_MS, EXPIRY_EARLY_MS = 25, 25, 5


def _known_applies(ch, entry):
    """A log_known entry [regex, reason] always applies; [regex, reason, {"when_real": {check id:
    value}}] only when the real side of every named check (already compared) had that value: a
    race's log lines are excused only on the branch the real run took, so the lines the other
    branch prints are still compared."""
    if len(entry) < 3:
        return True
    when = entry[2].get("when_real", {})
    return all(cid in ch.real_values and ch.real_values[cid] == v for cid, v in when.items())


def log_checks(ch, workdir, expect, sim):
    """Every session-related server log line (per node and session, loglines.py) as checks:
    one check per (node, session) sequence, id `log[s<node>][<sim session>]`; it fails at its
    first differing line unless that line matches a `log_known` pattern (then `known`)."""
    known = [(k[0], k[1]) for k in expect.get("log_known", []) if _known_applies(ch, k)]
    diffs, info = loglines.compare_dir(workdir, None, known)
    by_key = {}
    for d in diffs:
        by_key.setdefault((d.node, d.session), []).append(d)
    used = set()
    for key in info["stats"].get("keys", []):
        cid = f"log[s{key[0]}][{key[1] or '-'}]"
        ds = by_key.get(key, [])
        if not ds:
            ch.add("ok", cid, "same lines")
            continue
        unknown = [d for d in ds if not d.known]
        for d in ds:
            if d.known:
                used.add(d.known)
        det = "; ".join(f"line {d.index}: real={d.real!r} sim={d.sim!r}" + (f" -- known: {d.known}" if d.known else "")
                        for d in ds)
        ch.add("FAIL" if unknown else "known", cid, det)
    return info


def _prev_send(t, sends):
    prev = [x for x in sends if x < t]
    return max(prev) if prev else None


INITIATING_RE = re.compile(r"Socket connection established.*initiating session")


def connect_sends(log_path):
    """{session: [ms of each ConnectRequest send]}: a handle's `Socket connection established ...
    initiating session` line (the request goes out right after it), attributed to the session
    its next `Session establishment complete` on the same thread (real) / client (sim) names."""
    out, pending = {}, {}
    for t, who, _lvl, text in timing._lines(log_path):
        who = re.sub(r":[\w$.]+@\d+$", "", who)  # real: `thread:Class@line`
        if INITIATING_RE.search(text):
            pending[who] = t
            continue
        m = timing.ESTABLISHED_RE.search(text)
        if m and who in pending:
            out.setdefault(timing._canon(m.group(1)), []).append(pending.pop(who))
    return out


def ping_sends(log_path):
    """{(session, handle): [ping send ms]}; handle = the real SendThread's name (it names the
    server: two handles of one session on two servers are told apart) or the sim client."""
    out = {}
    for t, who, _lvl, text in timing._lines(log_path):
        m = timing.PING_RE.search(text)
        if m:
            who = re.sub(r":[\w$.]+@\d+$", "", who)
            out.setdefault((timing._canon(m.group(1)), who), []).append(t - int(m.group(2)))
    return out


def _steady(pings, others):
    """Intervals between consecutive pings of one handle with no other send between them."""
    out = []
    for a, b in zip(pings, pings[1:]):
        if not any(a < x < b for x in others):
            out.append(b - a)
    return out


def ping_checks(ch, workdir, real, sim, scn):
    """Ping send times: each real steady-state ping interval (a ping after the same handle's
    previous ping, no connect or op of the session between them) against the simulator's ping
    period for that session (its steady interval: readTimeout/2, where readTimeout = 2/3 of the
    negotiated timeout), within [-PING_EARLY_MS, +PING_LATE_MS]."""
    clog, slog = os.path.join(workdir, "client.log"), os.path.join(workdir, "sim.log")
    if not os.path.exists(clog):
        return
    rp, sp = ping_sends(clog), ping_sends(slog)
    if rp and not sp:
        ch.add("known", "pings", f"real {sum(map(len, rp.values()))} ping(s); the simulator's log has no "
               "`Got ping response` line (zksim does not print them yet) -- known difference: not comparable")
        return
    rc, sc = connect_sends(clog), connect_sends(slog)
    smap = loglines.build_session_map(real, sim)
    t0 = real["t0"]
    until = scn.get("until_ms") or real.get("end_ms")
    holds = {}
    for h in real.get("holds", []):
        holds.setdefault(timing._canon(h["session"]), set()).add(h["client"])
    sim_holds = {}
    for c in sim.get("clients", []):
        if c.get("session"):
            sim_holds.setdefault(timing._canon(c["session"]), set()).add(c["name"])
    period = {}
    for (ssid, who), ts in sp.items():
        others = [o["at_ms"] for o in sim.get("ops", []) if o["client"] in sim_holds.get(ssid, ())
                  and o.get("at_ms") is not None] + sc.get(ssid, [])
        for iv in _steady([t for t in ts if until is None or t <= until], others):
            period.setdefault(ssid, []).append(round(iv))
    by_session = {}
    for (rsid, who), ts in sorted(rp.items()):
        ssid = smap.get(rsid)
        if ssid is None or ssid not in period:
            continue
        others = [t0 + o["at_ms"] for o in real["ops"] if o["client"] in holds.get(rsid, ())
                  and o.get("at_ms") is not None] + rc.get(rsid, [])
        ivs = _steady([t for t in ts if until is None or t - t0 <= until], others)
        by_session.setdefault(ssid, []).extend(round(x) for x in ivs)
    for ssid, ivs in sorted(by_session.items()):
        if not ivs:
            continue
        P = max(set(period[ssid]), key=period[ssid].count)
        deltas = [x - P for x in ivs]
        ok = all(-PING_EARLY_MS <= d <= PING_LATE_MS for d in deltas)
        ch.add("ok" if ok else "FAIL", f"pings[{ssid}]",
               f"{len(ivs)} steady real ping interval(s) against the simulated period {P} ms: real-sim {deltas} "
               f"(allowed [-{PING_EARLY_MS}, +{PING_LATE_MS}])")


def expiry_bucket_checks(ch, workdir, expect):
    """The real expiry instant is exactly the spec's bucket: leader-attached the one bucket,
    follower-attached one of its two candidates (README "Expiry buckets")."""
    try:
        rows = timing.expiry_instants(workdir)
    except (OSError, KeyError, ValueError):
        return
    # a session several killed handles held (3.4.5's shared ids): the last one's last packet,
    # and the session's timeout at the leader (the last createSession's)
    real = read_json(os.path.join(workdir, "real.json"))
    stimeout = {timing._canon(x["id"]): x["timeout_ms"] for x in real.get("sessions", [])}
    last = {}
    for e in rows:
        if e["last_send_ms"] is not None and (e["session"] not in last or e["last_send_ms"] > last[e["session"]]["last_send_ms"]):
            last[e["session"]] = e
    shared = {sid for sid in last if sum(1 for e in rows if e["session"] == sid) > 1}
    # not for an id several killed handles shared (3.4.5's collision): its touches reach the
    # leader from two followers' session tables, the formula's single last packet does not apply
    # (the window check in compare() still covers it, from the last holder's last packet)
    # nor for an id a handle that was not killed also held (stale-holders' on-leader): that
    # handle's own pings touch the session after the killed one's last packet, and its lastSend
    # is not read; the session's state and events are still compared
    kills = real.get("kills", {})
    alive = {timing._canon(c["session"]) for c in real.get("clients", [])
             if c.get("session") and c["name"] not in kills}
    rows = [e for e in rows if e["session"] not in shared and e["session"] not in alive]
    for e in rows:
        if e["rearmed_after_crash_ms"] is not None or e["last_send_ms"] is None or not e["timeout_ms"]:
            continue
        tick, T, phase, t = e["tick_ms"], e["timeout_ms"], e["phase_ms"], e["last_send_ms"]
        bucket = lambda x: phase + (math.floor((x + T - phase) / tick) + 1) * tick
        pts = [t - EXPIRY_SLACK_MS, t, t + EXPIRY_SLACK_MS]
        if e["mode"] not in ("leader", "standalone"):
            pts += [x + tick / 2.0 for x in pts]
        cands = sorted({round(bucket(x)) for x in pts})
        ok = any(-EXPIRY_EARLY_MS <= e["real_expiry_ms"] - c <= EXPIRY_LATE_MS for c in cands)
        ch.add("ok" if ok else "FAIL", f"expiry_bucket[{e['client']}]",
               f"{e['mode']}-attached, last send {t} ms, T {T}, tick {tick}: real expiry {e['real_expiry_ms']} ms, "
               f"spec bucket(s) {cands} (last send +-{EXPIRY_SLACK_MS} ms; expiry -{EXPIRY_EARLY_MS}/+{EXPIRY_LATE_MS} ms)")


def compare(name, scn, expect, real, sim, sim_cps):
    ch = Checks(name, expect)
    tick = scn.get("tick_ms", 2000)
    (rper, rkeys), (sper, skeys) = session_keys(real["sessions"]), session_keys(sim["sessions"])
    rk = lambda sid: rkeys.get(sid, "?" if sid not in (None, "0x0") else sid)
    sk = lambda sid: skeys.get(sid, "?" if sid not in (None, "0x0") else sid)
    # Session-ID structure: per minting server, the counters and seedings in minting order.
    def per_server(sessions, per):
        out = {}
        for s, k in zip(sessions, per):
            out.setdefault(str(s["minted_by"]), []).append(k)
        for v in out.values():
            v.sort()
        return out
    ch.check("sessions.ids", per_server(real["sessions"], rper), per_server(sim["sessions"], sper))
    smap = {k: s for s, k in zip(sim["sessions"], sper)}
    for s, k in zip(real["sessions"], rper):
        o = smap.get(k)
        if not o:
            continue
        ch.check(f"session[{k}].high_byte", int(s["id"], 16) >> 56, int(o["id"], 16) >> 56)
        ch.check(f"session[{k}].timeout", s["timeout_ms"], o["timeout_ms"])
        ch.check(f"session[{k}].state", s["state"], o["state"])
        if s["state"] == "expired" or o["state"] == "expired":
            window_checks(ch, k, s, o, scn, real, sim, tick, rkeys, skeys)
    # Clients.
    sc = {c["name"]: c for c in sim["clients"]}
    for c in real["clients"]:
        o = sc.get(c["name"])
        if o is None:
            continue
        n = c["name"]
        ch.check(f"client[{n}].state", c["state"], o["state"])
        ch.check(f"client[{n}].events", c["events"], o["events"])
        ch.check(f"client[{n}].session", rk(c["session"]), sk(o["session"]))
        if c.get("negotiated_timeout_ms") is not None or o.get("negotiated_timeout_ms") is not None:
            ch.check(f"client[{n}].negotiated_timeout", c.get("negotiated_timeout_ms"),
                     o.get("negotiated_timeout_ms"))
        ch.check(f"client[{n}].server", c["server"], o["server"])
    # Server roles at the end, in a scenario with partitions (whose point they often are): the
    # real srvr four-letter word just after until_ms (after the end-tree read) against the
    # simulator's role at until_ms.
    if real.get("final_modes") is not None and uses_partitions(scn):
        word = {"leader": "leading", "follower": "following", "standalone": "standalone"}
        fm = {int(k): v for k, v in real["final_modes"].items()}
        for sv in sim["servers"]:
            sid = sv["id"]
            r = "down" if sid not in fm else word.get(fm[sid], "not serving")
            o = "down" if sv["state"] == "down" else (sv["state"] if sv.get("serving") else "not serving")
            ch.check(f"server[s{sid}].role@end", r, o)
    # Ops: per client, in the order issued.
    def per_client(ops):
        out = {}
        for o in ops:
            out.setdefault(o["client"], []).append(o)
        return out
    rops, sops = per_client(real["ops"]), per_client(sim["ops"])
    for c in sorted(set(rops) | set(sops)):
        r, s = rops.get(c, []), sops.get(c, [])
        ch.check(f"ops[{c}].sequence", [(o["op"], o["path"]) for o in r], [(o["op"], o["path"]) for o in s])
        for i, (a, b) in enumerate(zip(r, s)):
            ch.check(f"ops[{c}][{i}].{a['op']}.code", a["code"], b["code"])
    # Ephemeral owners at checkpoints.
    for cp, dump in sorted(real["checkpoints"].items(), key=lambda x: int(x[0])):
        simz = sim_cps[int(cp)]["znodes"]
        se = {z["path"]: sk(z["ephemeral_owner"]) for z in simz if z["ephemeral_owner"] != "0x0"}
        re_ = {p: rk(o) for p, o in (dump or {}).items()}
        ch.check(f"ephemerals@{cp}", re_, se)
    # The end tree.
    def tree(zs, keyf):
        return {z["path"]: {"data": z["data"], "owner": keyf(z["ephemeral_owner"]) if z["ephemeral_owner"] != "0x0" else "0x0",
                            "version": z["version"]} for z in zs}
    ch.check("znodes@end", tree(real["znodes"], rk), tree(sim["znodes"], sk))
    return ch


def window_checks(ch, k, s, o, scn, real, sim, tick, rkeys, skeys):
    """Expiry instants: the real one from the leader's log against the last packet the killed
    holder sent; the simulated one against the kill (its last ping is at most readTimeout/2 before).
    Leader-attached: within (T, T+tick]; follower-attached: that bucket or the next
    (within (T, T+1.5 tick]). A session whose leader changed is re-armed at takeover.

    The holder is the handle that held the session last (the last SyncConnected with it), and T
    its negotiated timeout: a renew from another handle re-negotiates the session's timeout."""
    if s["expired_at_ms"] is None or o["expired_at_ms"] is None:
        return
    holds = [h for h in real.get("holds", []) if h["session"] == s["id"] and h["at_ms"] <= s["expired_at_ms"]]
    if not holds:
        return
    last = holds[-1]
    holder, T = last["client"], last["timeout_ms"]
    # an id two servers minted alike (3.4.5's followers): every holder keeps it alive
    shared = sum(1 for x in real["sessions"] if x["id"] == s["id"]) > 1
    if shared:
        killed = [h["client"] for h in holds if h["client"] in real["kills"]]
        if killed:
            holder = max(killed, key=lambda c: real["kills"][c]["last_send_ms"])
            T = s["timeout_ms"]  # the leader's: the last createSession's timeout
    kill = real["kills"].get(holder)
    if kill is None or kill["at_ms"] < last["at_ms"]:
        return  # the last holder was not killed: no packet to measure from
    kill_sim = [a["at_ms"] for a in scn["actions"] if a["do"] == "kill" and a["client"] == holder
                and a["at_ms"] <= o["expired_at_ms"]]
    if not kill_sim:
        ch.check(f"session[{k}].expiry_holder_killed_sim", holder, None, ok=False,
                 detail="the real session's last holder was killed before it expired; in the simulator it was not")
        return
    kill_sim = kill_sim[-1]
    sim_holder = next((c for c in sim["clients"] if c["name"] == holder), None)
    T_sim = (sim_holder or {}).get("negotiated_timeout_ms") or o["timeout_ms"]
    if shared:
        T_sim = o["timeout_ms"]
    crash_after = [t for t, what, sid in real["server_events"] if what == "crash"]
    eps = 80  # logging and scheduling slack on a real machine, ms
    leader_changes = [t for t in crash_after if t > kill["at_ms"] and t < s["expired_at_ms"]]
    if leader_changes:
        # Re-armed at takeover: expiry is at least T after the leader crashed.
        t = leader_changes[0]
        t_sim = next(a["at_ms"] for a in scn["actions"] if a["do"] == "crash_server" and a["at_ms"] >= kill_sim)
        ch.check(f"session[{k}].expiry_rearmed", s["expired_at_ms"] - t > T,
                 o["expired_at_ms"] - t_sim > T_sim,
                 detail=f"real expired {s['expired_at_ms'] - t} ms after the leader crash, sim "
                        f"{o['expired_at_ms'] - t_sim} ms; T={T} (sim {T_sim})")
        return
    on_leader = kill["server_mode"] in ("leader", "standalone")
    hi = tick if on_leader else tick * 3 // 2
    d_real = s["expired_at_ms"] - kill["last_send_ms"]
    ok_real = T - eps < d_real <= T + hi + eps
    ch.check(f"session[{k}].expiry_window_real", d_real, None, ok=ok_real,
             detail=f"{'leader' if on_leader else 'follower'}-attached ({holder}, the last holder, "
                    f"negotiated {T} ms): real expiry - last packet must be in ({T}, {T + hi}] "
                    f"(+-{eps} ms slack)")
    ping = (T_sim * 2 // 3) // 2
    d_sim = o["expired_at_ms"] - kill_sim
    ch.check(f"session[{k}].expiry_window_sim", None, d_sim, ok=(T_sim - ping < d_sim <= T_sim + hi),
             detail=f"sim expiry - kill must be in ({T_sim - ping}, {T_sim + hi}]")
    ch.check(f"session[{k}].expiry_bucket_sim", None, o["expired_at_ms"] % tick, ok=True)


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# What the real side cannot drive: refused, never dropped


# Actions the harness cannot do to a real ensemble (with why); the scenario fails naming them.
# partition and heal are driven (Cuts) where partition_refusal() allows it.
REFUSED_ACTIONS = {
    "hold": "real TCP messages cannot be held in the network",
    "release": "real TCP messages cannot be held in the network",
    "drop": "real TCP messages cannot be dropped selectively",
    "delay": "real TCP messages cannot be delayed selectively",
}
# Loopback's one-way delay is well under a millisecond: [min, max] within this is "[1, 1]-ish".
LATENCY_MAX_MS = 2


def refusals(scn):
    """Every field or action of the scenario (as written) the real side cannot drive."""
    out = []
    if scn.get("format") != 1:
        out.append(f"format: {scn.get('format')!r} (only format 1 is known)")
    if scn.get("epoch_ms") is not None:
        out.append("epoch_ms: the real servers' wall clock is the machine's")
    lat = scn.get("latency_ms")
    if lat is not None and not (isinstance(lat, list) and len(lat) == 2 and max(lat) <= LATENCY_MAX_MS):
        out.append(f"latency_ms: {lat} (loopback's latency is well under 1 ms; only up to "
                   f"[{LATENCY_MAX_MS}, {LATENCY_MAX_MS}] is taken as it)")
    for i, sv in enumerate(scn.get("servers", [])):
        if sv.get("uptime_ms") not in (None, 0):
            out.append(f"servers[{i}].uptime_ms: a real server's elapsed clock is its JVM's")
    for i, a in enumerate(scn.get("actions", [])):
        why = REFUSED_ACTIONS.get(a.get("do"))
        if a.get("do") in ("partition", "heal"):
            why = partition_refusal()
        if why:
            out.append(f"actions[{i}].do: {a['do']!r}: {why}")
    return out


def release_expect(expect, release):
    """NAME.expect.json with its per-release block(s) for this release merged in.

    "releases": {"3.4.5,3.4.6": {...}, "3.4.*": {...}} -- keys are release names or fnmatch
    patterns, comma-separated; each block may hold "skip" (why the scenario means nothing on
    that release), "checkpoints", "attempts", "notes", and "alternatives" / "known_differences"
    (merged into the top-level ones, check by check). A known difference written "@NAME" has
    the reason "reasons": {"NAME": "..."} of its block (or of the top level)."""
    import fnmatch
    out = {k: v for k, v in expect.items() if k != "releases"}
    out["alternatives"] = dict(expect.get("alternatives", {}))
    out["known_differences"] = dict(expect.get("known_differences", {}))
    for key, block in expect.get("releases", {}).items():
        if not any(fnmatch.fnmatchcase(release, pat.strip()) for pat in key.split(",")):
            continue
        for k, v in block.items():
            if k in ("alternatives", "known_differences"):
                if k == "known_differences":
                    reasons = dict(expect.get("reasons", {}), **block.get("reasons", {}))
                    v = {c: reasons.get(r[1:], r) if r.startswith("@") else r for c, r in v.items()}
                out[k].update(v)
            elif k == "log_known":
                out["log_known"] = list(out.get("log_known", [])) + [list(x) for x in v]
            elif k != "reasons":
                out[k] = v
    return out


def global_log_known(release):
    """scenarios/log_known.json: the log-line known differences of every scenario, for release."""
    p = os.path.join(HERE, "scenarios", "log_known.json")
    if not os.path.exists(p):
        return []
    return release_expect(read_json(p), release).get("log_known", [])


def compile_driver(release, classes, logs):
    """Driver.java against this release's client jar (Java 8 bytecode: runs on any release's
    java), with DriverSocket34 for a 3.4 client or DriverSocket35 for a later one (their
    ClientCnxnSocketNIO constructors differ)."""
    os.makedirs(classes, exist_ok=True)
    srcs = [os.path.join(HERE, "Driver.java")]
    if release.is34:
        srcs.append(os.path.join(HERE, "java34", "org", "apache", "zookeeper", "DriverSocket34.java"))
    else:
        srcs.append(os.path.join(HERE, "java35", "org", "apache", "zookeeper", "DriverSocket35.java"))
    cmd = ["javac", "-proc:none", "-nowarn", "-Xlint:-options", "--release", "8", "-d", classes,
           "-cp", ":".join(release.cp)] + srcs
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    with open(os.path.join(logs, "javac.log"), "w") as f:
        f.write(p.stdout + p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"javac failed against {release.jar}:\n{p.stdout}{p.stderr}")


def run_release(args, release):
    """Every scenario on one release (the child process). Writes summary.json."""
    global PIDFILE
    PIDFILE = os.path.join(args.logs, "pids")
    tag = release.name
    sdir = os.path.join(HERE, "scenarios")
    names = [n for n in args.names if not n.startswith("gallery:")] or (
        [] if args.names else sorted(f[:-5] for f in os.listdir(sdir)
                                     if f.endswith(".json") and not f.endswith(".expect.json")
                                     and f != "log_known.json"))
    if not args.names and tag in RELEASE_SCENARIOS:
        log(f"{tag}: by default only {' '.join(RELEASE_SCENARIOS[tag])} (the time budget; name scenarios to run others)")
        names = list(RELEASE_SCENARIOS[tag])
    # gallery stories converted by the parent (--gallery DIR: <id>.json), run after the scenarios
    if args.gallery and os.path.isdir(args.gallery):
        names += ["gallery:" + f[:-5] for f in sorted(os.listdir(args.gallery)) if f.endswith(".json")]
    tally = {"ok": 0, "race": 0, "known": 0, "known-but-agrees": 0, "FAIL": 0}
    summary = {"release": tag, "profile": release.profile, "scenarios": {}}

    def arrive(name, wait):
        """The side-by-side barrier (--barrier): this release is at NAME's start; with wait,
        until every peer is too (or has passed it: skipped, refused), at most 60 s."""
        if not args.barrier:
            return 0.0
        open(os.path.join(args.barrier, f"{name}.{tag}"), "w").close()
        t = time.time()
        while wait and time.time() - t < 60:
            if sum(1 for f in os.listdir(args.barrier) if f.startswith(name + ".")) >= args.peers:
                break
            time.sleep(0.01)
        return round(time.time() - t, 2)
    t_all = time.time()
    global SEEDCLOCK
    if tag in SEED_RELEASES:
        p = subprocess.run(["bash", os.path.join(HERE, "clock", "build.sh")], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=900)
        m = re.search(r"^seedclock (\S+)$", p.stdout, re.M)
        if p.returncode != 0 or not m:
            raise RuntimeError(f"clock/build.sh failed: {p.stderr[-2000:]}")
        SEEDCLOCK = m.group(1)
        log(f"{tag}: seedclock agent {SEEDCLOCK} (followers {SEED_MILLIS}, leader {SEED_MILLIS + 1}, first seeding only)")
    classes = os.path.join(args.logs, "classes")
    compile_driver(release, classes, args.logs)
    for name in names:
        t_start = time.time()
        if name.startswith("gallery:"):
            path = os.path.join(args.gallery, name[8:] + ".json")
            ep = os.path.join(sdir, "gallery", name[8:] + ".expect.json")
        else:
            path = os.path.join(sdir, name + ".json")
            ep = os.path.join(sdir, name + ".expect.json")
        raw = read_json(path)
        expect = release_expect(read_json(ep) if os.path.exists(ep) else {}, tag)
        expect["log_known"] = list(expect.get("log_known", [])) + global_log_known(tag)
        res = {"checks": 0, "agree": 0, "race": 0, "known": 0, "failed": 0, "status": "FAIL"}
        summary["scenarios"][name] = res
        if expect.get("skip"):
            arrive(name, False)
            log(f"skip {name} on {tag}: {expect['skip']}")
            res["status"] = "skip"
            res["reason"] = expect["skip"]
            continue
        workdir = os.path.join(args.logs, name.replace(":", "-"))
        os.makedirs(workdir, exist_ok=True)
        refused = refusals(raw)
        if refused:
            arrive(name, False)
            for r in refused:
                log(f"  refused {tag} {name}: {r}")
            log(f"FAIL {tag} {name}: the harness cannot drive {len(refused)} field(s) on the real side")
            res["refused"] = refused
            continue
        # The scenario under the release's profile, kept with the run's logs.
        scn = dict(raw)
        scn["version"] = release.profile
        spath = os.path.join(workdir, "scenario.json")
        with open(spath, "w") as f:
            json.dump(scn, f, indent=1)
        ok = False
        try:
            sim = run_sim(args.zksim, spath)
            cps = {cp: run_sim(args.zksim, spath, until=cp) for cp in expect.get("checkpoints", [])}
            hosts, simlog = sim_hosts(args.zksim, spath, scn)
            with open(os.path.join(workdir, "sim.json"), "w") as f:
                json.dump(sim, f, indent=1)
            with open(os.path.join(workdir, "sim.log"), "w") as f:
                f.write(simlog)
            real = None
            attempts = expect.get("attempts", 1)
            for attempt in range(attempts):
                real = run_real(scn, expect, workdir, classes, release, hosts, sim_leader(simlog),
                                barrier=(lambda: arrive(name, True)) if attempt == 0 else None)
                with open(os.path.join(workdir, "real.json"), "w") as f:
                    json.dump(real, f, indent=1)
                ch = compare(name, scn, expect, real, sim, cps)
                log_checks(ch, workdir, expect, sim)
                ping_checks(ch, workdir, real, sim, scn)
                expiry_bucket_checks(ch, workdir, expect)
                if not ch.failed():
                    break
            for status, cid, d in ch.results:
                tally[status] += 1
                if status != "ok":
                    log(f"  {status:5} {tag} {name}: {cid}: {d}")
            ok = not ch.failed()
            nchk = len(ch.results)
            res.update({"checks": nchk, "agree": sum(1 for r in ch.results if r[0] in ("ok", "known-but-agrees")),
                        "race": sum(1 for r in ch.results if r[0] == "race"),
                        "known": sum(1 for r in ch.results if r[0] == "known"),
                        "failed": len(ch.failed()), "status": "PASS" if ok else "FAIL",
                        "seconds": round(time.time() - t_start, 1)})
            log(f"{'PASS' if ok else 'FAIL'} {tag} {name} ({nchk} checks, {res['known']} known differences) "
                f"in {time.time() - t_start:.1f} s (setup {real.get('setup_s')} s, teardown {real.get('teardown_s')} s)")
            if not ok:
                log("  real-world evidence (ms since the scenario's start, server, log line):")
                for line in real["evidence"][-60:]:
                    log("    " + line)
        except Exception:
            log(f"FAIL {tag} {name}: harness error\n{traceback.format_exc()}")
        finally:
            arrive(name, False)
            for pid in list(PROCS):
                stop_pid(pid)
                track(pid)
    summary["tally"] = tally
    summary["seconds"] = round(time.time() - t_all, 1)
    with open(os.path.join(args.logs, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"{tag}: checks: {tally['ok']} agree, {tally['race']} within the set of outcomes the real system "
        f"races on, {tally['known']} known differences, {tally['known-but-agrees']} known differences that "
        f"now agree, {tally['FAIL']} disagree; {len(names)} scenarios in {time.time() - t_all:.0f} s")
    return summary


# ---------------------------------------------------------------------------------------------
# The gallery on real servers

# A story's profile -> the release it runs on.
GALLERY_RELEASE = {"3.4.5": "3.4.5", "3.4.6": "3.4.6", "3.4.14": "3.4.14", "3.5.10": "3.5.10", "3.6": "3.8.4",
                   "3.9.3": "3.9.3", "3.9.4": "3.9.4"}
GALLERY_RESULTS = os.path.join(HERE, "..", "..", "crates", "zksim", "gallery", "conformance.json")
# Why an action refuses a story, in the gallery's words (the scenario refusals say the field).
GALLERY_WHY = {
    "delay": "its message rule delays a message on the follower-to-leader quorum link, which the harness "
             "cannot apply to a real ensemble (it would need a relay that parses the quorum protocol)",
}


def gallery_stories(zksim):
    p = subprocess.run([zksim, "gallery"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"zksim gallery failed: {p.stderr.strip()}")
    out = []
    for line in p.stdout.splitlines():
        m = re.match(r"^([a-z0-9][a-z0-9.-]*)\s{2,}\S", line)
        if m:
            out.append(m.group(1))
    if not out:
        raise RuntimeError("zksim gallery listed no story")
    return out


def convert_story(zksim, sid):
    """(scenario, release, None) for a story the harness can drive, else (None, None, why).
    The conversion drops epoch_ms (the real servers' wall clock is the machine's; the comparison
    ignores the time bits of ids; the simulator runs the converted scenario too)."""
    p = subprocess.run([zksim, "gallery", sid], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return None, None, f"zksim gallery {sid} failed: {p.stderr.strip()}"
    scn = json.loads(p.stdout)
    scn.pop("epoch_ms", None)
    rel = GALLERY_RELEASE.get(scn.get("version"))
    if rel is None:
        return None, None, f"its profile {scn.get('version')!r} has no release in the suite"
    whys = []
    for a in scn.get("actions", []):
        w = GALLERY_WHY.get(a.get("do"))
        if w and w not in whys:
            whys.append(w)
    refused = refusals(scn)
    if whys:
        return None, None, "; ".join(whys)
    if refused:
        return None, None, "; ".join(refused)
    return scn, rel, None


def gallery_results(stories, not_checked, summaries, wanted, complete):
    """Builds conformance.json's content from the run; fails (returns 1) when the committed
    file differs and the run covered every story (ZKSIM_CONFORMANCE_WRITE=1 rewrites it)."""
    import difflib
    out = {"format": 1, "stories": {}}
    for sid in sorted(stories):
        if sid in not_checked:
            out["stories"][sid] = {"not_checked": not_checked[sid]}
            continue
        rels = []
        for name in wanted:
            r = ((summaries.get(name) or {}).get("scenarios") or {}).get("gallery:" + sid)
            if r is None:
                continue
            if not r.get("status", "").startswith("PASS"):
                rels.append({"release": name, "checks": r.get("checks", 0), "agreed": r.get("agree", 0) + r.get("race", 0),
                             "status": r.get("status")})
                continue
            rels.append({"release": name, "checks": r["checks"], "agreed": r["agree"] + r["race"]})
        if rels:
            out["stories"][sid] = {"releases": rels}
    text = json.dumps(out, indent=2) + "\n"
    for sid, e in out["stories"].items():
        for r in e.get("releases", []):
            log(f"gallery {sid} on {r['release']}: {r['checks']} checks, {r['agreed']} agreed, "
                f"{r['checks'] - r['agreed']} known differences")
    if not complete:
        log("gallery: not every story ran (a subset of releases or scenarios): conformance.json not compared")
        return 0
    if any("status" in r for e in out["stories"].values() for r in e.get("releases", [])):
        log("gallery: a story failed: conformance.json not compared")
        return 0  # the story's failure already counts
    try:
        committed = open(GALLERY_RESULTS).read()
    except OSError:
        committed = ""

    def shape(t):
        """The file without its agreed counts: a race (an accepted alternative) or a known
        difference that happens to agree moves a story's count by a check or two from run to
        run (seen: 32/31, 15/17), so only the stories, releases, not-checked reasons and check
        counts make the file stale; every check that disagrees fails its story above."""
        try:
            d = json.loads(t)
        except ValueError:
            return None
        for e in d.get("stories", {}).values():
            for r in e.get("releases", []):
                r.pop("agreed", None)
        return d
    if committed == text or (shape(committed) is not None and shape(committed) == shape(text)):
        log("gallery: crates/zksim/gallery/conformance.json is up to date"
            + ("" if committed == text else " (agreed counts differ by races and known differences only)"))
        return 0
    if os.environ.get("ZKSIM_CONFORMANCE_WRITE") == "1":
        with open(GALLERY_RESULTS, "w") as f:
            f.write(text)
        log("gallery: wrote crates/zksim/gallery/conformance.json (ZKSIM_CONFORMANCE_WRITE=1)")
        return 0
    log("FAIL gallery: crates/zksim/gallery/conformance.json is stale; what this run computed:")
    for line in difflib.unified_diff(committed.splitlines(), text.splitlines(), "committed", "computed", lineterm=""):
        log("  " + line)
    log("  to update it: ZKSIM_CONFORMANCE_WRITE=1 bash tests/conformance/run.sh (the whole default run), "
        "then commit the file")
    return 1


def resolve_releases(wanted, logs):
    """Release name -> Release: Debian's package, or releases.sh's build of it."""
    out = {}
    built = [r for r in wanted if r != "debian-3.8.0"]
    if built:
        if not os.path.exists(RELEASES_SH):
            raise RuntimeError(f"releases {' '.join(built)} need {RELEASES_SH}, which is not there")
        p = subprocess.run(["bash", RELEASES_SH] + built, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=3600)
        with open(os.path.join(logs, "releases.log"), "w") as f:
            f.write(p.stdout + p.stderr)
        for line in p.stdout.splitlines():
            m = re.match(r"release (\S+) (.+)$", line.strip())
            if m and m.group(1) in built:
                out[m.group(1)] = Release.from_dir(m.group(1), m.group(2).strip())
        missing = [r for r in built if r not in out]
        if p.returncode != 0 or missing:
            raise RuntimeError(f"releases.sh {' '.join(built)} failed (exit {p.returncode}); no build of "
                               f"{' '.join(missing) or '-'}; see {logs}/releases.log:\n{p.stderr[-2000:]}")
    if "debian-3.8.0" in wanted:
        out["debian-3.8.0"] = Release.debian()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zksim", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--release", action="append", default=[],
                    help="a release (repeatable), `all` (the default: " + " ".join(DEFAULT_RELEASES)
                    + "), or debian-3.8.0")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("CONFORM_JOBS", "1")),
                    help="releases run side by side, in step (default 1, or $CONFORM_JOBS)")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # JSON of one Release: run it here
    ap.add_argument("--barrier", help=argparse.SUPPRESS)  # the side-by-side barrier's directory
    ap.add_argument("--peers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--gallery", help=argparse.SUPPRESS)  # child: the converted stories of its release
    ap.add_argument("--no-gallery", action="store_true",
                    help="do not run the gallery stories (default: each on its profile's release, "
                    "when that release runs and no scenario names are given)")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    if args.child:
        run_release(args, Release.from_json(json.loads(args.child)))
        return 0
    global PIDFILE
    PIDFILE = os.path.join(args.logs, "pids")
    wanted = []
    if not args.release and not os.path.exists(RELEASES_SH):
        log(f"WARNING: {RELEASES_SH} is not there: the default runs debian-3.8.0 only, not "
            + " ".join(DEFAULT_RELEASES))
        args.release = ["debian-3.8.0"]
    for r in args.release or ["all"]:
        for x in (DEFAULT_RELEASES if r == "all" else r.split(",")):
            if x not in PROFILE:
                log(f"unknown release {x!r}: one of {' '.join(PROFILE)} or all")
                log("0 passed, 1 failed")
                return 2
            if x not in wanted:
                wanted.append(x)
    t_all = time.time()
    try:
        releases = resolve_releases(wanted, args.logs)
    except Exception as e:
        log(f"FAIL: {e}")
        log("0 passed, 1 failed")
        return 1
    # The gallery: each story that the harness can drive, converted, on its profile's release.
    gallery_dirs, gallery_not = {}, {}
    run_gallery = not args.no_gallery and (not args.names or any(n.startswith("gallery:") for n in args.names))
    stories = []
    if run_gallery:
        try:
            stories = gallery_stories(args.zksim)
        except Exception as e:
            log(f"FAIL: the gallery: {e}")
            log("0 passed, 1 failed")
            return 1
        only = {n[8:] for n in args.names if n.startswith("gallery:")}
        for sid in stories:
            scn, rel_name, why = convert_story(args.zksim, sid)
            if why:
                gallery_not[sid] = why
                log(f"gallery {sid}: not checked: {why}")
                continue
            if only and sid not in only:
                continue
            if rel_name not in wanted:
                continue
            d = os.path.join(args.logs, "gallery", rel_name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, sid + ".json"), "w") as f:
                json.dump(scn, f, indent=1)
            gallery_dirs[rel_name] = d
            log(f"gallery {sid}: on {rel_name} (profile {scn['version']})")
    summaries = {}
    pending = list(wanted)
    running = {}  # name -> (Popen, its output file or None)

    batch = []  # with --jobs N: N releases at a time, in step, scenario by scenario

    def launch(name, nbatch, peers):
        rel = releases[name]
        rlogs = os.path.join(args.logs, name)
        os.makedirs(rlogs, exist_ok=True)
        log(f"== release {name} ({rel.version}, {rel.jar}, java {rel.java}) against zksim profile {rel.profile}")
        cmd = [sys.executable, "-u", os.path.abspath(__file__), "--zksim", args.zksim, "--logs", rlogs,
               "--child", json.dumps(rel.to_json())] + args.names
        if name in gallery_dirs:
            cmd[cmd.index("--child"):cmd.index("--child")] = ["--gallery", gallery_dirs[name]]
        if name in NETNS:
            # Its servers bind 0.0.0.0: servers, driver and loopback ports in a network namespace
            # of their own (same PID: unshare and sh exec).
            cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + cmd
        out = None
        if peers > 1:
            bdir = os.path.join(args.logs, ".barrier", str(nbatch))
            os.makedirs(bdir, exist_ok=True)
            cmd[cmd.index("--child"):cmd.index("--child")] = ["--barrier", bdir, "--peers", str(peers)]
        if args.jobs > 1:
            # Side by side: each release's output is printed whole when it ends.
            out = open(os.path.join(rlogs, "out.log"), "w")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT if out else None)
        track(p.pid, f"release {name}")
        running[name] = (p, out)

    nbatch = 0
    while pending or running:
        if not running and pending:
            nbatch += 1
            batch = pending[:args.jobs]
            del pending[:args.jobs]
            for name in batch:
                launch(name, nbatch, len(batch))
        done = [n for n, (p, _) in running.items() if p.poll() is not None]
        if not done:
            time.sleep(0.2)
            continue
        for name in done:
            p, out = running.pop(name)
            track(p.pid)
            if out:
                out.close()
                with open(out.name) as f:
                    sys.stdout.write(f.read())
                sys.stdout.flush()
            sp = os.path.join(args.logs, name, "summary.json")
            summaries[name] = read_json(sp) if os.path.exists(sp) else None
            if summaries[name] is None:
                log(f"FAIL {name}: its run ended (exit {p.returncode}) without a summary")
    # Side by side, a scenario that failed (not one refused) runs once more, alone: the first
    # attempt's output stays above, and the table says "PASS (alone)" for such a pass.
    retried = 0
    if args.jobs > 1:
        for name in wanted:
            sm = summaries.get(name)
            if sm is None:
                continue
            again = [sc for sc, r in sm["scenarios"].items() if r["status"] == "FAIL" and not r.get("refused")]
            if not again:
                continue
            rel = releases[name]
            rlogs = os.path.join(args.logs, name, "alone")
            os.makedirs(rlogs, exist_ok=True)
            log(f"== release {name}: {' '.join(again)} failed side by side; once more, alone")
            cmd = [sys.executable, "-u", os.path.abspath(__file__), "--zksim", args.zksim, "--logs", rlogs,
                   "--child", json.dumps(rel.to_json())] + again
            if name in NETNS:
                cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + cmd
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
            track(p.pid, f"release {name} alone")
            p.wait()
            track(p.pid)
            sp = os.path.join(rlogs, "summary.json")
            if os.path.exists(sp):
                for sc, r in read_json(sp)["scenarios"].items():
                    if r["status"] == "PASS":
                        r["status"] = "PASS (alone)"
                        retried += 1
                    sm["scenarios"][sc] = r
    passed = failed = skipped = 0
    log("release       scenario                 checks agree race known failed status")
    for name in wanted:
        sm = summaries[name]
        if sm is None:
            failed += 1
            continue
        for sc, r in sm["scenarios"].items():
            log(f"{name:13} {sc:24} {r['checks']:6} {r['agree']:5} {r['race']:4} {r['known']:5} "
                f"{r['failed']:6} {r['status']}" + (f" ({r['reason']})" if r.get("reason") else ""))
            if r["status"].startswith("PASS"):
                passed += 1
            elif r["status"] == "skip":
                skipped += 1
            else:
                failed += 1
    if run_gallery and stories:
        # complete: every story that can be driven ran (the default run, or all of them named)
        ran = {sid for sid in stories for n in wanted
               if ((summaries.get(n) or {}).get("scenarios") or {}).get("gallery:" + sid)}
        failed += gallery_results(stories, gallery_not, summaries, wanted,
                                  complete=all(sid in ran or sid in gallery_not for sid in stories))
    log(f"conformance: {len(wanted)} release(s) in {time.time() - t_all:.0f} s; {skipped} skipped"
        + (f"; {retried} passed only alone, after failing side by side" if retried else ""))
    log(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def _terminate(signum, frame):
    # A release's child stops its own servers and driver on TERM; everything else is killed.
    children = [pid for pid, what in PROCS.items() if what.startswith("release")]
    for pid in children:
        stop_pid(pid, signal.SIGTERM)
    deadline = time.time() + 10
    for pid in children:
        while time.time() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                break
            time.sleep(0.05)
    for pid in list(PROCS):
        stop_pid(pid)
    sys.exit(130)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    sys.exit(main())
