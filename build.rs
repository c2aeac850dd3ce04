// embed_migrations! only notices new migration folders when the build reruns.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
