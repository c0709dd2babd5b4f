fn main() {
    nextauth_fuzz::run(nextauth_fuzz::cookie_header);
}
