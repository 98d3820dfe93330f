//! The ensemble as a picture: servers on an inner circle, clients around them, a line for each
//! client connection and each quorum link, and every in-flight message as a dot moving along its
//! line by `(now - sent) / (deliver - sent)`. Click anything to select it.

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;
use zksim::server::Role;
use zksim::view::{ClientView, MessageView, ServerView};

use super::{Props, on_activate};
use crate::state::{Action, Selection};

const W: f64 = 720.0;
const H: f64 = 430.0;
/// Above this many clients, client names are left off (hover or select to see them).
const CLIENT_LABELS_MAX: usize = 24;
/// Above this many messages in flight, their kind labels are left off.
const MESSAGE_LABELS_MAX: usize = 24;
/// Messages drawn at most (the rest are counted).
const MESSAGES_DRAWN_MAX: usize = 400;

pub fn role_class(role: Role) -> &'static str {
    match role {
        Role::Down => "down",
        Role::Looking => "looking",
        Role::Following => "following",
        Role::Leading => "leading",
        Role::Standalone => "standalone",
    }
}

pub fn client_class(c: &ClientView) -> &'static str {
    if c.killed {
        "killed"
    } else if c.frozen {
        "frozen"
    } else {
        match c.state {
            "CONNECTED" => "connected",
            "CONNECTING" => "connecting",
            "CLOSED" => "closed",
            _ => "idle",
        }
    }
}

/// Where every node is drawn, by node name (`s1`, client names).
pub fn layout(servers: &[ServerView], clients: &[ClientView]) -> BTreeMap<String, (f64, f64)> {
    let (cx, cy) = (W / 2.0, H / 2.0);
    let mut at = BTreeMap::new();
    let n = servers.len().max(1) as f64;
    let r = if servers.len() <= 1 {
        0.0
    } else {
        (70.0 + 14.0 * n).min(130.0)
    };
    for (i, s) in servers.iter().enumerate() {
        let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n;
        at.insert(format!("s{}", s.myid), (cx + r * a.cos(), cy + r * a.sin()));
    }
    let m = clients.len().max(1) as f64;
    let (rx, ry) = (W / 2.0 - 60.0, H / 2.0 - 32.0);
    for (i, c) in clients.iter().enumerate() {
        let a = -std::f64::consts::FRAC_PI_2
            + std::f64::consts::PI / m
            + std::f64::consts::TAU * i as f64 / m;
        at.insert(c.name.clone(), (cx + rx * a.cos(), cy + ry * a.sin()));
    }
    at
}

/// Where a message is drawn: its fraction of the way from sender to receiver.
pub fn message_fraction(m: &MessageView, now_ms: u64) -> f64 {
    match m.status {
        // Clear of the node boxes at either end, so a message just sent is seen leaving.
        "flying" if m.deliver_ms > m.sent_ms => ((now_ms.saturating_sub(m.sent_ms)) as f64
            / (m.deliver_ms - m.sent_ms) as f64)
            .clamp(0.25, 0.8),
        "flying" => 0.5,
        // Stuck where the network holds it.
        _ => 0.25,
    }
}

