//! The palette: act on the world now. Each act is recorded as a scenario action at the current
//! virtual time (so it is part of what Share links to).

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use std::rc::Rc;

use crate::acts::{ACTS, PaletteForm, fields};
use crate::state::{Action, Banner};

type Setter = fn(&mut PaletteForm, String);

/// The palette needs only the names to choose from: it re-renders when they change, not on
/// every frame of play.
#[derive(Properties, PartialEq)]
pub struct PaletteProps {
    pub servers: Rc<Vec<u8>>,
    pub clients: Rc<Vec<String>>,
    pub dispatch: Callback<Action>,
}

#[function_component]
pub fn Palette(props: &PaletteProps) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let form = use_state(PaletteForm::default);
    let servers = &props.servers;
    let clients = &props.clients;

    // Fill empty choices with the first server and client.
    let mut f = (*form).clone();
    if f.server.is_empty() {
        f.server = servers.first().map(|s| s.to_string()).unwrap_or_default();
    }
    if f.client.is_empty() || !clients.contains(&f.client) {
        f.client = clients.first().cloned().unwrap_or_default();
    }
    if f.other.is_empty() || !clients.contains(&f.other) {
        f.other = clients
            .get(1)
            .or(clients.first())
            .cloned()
            .unwrap_or_default();
    }
    if f.side_b.is_empty() {
        f.side_b = servers
            .iter()
            .skip(1)
            .map(|s| format!("s{s}"))
            .collect::<Vec<_>>()
            .join(",");
    }
    let used = fields(&f.act);
    let has = |name: &str| used.contains(&name);

    let set = |setter: Setter| {
        let form = form.clone();
        let base = f.clone();
        move |v: String| {
            let mut next = base.clone();
            setter(&mut next, v);
            form.set(next);
        }
    };
    let on_select = |setter: Setter| {
        let s = set(setter);
        Callback::from(move |e: Event| s(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_input = |setter: Setter| {
        let s = set(setter);
        Callback::from(move |e: InputEvent| {
            s(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_check = |setter: Setter| {
        let s = set(setter);
        Callback::from(move |e: Event| {
            s(e.target_unchecked_into::<HtmlInputElement>()
                .checked()
                .to_string())
        })
    };
    let on_ops = {
        let s = set(|f, v| f.ops = v);
        Callback::from(move |e: InputEvent| {
            s(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let onsubmit = {
        let d = props.dispatch.clone();
        let f = f.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match f.build() {
                Ok(kind) => d.emit(Action::Act(kind)),
                Err(text) => d.emit(Action::Banner(Some(Banner::error(text)))),
            }
        })
    };
    let server_select = |id: &str, value: &str, setter: Setter, any: bool| {
        html! {
            <select id={id.to_string()} onchange={on_select(setter)}>
                if any { <option value="" selected={value.is_empty()}>{ "any of its servers" }</option> }
                { for servers.iter().map(|s| html! {
                    <option value={s.to_string()} selected={value == s.to_string()}>{ format!("s{s}") }</option>
                }) }
            </select>
        }
    };
    let client_select = |id: &str, value: &str, setter: Setter| {
        html! {
            <select id={id.to_string()} onchange={on_select(setter)}>
                { for clients.iter().map(|c| html! {
                    <option value={c.clone()} selected={value == c}>{ c }</option>
                }) }
            </select>
        }
    };

    html! {
        <section class="panel palette" aria-labelledby="palette-title">
            <h2 id="palette-title">{ "Act" }<span class="sub">{ " now (recorded at the current time)" }</span></h2>
            <form class="palette-form" {onsubmit} novalidate=true>
                <div class="field wide">
                    <label for="act">{ "Action" }</label>
                    <select id="act" onchange={on_select(|f, v| f.act = v)}>
                        { for ACTS.iter().map(|(k, label)| html! {
                            <option value={*k} selected={f.act == *k}>{ *label }</option>
                        }) }
                    </select>
                </div>
                if has("server") {
                    <div class="field"><label for="act-server">{ "Server" }</label>
                        { server_select("act-server", &f.server, |f, v| f.server = v, false) }</div>
                }
                if has("client") {
                    <div class="field"><label for="act-client">{ "Client" }</label>
                        { client_select("act-client", &f.client, |f, v| f.client = v) }</div>
                }
                if has("other") {
                    <div class="field"><label for="act-other">{ "Session of" }</label>
                        { client_select("act-other", &f.other, |f, v| f.other = v) }</div>
                }
                if has("server_opt") {
                    <div class="field"><label for="act-server-opt">{ "To server" }</label>
                        { server_select("act-server-opt", &f.server_opt, |f, v| f.server_opt = v, true) }</div>
                }
                if has("path") {
                    <div class="field"><label for="act-path">{ "Path" }</label>
                        <input id="act-path" type="text" value={f.path.clone()} oninput={on_input(|f, v| f.path = v)} /></div>
                }
                if has("data") {
                    <div class="field"><label for="act-data">{ "Data" }</label>
                        <input id="act-data" type="text" value={f.data.clone()} oninput={on_input(|f, v| f.data = v)} /></div>
                }
                if has("version") {
                    <div class="field narrow"><label for="act-version">{ "Version" }</label>
                        <input id="act-version" type="text" inputmode="numeric" value={f.version.clone()} oninput={on_input(|f, v| f.version = v)} /></div>
                }
                if has("ephemeral") {
                    <label class="check"><input type="checkbox" checked={f.ephemeral}
                        onchange={on_check(|f, v| f.ephemeral = v == "true")} />{ " ephemeral" }</label>
                }
                if has("for_ms") {
                    <div class="field"><label for="act-for">{ "For (ms)" }</label>
                        <input id="act-for" type="text" inputmode="numeric" value={f.for_ms.clone()} oninput={on_input(|f, v| f.for_ms = v)} /></div>
                }
                if has("by_ms") {
                    <div class="field"><label for="act-by">{ "By (ms)" }</label>
                        <input id="act-by" type="text" inputmode="numeric" value={f.by_ms.clone()} oninput={on_input(|f, v| f.by_ms = v)} /></div>
                }
                if has("style") {
                    <div class="field"><label for="act-style">{ "Style" }</label>
                        <select id="act-style" onchange={on_select(|f, v| f.style = v)}>
                            <option value="exists-then-set" selected={f.style == "exists-then-set"}>{ "exists, then set or create" }</option>
                            <option value="delete-then-create" selected={f.style == "delete-then-create"}>{ "delete, then create" }</option>
                        </select></div>
                }
                if has("side_a") {
                    <div class="field"><label for="act-a">{ "Side A" }</label>
                        <input id="act-a" type="text" value={f.side_a.clone()} oninput={on_input(|f, v| f.side_a = v)} /></div>
                    <div class="field"><label for="act-b">{ "Side B" }</label>
                        <input id="act-b" type="text" value={f.side_b.clone()} oninput={on_input(|f, v| f.side_b = v)} /></div>
                    <label class="check"><input type="checkbox" checked={f.one_way}
                        onchange={on_check(|f, v| f.one_way = v == "true")} />{ " one way (A to B)" }</label>
                }
                if has("ops") {
                    <div class="field wide"><label for="act-ops">{ "Ops (one a line: create, create-e, set_data, delete, check)" }</label>
                        <textarea id="act-ops" rows="3" value={f.ops.clone()} oninput={on_ops} /></div>
                }
                <button type="submit" class="primary">{ "Do it now" }</button>
            </form>
        </section>
    }
}
