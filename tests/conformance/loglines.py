#!/usr/bin/env python3
"""Session-related server log lines: the real release's log4j logs against zksim's `--log`.

Per node and per session, the ordered sequence of (level, normalized text) of the lines of
spec section 9 (as each release words them, read in its Java source) is compared; the global
interleaving across sessions is not (threads race; unordered Java sets are iterated in an order
the simulator documents as ascending).

    compare_server_logs(real_logs, sim_log_path, session_map, ignore_sessions, release,
                        known=None) -> list[Difference]

CLI: python3 tests/conformance/loglines.py LOGDIR [LOGDIR ...] [--fresh ZKSIM | --stored] [--known 'REGEX=>REASON']
     [--seq] [--json]
     (LOGDIR = logs/<run>/<release>/<scenario>; prints the differences)

python3 stdlib only.
"""

import json
import os
import re
import subprocess
import sys
from collections import OrderedDict, namedtuple


def _load(path):
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# Records

#: one log record: node (myid int), t (seconds: epoch s for real logs, virtual s for sim logs),
#: level ("INFO"...), cls (logger class, "ZooKeeperServer"), text (first line), extra (the
#: continuation lines: an exception's `Class: message` and its `\tat` stack lines)
Record = namedtuple("Record", "node t level cls text extra lineno")

#: one session-related line after extraction: kind (template name), session (real or sim id as
#: the side printed it, or None), addr (client address or None), level, norm (the text with
#: addresses, zxids and cxids normalized; session ids still raw), text (the original, joined)
Line = namedtuple("Line", "node t kind session addr level norm text lineno")


class Difference(object):
    """node, session (the sim id; None for lines with no session), index (position in that
    session's sequence), real / sim (the differing texts, "LEVEL text", None = no such line),
    known (None, or the reason of the known-difference pattern that matched)."""

    __slots__ = ("node", "session", "index", "real", "sim", "known", "real_seq", "sim_seq")

    def __init__(self, node, session, index, real, sim, known=None, real_seq=(), sim_seq=()):
        self.node, self.session, self.index = node, session, index
        self.real, self.sim, self.known = real, sim, known
        self.real_seq, self.sim_seq = list(real_seq), list(sim_seq)

    def as_dict(self):
        return {"node": self.node, "session": self.session, "index": self.index,
                "real": self.real, "sim": self.sim, "known": self.known}

    def __repr__(self):
        return "Difference(%r)" % (self.as_dict(),)

    def describe(self):
        k = " [known: %s]" % self.known if self.known else ""
        return ("s%s session %s line %d%s\n    real: %s\n    sim:  %s"
                % (self.node, self.session, self.index, k, self.real, self.sim))


# real: `2026-12-02 06:59:49,724 [myid:1] - INFO  [thread:Class@line] - text`
# (thread names can hold ':' and brackets: `QuorumPeer[myid=1](plain=...)(secure=disabled)`)
REAL_RE = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) \[myid:(\d*)\] - (\w+)\s+\[(.*):"
    r"([\w$]+)@\d+\] - (.*)$")
# sim: `     1.003 [s1] DEBUG ZooKeeperServer - text`
SIM_RE = re.compile(r"^\s*(\d+\.\d+) \[([^\]]+)\] (\w+)\s+([\w$.]+) - (.*)$")


def _epoch(m):
    import calendar
    y, mo, d, h, mi, s, ms = (int(m.group(i)) for i in range(1, 8))
    # log4j prints local time; the machine's TZ is UTC (the harness's t0 is epoch ms): taken as UTC
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) + ms / 1000.0


