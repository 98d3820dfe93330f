// The page's allocator (web/Cargo.toml says why Talc). The simulation never looks at addresses,
// so the allocator cannot change a trace.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // Before the first render, so that even a panic while opening the page shows a banner.
    zksim_web::panic::install();
    yew::Renderer::<zksim_web::App>::new().render();
}
