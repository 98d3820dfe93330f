#!/usr/bin/env python3
"""Timing evidence of a conformance run: ping send times, expiry buckets, client event times.

    ping_times(log_path, release=None) -> {session_id: [ms, ...]}
        real client.log (epoch ms) or zksim --log (virtual ms); send = log time - N of
        `Got ping response for sessionid: 0x.. after Nms` (3.4-3.5) / `... for session id: 0x...
        after Nms.` (3.6+)
    connect_times(log_path, release=None) -> {session_id: ms}   (first `Session establishment
        complete` of each session)
    compare_pings(real, sim, t0_ms, tolerance_ms, real_connect=None, sim_connect=None,
                  session_map=None) -> list[dict]
    expiry_instants(real_dir) -> list[dict]   (per session: real bucket vs the spec's formula,
        and the simulator's instant)
    event_times(real_dir) / compare_events(real_dir, tolerance_ms) -> list[dict]

CLI: python3 tests/conformance/timing.py LOGDIR [...]   (LOGDIR = logs/<run>/<release>/<scenario>)
     python3 tests/conformance/timing.py --jitter LOGDIR...   (run-to-run ping jitter)
python3 stdlib only.
"""

import calendar
import json
import math
import os
import re
import sys


def _load(path):
    with open(path) as f:
        return json.load(f)


REAL_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) \[myid:[^\]]*\] - (\w+)\s+"
                     r"\[(.*?)\] - (.*)$")
SIM_RE = re.compile(r"^\s*(\d+\.\d+) \[([^\]]+)\] (\w+)\s+([\w$.]+) - (.*)$")
PING_RE = re.compile(r"Got ping response for session ?id: (0x[0-9a-fA-F]+) after (\d+)ms")
ESTABLISHED_RE = re.compile(r"Session establishment complete on server .*?, session ?id = "
                            r"(0x[0-9a-fA-F]+), negotiated timeout = (\d+)")
EXPIRING_RE = re.compile(r"Expiring session (0x[0-9a-fA-F]+), timeout of (\d+)ms exceeded")


def _canon(sid):
    return "0x%x" % int(sid, 16)


