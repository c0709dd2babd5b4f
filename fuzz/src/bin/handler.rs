fn main() {
    nextauth_fuzz::run(nextauth_fuzz::handler);
}