#[function_component]
pub fn Ensemble(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let engine = props.store.engine();
    let world = engine.world();
    let now = world.now_ms();
    let servers = world.server_views();
    let clients = world.client_views();
    let messages = world.message_views();
    let at = layout(&servers, &clients);
    let sel = engine.selection.clone();
    let pos = |name: &str| at.get(name).copied().unwrap_or((W / 2.0, H / 2.0));
    let leader = servers
        .iter()
        .find(|s| matches!(s.role, Role::Leading))
        .map(|s| s.myid);

    let select = |s: Selection| {
        let d = props.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            d.emit(Action::Select(Some(s.clone())))
        })
    };
    let select_key = |s: Selection| {
        let d = props.dispatch.clone();
        on_activate(Callback::from(move |()| {
            d.emit(Action::Select(Some(s.clone())))
        }))
    };

    // Quorum links: each follower to the leader.
    let quorum_links = servers
        .iter()
        .filter(|s| matches!(s.role, Role::Following))
        .filter_map(|s| leader.map(|l| (s.myid, l)))
        .map(|(f, l)| {
            let (x1, y1) = pos(&format!("s{f}"));
            let (x2, y2) = pos(&format!("s{l}"));
            html! { <line class="link quorum" x1={fx(x1)} y1={fx(y1)} x2={fx(x2)} y2={fx(y2)} /> }
        });
    // Clients change rarely; as one layer with value-compared data, a frame in which none
    // changed costs a comparison, not a diff of hundreds of nodes.
    let label_clients = clients.len() <= CLIENT_LABELS_MAX;
    let dots: Vec<ClientDotData> = clients
        .iter()
        .map(|c| {
            let (x, y) = pos(&c.name);
            let to = c.server.map(|s| {
                let (x2, y2) = pos(&format!("s{s}"));
                (fx(x2), fx(y2))
            });
            ClientDotData {
                name: c.name.clone(),
                class: client_class(c),
                x: fx(x),
                y: fx(y),
                y_label: fx(y + 21.0),
                to,
                title: format!(
                    "{}: {}{}",
                    c.name,
                    c.state,
                    c.server.map(|s| format!(" on s{s}")).unwrap_or_default()
                ),
            }
        })
        .collect();
    let selected_client = match &sel {
        Some(Selection::Client(name)) => Some(name.clone()),
        _ => None,
    };
    let server_nodes = servers.iter().map(|s| {
        let (x, y) = pos(&format!("s{}", s.myid));
        let selected = sel == Some(Selection::Server(s.myid));
        // The accessible name starts with the text drawn (name and role), as axe asks.
        let title = format!(
            "s{} {}: {} connection(s)",
            s.myid,
            s.role.name(),
            s.connections.len()
        );
        html! {
            <g class={classes!("server", role_class(s.role), selected.then_some("selected"))}
               data-server={s.myid.to_string()} role="button" tabindex="0"
               aria-label={title.clone()}
               onclick={select(Selection::Server(s.myid))}
               onkeydown={select_key(Selection::Server(s.myid))}>
                <title>{ title }</title>
                <rect x={fx(x - 30.0)} y={fx(y - 20.0)} width="60" height="40" rx="8" />
                // One text element, so the text drawn reads "s1 follower" (two elements read
                // "s1follower" to axe, which is not part of the accessible name).
                <text x={fx(x)} y={fx(y - 3.0)} class="server-name">
                    { format!("s{} ", s.myid) }
                    <tspan x={fx(x)} y={fx(y + 12.0)} class="server-role">{ s.role.name() }</tspan>
                </text>
            </g>
        }
    });
    let label_messages = messages.len() <= MESSAGE_LABELS_MAX;
    let message_dots = messages.iter().take(MESSAGES_DRAWN_MAX).map(|m| {
        let (x1, y1) = pos(&m.from);
        let (x2, y2) = pos(&m.to);
        let f = message_fraction(m, now);
        let (x, y) = (x1 + (x2 - x1) * f, y1 + (y2 - y1) * f);
        let selected = sel == Some(Selection::Message(m.id));
        let title = format!(
            "{} {} → {}: {} ({})",
            m.kind, m.from, m.to, m.summary, m.status
        );
        html! {
            <g class={classes!("message", kind_class(m.kind), m.status, selected.then_some("selected"))}
               data-kind={m.kind} key={m.id.to_string()} role="button" tabindex="0"
               aria-label={title.clone()}
               onclick={select(Selection::Message(m.id))}
               onkeydown={select_key(Selection::Message(m.id))}>
                <title>{ title }</title>
                <circle cx={fx(x)} cy={fx(y)} r="5" />
                if label_messages {
                    <text x={fx(x + 7.0)} y={fx(y - 6.0)} class="message-label">{ m.kind }</text>
                }
            </g>
        }
    });
    let more = messages.len().saturating_sub(MESSAGES_DRAWN_MAX);
    let onbackground = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };

    html! {
        <section class="panel ensemble" aria-labelledby="ensemble-title">
            <h2 id="ensemble-title">{ "The ensemble" }
                <span class="sub">{ format!(" {} servers · {} clients · {} messages in flight",
                    servers.len(), clients.len(), messages.len()) }</span>
            </h2>
            // Two layers with the same viewBox: what changes rarely, and the moving messages
            // (their own compositing layer, so a frame repaints only the dots).
            <div class="ensemble-box">
                <svg viewBox={format!("0 0 {W} {H}")} class="ensemble-svg" role="group"
                     aria-label="Servers, clients and their connections"
                     onclick={onbackground}>
                    { for quorum_links }
                    <ClientLinks dots={Rc::new(dots.clone())} />
                    { for server_nodes }
                    <ClientDots dots={Rc::new(dots)} selected={selected_client}
                        label={label_clients} dispatch={props.dispatch.clone()} />
                </svg>
                <svg viewBox={format!("0 0 {W} {H}")} class="ensemble-messages" role="group"
                     aria-label="Messages in flight">
                    { for message_dots }
                    if more > 0 {
                        <text x="8" y={fx(H - 8.0)} class="node-label start">
                            { format!("+{more} more messages") }
                        </text>
                    }
                </svg>
            </div>
            <ul class="legend" aria-label="Legend">
                <li><span class="swatch leading"></span>{ "leader" }</li>
                <li><span class="swatch following"></span>{ "follower" }</li>
                <li><span class="swatch looking"></span>{ "looking / down" }</li>
                <li><span class="dot connected"></span>{ "connected" }</li>
                <li><span class="dot connecting"></span>{ "connecting" }</li>
                <li><span class="dot frozen"></span>{ "frozen" }</li>
                <li><span class="dot killed"></span>{ "killed / closed" }</li>
            </ul>
            <div class="export">
                <button class="export-svg" onclick={Callback::from(|_| { let _ = crate::export::save_svg(); })}
                        aria-label="Save as SVG: the ensemble as a picture file">{ "Save as SVG" }</button>
                <button class="export-png" onclick={Callback::from(|_| { let _ = crate::export::save_png(); })}
                        aria-label="Save as PNG: the ensemble as an image">{ "Save as PNG" }</button>
            </div>
        </section>
    }
}

