//! DOM helpers shared by the in-browser component tests: mount a component, wait for Yew to
//! render, find elements, dispatch real events.
#![allow(dead_code)]

use std::time::Duration;

use web_sys::{Element, MouseEvent, MouseEventInit};

/// Mounts `C` into a fresh element appended to `<body>` and waits for its first render.
pub async fn mount<C>() -> Element
where
    C: yew::BaseComponent<Properties = ()>,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<C>::with_root(host.clone()).render();
    settle().await;
    host
}

/// Yields to the event loop so Yew's scheduler runs pending renders.
pub async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

pub fn find(host: &Element, selector: &str) -> Element {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

pub fn text(host: &Element, selector: &str) -> String {
    find(host, selector).text_content().unwrap_or_default()
}

/// A bubbling, cancelable `click`: the browser runs the element's activation behaviour.
pub async fn click(host: &Element, selector: &str) {
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    find(host, selector).dispatch_event(&event).unwrap();
    settle().await;
}

/// A mounted app that is unmounted (its timers, listeners and effects stopped) and removed from
/// the page when dropped, so that apps of earlier tests do not compete with the next one.
pub struct Mounted<C: yew::BaseComponent> {
    pub host: Element,
    handle: Option<yew::AppHandle<C>>,
}

impl<C: yew::BaseComponent> Drop for Mounted<C> {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.host.remove();
    }
}

/// Like [`mount`], keeping the app's handle.
pub async fn mount_owned<C>() -> Mounted<C>
where
    C: yew::BaseComponent<Properties = ()>,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = yew::Renderer::<C>::with_root(host.clone()).render();
    settle().await;
    Mounted {
        host,
        handle: Some(handle),
    }
}

/// Waits (up to two seconds) until `cond` holds: a render may wait behind a slice of the
/// precompute in a debug build.
pub async fn settle_until(cond: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if cond() {
            return true;
        }
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// Puts `hash` in the address bar without a navigation (what the app reads when it mounts).
pub fn set_hash(hash: &str) {
    let w = web_sys::window().unwrap();
    let url = if hash.is_empty() {
        w.location().pathname().unwrap()
    } else {
        hash.to_string()
    };
    w.history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        .unwrap();
}

pub fn count(host: &Element, selector: &str) -> u32 {
    host.query_selector_all(selector).unwrap().length()
}

/// Moves the scrubber to `t` as a person does (an `input` event).
pub async fn scrub(host: &Element, t: u64) {
    use wasm_bindgen::JsCast;
    let input = find(host, "input.scrubber")
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap();
    input.set_value(&t.to_string());
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
}

/// A bubbling, cancelable `keydown` of `key` on the element.
pub async fn key_on(el: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_key(key);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&event).unwrap();
    settle().await;
}