def _lines(path):
    """(ms, node/thread, level, text) of a real log4j log (epoch ms) or a zksim --log (virtual ms)."""
    with open(path, "r", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = REAL_RE.match(line)
            if m:
                y, mo, d, h, mi, s, ms = (int(m.group(i)) for i in range(1, 8))
                t = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1000 + ms
                yield t, m.group(9), m.group(8), m.group(10)
                continue
            m = SIM_RE.match(line)
            if m:
                yield round(float(m.group(1)) * 1000), m.group(2), m.group(3), m.group(5)


def ping_times(log_path, release=None):
    """{session: [ping send ms, ...]} (send = the reply's log time minus its `after Nms`)."""
    out = {}
    for t, _who, _lvl, text in _lines(log_path):
        m = PING_RE.search(text)
        if m:
            out.setdefault(_canon(m.group(1)), []).append(t - int(m.group(2)))
    return out


def connect_times(log_path, release=None):
    """{session: ms of its first `Session establishment complete`}."""
    out = {}
    for t, _who, _lvl, text in _lines(log_path):
        m = ESTABLISHED_RE.search(text)
        if m:
            out.setdefault(_canon(m.group(1)), t)
    return out


def compare_pings(real, sim, t0_ms, tolerance_ms, real_connect=None, sim_connect=None,
                  session_map=None):
    """real: {real_sid: [epoch ms]}, sim: {sim_sid: [virtual ms]}; each session's sends relative
    to its connect (real_connect / sim_connect: {sid: ms}; default: t0 / 0, i.e. scenario time).
    Returns one dict per session: session, n_real, n_sim, offsets, worst (ms), ok."""
    session_map = {_canon(k): _canon(v) for k, v in (session_map or {}).items()}
    real_connect = real_connect or {}
    sim_connect = sim_connect or {}
    out = []
    for rsid, rts in sorted(real.items()):
        ssid = session_map.get(rsid, rsid)
        sts = sim.get(ssid, [])
        rc = real_connect.get(rsid, t0_ms)
        sc = sim_connect.get(ssid, 0)
        ro = [t - rc for t in rts]
        so = [t - sc for t in sts]
        deltas = [a - b for a, b in zip(ro, so)]
        worst = max((abs(x) for x in deltas), default=None)
        ok = len(ro) == len(so) and (worst is None or worst <= tolerance_ms)
        out.append({"session": rsid, "sim_session": ssid, "n_real": len(ro), "n_sim": len(so),
                    "real_ms": ro, "sim_ms": so, "delta_ms": deltas, "worst_ms": worst, "ok": ok,
                    "why": None if ok else ("sim has no ping lines" if not so else
                                            "count %d vs %d" % (len(ro), len(so)) if len(ro) != len(so)
                                            else "off by %d ms" % worst)})
    return out


def ping_jitter(dirs):
    """Run-to-run jitter: for the same release, scenario and client across runs, the k-th ping's
    send time relative to that client's connect. Returns {(release, scenario, client, k): [offsets]}
    and the spread (max - min) per key."""
    groups = {}
    for d in dirs:
        try:
            real = _load(os.path.join(d, "real.json"))
        except (OSError, ValueError):
            continue
        log = os.path.join(d, "client.log")
        if not os.path.exists(log):
            continue
        rel = os.path.basename(os.path.dirname(os.path.abspath(d)))
        scen = os.path.basename(os.path.abspath(d))
        pings = ping_times(log)
        conns = connect_times(log)
        # first holder of each session is the client whose connect minted it
        holder = {}
        for c in real.get("clients", []):
            if c.get("session"):
                holder.setdefault(_canon(c["session"]), c["name"])
        for sid, ts in pings.items():
            if sid not in conns or sid not in holder:
                continue
            for k, t in enumerate(ts):
                groups.setdefault((rel, scen, holder[sid], k), []).append(t - conns[sid])
    return groups


# ---------------------------------------------------------------------------------------------
# Expiry buckets

def expiry_instants(d):
    """Per killed session of logs/<run>/<release>/<scenario>: the leader's real `Expiring session`
    instant (scenario ms) against the spec's bucket E = (floor((t+T)/tick)+1)*tick on the leader's
    clock (t = the last packet: for a client on the leader its arrival, taken as the handle's
    lastSend; on a follower the leader's processing of the PING reply that carries the touch, so
    the bucket of t or of t + tick/2, the spec says the later), and the simulator's instant.
    The leader's bucket grid is epoch-aligned on 3.4 (currentTimeMillis) and has an unknown phase
    on 3.5+ (currentElapsedTime = nanoTime): the phase is estimated from the Expiring lines
    themselves (their instant mod tick, the earliest)."""
    real = _load(os.path.join(d, "real.json"))
    sim = _load(os.path.join(d, "sim.json"))
    scen = _load(os.path.join(d, "scenario.json"))
    tick = scen.get("tick_ms", 2000)
    t0 = real["t0"]
    exp = {}
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name, "server.log")
        if re.match(r"^s\d+$", name) and os.path.exists(p):
            for t, _w, _l, text in _lines(p):
                m = EXPIRING_RE.search(text)
                if m:
                    exp.setdefault(_canon(m.group(1)), (t - t0, int(name[1:]), int(m.group(2))))
    if not exp:
        return []
    phases = sorted(((e[0] % tick) for e in exp.values()))
    phase = phases[0]
    sim_exp = {_canon(s["id"]): s.get("expired_at_ms") for s in sim.get("sessions", [])}
    sim_by_client = {c["name"]: _canon(c["session"]) for c in sim.get("clients", []) if c.get("session")}
    out = []
    for c in real.get("clients", []):
        sid = c.get("session") and _canon(c["session"])
        kill = real.get("kills", {}).get(c["name"])
        if not sid or sid not in exp or not kill:
            continue
        t_last = kill.get("last_send_ms")
        T = c.get("negotiated_timeout_ms")
        E_obs = exp[sid][0]

        def bucket(t):
            return phase + (math.floor((t + T - phase) / tick) + 1) * tick
        on_leader = kill.get("server_mode") in ("leader", "standalone")
        cands = [bucket(t_last)] if on_leader else [bucket(t_last), bucket(t_last + tick / 2.0)]
        best = min(cands, key=lambda e: abs(E_obs - e))
        ssid = sim_by_client.get(c["name"])
        E_sim = sim_exp.get(ssid)
        sim_kill = None
        for a in scen.get("actions", []):
            if a.get("do") == "kill" and a.get("client") == c["name"]:
                sim_kill = a["at_ms"]
        crash = [a["at_ms"] for a in scen.get("actions", [])
                 if a.get("do") == "crash_server" and t_last <= a["at_ms"] <= E_obs]
        out.append({
            "rearmed_after_crash_ms": crash[0] if crash else None,
            "real_minus_sim_ms": None if E_sim is None else round(E_obs - E_sim),
            "client": c["name"], "session": sid, "sim_session": ssid, "timeout_ms": T, "tick_ms": tick,
            "mode": kill.get("server_mode"), "last_send_ms": t_last, "real_expiry_ms": round(E_obs),
            "spec_bucket_ms": [round(x) for x in cands], "matches": "later" if (not on_leader and best == cands[-1]
                                                                                 and cands[0] != cands[1])
            else ("earlier" if not on_leader and cands[0] != cands[-1] else "exact"),
            "off_ms": round(E_obs - best), "real_after_last_ms": round(E_obs - t_last),
            "sim_expiry_ms": E_sim, "sim_kill_ms": sim_kill,
            "real_ticks_after_last": round((E_obs - t_last) / tick, 2),
            "sim_ticks_after_kill": None if E_sim is None or sim_kill is None else round((E_sim - sim_kill) / tick, 2),
            "phase_ms": round(phase),
        })
    return out


