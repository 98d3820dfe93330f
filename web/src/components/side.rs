//! The side panel: the story's narration and what just happened (with the Java method that did
//! it), and the details of whatever is selected.

use yew::prelude::*;
use zksim::ids::hex;
use zksim::trace::TraceEvent;
use zksim::world::World;

use super::Props;
use crate::fmt::{date, secs, signed_secs, uptime};
use crate::state::{Action, Selection, Source};

#[function_component]
pub fn Narration(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let engine = props.store.engine();
    let world = engine.world();
    let story = engine.narration();
    let latest = engine
        .log()
        .rev()
        // Recent events only: a quiet stretch of pings should not cost a scan of the whole log.
        .take(5_000)
        .find(|e| e.kind.is_interesting() && !e.explain.is_empty());
    // The story's description: open at the start, a click away later.
    let description = match engine.source {
        Source::Story(id) => crate::story::info(id)
            .map(|s| s.description.clone())
            .filter(|d| !d.is_empty()),
        _ => None,
    }
    .or_else(|| engine.scenario().description.clone());
    // What the conformance suite found when it ran this story on a real release.
    let checked = match engine.source {
        Source::Story(id) => zksim::gallery::story(id).map(|s| checked_text(&s.checked())),
        _ => None,
    };
    let at_start = engine.now_ms() == 0;
    let siblings = match engine.source {
        Source::Story(id) if at_start => crate::story::siblings(id),
        _ => Vec::new(),
    };
    let beats = crate::history::beats(&engine);
    let current_beat = story.map(|(at, _)| at);
    let seek_to = |t: u64, select: Option<Selection>| {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            d.emit(Action::Seek(t));
            if let Some(s) = select.clone() {
                d.emit(Action::Select(Some(s)));
            }
        })
    };
    let history = beats.iter().map(|b| {
        let current = current_beat == Some(b.at_ms);
        let events = b.events.iter().map(|e| {
            html! {
                <li>
                    <button class="beat-event" onclick={seek_to(e.at_ms, Some(Selection::Event(e.seq)))}>
                        <span class="at">{ format!("{} {}", secs(e.at_ms), e.node) }</span>{ " " }{ &e.explain }
                    </button>
                </li>
            }
        });
        html! {
            <li class={classes!("beat", current.then_some("current"))}
                aria-current={current.then_some("step")}>
                <button class="beat-jump" onclick={seek_to(b.at_ms, None)}>
                    <span class="at">{ secs(b.at_ms) }</span>{ " " }{ &b.text }
                </button>
                if !b.events.is_empty() {
                    <ul class="beat-events">
                        { for events }
                        if b.more > 0 {
                            <li class="more">{ format!("and {} more", b.more) }</li>
                        }
                    </ul>
                }
            </li>
        }
    });
    html! {
        <section class="panel narration" aria-labelledby="narration-title">
            <h2 id="narration-title">{ "What is happening" }</h2>
            if let Some(name) = &engine.scenario().name {
                <p class="story-title">{ name }</p>
            }
            if let Some(text) = description {
                <details class="about-story" open={at_start}>
                    <summary>{ "About this story" }</summary>
                    <div class="story-description">{ crate::story::markdown(&text) }</div>
                    if let Some(c) = &checked {
                        <p class="story-checked">{ c }</p>
                    }
                </details>
            }
            if !siblings.is_empty() {
                <p class="siblings">{ "Compare with: " }
                    { for siblings.iter().enumerate().map(|(i, s)| html! {
                        <>
                            if i > 0 { { ", " } }
                            <a href={format!("#story={}", s.id)} data-story={s.id}>{ &s.title }</a>
                        </>
                    }) }
                </p>
            }
            <div class="now-happening" aria-live="polite">
                if let Some((at, text)) = story {
                    <p class="story-line"><span class="at">{ secs(at) }</span>{ " " }{ text }</p>
                }
                if let Some(e) = latest {
                    <p class="just-happened">
                        <span class="at">{ format!("{} {}", secs(e.at_ms), world.node_name(&e.node)) }</span>
                        { " " }{ &e.explain }
                    </p>
                }
            </div>
            if !beats.is_empty() {
                <details class="story-so-far" open=true>
                    <summary>{ format!("The story so far ({} of {} beats): click one to go back there",
                        beats.len(), engine.scenario().narration.len()) }</summary>
                    <ol class="beats" aria-label="The story so far">{ for history }</ol>
                </details>
            }
        </section>
    }
}

