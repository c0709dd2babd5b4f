fn main() {
    nextauth_fuzz::run(nextauth_fuzz::action_path);
}
