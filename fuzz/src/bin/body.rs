fn main() {
    nextauth_fuzz::run(nextauth_fuzz::body);
}
