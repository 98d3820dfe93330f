//! The panic hook: a panic anywhere in the app becomes a banner at the top of the page, and the
//! console still gets the message. What was on screen stays as it was (after a panic the app
//! stops; the banner says so and how to go on).

use std::panic::PanicHookInfo;

use wasm_bindgen::JsCast;

/// The banner's id: there is one at most.
pub const BANNER_ID: &str = "panic-banner";

/// Installs [`hook`] as the process's panic hook (`std::panic::set_hook`, through Yew so that
/// its renderer does not replace it with its own).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(hook));
}

/// The hook: the message to the console, then the banner.
pub fn hook(info: &PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    web_sys::console::error_1(&format!("zksim panicked: {message}{at}").into());
    show(&message);
}

/// Puts the banner at the top of the page (or updates it). Touches only the DOM, not the app's
/// state: whatever was open stays on screen.
pub fn show(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let banner = match doc.get_element_by_id(BANNER_ID) {
        Some(b) => b,
        None => {
            let Ok(b) = doc.create_element("div") else {
                return;
            };
            b.set_id(BANNER_ID);
            let _ = b.set_attribute("class", "banner error panic");
            let _ = b.set_attribute("role", "alert");
            let _ = body.prepend_with_node_1(&b);
            b
        }
    };
    let short: String = message.chars().take(300).collect();
    banner.set_text_content(Some(&format!(
        "zksim ran into a bug and stopped ({short}). What was on screen is kept as it was; \
         reload the page to go on, or use Share links you made before."
    )));
    if let Some(el) = banner.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}