# ---------------------------------------------------------------------------------------------
# Client events

_SIM_EVENT = [
    (re.compile(r"Session establishment complete"), "SyncConnected"),
    (re.compile(r"^Unable to reconnect to ZooKeeper service, session 0x[0-9a-f]+ has expired(?:, closing socket connection)?$"), "Expired"),
    (re.compile(r"attempting reconnect$|Client session timed out|Closing socket connection\. Attempting reconnect"),
     "Disconnected"),
    (re.compile(r"^Session: 0x[0-9a-f]+ closed$"), "Closed"),
]


def _release_tuple(rel):
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", rel or "")
    return tuple(int(x) for x in m.groups()) if m else (99, 0, 0)


def event_times(d):
    """({client: [(scenario ms, event)]} real, from driver.out `ev` lines; the same from the sim
    log (sim.log of the dir, client lines: establishment complete -> SyncConnected, `has expired`
    -> Expired, closing + attempting reconnect while connected -> Disconnected, `Session: 0x.. closed`
    -> Closed on 3.5+, whose close() delivers KeeperState.Closed))."""
    real = _load(os.path.join(d, "real.json"))
    t0 = real["t0"]
    rv = {}
    with open(os.path.join(d, "driver.out")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 4 and p[1] == "ev":
                rv.setdefault(p[2], []).append((int(p[0]) - t0, p[3]))
    release = os.path.basename(os.path.dirname(os.path.abspath(d)))
    closed_event = _release_tuple(release) >= (3, 5, 0)  # KeeperState.Closed is 3.5+
    sv = {}
    connected = {}
    sim_log = os.path.join(d, "sim.log")
    if os.path.exists(sim_log):
        for t, who, _lvl, text in _lines(sim_log):
            if re.match(r"^s\d+$", who):
                continue
            for rx, ev in _SIM_EVENT:
                if rx.search(text):
                    if ev == "Disconnected":
                        if connected.get(who) is not True:
                            break
                        connected[who] = False
                    elif ev == "Closed":
                        connected[who] = False
                        if not closed_event:
                            break
                    elif ev == "SyncConnected":
                        connected[who] = True
                    else:  # Expired: once (3.4.14-3.5 print it twice, with and without ", closing ...")
                        if connected.get(who) == "expired":
                            break
                        connected[who] = "expired"
                    sv.setdefault(who, []).append((t, ev))
                    break
    return rv, sv


def compare_events(d, tolerance_ms=100):
    rv, sv = event_times(d)
    out = []
    for c in sorted(set(rv) | set(sv)):
        r, s = rv.get(c, []), sv.get(c, [])
        for i in range(max(len(r), len(s))):
            a = r[i] if i < len(r) else None
            b = s[i] if i < len(s) else None
            same = a is not None and b is not None and a[1] == b[1]
            out.append({"client": c, "i": i, "real": a and (round(a[0]), a[1]), "sim": b,
                        "delta_ms": round(a[0] - b[0]) if same else None,
                        "ok": same and abs(a[0] - b[0]) <= tolerance_ms})
    return out


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--jitter", action="store_true", help="run-to-run ping jitter over the dirs")
    ap.add_argument("--tolerance", type=int, default=25)
    a = ap.parse_args(argv)
    if a.jitter:
        g = ping_jitter(a.dirs)
        spreads = sorted(((max(v) - min(v)), k) for k, v in g.items() if len(v) > 1)
        allv = [s for s, _ in spreads]
        if not allv:
            print("no key seen in two runs")
            return 0
        allv.sort()
        q = lambda p: allv[min(len(allv) - 1, int(p * len(allv)))]
        print("keys seen in >1 run: %d; spread (max-min ms) median %d, p90 %d, p99 %d, max %d"
              % (len(allv), q(0.5), q(0.9), q(0.99), allv[-1]))
        for s, k in spreads[-8:]:
            print("  %4d ms  %s  %s" % (s, k, sorted(g[k])))
        return 0
    for d in a.dirs:
        if not all(os.path.exists(os.path.join(d, n)) for n in ("real.json", "sim.json", "client.log")):
            continue
        print("== %s" % d)
        real = _load(os.path.join(d, "real.json"))
        rp = ping_times(os.path.join(d, "client.log"))
        sp = ping_times(os.path.join(d, "sim.log")) if os.path.exists(os.path.join(d, "sim.log")) else {}
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import loglines
        smap = loglines.build_session_map(real, _load(os.path.join(d, "sim.json")))
        rc = connect_times(os.path.join(d, "client.log"))
        sc = connect_times(os.path.join(d, "sim.log")) if os.path.exists(os.path.join(d, "sim.log")) else {}
        for r in compare_pings({k: v for k, v in rp.items() if k in smap}, sp, real["t0"], a.tolerance,
                               rc, sc, smap):
            print("  ping %s->%s real %d sim %d %s %s" % (r["session"], r["sim_session"], r["n_real"],
                                                         r["n_sim"], "ok" if r["ok"] else "DIFF",
                                                         r["why"] or ""))
        for e in expiry_instants(d):
            print("  expiry %(client)s (%(mode)s, T=%(timeout_ms)s): real %(real_expiry_ms)s ms = last+"
                  "%(real_after_last_ms)s, spec %(spec_bucket_ms)s -> %(matches)s off %(off_ms)s; "
                  "sim %(sim_expiry_ms)s (kill %(sim_kill_ms)s) real-sim %(real_minus_sim_ms)s" % e
                  + ("; leader crashed at %s: re-armed at takeover, formula n/a" % e["rearmed_after_crash_ms"]
                     if e["rearmed_after_crash_ms"] is not None else ""))
        for e in compare_events(d):
            if not e["ok"]:
                print("  event %(client)s #%(i)d real %(real)s sim %(sim)s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
