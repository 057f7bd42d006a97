//! Deflates `data/dictionaries.txt` (the passphrase estimator's word lists) into the build's
//! output directory, where `src/strength.rs` includes it: the text stays reviewable in the
//! repository, and the library carries half its size.

fn main() {
    let source = "data/dictionaries.txt";
    println!("cargo::rerun-if-changed={source}");
    let text = std::fs::read(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    // strength.rs refuses to inflate more than this.
    assert!(text.len() <= 1 << 20, "{source} is larger than 1 MiB");
    let deflated = miniz_oxide::deflate::compress_to_vec(&text, 10);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_default())
        .join("dictionaries.deflate");
    std::fs::write(&out, deflated).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