/// "Checked against real ZooKeeper 3.4.5: 29 of 29 checks agreed." or why it was not.
pub fn checked_text(c: &zksim::gallery::Checked) -> String {
    match c {
        zksim::gallery::Checked::On(rs) => {
            let runs: Vec<String> = rs
                .iter()
                .map(|r| format!("{}: {} of {} checks agreed", r.release, r.agreed, r.checks))
                .collect();
            format!("Checked against real ZooKeeper {}.", runs.join("; "))
        }
        zksim::gallery::Checked::NotChecked(why) => {
            format!("Not checked against a real release: {why}.")
        }
    }
}

fn row(k: &str, v: impl Into<Html>) -> Html {
    html! { <><dt>{ k }</dt><dd>{ v.into() }</dd></> }
}

/// The event's typed content, in words (session IDs in hex as ZooKeeper prints them).
pub fn kind_text(kind: &zksim::trace::EventKind, world: &World) -> String {
    crate::plain::event_text(kind, world)
}

fn event_details(e: &TraceEvent, world: &World) -> Html {
    html! {
        <dl>
            { row("at", secs(e.at_ms)) }
            { row("node", world.node_name(&e.node)) }
            { row("event", kind_text(&e.kind, world)) }
            if let Some(l) = &e.log {
                { row("log", format!("{} {} - {}", l.level.as_str(), l.logger, l.text)) }
            }
            { row("why", e.explain.clone()) }
        </dl>
    }
}

