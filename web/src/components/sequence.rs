//! A sequence diagram of recent messages: a lane per server and per client involved, one row
//! per message in the order sent, or (to scale) rows spaced by virtual time with each arrow
//! slanting from when it was sent to when it arrived. Quorum traffic (server to server) is
//! hidden unless asked for. Click a message, or focus it and press Enter, to jump to the
//! moment it was sent.

use std::collections::{BTreeMap, BTreeSet};

use web_sys::HtmlInputElement;
use yew::prelude::*;
use zksim::trace::{EventKind, Node};

use super::ensemble::{fx, kind_class};
use super::{Props, on_activate};
use crate::fmt::secs;
use crate::state::{Action, Selection};

/// Messages shown (the most recent ones).
pub const ROWS: usize = 36;
const CLIENT_LANES_MAX: usize = 10;
const LANE_W: f64 = 92.0;
const ROW_H: f64 = 19.0;
const TOP: f64 = 30.0;
const LEFT: f64 = 74.0;
/// To scale: pixels per virtual ms, at most and at least (a burst of messages within a few
/// ms is not stretched past this; a long quiet stretch is not squeezed flat).
const SCALE_PX_PER_MS_MAX: f64 = 2.0;
const SCALE_PX_PER_MS_MIN: f64 = 0.004;
/// To scale: a label is left off when it would overlap the one above (pixels).
const SCALE_LABEL_GAP: f64 = 11.0;

/// Quorum traffic: a message between two servers (PING, PROPOSAL, ACK, COMMIT, REVALIDATE,
/// a learner's REQUEST), as opposed to a client's session traffic.
pub fn is_quorum(from: &Node, to: &Node) -> bool {
    matches!((from, to), (Node::Server(_), Node::Server(_)))
}

/// Where each row's arrow starts and ends (y of the send, y of the arrival or of now) and the
/// diagram's height. One row per message, or to scale: y grows with virtual time from the
/// first row's send, so that the gaps between messages and their latencies show.
pub fn row_ys(times: &[(u64, Option<u64>)], now_ms: u64, to_scale: bool) -> (Vec<(f64, f64)>, f64) {
    if !to_scale || times.is_empty() {
        let ys = (0..times.len())
            .map(|k| {
                let y = TOP + ROW_H * k as f64 + 6.0;
                (y, y + 6.0)
            })
            .collect();
        return (ys, TOP + ROW_H * times.len().max(1) as f64 + 14.0);
    }
    let t0 = times[0].0;
    // Everything sent or arrived is at or before now; what is in flight ends at now.
    let t1 = now_ms.max(t0);
    let span = t1.saturating_sub(t0).max(1) as f64;
    let px = (ROW_H * times.len() as f64 / span).clamp(SCALE_PX_PER_MS_MIN, SCALE_PX_PER_MS_MAX);
    let y = |t: u64| TOP + 6.0 + t.saturating_sub(t0) as f64 * px;
    let ys = times
        .iter()
        .map(|(sent, done)| {
            let a = y(*sent);
            let b = y(done.unwrap_or(now_ms).max(*sent)).max(a + 2.0);
            (a, b)
        })
        .collect();
    (ys, y(t1) + 20.0)
}

struct Row {
    id: u64,
    from: Node,
    to: Node,
    what: &'static str,
    /// What it carries, as the core describes it (the sent event's explanation).
    carries: String,
    sent_ms: u64,
    /// When it arrived (or was dropped), if it did.
    done_ms: Option<u64>,
    dropped: bool,
}

