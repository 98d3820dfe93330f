fn main() {
    yew::Renderer::<zksim_web::App>::new().render();
}
