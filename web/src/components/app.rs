//! The page: header (story, version, share, theme, help), the transport bar, the ensemble with
//! its side panel, and the tabs below. It owns the store ([`Playground`]) and the browser's
//! side of things: the play interval, idle precompute, keyboard shortcuts, the URL fragment
//! (`#s=1.…&t=…`, `#story=<id>`, `#empty=<version>`) with back and forward, and the clipboard.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_render::{AnimationFrame, request_animation_frame};
use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::Props;
use super::buckets::Buckets;
use super::datatree::DataTree;
use super::ensemble::Ensemble;
use super::log::Log;
use super::palette::Palette;
use super::sequence::Sequence;
use super::sessions::Sessions;
use super::side::{Details, Narration};
use crate::fmt::secs;
use crate::state::{
    Action, Banner, Engine, Playground, SPEED_LABELS, SPEEDS, Source, quote, speed_label, title_of,
};

/// The story a page without a link opens: two servers mint the same session ID.
pub const DEFAULT_STORY: &str = "collision-3.4.5";

/// The versions an empty ensemble can be started with: every profile of the core, from its one
/// list (3.9.3 and 3.9.4 were missing from a hand-written copy).
pub fn versions() -> Vec<&'static str> {
    zksim::Version::ALL.iter().map(|v| v.name()).collect()
}
/// While playing, the tables and side panels re-render once in this many frames.
const SLOW_PANEL_FRAMES: u64 = 4;
/// Idle precompute interval, in wall ms.
const PRECOMPUTE_MS: u32 = 30;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn now_wall_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn location_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn push_hash(hash: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
}

/// Whether a fragment asks for the embed view (`&embed=1`): the ensemble, the transport and
/// the narration only, for an iframe.
pub fn is_embed(hash: &str) -> bool {
    hash.trim_start_matches('#')
        .split('&')
        .any(|p| p == "embed=1")
}

