fn main() {
    nextauth_fuzz::run(nextauth_fuzz::chunked_cookie);
}
