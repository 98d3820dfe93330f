//! The page.

use yew::prelude::*;

use super::seed_widget::SeedWidget;

#[function_component]
pub fn App() -> Html {
    html! {
        <main class="page">
            <header class="masthead">
                <h1>{ "zksim" }</h1>
                <p class="tagline">
                    { "A ZooKeeper session playground: the session machinery of ZooKeeper 3.4.5 \
                       to 3.6, on a virtual clock, in your browser." }
                </p>
                <p class="status">
                    { "Work in progress. The simulated ensemble is not here yet; what this page \
                       shows today is one real computation of the zksim core, running as \
                       WebAssembly." }
                </p>
            </header>
            <SeedWidget />
        </main>
    }
}