/// The fragment without its view parameters (`embed`): what says what to open.
pub fn without_view_params(hash: &str) -> String {
    hash.trim_start_matches('#')
        .split('&')
        .filter(|p| p.split('=').next() != Some("embed"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The address of the embed view of `href` (a page address with its fragment).
pub fn embed_href(href: &str) -> String {
    if is_embed(href.split_once('#').map(|(_, f)| f).unwrap_or("")) {
        href.to_string()
    } else if href.contains('#') {
        format!("{href}&embed=1")
    } else {
        format!("{href}#embed=1")
    }
}

/// The `<iframe>` snippet that embeds `href`'s scenario and moment.
pub fn embed_snippet(href: &str, title: &str) -> String {
    let attr = crate::draw::escape;
    format!(
        "<iframe src=\"{}\" title=\"zksim: {}\" width=\"820\" height=\"720\" \
         style=\"border:1px solid #ccc;border-radius:8px\" loading=\"lazy\"></iframe>",
        attr(&embed_href(href)),
        attr(title)
    )
}

fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let promise = w.navigator().clipboard().write_text(text);
        // Without permission the copy fails; the text is in a field to copy by hand anyway.
        let ignore = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
        let _ = promise.catch(&ignore);
        // One small closure per click: JS may call it any time later.
        ignore.forget();
    }
}

/// What a fragment asks for: an engine, or why it cannot be opened. View parameters
/// (`&embed=1`) do not change what opens.
pub fn open_fragment(hash: &str) -> Result<Engine, String> {
    let frag = without_view_params(hash);
    let frag = frag.as_str();
    if frag.is_empty() {
        return Engine::story(DEFAULT_STORY).ok_or_else(|| "the default story is missing".into());
    }
    if let Some(id) = frag.strip_prefix("story=") {
        return Engine::story(id).ok_or_else(|| {
            format!(
                "there is no gallery story called {}",
                crate::plain::quoted(id)
            )
        });
    }
    if let Some(v) = frag.strip_prefix("empty=") {
        let v = versions().into_iter().find(|x| *x == v).unwrap_or("3.6");
        return Ok(Engine::empty(v));
    }
    Engine::from_link(frag).map_err(|e| crate::plain::link_error(&e))
}

fn bad_link(reason: &str) -> Banner {
    Banner::error(format!(
        "This link could not be opened: {reason}. What was open is unchanged."
    ))
}

/// The fragment that reopens an engine as it was opened (a story, an empty ensemble, a link).
pub fn fragment_of(engine: &Engine) -> String {
    match engine.source {
        Source::Story(id) if engine.acts() == 0 => format!("#story={id}"),
        Source::Empty if engine.acts() == 0 => {
            format!("#empty={}", engine.world().profile().name)
        }
        _ => format!("#{}", engine.share_fragment()),
    }
}

/// The engine the page starts with: the URL's, else the default story (with a banner if the
/// URL's link is bad).
fn initial() -> Engine {
    match open_fragment(&location_hash()) {
        Ok(e) => e,
        Err(reason) => {
            let mut e = Engine::story(DEFAULT_STORY).unwrap_or_else(|| Engine::empty("3.6"));
            e.banner = Some(bad_link(&reason));
            e
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Sessions,
    Buckets,
    Sequence,
    Data,
    Log,
    About,
}

const TABS: &[(Tab, &str, &str)] = &[
    (Tab::Sessions, "sessions", "Session IDs"),
    (Tab::Buckets, "buckets", "Expiry buckets"),
    (Tab::Sequence, "sequence", "Sequence"),
    (Tab::Data, "data", "Data tree"),
    (Tab::Log, "log", "Log"),
    (Tab::About, "about", "About the model"),
];

#[function_component]
pub fn App() -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let store = use_reducer(|| Playground::new(initial()));
    let tab = use_state(|| Tab::Sessions);
    let help = use_state(|| false);
    let theme = use_state(|| "auto".to_string());
    let share_url = use_state(|| None::<String>);
    let report = use_state(|| None::<String>);
    // The embed view (`&embed=1`) is chosen by the address the page opened at.
    let embed = *use_memo((), |_| is_embed(&location_hash()));
    // The fragment now on screen, so our own pushState and repeated events are not reopened.
    let loaded_hash = use_mut_ref(location_hash);
    let dispatcher = store.dispatcher();
    // One callback for the page's lifetime, so panels whose data did not change skip rendering.
    let dispatch = {
        let d = dispatcher.clone();
        (*use_memo((), move |_| Callback::from(move |a: Action| d.dispatch(a)))).clone()
    };
    let (playing, precomputing, engine_ptr) = {
        let e = store.engine();
        (
            e.playing,
            e.precomputed_ms() < e.until_ms(),
            store.engine_id(),
        )
    };

    // Play: advance virtual time by elapsed wall time x speed, once per animation frame (so
    // ticks never queue up behind a slow frame). wasm-bindgen defers freeing a closure that is
    // running, so the frame handle may be dropped from inside its own callback.
    {
        let d = dispatcher.clone();
        use_effect_with(playing, move |playing| {
            let handle: Rc<RefCell<Option<AnimationFrame>>> = Rc::new(RefCell::new(None));
            let alive = Rc::new(Cell::new(*playing));
            fn schedule(
                handle: Rc<RefCell<Option<AnimationFrame>>>,
                alive: Rc<Cell<bool>>,
                d: UseReducerDispatcher<Playground>,
                last: f64,
            ) {
                let (next, still) = (handle.clone(), alive.clone());
                let frame = request_animation_frame(move |now| {
                    if !still.get() {
                        return;
                    }
                    d.dispatch(Action::Tick((now - last).max(0.0)));
                    if still.get() {
                        schedule(next, still, d, now);
                    }
                });
                *handle.borrow_mut() = Some(frame);
            }
            if *playing {
                schedule(handle.clone(), alive.clone(), d, now_wall_ms());
            }
            move || {
                alive.set(false);
                handle.borrow_mut().take();
            }
        });
    }
    // Idle: the precompute leaves checkpoints ahead, so seeking is fast.
    {
        let d = dispatcher.clone();
        use_effect_with(
            (playing, precomputing, engine_ptr),
            move |(playing, more, _)| {
                let timer = (!playing && *more)
                    .then(|| Interval::new(PRECOMPUTE_MS, move || d.dispatch(Action::Precompute)));
                move || drop(timer)
            },
        );
    }
    // Back and forward, and links pasted into the address bar.
    {
        let d = dispatcher.clone();
        let loaded = loaded_hash.clone();
        use_effect_with((), move |_| {
            let on_nav = move |_: &web_sys::Event| {
                let hash = location_hash();
                if *loaded.borrow() == hash {
                    return;
                }
                match open_fragment(&hash) {
                    Ok(e) => {
                        *loaded.borrow_mut() = hash;
                        d.dispatch(Action::Open(Box::new(e)));
                    }
                    Err(reason) => d.dispatch(Action::Banner(Some(bad_link(&reason)))),
                }
            };
            let listeners = window().map(|w| {
                let on_nav = Rc::new(on_nav);
                let a = on_nav.clone();
                (
                    EventListener::new(&w, "hashchange", move |e| a(e)),
                    EventListener::new(&w, "popstate", move |e| on_nav(e)),
                )
            });
            move || drop(listeners)
        });
    }
    // Keyboard shortcuts.
    {
        let d = dispatcher.clone();
        let help = help.clone();
        use_effect_with((), move |_| {
            let listener = window().map(|w| {
                EventListener::new_with_options(
                    &w,
                    "keydown",
                    EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                            return;
                        };
                        if e.ctrl_key() || e.meta_key() || e.alt_key() {
                            return;
                        }
                        let tag = e
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .map(|el| el.tag_name())
                            .unwrap_or_default();
                        // The scrubber is not for typing: ← and → there move by the page's
                        // steps, not by one virtual ms.
                        let range = e
                            .target()
                            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                            .is_some_and(|i| matches!(i.type_().as_str(), "range" | "checkbox"));
                        let typing =
                            !range && matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT");
                        let key = e.key();
                        if typing && key != "Escape" {
                            return;
                        }
                        // Space and Enter on a control (a button, a checkbox, a link, a message
                        // or a log line that acts as a button) are that control's own.
                        let control = matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY")
                            || e.target()
                                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                                .is_some_and(|el| {
                                    el.get_attribute("role").as_deref() == Some("button")
                                        || el.get_attribute("type").as_deref() == Some("checkbox")
                                });
                        if control && matches!(key.as_str(), " " | "Enter") {
                            return;
                        }
                        let action = match key.as_str() {
                            " " => Some(Action::TogglePlay),
                            "ArrowRight" if e.shift_key() => Some(Action::StepInteresting),
                            "ArrowRight" => Some(Action::StepEvent),
                            "ArrowLeft" if e.shift_key() => Some(Action::Nudge(-10_000)),
                            "ArrowLeft" => Some(Action::Nudge(-1_000)),
                            "Home" => Some(Action::Seek(0)),
                            "End" => Some(Action::Seek(u64::MAX)),
                            "]" | "+" => Some(Action::SpeedStep(1)),
                            "[" | "-" => Some(Action::SpeedStep(-1)),
                            "?" => {
                                help.set(!*help);
                                None
                            }
                            "Escape" => {
                                help.set(false);
                                Some(Action::Select(None))
                            }
                            _ => return,
                        };
                        e.prevent_default();
                        if let Some(a) = action {
                            d.dispatch(a);
                        }
                    },
                )
            });
            move || drop(listener)
        });
    }
    // Theme: auto follows prefers-color-scheme; light and dark override it.
    {
        use_effect_with((*theme).clone(), |t| {
            if let Some(root) = window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("data-theme", t);
            }
        });
    }

    let engine = store.engine();
    let props = Props {
        store: (*store).clone(),
        dispatch: dispatch.clone(),
    };
    let now = engine.now_ms();
    let until = engine.until_ms().max(1);
    let computed_pct = 100.0 * engine.precomputed_ms().min(until) as f64 / until as f64;
    let current_story = match engine.source {
        Source::Story(id) => id,
        _ => "",
    };

    let onstory = {
        let d = dispatch.clone();
        let loaded = loaded_hash.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(engine) = Engine::story(&id) {
                let hash = format!("#story={id}");
                push_hash(&hash);
                *loaded.borrow_mut() = hash;
                d.emit(Action::Open(Box::new(engine)));
            }
        })
    };
    let version = use_state(|| "3.6".to_string());
    let onversion = {
        let version = version.clone();
        Callback::from(move |e: Event| {
            version.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let version_select = use_node_ref();
    let onempty = {
        let d = dispatch.clone();
        let loaded = loaded_hash.clone();
        let version = version.clone();
        let select = version_select.clone();
        Callback::from(move |_| {
            // What the select shows now, even if its change has not rendered yet.
            let v = select
                .cast::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_else(|| (*version).clone());
            let hash = format!("#empty={v}");
            push_hash(&hash);
            *loaded.borrow_mut() = hash;
            d.emit(Action::Open(Box::new(Engine::empty(&v))));
        })
    };
    let onundo = {
        let d = dispatch.clone();
        let loaded = loaded_hash.clone();
        let store = store.clone();
        Callback::from(move |_| {
            if let Some(back) = store.set_aside() {
                let hash = fragment_of(&back);
                push_hash(&hash);
                *loaded.borrow_mut() = hash;
            }
            d.emit(Action::Undo);
        })
    };
    let onshare = {
        let store = store.clone();
        let loaded = loaded_hash.clone();
        let share_url = share_url.clone();
        Callback::from(move |_| {
            let frag = store.engine().share_fragment();
            let hash = format!("#{frag}");
            push_hash(&hash);
            *loaded.borrow_mut() = hash;
            let href = window()
                .and_then(|w| w.location().href().ok())
                .unwrap_or_default();
            copy_to_clipboard(&href);
            share_url.set(Some(href));
        })
    };
    let onreport = {
        let store = store.clone();
        let report = report.clone();
        Callback::from(move |_| {
            let page = window()
                .and_then(|w| w.location().href().ok())
                .unwrap_or_default();
            let text = crate::report::bug_report(&store.engine(), &page);
            copy_to_clipboard(&text);
            report.set(Some(text));
        })
    };
    let ontheme = {
        let theme = theme.clone();
        Callback::from(move |_| {
            let next = match theme.as_str() {
                "auto" => "dark",
                "dark" => "light",
                _ => "auto",
            };
            theme.set(next.to_string());
        })
    };
    let onhelp = {
        let help = help.clone();
        Callback::from(move |_| help.set(!*help))
    };
    let onplay = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::TogglePlay))
    };
    let onstep = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::StepEvent))
    };
    let onnext = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::StepInteresting))
    };
    let onrewind = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Seek(0)))
    };
    let onspeed = {
        let d = dispatch.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            // By its label: no float parsing in the bundle.
            if let Some(i) = SPEED_LABELS.iter().position(|l| *l == v) {
                d.emit(Action::SetSpeed(SPEEDS[i]));
            }
        })
    };
    let onscrub = {
        let d = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(t) = v.parse::<u64>() {
                d.emit(Action::Seek(t));
            }
        })
    };
    let ondismiss = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Banner(None)))
    };

    // While playing, the tables and side panels follow every few frames; the ensemble (with its
    // moving messages) every frame. Paused, everything shows at once.
    let slow = Props {
        store: store.at_revision(if playing {
            store.revision - store.revision % SLOW_PANEL_FRAMES
        } else {
            store.revision
        }),
        dispatch: dispatch.clone(),
    };
    let tab_id = TABS
        .iter()
        .find(|(t, _, _)| *t == *tab)
        .map(|(_, id, _)| *id)
        .unwrap_or("sessions");
    let tab_body = match *tab {
        Tab::Sessions => html! { <Sessions ..slow.clone() /> },
        Tab::Buckets => html! { <Buckets ..slow.clone() /> },
        Tab::Sequence => html! { <Sequence ..slow.clone() /> },
        Tab::Data => html! { <DataTree ..slow.clone() /> },
        Tab::Log => html! { <Log ..slow.clone() /> },
        Tab::About => about(),
    };
    let tabs = TABS.iter().map(|(t, id, label)| {
        let tab = tab.clone();
        let t = *t;
        let selected = *tab == t;
        html! {
            <button role="tab" id={format!("tab-{id}")} aria-selected={selected.to_string()}
                    class={classes!("tab", selected.then_some("active"))}
                    onclick={Callback::from(move |_| tab.set(t))}>{ *label }</button>
        }
    });
    let speed = engine.speed;
    let palette_servers: Rc<Vec<u8>> = Rc::new(
        engine
            .world()
            .server_views()
            .iter()
            .map(|s| s.myid)
            .collect(),
    );
    let palette_clients: Rc<Vec<String>> = Rc::new(
        engine
            .world()
            .client_views()
            .into_iter()
            .map(|c| c.name)
            .collect(),
    );
    let hash = engine.world().trace_hash();
    let fork_note = (engine.acts() > 0).then(|| match engine.source {
        Source::Story(_) => format!(
            "your changes to {} ({} act{})",
            quote(&title_of(&engine)),
            engine.acts(),
            if engine.acts() == 1 { "" } else { "s" }
        ),
        _ => format!(
            "your changes ({} act{}; Share keeps them)",
            engine.acts(),
            if engine.acts() == 1 { "" } else { "s" }
        ),
    });
    // The picker's options change only with the story: built once per story, not per frame.
    let story_groups = (*use_memo(current_story, |current: &&'static str| {
        let current = *current;
        let groups = crate::story::grouped().into_iter().map(|(theme, stories)| {
            html! {
                <optgroup label={theme}>
                    { for stories.into_iter().map(|s| html! {
                        <option value={s.id} selected={current == s.id}
                                title={crate::story::plain(&s.description)}>{ &s.title }</option>
                    }) }
                </optgroup>
            }
        });
        html! { <>{ for groups }</> }
    }))
    .clone();

    let banner = engine.banner.as_ref().map(|b| {
        html! {
            <div class={classes!("banner", b.error.then_some("error"))} role={if b.error { "alert" } else { "status" }}>
                <span>{ &b.text }</span>
                if b.undo && store.has_set_aside() {
                    <button class="undo" onclick={onundo.clone()}>{ "Undo: bring them back" }</button>
                }
                <button class="link-button" onclick={ondismiss.clone()} aria-label="Dismiss">{ "×" }</button>
            </div>
        }
    });
    let transport = html! {
        <div class="transport" role="toolbar" aria-label="Playback">
            <button onclick={onrewind} aria-label="Start: rewind to the beginning" title="Home">{ "↺ Start" }</button>
            <button class="primary play" onclick={onplay} aria-label={if playing { "Pause" } else { "Play" }}
                    title="Space">{ if playing { "❚❚ Pause" } else { "▶ Play" } }</button>
            <button onclick={onstep} aria-label="Step one event" title="→">{ "Step" }</button>
            <button onclick={onnext} aria-label="Next interesting event" title="Shift+→">{ "Next ★" }</button>
            <label class="field-inline">{ "Speed " }
                <select aria-label="Speed" onchange={onspeed} key={format!("speed-{}", speed_label(speed))}>
                    { for SPEEDS.iter().zip(SPEED_LABELS).map(|(s, l)| html! {
                        <option value={*l} selected={(speed - s).abs() < 1e-9}>{ format!("{l}x") }</option>
                    }) }
                </select>
            </label>
            <input type="range" class="scrubber" aria-label="Time" min="0" max={until.to_string()}
                   step="1" value={now.to_string()} oninput={onscrub}
                   style={format!("--computed:{}%", super::ensemble::fx(computed_pct))} />
            <span class="clock" role="timer" aria-label="Virtual time"><span class="now">{ secs(now) }</span>{ format!(" / {}", secs(until)) }</span>
            <span class="hash" title="Trace hash of everything up to now: the same run gives the same hash everywhere">
                { "trace " }<code class="trace-hash">{ hash }</code>
            </span>
        </div>
    };

    if embed {
        // The embed view: the ensemble, the transport and the narration, sized for an iframe,
        // and a way out to the whole playground at the same scenario and moment.
        let full = window()
            .and_then(|w| w.location().href().ok())
            .map(|href| match href.split_once('#') {
                Some((page, frag)) => format!("{page}#{}", without_view_params(frag)),
                None => href,
            })
            .unwrap_or_default();
        return html! {
            <div class="app embed" data-playing={playing.to_string()}>
                <main class="main">
                    <h1 class="embed-title">
                        <a href={full} target="_blank" rel="noopener" class="embed-open"
                           title="Open this scenario in the whole playground">{ "zksim" }</a>
                        { " " }<span class="sub">{ title_of(&engine) }</span>
                    </h1>
                    { for banner }
                    { transport }
                    <div class="stage">
                        <Ensemble ..props.clone() />
                        <aside class="side" aria-label="Narration">
                            <Narration ..slow.clone() />
                        </aside>
                    </div>
                </main>
            </div>
        };
    }

    html! {
        <div class="app" data-playing={playing.to_string()}>
            <header class="topbar">
                <h1>{ "zksim" }</h1>
                <label class="field-inline">{ "Story " }
                    <select aria-label="Gallery story" onchange={onstory} class="story-select"
                            key={format!("story-{current_story}")}>
                        if current_story.is_empty() {
                            <option value="" selected=true>{ match engine.source {
                                Source::Link => "(opened from a link)",
                                _ => "(empty ensemble)",
                            } }</option>
                        }
                        { story_groups }
                    </select>
                </label>
                if let Some(note) = &fork_note {
                    <span class="fork-note" role="status" title="Acts you did are part of what Share links to">{ "✎ " }{ note }</span>
                }
                <span class="field-inline">{ "or an empty ensemble of " }
                    <select aria-label="Version profile" onchange={onversion} ref={version_select}>
                        { for versions().into_iter().map(|v| html! {
                            <option value={v} selected={*version == v}>{ v }</option>
                        }) }
                    </select>
                    <button class="start-empty" onclick={onempty}>{ "Start empty" }</button>
                </span>
                <span class="spacer"></span>
                <button class="primary" onclick={onshare} aria-label="Share: copy a link to this scenario and moment">{ "Share" }</button>
                <button class="report" onclick={onreport}
                        aria-label="Bug report: copy a text for an issue (version, link, trace hash, session log lines)">{ "Bug report" }</button>
                <button onclick={ontheme} aria-label={format!("Theme: {}", *theme)} title="Light, dark or automatic">
                    { match theme.as_str() { "dark" => "☾ dark", "light" => "☀ light", _ => "◐ auto" } }
                </button>
                <button onclick={onhelp} aria-label="Keyboard shortcuts" aria-expanded={help.to_string()}>{ "?" }</button>
            </header>
            <main class="main">
                { for banner }
                if let Some(url) = &*share_url {
                    <div class="share-row">
                        <label for="share-url">{ "Link copied (or copy it here):" }</label>
                        <input id="share-url" type="text" readonly=true value={url.clone()} />
                        <label for="share-embed">{ "Embed it in a page (only the ensemble, time and the story):" }</label>
                        <input id="share-embed" type="text" readonly=true
                               value={embed_snippet(url, &title_of(&engine))} />
                    </div>
                }
                if let Some(text) = &*report {
                    <div class="report-row">
                        <label for="report-text">{ "Bug report text, copied (or copy it here) for a JIRA or GitHub issue:" }</label>
                        <textarea id="report-text" readonly=true rows="12" value={text.clone()} />
                        <button class="link-button" aria-label="Close the bug report text"
                                onclick={let report = report.clone(); Callback::from(move |_| report.set(None))}>{ "close" }</button>
                    </div>
                }
                { transport }
                <div class="stage">
                    <Ensemble ..props.clone() />
                    <aside class="side" aria-label="Story, details and acts">
                        <Narration ..slow.clone() />
                        <Details ..slow.clone() />
                        <Palette servers={palette_servers} clients={palette_clients}
                                 dispatch={dispatch.clone()} />
                    </aside>
                </div>
                <section class="panel tabs" aria-label="Views">
                    <div role="tablist" aria-label="Views">{ for tabs }</div>
                    <div role="tabpanel" tabindex="0" aria-labelledby={format!("tab-{}", tab_id)}>{ tab_body }</div>
                </section>
                if *help {
                    <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title">
                        <h2 id="help-title">{ "Keyboard" }</h2>
                        <dl class="keys">
                            <dt><kbd>{ "Space" }</kbd></dt><dd>{ "play / pause" }</dd>
                            <dt><kbd>{ "→" }</kbd></dt><dd>{ "step one event" }</dd>
                            <dt><kbd>{ "Shift" }</kbd>{ "+" }<kbd>{ "→" }</kbd></dt><dd>{ "next interesting event" }</dd>
                            <dt><kbd>{ "←" }</kbd>{ " / " }<kbd>{ "Shift" }</kbd>{ "+" }<kbd>{ "←" }</kbd></dt><dd>{ "back 1 s / 10 s" }</dd>
                            <dt><kbd>{ "Home" }</kbd>{ " / " }<kbd>{ "End" }</kbd></dt><dd>{ "start / end" }</dd>
                            <dt><kbd>{ "[" }</kbd>{ " / " }<kbd>{ "]" }</kbd></dt><dd>{ "slower / faster" }</dd>
                            <dt><kbd>{ "Tab" }</kbd></dt><dd>{ "every server, client, message, row and log line; Enter selects it" }</dd>
                            <dt><kbd>{ "?" }</kbd></dt><dd>{ "this help" }</dd>
                            <dt><kbd>{ "Esc" }</kbd></dt><dd>{ "close, clear the selection" }</dd>
                        </dl>
                        <button class="primary" onclick={let help = help.clone(); Callback::from(move |_| help.set(false))}>{ "Close" }</button>
                    </div>
                }
            </main>
        </div>
    }
}

