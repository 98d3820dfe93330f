fn main() {
    println!("zksim {}", env!("CARGO_PKG_VERSION"));
}
