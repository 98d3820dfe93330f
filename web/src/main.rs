fn main() {
    // Before the first render, so that even a panic while opening the page shows a banner.
    zksim_web::panic::install();
    yew::Renderer::<zksim_web::App>::new().render();
}