/// What the model simplifies, so nobody reads more into it than it claims.
fn about() -> Html {
    html! {
        <section class="tab-body about" aria-label="About the model">
            <ul>
                <li>{ "The leader election is modelled by its outcome: once a quorum can talk, the server with the highest (epoch, zxid, myid) leads after the FLE settle time. No notification messages are drawn." }</li>
                <li>{ "Synchronisation with the leader is always a SNAP: a follower receives the whole tree. DIFF and TRUNC are not modelled." }</li>
                <li>{ "Reads behind pending writes wait per connection, as in the FinalRequestProcessor's ordering, not per session." }</li>
                <li>{ "Time is virtual: every server's wall clock and elapsed clock derive from it; nothing reads a real clock. The same scenario gives the same trace, and the same trace hash, natively and here." }</li>
                <li>{ "Message latency is drawn from the scenario's [min, max] range with a seeded stream per entity. The network never loses a message on its own: partitions hold them like TCP." }</li>
                <li>{ "Where Java keeps an unordered set (the sessions of one expiry bucket, a touch table, the ephemerals of a session), they are taken in ascending order. Only the order of things that happen in the same millisecond can differ from a real server." }</li>
                <li>{ "Randomness (the client's host shuffle, its 0-999 ms reconnect sleep) comes from seeded streams, one per client, instead of System.nanoTime." }</li>
                <li>{ "The 3.5+ connection expirer (NIOServerCnxnFactory's sessionlessCnxnTimeout) is not modelled: it closes a connection that has seen no traffic for its session's timeout. A client that pings never meets it; an unused connection (a half-made one, or one whose session moved away and whose client stopped pinging) stays open here." }</li>
                <li>{ "Not modelled: ACLs, authentication and SASL, read-only mode, observers, local sessions, data watches (only the connection events are), quotas and the four-letter words." }</li>
                <li>{ "Every profile is checked against its real release: the conformance suite builds 3.4.5 to 3.9.4 from source and runs the same scenarios on their servers and their own Java client." }</li>
            </ul>
        </section>
    }
}
