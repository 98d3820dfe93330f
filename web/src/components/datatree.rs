//! The data tree as the freshest server has it: each znode with its Stat, ephemeral owners, and
//! an owner that is closing or gone marked.

use yew::prelude::*;
use zksim::ids::hex;

use super::Props;
use crate::fmt::date;
use crate::state::{Action, Selection};

#[function_component]
pub fn DataTree(props: &Props) -> Html {
    let engine = props.store.engine();
    let nodes = engine.world().znode_views();
    let sel = engine.selection.clone();
    let rows = nodes.iter().map(|z| {
        let depth = z.path.matches('/').count().saturating_sub(1);
        let name = z.path.rsplit('/').next().unwrap_or(&z.path).to_string();
        let owner = if z.ephemeral_owner == 0 {
            html! { <span class="muted">{ "persistent" }</span> }
        } else {
            let state = z.owner_state.unwrap_or("open");
            html! {
                <span class={classes!("owner", state)}>
                    { hex(z.ephemeral_owner) }
                    if state != "open" {
                        <span class="flag bug">{ format!("owner {state}") }</span>
                    }
                </span>
            }
        };
        let selected = sel == Some(Selection::Znode(z.path.clone()));
        let select = {
            let d = props.dispatch.clone();
            let p = z.path.clone();
            Callback::from(move |()| d.emit(Action::Select(Some(Selection::Znode(p.clone())))))
        };
        let onkeydown = super::on_activate(select.clone());
        let onclick = select.reform(|_: MouseEvent| ());
        html! {
            <tr data-path={z.path.clone()} class={classes!(selected.then_some("selected"))}
                tabindex="0" {onclick} {onkeydown}>
                <td class="mono" style={format!("padding-left:{depth}.3rem")}>
                    <span title={z.path.clone()}>{ format!("/{name}") }</span>
                </td>
                <td class="mono">{ &z.data }</td>
                <td>{ owner }</td>
                <td>{ z.version }</td>
                <td class="mono">{ format!("0x{:x}", z.czxid) }</td>
                <td class="mono">{ format!("0x{:x}", z.mzxid) }</td>
                <td>{ z.num_children }</td>
                <td class="small">{ date(z.mtime) }</td>
            </tr>
        }
    });
    html! {
        <section class="tab-body datatree" aria-label="Data tree">
            if nodes.is_empty() {
                <p class="hint">{ "The tree is empty (apart from /zookeeper)." }</p>
            } else {
                <table class="grid-table">
                    <caption>{ format!("{} znodes, as the most up-to-date server has them", nodes.len()) }</caption>
                    <thead><tr>
                        <th scope="col">{ "Path" }</th><th scope="col">{ "Data" }</th>
                        <th scope="col">{ "ephemeralOwner" }</th><th scope="col">{ "version" }</th>
                        <th scope="col">{ "czxid" }</th><th scope="col">{ "mzxid" }</th>
                        <th scope="col">{ "numChildren" }</th><th scope="col">{ "mtime" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}
