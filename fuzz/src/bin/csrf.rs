fn main() {
    nextauth_fuzz::run(nextauth_fuzz::csrf);
}
