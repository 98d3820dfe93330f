//! The log in ZooKeeper's format, per node, filterable by node, level and text. Click a line to
//! read what it means.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use zksim::profile::Level;

use super::Props;
use crate::state::{Action, Selection};

/// Lines shown at most (the latest that match).
pub const LINES_MAX: usize = 250;

#[function_component]
pub fn Log(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let node = use_state(String::new);
    let level = use_state(|| "DEBUG".to_string());
    let text = use_state(String::new);
    let engine = props.store.engine();
    let world = engine.world();
    let min_level = match level.as_str() {
        "INFO" => Level::Info,
        "WARN" => Level::Warn,
        "ERROR" => Level::Error,
        "TRACE" => Level::Trace,
        _ => Level::Debug,
    };
    let needle = text.to_lowercase();
    let mut lines: Vec<Html> = Vec::new();
    for e in engine.log().rev() {
        let Some(l) = &e.log else { continue };
        if l.level < min_level {
            continue;
        }
        let name = world.node_name(&e.node);
        if !node.is_empty() && *node != name {
            continue;
        }
        let Some(line) = e.log_text(&name) else {
            continue;
        };
        if !needle.is_empty() && !line.to_lowercase().contains(&needle) {
            continue;
        }
        let selected = engine.selection == Some(Selection::Event(e.seq));
        let select = {
            let d = props.dispatch.clone();
            let seq = e.seq;
            Callback::from(move |()| d.emit(Action::Select(Some(Selection::Event(seq)))))
        };
        let onkeydown = super::on_activate(select.clone());
        let onclick = select.reform(|_: MouseEvent| ());
        lines.push(html! {
            <li class={classes!("log-line", l.level.as_str(), selected.then_some("selected"))}
                data-seq={e.seq.to_string()} key={e.seq.to_string()} tabindex="0"
                {onclick} {onkeydown}>{ line }</li>
        });
        if lines.len() >= LINES_MAX {
            break;
        }
    }
    lines.reverse();
    let mut names: Vec<String> = world
        .server_views()
        .iter()
        .map(|s| format!("s{}", s.myid))
        .collect();
    names.extend(world.client_views().into_iter().take(50).map(|c| c.name));

    let onnode = {
        let node = node.clone();
        Callback::from(move |e: Event| {
            node.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let onlevel = {
        let level = level.clone();
        Callback::from(move |e: Event| {
            level.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let ontext = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    html! {
        <section class="tab-body log" aria-label="Log">
            <div class="filters">
                <label>{ "Node " }
                    <select onchange={onnode} aria-label="Log node">
                        <option value="" selected={node.is_empty()}>{ "all" }</option>
                        { for names.iter().map(|n| html! {
                            <option value={n.clone()} selected={*node == *n}>{ n }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Level ≥ " }
                    <select onchange={onlevel} aria-label="Log level">
                        { for ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].iter().map(|l| html! {
                            <option value={*l} selected={*level == *l}>{ *l }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Text " }
                    <input type="search" value={(*text).clone()} oninput={ontext}
                           aria-label="Filter log text" placeholder="session id, class…" />
                </label>
            </div>
            <ol class="log-lines mono" aria-label="Log lines">{ for lines }</ol>
        </section>
    }
}
