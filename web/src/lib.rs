//! # zksim-web: the playground page
//!
//! A Yew (CSR) app over the `zksim` core, compiled to WebAssembly by trunk. `main.rs` only
//! renders [`App`]; the components live here so `web/tests/` can mount them in a real browser.
//!
//! The page is at the foundation stage: it shows one real value the core computes in wasm (the
//! session-ID seed of a server, version by version). The simulated ensemble comes later; nothing
//! on the page pretends otherwise.
//!
//! Logic that needs no browser sits in plain modules ([`seed`]); components only render it and
//! turn DOM events into calls on it.

pub mod components;
pub mod seed;

pub use components::app::App;
pub use components::seed_widget::SeedWidget;
