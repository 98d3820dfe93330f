//! The ensemble as a file: a standalone SVG (its two layers, the page's stylesheet inlined, the
//! current theme) and a PNG drawn from it on a canvas. Nothing here panics: a browser that
//! refuses a step leaves the page as it was.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Document, Element, HtmlElement};

use crate::draw::escape;

/// The PNG is drawn at this multiple of the SVG's own size.
pub const PNG_SCALE: u32 = 2;
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// A standalone SVG of `layers` (the inner markup of SVG elements sharing `view_box`), styled by
/// `css` under `theme` (`auto`, `light`, `dark`: the page's `data-theme`).
pub fn compose(
    view_box: &str,
    size: (u32, u32),
    layers: &[(&str, String)],
    css: &str,
    theme: &str,
) -> String {
    let mut out = format!(
        "<svg xmlns=\"{SVG_NS}\" viewBox=\"{}\" width=\"{}\" height=\"{}\" data-theme=\"{}\" \
         class=\"zksim-export\"><style><![CDATA[{}]]></style>\
         <rect width=\"100%\" height=\"100%\" style=\"fill:var(--surface)\"/>",
        escape(view_box),
        size.0,
        size.1,
        escape(theme),
        css.replace("]]>", "]]]]><![CDATA[>")
    );
    for (class, inner) in layers {
        // HTML's serializer writes a no-break space as &nbsp;, which XML does not know.
        out.push_str(&format!(
            "<g class=\"{}\">{}</g>",
            escape(class),
            inner.replace("&nbsp;", "&#160;")
        ));
    }
    out.push_str("</svg>");
    out
}

/// The page's stylesheets as text (rules a browser refuses to read are left out).
fn page_css(doc: &Document) -> String {
    let sheets = doc.style_sheets();
    let mut css = String::new();
    for i in 0..sheets.length() {
        let Some(sheet) = sheets
            .item(i)
            .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok())
        else {
            continue;
        };
        let Ok(rules) = sheet.css_rules() else {
            continue;
        };
        for j in 0..rules.length() {
            if let Some(rule) = rules.item(j) {
                css.push_str(&rule.css_text());
                css.push('\n');
            }
        }
    }
    css
}

/// The ensemble on screen as a standalone SVG, or `None` if it is not on the page.
pub fn ensemble_svg() -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let base = doc.query_selector(".ensemble-svg").ok()??;
    let view_box = base.get_attribute("viewBox")?;
    let size = view_box_size(&view_box)?;
    let mut layers = vec![("ensemble-svg", base.inner_html())];
    if let Some(m) = doc.query_selector(".ensemble-messages").ok().flatten() {
        layers.push(("ensemble-messages", m.inner_html()));
    }
    let theme = doc
        .document_element()
        .and_then(|r| r.get_attribute("data-theme"))
        .unwrap_or_else(|| "auto".into());
    Some(compose(&view_box, size, &layers, &page_css(&doc), &theme))
}

/// The width and height of a `viewBox="x y w h"`. Whole numbers only: the page draws its
/// pictures on integer view boxes, and parsing floats would pull float parsing into the bundle.
pub fn view_box_size(view_box: &str) -> Option<(u32, u32)> {
    let v: Vec<u32> = view_box
        .split_whitespace()
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    match v.as_slice() {
        [_, _, w, h] if *w > 0 && *h > 0 => Some((*w, *h)),
        _ => None,
    }
}

/// The `data:` URL of an SVG text.
pub fn svg_data_url(svg: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(svg))
    )
}

/// Offers `href` as a download called `name`.
pub fn download(name: &str, href: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let a: Element = doc.create_element("a").ok()?;
    a.set_attribute("href", href).ok()?;
    a.set_attribute("download", name).ok()?;
    a.dyn_ref::<HtmlElement>()?.click();
    Some(())
}

/// Downloads the ensemble as `zksim-ensemble.svg`.
pub fn save_svg() -> Option<()> {
    download("zksim-ensemble.svg", &svg_data_url(&ensemble_svg()?))
}

/// Draws the ensemble's SVG on a canvas at [`PNG_SCALE`] and downloads it as
/// `zksim-ensemble.png` once the image has loaded.
pub fn save_png() -> Option<()> {
    let svg = ensemble_svg()?;
    let doc = web_sys::window()?.document()?;
    let (w, h) = view_box_size(&svg_view_box(&svg)?)?;
    let img = web_sys::HtmlImageElement::new().ok()?;
    let onload = {
        let img = img.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = draw_png(&doc, &img, w * PNG_SCALE, h * PNG_SCALE);
        })
    };
    img.set_onload(Some(onload.as_ref().unchecked_ref()));
    // One small closure per click: the image calls it when it has loaded.
    onload.forget();
    img.set_src(&svg_data_url(&svg));
    Some(())
}

fn svg_view_box(svg: &str) -> Option<String> {
    let rest = svg.split_once("viewBox=\"")?.1;
    Some(rest.split('"').next()?.to_string())
}

fn draw_png(doc: &Document, img: &web_sys::HtmlImageElement, w: u32, h: u32) -> Option<()> {
    let canvas = doc
        .create_element("canvas")
        .ok()?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .ok()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, w.into(), h.into())
        .ok()?;
    download(
        "zksim-ensemble.png",
        &canvas.to_data_url_with_type("image/png").ok()?,
    )
}
