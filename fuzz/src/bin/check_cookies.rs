fn main() {
    nextauth_fuzz::run(nextauth_fuzz::check_cookies);
}
