fn main() {
    tandem::mount();
}
