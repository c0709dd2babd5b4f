fn main() {
    nextauth_fuzz::run(nextauth_fuzz::callback_url);
}