#[function_component]
pub fn Details(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let engine = props.store.engine();
    let world = engine.world();
    let body = match &engine.selection {
        None => {
            html! { <p class="hint">{ "Select a server, client, message, session, znode or log line." }</p> }
        }
        Some(Selection::Server(id)) => {
            match world.server_views().into_iter().find(|s| s.myid == *id) {
                None => html! { <p class="hint">{ "gone" }</p> },
                Some(s) => html! {
                    <dl>
                        { row("server", format!("s{} ({})", s.myid, s.role.name())) }
                        { row("serving", s.serving.to_string()) }
                        { row("epoch · last zxid", format!("{} · 0x{:x}", s.epoch, s.last_zxid)) }
                        { row("wall clock", date(s.wall_ms)) }
                        { row("elapsed clock", uptime(s.elapsed_ms)) }
                        { row("next session ID", s.next_session_id.map(hex).unwrap_or_else(|| "-".into())) }
                        { row("connections", if s.connections.is_empty() { "none".to_string() } else {
                            s.connections.iter().map(|(c, id)| format!("{c} ({})", hex(*id))).collect::<Vec<_>>().join(", ") }) }
                        if !s.touch_table.is_empty() {
                            { row("touch table", s.touch_table.iter().map(|(id, t)| format!("{} {t}", hex(*id))).collect::<Vec<_>>().join(", ")) }
                        }
                        if !s.pending_revalidations.is_empty() {
                            { row("revalidating", s.pending_revalidations.iter().map(|id| hex(*id)).collect::<Vec<_>>().join(", ")) }
                        }
                    </dl>
                },
            }
        }
        Some(Selection::Client(name)) => {
            match world.client_views().into_iter().find(|c| c.name == *name) {
                None => html! { <p class="hint">{ "gone" }</p> },
                Some(c) => html! {
                    <dl>
                        { row("client", c.name.clone()) }
                        { row("state", format!("{}{}{}", c.state, if c.frozen { ", frozen" } else { "" }, if c.killed { ", killed" } else { "" })) }
                        { row("server", c.server.map(|s| format!("s{s}")).unwrap_or_else(|| "-".into())) }
                        { row("session", if c.session_id == 0 { "-".into() } else { hex(c.session_id) }) }
                        { row("timeouts", format!("session {} · read {} · connect {} ms", c.negotiated_timeout_ms, c.read_timeout_ms, c.connect_timeout_ms)) }
                        { row("last heard · sent", format!("{} · {}", secs(c.last_heard_ms), secs(c.last_send_ms))) }
                        { row("pending ops", c.pending_ops.to_string()) }
                        { row("hosts", c.hosts.iter().map(|h| format!("s{h}")).collect::<Vec<_>>().join(", ")) }
                        { row("events", c.events.join(", ")) }
                    </dl>
                },
            }
        }
        Some(Selection::Session { id, minted_by }) => match world
            .session_views()
            .into_iter()
            .rev()
            .find(|s| s.id == *id && minted_by.is_none_or(|m| m == s.minted_by))
        {
            None => html! { <p class="hint">{ "gone" }</p> },
            Some(s) => html! {
                <dl>
                    { row("session", hex(s.id)) }
                    { row("minted by", format!("s{}", s.minted_by)) }
                    { row("myid byte", format!("0x{:02x}{}", s.anatomy.high_byte, if s.anatomy.sign_extended { " (sign-extended)" } else { "" })) }
                    { row("time field", format!("0x{:010x}", s.anatomy.time_field)) }
                    { row("counter", s.anatomy.counter.to_string()) }
                    { row("timeout", format!("{} ms", s.timeout_ms)) }
                    { row("state", s.state) }
                    { row("bucket", s.bucket_ms.map(|b| b.to_string()).unwrap_or_else(|| "-".into())) }
                    { row("expires in", s.expires_in_ms.map(signed_secs).unwrap_or_else(|| "-".into())) }
                    { row("owner", s.owner.unwrap_or_else(|| "-".into())) }
                    if s.collides { { row("collision", "another session has this ID") } }
                </dl>
            },
        },
        Some(Selection::Message(id)) => {
            match world.message_views().into_iter().find(|m| m.id == *id) {
                Some(m) => html! {
                    <dl>
                        { row("message", format!("{} → {}", m.from, m.to)) }
                        { row("kind", m.kind) }
                        { row("what", m.summary) }
                        { row("sent · due", format!("{} · {}", secs(m.sent_ms), secs(m.deliver_ms))) }
                        { row("status", m.status) }
                    </dl>
                },
                None => {
                    html! { <p class="hint">{ format!("Message #{id} is no longer in flight.") }</p> }
                }
            }
        }
        Some(Selection::Znode(path)) => {
            match world.znode_views().into_iter().find(|z| z.path == *path) {
                None => html! { <p class="hint">{ format!("{path} does not exist now.") }</p> },
                Some(z) => html! {
                    <dl>
                        { row("path", z.path) }
                        { row("data", z.data) }
                        { row("ephemeralOwner", format!("{}{}", hex(z.ephemeral_owner), z.owner_state.map(|s| format!(" ({s})")).unwrap_or_default())) }
                        { row("version · cversion", format!("{} · {}", z.version, z.cversion)) }
                        { row("czxid · mzxid · pzxid", format!("0x{:x} · 0x{:x} · 0x{:x}", z.czxid, z.mzxid, z.pzxid)) }
                        { row("ctime", date(z.ctime)) }
                        { row("mtime", date(z.mtime)) }
                        { row("numChildren", z.num_children.to_string()) }
                    </dl>
                },
            }
        }
        Some(Selection::Event(seq)) => match engine.event(*seq) {
            Some(e) => event_details(e, world),
            None => html! { <p class="hint">{ "That event is no longer in the log." }</p> },
        },
    };
    let clear = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <section class="panel details" aria-labelledby="details-title">
            <h2 id="details-title">{ "Details" }
                if engine.selection.is_some() {
                    <button class="link-button" onclick={clear} aria-label="Clear the selection">{ "clear" }</button>
                }
            </h2>
            { body }
        </section>
    }
}