#[function_component]
pub fn Sequence(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let show_quorum = use_state(|| false);
    let to_scale = use_state(|| false);
    let engine = props.store.engine();
    let world = engine.world();
    let now = world.now_ms();

    // Walk back through the log for the last ROWS sends, noting arrivals on the way; then a
    // little further for the requests the replies answer (to name their op).
    let mut done: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut ops: BTreeMap<(Node, u64), String> = BTreeMap::new();
    let mut wanted: BTreeSet<(Node, u64)> = BTreeSet::new();
    // What the client made of each reply: the op and the code it reports (a multi's header
    // says 0 while its results carry the error).
    let mut results: BTreeMap<(Node, u64), (String, i32)> = BTreeMap::new();
    let mut hidden = 0usize;
    let mut log = engine.log().rev();
    for e in log.by_ref() {
        if let EventKind::OpDone { op, code, .. } = &e.kind {
            results.insert((e.node.clone(), e.at_ms), (op.clone(), *code));
        }
        if let EventKind::MessageSent { from, to, what, .. } = &e.kind {
            match *what {
                "request" => {
                    if let Some((op, xid)) = request_op(&e.explain) {
                        ops.entry((from.clone(), xid)).or_insert(op);
                    }
                }
                "reply" => {
                    if let Some((xid, _)) = reply_code(&e.explain) {
                        wanted.insert((to.clone(), xid));
                    }
                }
                _ => {}
            }
        }
        match &e.kind {
            EventKind::MessageDelivered { id, .. } => {
                done.insert(*id, (e.at_ms, false));
            }
            EventKind::MessageDropped { id, .. } => {
                done.insert(*id, (e.at_ms, true));
            }
            EventKind::MessageSent { from, to, .. } if !*show_quorum && is_quorum(from, to) => {
                hidden += 1;
            }
            EventKind::MessageSent { id, from, to, what } => {
                let d = done.get(id).copied();
                rows.push(Row {
                    id: *id,
                    from: from.clone(),
                    to: to.clone(),
                    what,
                    carries: e.explain.clone(),
                    sent_ms: e.at_ms,
                    done_ms: d.map(|x| x.0),
                    dropped: d.is_some_and(|x| x.1),
                });
                if rows.len() >= ROWS * 2 {
                    break;
                }
            }
            _ => {}
        }
    }
    wanted.retain(|k| !ops.contains_key(k));
    for e in log.take(5_000) {
        if wanted.is_empty() {
            break;
        }
        if let EventKind::MessageSent {
            from,
            what: "request",
            ..
        } = &e.kind
            && let Some((op, xid)) = request_op(&e.explain)
            && wanted.remove(&(from.clone(), xid))
        {
            ops.insert((from.clone(), xid), op);
        }
    }
    rows.reverse();

    // Lanes: every server, then clients in order of first appearance (capped).
    let mut lanes: Vec<Node> = world
        .server_views()
        .iter()
        .map(|s| Node::Server(s.myid))
        .collect();
    for r in rows.iter().rev() {
        for n in [&r.from, &r.to] {
            if matches!(n, Node::Client(_))
                && !lanes.contains(n)
                && lanes
                    .iter()
                    .filter(|l| matches!(l, Node::Client(_)))
                    .count()
                    < CLIENT_LANES_MAX
            {
                lanes.push(n.clone());
            }
        }
    }
    let lane_of = |n: &Node| lanes.iter().position(|l| l == n);
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| lane_of(&r.from).is_some() && lane_of(&r.to).is_some())
        .collect();
    let rows = &rows[rows.len().saturating_sub(ROWS)..];
    let lane_x = |i: usize| LEFT + LANE_W * (i as f64 + 0.5);
    let width = LEFT + LANE_W * lanes.len() as f64 + 10.0;
    let times: Vec<(u64, Option<u64>)> = rows.iter().map(|r| (r.sent_ms, r.done_ms)).collect();
    let (ys, height) = row_ys(&times, now, *to_scale);
    // To scale, a label that would overlap the one above is left off (the title keeps it).
    let mut labelled = Vec::with_capacity(ys.len());
    let mut last_label = f64::NEG_INFINITY;
    for (y, _) in &ys {
        let show = !*to_scale || *y - last_label >= SCALE_LABEL_GAP;
        if show {
            last_label = *y;
        }
        labelled.push(show);
    }

    let heads = lanes.iter().enumerate().map(|(i, n)| {
        html! {
            <g class="lane">
                <text x={fx(lane_x(i))} y="16" class="lane-name">{ world.node_name(n) }</text>
                <line x1={fx(lane_x(i))} x2={fx(lane_x(i))} y1="22" y2={fx(height - 4.0)} />
            </g>
        }
    });
    let arrows = rows.iter().enumerate().map(|(k, r)| {
        let (Some(a), Some(b)) = (lane_of(&r.from), lane_of(&r.to)) else {
            // Not reached (rows were kept for their lanes); keyed like its siblings.
            return html! { <g key={r.id.to_string()} /> };
        };
        let (y, y2) = ys[k];
        let show_label = labelled[k];
        let (x1, x2) = (lane_x(a), lane_x(b));
        let dir = if x2 >= x1 { 1.0 } else { -1.0 };
        let in_flight = r.done_ms.is_none();
        let jump = {
            let d = props.dispatch.clone();
            let (t, id) = (r.sent_ms, r.id);
            Callback::from(move |()| {
                d.emit(Action::Seek(t));
                d.emit(Action::Select(Some(Selection::Message(id))));
            })
        };
        let onkeydown = on_activate(jump.clone());
        let onclick = jump.reform(|_: MouseEvent| ());
        let label = match (r.what, r.done_ms) {
            ("reply", Some(t)) => match results.get(&(r.to.clone(), t)) {
                Some((op, code)) => format!("{op} → {}", code_label(*code)),
                None => label(r, &ops),
            },
            _ => label(r, &ops),
        };
        let title = format!(
            "{} {} → {}: {}{}",
            secs(r.sent_ms),
            world.node_name(&r.from),
            world.node_name(&r.to),
            carries_text(&r.carries),
            match (r.done_ms, r.dropped) {
                (Some(t), false) => format!(", arrived at {}", secs(t)),
                (Some(t), true) => format!(", dropped at {}", secs(t)),
                (None, _) => ", in flight".to_string(),
            }
        );
        // The accessible name starts with the text drawn (time and label), as axe asks.
        let name = if show_label {
            format!("{} {label}: {title}", secs(r.sent_ms))
        } else {
            title.clone()
        };
        let selected = engine.selection == Some(Selection::Message(r.id));
        html! {
            <g class={classes!("seq-msg", kind_class(r.what), in_flight.then_some("in-flight"),
                               r.dropped.then_some("dropped"), selected.then_some("selected"))}
               data-msg={r.id.to_string()} role="button" tabindex="0" aria-label={name}
               key={r.id.to_string()} {onclick} {onkeydown}>
                <title>{ title }</title>
                <rect x="0" y={fx(y - 9.0)} width={fx(width)} height={fx((y2 - y + 12.0).max(ROW_H))} class="hit" />
                if show_label {
                    // The trailing space: axe reads the two texts as one, "4.000 s connect".
                    <text x="4" y={fx(y + 4.0)} class="seq-time">{ format!("{} ", secs(r.sent_ms)) }</text>
                }
                <line x1={fx(x1)} y1={fx(y)} x2={fx(x2 - dir * 6.0)} y2={fx(y2)} />
                <path d={format!("M{} {} l{} -4 l0 8 z", fx(x2), fx(y2), fx(-dir * 7.0))} />
                if show_label {
                    <text x={fx((x1 + x2) / 2.0)} y={fx(y - 1.0)} class="seq-label">{ label }</text>
                }
            </g>
        }
    });

    let onquorum = {
        let show_quorum = show_quorum.clone();
        Callback::from(move |e: Event| {
            show_quorum.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let onscale = {
        let to_scale = to_scale.clone();
        Callback::from(move |e: Event| {
            to_scale.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let hidden_note = if *show_quorum || hidden == 0 {
        String::new()
    } else {
        format!(
            " Quorum traffic between servers is hidden ({hidden} message{} in this stretch).",
            if hidden == 1 { "" } else { "s" }
        )
    };
    html! {
        <section class="tab-body sequence" aria-label="Sequence diagram">
            <p class="explain">{ format!("The last {} messages up to {}; dashed: still in flight. \
                Click one (or focus it and press Enter) to jump to when it was sent.{hidden_note}",
                rows.len(), secs(now)) }</p>
            <div class="seq-options">
                <label>
                    <input type="checkbox" class="show-quorum" checked={*show_quorum} onchange={onquorum} />
                    { " show quorum traffic (server to server: PING, PROPOSAL, ACK, COMMIT, REVALIDATE)" }
                </label>
                <label>
                    <input type="checkbox" class="to-scale" checked={*to_scale} onchange={onscale} />
                    { " to scale (rows spaced by virtual time, arrows slant by latency)" }
                </label>
            </div>
            <div class="scroll-x" tabindex="0" role="region" aria-label="Sequence diagram, scrolls sideways">
                <svg viewBox={format!("0 0 {} {}", fx(width), fx(height))} width={fx(width)}
                     height={fx(height)} class={classes!("sequence-svg", to_scale.then_some("to-scale"))}
                     role="group" aria-label="Recent messages between servers and clients">
                    { for heads }
                    { for arrows }
                </svg>
            </div>
            <ul class="seq-legend" aria-label="Sequence legend">
                <li><span class="swatch-line"></span>{ "arrived" }</li>
                <li><span class="swatch-line in-flight"></span>{ "in flight" }</li>
                <li class="k-bad"><span class="swatch-line"></span>{ "dropped" }</li>
                <li class="k-request"><span class="swatch-line"></span>{ "request and reply: op → result code" }</li>
                <li class="k-ping"><span class="swatch-line"></span>{ "ping" }</li>
                <li class="k-revalidate"><span class="swatch-line"></span>{ "REVALIDATE" }</li>
                <li class="k-close"><span class="swatch-line"></span>{ "close" }</li>
                <li class="k-zab"><span class="swatch-line"></span>{ "PROPOSAL · ACK · COMMIT (quorum)" }</li>
            </ul>
        </section>
    }
}

/// `multi /job-1 (xid 4) (arrives in 2 ms)`: the op and the xid of a request.
fn request_op(carries: &str) -> Option<(String, u64)> {
    let (head, rest) = carries.split_once("(xid ")?;
    let xid = rest.split(')').next()?.trim().parse().ok()?;
    let op = head.split_whitespace().next()?.to_string();
    Some((op, xid))
}

/// `reply xid 4 zxid 0x… err -118 (arrives in 2 ms)`: the xid and the error code of a reply.
fn reply_code(carries: &str) -> Option<(u64, i32)> {
    let rest = carries.strip_prefix("reply xid ")?;
    let xid = rest.split_whitespace().next()?.parse().ok()?;
    let err = rest
        .split_once(" err ")?
        .1
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((xid, err))
}

/// A result code as the Java client names it: `SessionMoved -118`, `OK`.
pub fn code_label(code: i32) -> String {
    let name = match code {
        0 => return "OK".into(),
        -4 => "ConnectionLoss",
        -7 => "OperationTimeout",
        -12 => "UnknownSession",
        -101 => "NoNode",
        -103 => "BadVersion",
        -108 => "NoChildrenForEphemerals",
        -110 => "NodeExists",
        -111 => "NotEmpty",
        -112 => "SessionExpired",
        -115 => "AuthFailed",
        -118 => "SessionMoved",
        c => return format!("{} {c}", zksim::codes::message(c).replace(' ', "")),
    };
    format!("{name} {code}")
}

/// What a row's label says: the op of a request, the op and result of a reply, the txn of a
/// proposal; the message kind otherwise.
fn label(r: &Row, ops: &BTreeMap<(Node, u64), String>) -> String {
    match r.what {
        "request" => request_op(&r.carries)
            .map(|(op, _)| op)
            .unwrap_or_else(|| r.what.to_string()),
        "reply" => match reply_code(&r.carries) {
            Some((xid, code)) => match ops.get(&(r.to.clone(), xid)) {
                Some(op) => format!("{op} → {}", code_label(code)),
                None if xid > u32::MAX as u64 => "ping reply".into(),
                None => format!("reply → {}", code_label(code)),
            },
            None => r.what.to_string(),
        },
        "PROPOSAL" | "REQUEST" => {
            let words: Vec<&str> = carries_text(&r.carries).split_whitespace().collect();
            match (r.what, words.as_slice()) {
                ("PROPOSAL", [_, _, txn, ..]) => format!("PROPOSAL {txn}"),
                ("REQUEST", [_, op, ..]) => format!("REQUEST {op}"),
                _ => r.what.to_string(),
            }
        }
        "REVALIDATE-REPLY" if r.carries.contains("valid=false") => {
            "REVALIDATE-REPLY: invalid".into()
        }
        _ => r.what.to_string(),
    }
}

/// The explanation without its "(arrives in … ms)" tail.
fn carries_text(carries: &str) -> &str {
    carries
        .rsplit_once(" (arrives in ")
        .map(|(head, _)| head)
        .unwrap_or(carries)
}