def read_real_log(path, node=None):
    """Records of one log4j server.log; continuation lines are joined to their record."""
    out = []
    cur = None
    with open(path, "r", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            m = REAL_RE.match(line)
            if m:
                if cur:
                    out.append(Record(*cur))
                myid = m.group(8)
                nd = node if node is not None else (int(myid) if myid else None)
                cur = [nd, _epoch(m), m.group(9), m.group(11), m.group(12), [], n]
            elif cur is not None and line.strip():
                cur[5].append(line)
    if cur:
        out.append(Record(*cur))
    return out


def read_sim_log(path):
    """Records of a zksim --log output (all nodes); node = int for `s<id>`, the name for clients."""
    out = []
    with open(path, "r", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            m = SIM_RE.match(line)
            if not m:
                if out and line.strip():
                    out[-1].extra.append(line)
                continue
            name = m.group(2)
            node = int(name[1:]) if re.match(r"^s\d+$", name) else name
            out.append(Record(node, float(m.group(1)), m.group(3), m.group(4), m.group(5), [], n))
    return out


# ---------------------------------------------------------------------------------------------
# Templates (spec section 9, as the releases' sources print them)

HEX = r"0x[0-9a-fA-F]+"
ADDR = r"/?[\w.\-]*/?\d+\.\d+\.\d+\.\d+:\d+|/?\[?[0-9a-fA-F:]+\]?:\d+|null"

#: (kind, regex over the text, group name holding the session, group name holding the address)
TEMPLATES = [
    ("new-session", re.compile(r"^Client attempting to establish new session at (?P<addr>%s)$" % ADDR)),
    ("new-session", re.compile(
        r"^Client attempting to establish new session: ?session = (?P<sid>%s), zxid = %s, "
        r"timeout = \d+, address = (?P<addr>%s)$" % (HEX, HEX, ADDR))),
    ("renew", re.compile(r"^Client attempting to renew session (?P<sid>%s) at (?P<addr>%s)$" % (HEX, ADDR))),
    ("renew", re.compile(
        r"^Client attempting to renew session: ?session = (?P<sid>%s), zxid = %s, timeout = \d+, "
        r"address = (?P<addr>%s)$" % (HEX, HEX, ADDR))),
    ("established", re.compile(
        r"^Established session (?P<sid>%s) with negotiated timeout \d+ for client (?P<addr>%s)$" % (HEX, ADDR))),
    ("invalid", re.compile(
        r"^Invalid session (?P<sid>%s) for client (?P<addr>%s), probably expired$" % (HEX, ADDR))),
    ("bad-password", re.compile(r"^Incorrect password from (?P<addr>%s) for session (?P<sid>%s)$" % (ADDR, HEX))),
    ("refused", re.compile(r"^Refusing session\((?P<sid>%s)\) request for client (?P<addr>%s) .*" % (HEX, ADDR))),
    ("refused", re.compile(r"^Refusing session request for (?:not-read-only )?client (?P<addr>%s).*" % ADDR)),
    ("revalidating", re.compile(r"^Revalidating client: (?P<sid>%s)$" % HEX)),
    ("missing", re.compile(r"^Missing session (?P<sid>%s)(?: for validation)?$" % HEX)),
    ("expiring", re.compile(r"^Expiring session (?P<sid>%s), timeout of \d+ms exceeded$" % HEX)),
    ("terminated", re.compile(r"^Processed session termination for sessionid: (?P<sid>%s)$" % HEX)),
    ("committing", re.compile(r"^Committing global session (?P<sid>%s)$" % HEX)),
    ("keeper-exception", re.compile(r"^Got user-level KeeperException when processing sessionid:(?P<sid>%s) .*" % HEX)),
    ("closed", re.compile(
        r"^Closed socket connection for client (?P<addr>%s) which had sessionid (?P<sid>%s)$" % (ADDR, HEX))),
    ("closed-nosession", re.compile(
        r"^Closed socket connection for client (?P<addr>%s) \(no session established for client\)$" % ADDR)),
    # 3.4.5-3.4.6: WARN `caught end of stream exception` + `EndOfStreamException: Unable to read
    # additional data from client sessionid 0x..., likely client has closed socket` (joined)
    ("eos", re.compile(
        r"^caught end of stream exception \| [\w.$]*EndOfStreamException: Unable to read additional "
        r"data from client sessionid (?P<sid>%s), likely client has closed socket$" % HEX)),
    # 3.4.7-3.5: the message alone
    ("eos", re.compile(
        r"^Unable to read additional data from client sessionid (?P<sid>%s), likely client has "
        r"closed socket$" % HEX)),
    # 3.6+
    ("eos", re.compile(
        r"^Unable to read additional data from client, it probably closed the socket: "
        r"address = (?P<addr>%s), session = (?P<sid>%s)$" % (ADDR, HEX))),
    ("close-exception", re.compile(r"^Exception causing close of session (?P<sid>%s)(?: due to |: ).*" % HEX)),
    ("close-exception", re.compile(r"^Close of session (?P<sid>%s)(?: \| .*)?$" % HEX)),
    ("dropping", re.compile(r"^Dropping request(?:[.:].*)?$")),
]


_ONE_LINE_EXC = re.compile(r"^(caught end of stream exception|Close of session 0x[0-9a-fA-F]+) "
                           r"([\w.$]+(?:Exception|Error)\b.*)$")


def _joined_text(rec):
    """The record's text; for records whose message is an exception announcement, the
    exception's first line (`Class: message`) joined by ' | ' (the stack lines are dropped).
    A message and its exception printed on one line (`text Class: message`) is joined alike."""
    text = rec.text.rstrip()
    m = _ONE_LINE_EXC.match(text)
    if m:
        return m.group(1) + " | " + m.group(2)
    if rec.extra and (text == "caught end of stream exception" or text.startswith("Close of session")
                      or text.startswith("Dropping request")):
        first = rec.extra[0].strip()
        if not first.startswith("at "):
            text = text + " | " + first
    return text


_NORM = [
    (re.compile(r"(zxid = |zxid:|lastZxid is |seen zxid |our last zxid is )0x[0-9a-fA-F]+"), r"\1ZXID"),
    (re.compile(r"(cxid:)0x[0-9a-fA-F]+"), r"\1CXID"),
    (re.compile(r"/?[\w.\-]*/\d+\.\d+\.\d+\.\d+:\d+|/?\d+\.\d+\.\d+\.\d+:\d+"), "ADDR"),
]


def normalize(text):
    for rx, rep in _NORM:
        text = rx.sub(rep, text)
    return text


def _norm_addr(a):
    if a is None:
        return None
    m = re.search(r"(\d+\.\d+\.\d+\.\d+:\d+)", a)
    return m.group(1) if m else a


def extract(records):
    """The session-related Lines of the records (all nodes), in record order. Lines that name only
    an address get their session from the other lines of that address (same node)."""
    lines = []
    for rec in records:
        if not isinstance(rec.node, int):
            continue
        text = _joined_text(rec)
        if text.endswith("stack trace") and rec.level == "DEBUG":
            continue  # 3.4.14's `EndOfStreamException stack trace` companion of the WARN
        for kind, rx in TEMPLATES:
            m = rx.match(text)
            if m:
                gd = m.groupdict()
                sid = gd.get("sid")
                if sid is not None:
                    sid = "0x%x" % int(sid, 16)
                lines.append(Line(rec.node, rec.t, kind, sid, _norm_addr(gd.get("addr")), rec.level,
                                  normalize(text), text, rec.lineno))
                break
    # address -> session, per node and connection (learned from Established / attempts / closes
    # / eos). A port is reused by later connections (the harness's own `srvr` probes, then a
    # client's reconnect on the same ephemeral port), so an address's lines are cut into
    # connections: an attempt (new-session, renew) starts one, a Closed line ends one.
    conn_of = connections(lines)
    conn_sid = {}
    for ln, conn in zip(lines, conn_of):
        if ln.session is not None and conn is not None and int(ln.session, 16) != 0:
            conn_sid.setdefault(conn, ln.session)
    out = []
    for ln, conn in zip(lines, conn_of):
        if (ln.session is None or int(ln.session, 16) == 0) and conn is not None:
            s = conn_sid.get(conn)
            if s is not None:
                ln = ln._replace(session=s)
        out.append(ln)
    return out


_CONN_STARTS = ("new-session", "renew")
_CONN_ENDS = ("closed", "closed-nosession")


def connections(lines):
    """For each Line, the connection it belongs to, `(node, addr, n)` (n counts the connections
    seen on that address), or None for a line without an address."""
    out = []
    current = {}
    count = {}
    for ln in lines:
        if ln.addr is None:
            out.append(None)
            continue
        key = (ln.node, ln.addr)
        if ln.kind in _CONN_STARTS or key not in current:
            count[key] = count.get(key, -1) + 1
            current[key] = count[key]
        out.append((ln.node, ln.addr, current[key]))
        if ln.kind in _CONN_ENDS:
            del current[key]
    return out


_SID_IN_TEXT = re.compile(r"0x[0-9a-fA-F]+")


def _map_text(norm, mapping):
    """Session ids in the text replaced through mapping (real->sim); other hex left alone."""
    def rep(m):
        v = "0x%x" % int(m.group(0), 16)
        return mapping.get(v, m.group(0))
    return _SID_IN_TEXT.sub(rep, norm)


def _canon(sid):
    return None if sid is None else "0x%x" % int(sid, 16)


def sequences(lines, mapping=None, keep=None, drop=()):
    """{(node, session): [ "LEVEL norm", ...]} with session ids mapped through `mapping`;
    `keep` (set of ids after mapping) filters sessions; lines without a session go under None
    only for kinds that never name one (dropping)."""
    mapping = mapping or {}
    seqs = OrderedDict()
    for ln in lines:
        sid = ln.session
        if sid is None:
            if ln.kind != "dropping":
                continue
            key_sid = None
        else:
            if sid in drop or int(sid, 16) == 0:
                continue
            key_sid = mapping.get(sid, sid) if mapping else sid
            if keep is not None and key_sid not in keep:
                continue
        text = _map_text(ln.norm, mapping)
        seqs.setdefault((ln.node, key_sid), []).append((ln.kind, "%s %s" % (ln.level, text)))
    out = OrderedDict()
    for key, seq in seqs.items():
        out[key] = [t for _k, t in _unrace(seq)]
    return out


def _unrace(seq):
    """The one thread race inside a session's own lines: 3.5+ log `Client attempting to establish
    new session` on the NIO worker after createSession() has handed the request to the pipeline,
    which may commit it (`Committing global session`, `Established session`) first (seen in
    standalone and leader-attached sessions). The attempt is put back before them."""
    seq = list(seq)
    for i, (k, t) in enumerate(seq):
        if k == "new-session":
            j = next((n for n in range(i) if seq[n][0] in ("committing", "established")), None)
            if j is not None and all(seq[n][0] in ("committing", "established") for n in range(j, i)):
                seq.insert(j, seq.pop(i))
    return seq


def _known(known, real, sim):
    for pat, reason in (known or ()):
        rx = re.compile(pat) if isinstance(pat, str) else pat
        if (real and rx.search(real)) or (sim and rx.search(sim)):
            return reason
    return None


def compare_server_logs(real_logs, sim_log_path, session_map, ignore_sessions=(), release=None,
                        known=None, real_until_ms=None, sim_until_ms=None, stats=None):
    """real_logs: {myid: path of its server.log}; sim_log_path: zksim --log output;
    session_map: {real_id_hex: sim_id_hex}; ignore_sessions: real ids (hex) never compared
    (the harness's handles); release: the release name (the templates cover every release;
    kept for known patterns keyed by release by the caller); known: [(regex, reason), ...]
    matched against both texts of a difference (a match makes it known, not a failure).
    real_until_ms (epoch ms, t0 + until_ms) / sim_until_ms (virtual ms, until_ms): lines after
    the scenario's end are dropped (the driver's exit closes every socket still open; the
    simulator stops at until_ms). stats: a dict, filled with the numbers of compared lines and
    sequences (real_lines, sim_lines, sequences).
    Returns the Differences: per node and per session, the first differing line (a known
    difference where both sides have a line is reported and the comparison goes on past it)."""
    smap = {_canon(k): _canon(v) for k, v in session_map.items()}
    ignore = {_canon(s) for s in ignore_sessions}
    real_lines = []
    for myid, path in sorted(real_logs.items()):
        if path and os.path.exists(path):
            real_lines.extend(extract(read_real_log(path, node=int(myid))))
    sim_lines = extract(read_sim_log(sim_log_path))
    if real_until_ms is not None:
        real_lines = [ln for ln in real_lines if ln.t * 1000.0 <= real_until_ms]
    if sim_until_ms is not None:
        sim_lines = [ln for ln in sim_lines if ln.t * 1000.0 <= sim_until_ms + 1e-6]
    nodes = {int(k) for k in real_logs}
    sim_lines = [ln for ln in sim_lines if ln.node in nodes]
    keep = set(v for k, v in smap.items() if k not in ignore)
    real_seq = sequences([ln for ln in real_lines if ln.session is None or
                          (_canon(ln.session) in smap and _canon(ln.session) not in ignore)],
                         smap, keep)
    sim_seq = sequences(sim_lines, None, keep)
    if stats is not None:
        stats["real_lines"] = sum(len(v) for v in real_seq.values())
        stats["sim_lines"] = sum(len(v) for v in sim_seq.values())
        stats["sequences"] = len(set(real_seq) | set(sim_seq))
        stats["keys"] = sorted(set(real_seq) | set(sim_seq), key=lambda k: (k[0], k[1] or ""))
    diffs = []
    keys = list(real_seq.keys()) + [k for k in sim_seq if k not in real_seq]
    keys.sort(key=lambda k: (k[0], k[1] or ""))
    for key in keys:
        r, s = real_seq.get(key, []), sim_seq.get(key, [])
        i = j = 0
        while i < len(r) or j < len(s):
            a = r[i] if i < len(r) else None
            b = s[j] if j < len(s) else None
            if a == b:
                i, j = i + 1, j + 1
                continue
            k = _known(known, a, b)
            diffs.append(Difference(key[0], key[1], i, a, b, k, r, s))
            if not k:
                break
            # a known difference does not hide what follows it: a substitution moves both sides
            # on, a line only one side prints moves that side on (whichever lines up next)
            at = lambda q, n: q[n] if n < len(q) else None
            if a is not None and b is not None and at(r, i + 1) == at(s, j + 1):
                i, j = i + 1, j + 1
            elif a is not None and _known(known, a, None) and at(r, i + 1) == b:
                i += 1
            elif b is not None and _known(known, None, b) and a == at(s, j + 1):
                j += 1
            else:
                i, j = i + (a is not None), j + (b is not None)
    return diffs


# ---------------------------------------------------------------------------------------------
# Session map from the reports

def _sid_key(s):
    return int(s, 16)


def build_session_map(real_report, sim_report):
    """{real_id: sim_id}: first by the client holding it (clients[].session, and real.json's
    `holds`), then the rest by (minted_by, order of minting within that server)."""
    m = {}
    used = set()
    sim_count = {}
    for s in sim_report.get("sessions", []):
        sim_count[_canon(s["id"])] = sim_count.get(_canon(s["id"]), 0) + 1
    # an id two simulated servers both minted (3.4.5-3.4.6 collisions) may take two real ones
    shared = {k for k, n in sim_count.items() if n > 1}
    sim_clients = {c["name"]: c.get("session") for c in sim_report.get("clients", [])}
    pairs = []
    for c in real_report.get("clients", []):
        pairs.append((c.get("name"), c.get("session")))
    for real_c, real_sid in pairs:
        sim_sid = sim_clients.get(real_c)
        if real_sid and sim_sid and _canon(real_sid) not in m and (
                _canon(sim_sid) not in used or _canon(sim_sid) in shared):
            m[_canon(real_sid)] = _canon(sim_sid)
            used.add(_canon(sim_sid))
    by_server = {}
    for side, rep in (("real", real_report), ("sim", sim_report)):
        for s in rep.get("sessions", []):
            by_server.setdefault((side, s.get("minted_by")), []).append(s)
    for (side, srv), lst in list(by_server.items()):
        if side != "real":
            continue
        real_l = sorted(lst, key=lambda s: (s.get("minted_ms", 0), _sid_key(s["id"])))
        sim_l = sorted(by_server.get(("sim", srv), []), key=lambda s: (s.get("minted_ms", 0), _sid_key(s["id"])))
        # remove already-matched, keep order
        real_l = [s for s in real_l if _canon(s["id"]) not in m]
        sim_l = [s for s in sim_l if _canon(s["id"]) not in used or _canon(s["id"]) in shared]
        for a, b in zip(real_l, sim_l):
            m[_canon(a["id"])] = _canon(b["id"])
            used.add(_canon(b["id"]))
    return m


def harness_sessions(real_lines, real_report):
    """Real session ids seen in the logs that the report does not list (the end-of-run tree
    reader; 4-letter-word probes are session 0x0 and never compared)."""
    listed = {_canon(s["id"]) for s in real_report.get("sessions", [])}
    seen = {ln.session for ln in real_lines if ln.session is not None}
    return {s for s in seen if s not in listed and int(s, 16) != 0}


def compare_dir(d, zksim=None, known=None):
    """Runs compare_server_logs for one logs/<run>/<release>/<scenario> dir. zksim: a binary to
    regenerate sim.log from scenario.json (else the stored sim.log). Returns (diffs, info)."""
    real = _load(os.path.join(d, "real.json"))
    sim = _load(os.path.join(d, "sim.json"))
    release = os.path.basename(os.path.dirname(os.path.abspath(d)))
    real_logs = {}
    for name in sorted(os.listdir(d)):
        if re.match(r"^s\d+$", name) and os.path.exists(os.path.join(d, name, "server.log")):
            real_logs[int(name[1:])] = os.path.join(d, name, "server.log")
    sim_log = os.path.join(d, "sim.log")
    if zksim:
        fresh = os.path.join(os.environ.get("TMPDIR", "/tmp"), "loglines-sim-%d.log" % os.getpid())
        with open(fresh, "w") as f:
            subprocess.run([zksim, "run", os.path.join(d, "scenario.json"), "--log"], stdout=f,
                           stderr=subprocess.DEVNULL, check=False, timeout=120)
        sim_log = fresh
    smap = build_session_map(real, sim)
    all_real = []
    for p in real_logs.values():
        all_real.extend(extract(read_real_log(p)))
    ignore = harness_sessions(all_real, real)
    end = real.get("end_ms") or sim.get("end_ms")
    stats = {}
    diffs = compare_server_logs(real_logs, sim_log, smap, ignore, release, known,
                                real_until_ms=(real["t0"] + end) if end and "t0" in real else None,
                                sim_until_ms=end, stats=stats)
    return diffs, {"release": release, "map": smap, "ignore": sorted(ignore), "sim_log": sim_log,
                   "stats": stats}


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", help="logs/<run>/<release>/<scenario> directories")
    ap.add_argument("--fresh", metavar="ZKSIM", help="regenerate sim.log with this zksim binary (default: "
                    "$ZKSIM_BIN, else target/release/zksim of this checkout, when present)")
    ap.add_argument("--stored", action="store_true", help="compare the dir's stored sim.log")
    ap.add_argument("--json", action="store_true", help="print the differences as JSON")
    ap.add_argument("--seq", action="store_true", help="print both whole sequences of each difference")
    ap.add_argument("--known", action="append", default=[], metavar="REGEX=>REASON",
                    help="a known-difference pattern (repeatable)")
    a = ap.parse_args(argv)
    if not a.fresh and not a.stored:
        for cand in (os.environ.get("ZKSIM_BIN"),
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "release", "zksim")):
            if cand and os.access(cand, os.X_OK):
                a.fresh = cand
                break
    total = 0
    js = []
    for d in a.dirs:
        if not (os.path.exists(os.path.join(d, "real.json")) and os.path.exists(os.path.join(d, "sim.json"))):
            print("%s: no real.json/sim.json, skipped" % d)
            continue
        known = [tuple(k.split("=>", 1)) if "=>" in k else (k, k) for k in a.known]
        diffs, info = compare_dir(d, a.fresh, known)
        total += len([x for x in diffs if not x.known])
        if a.json:
            js.append({"dir": d, "map": info["map"], "ignore": info["ignore"],
                       "differences": [x.as_dict() for x in diffs]})
            continue
        print("%s: %d difference(s), %d known; %d real / %d sim lines in %d sequences  (map %s; ignored %s)" % (
            d, len([x for x in diffs if not x.known]), len([x for x in diffs if x.known]),
            info["stats"]["real_lines"], info["stats"]["sim_lines"], info["stats"]["sequences"], ", ".join("%s->%s" % kv for kv in sorted(info["map"].items())),
            ", ".join(info["ignore"]) or "-"))
        for x in diffs:
            print("  " + x.describe().replace("\n", "\n  "))
            if a.seq:
                print("    real seq:\n      " + "\n      ".join(x.real_seq))
                print("    sim seq:\n      " + "\n      ".join(x.sim_seq))
        if a.fresh and os.path.exists(info["sim_log"]):
            os.unlink(info["sim_log"])
    if a.json:
        json.dump(js, sys.stdout, indent=1)
        print()
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