/// Rounds a coordinate for the DOM (shorter attributes, fewer diffs): tenths, half away from zero.
/// Written with integers: Rust's float printing (`{:.1}`) costs the bundle several KB gzipped.
pub fn fx(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let a = tenths.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// A CSS class per message family: client/server session traffic, quorum traffic.
pub fn kind_class(kind: &str) -> &'static str {
    match kind {
        "ConnectRequest" | "ConnectResponse" => "k-connect",
        "ping" | "ping-reply" => "k-ping",
        "PING" => "k-PING",
        "REVALIDATE" | "REVALIDATE-REPLY" => "k-revalidate",
        "request" | "REQUEST" => "k-request",
        "reply" => "k-reply",
        "close" | "RST" => "k-close",
        "PROPOSAL" | "ACK" | "COMMIT" => "k-zab",
        _ => "k-other",
    }
}

/// What the clients layer draws of one client.
#[derive(Clone, PartialEq)]
pub struct ClientDotData {
    name: String,
    class: &'static str,
    x: String,
    y: String,
    y_label: String,
    /// The server it is connected to, if any (the line's other end).
    to: Option<(String, String)>,
    title: String,
}

#[derive(Properties, PartialEq)]
struct LinksProps {
    dots: Rc<Vec<ClientDotData>>,
}

#[function_component]
fn ClientLinks(p: &LinksProps) -> Html {
    html! {
        <g class="client-links">
            { for p.dots.iter().filter_map(|c| {
                let (x2, y2) = c.to.clone()?;
                Some(html! {
                    <line class={classes!("link", "session", c.class)}
                        x1={c.x.clone()} y1={c.y.clone()} x2={x2} y2={y2} />
                })
            }) }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct DotsProps {
    dots: Rc<Vec<ClientDotData>>,
    selected: Option<String>,
    label: bool,
    dispatch: Callback<Action>,
}

#[function_component]
fn ClientDots(p: &DotsProps) -> Html {
    let r = if p.label { "9" } else { "5" };
    html! {
        <g class="clients">
            { for p.dots.iter().map(|c| {
                let onclick = {
                    let d = p.dispatch.clone();
                    let name = c.name.clone();
                    Callback::from(move |e: MouseEvent| {
                        e.stop_propagation();
                        d.emit(Action::Select(Some(Selection::Client(name.clone()))))
                    })
                };
                let onkeydown = {
                    let d = p.dispatch.clone();
                    let name = c.name.clone();
                    on_activate(Callback::from(move |()| {
                        d.emit(Action::Select(Some(Selection::Client(name.clone()))))
                    }))
                };
                let selected = p.selected.as_deref() == Some(c.name.as_str());
                html! {
                    <g class={classes!("client", c.class, selected.then_some("selected"))}
                       data-client={c.name.clone()} role="button" tabindex="0"
                       aria-label={c.title.clone()} {onclick} {onkeydown}>
                        <title>{ &c.title }</title>
                        <circle cx={c.x.clone()} cy={c.y.clone()} r={r} />
                        if p.label {
                            <text x={c.x.clone()} y={c.y_label.clone()} class="node-label">{ &c.name }</text>
                        }
                    </g>
                }
            }) }
        </g>
    }
}
