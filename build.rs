//! Embeds the console's built assets (`console/dist/`, made by `npm ci && npm run build`
//! in `console/`) into the binary. Without them the binary is built all the same, and
//! `/console` answers a page saying how to build them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let dist = root.join("console").join("dist");
    // The folder is in the repository (with its README) so that it always exists: a
    // path that does not exist would run this script again on every build.
    println!("cargo:rerun-if-changed=console/dist");
    let mut found = Vec::new();
    files(&dist, &mut found);
    found.retain(|p| p.file_name().is_some_and(|n| n != "README.md"));
    let built = found.iter().any(|p| p.file_name().is_some_and(|n| n == "index.html"));
    let mut code = String::from(
        "/// The console's files, by path under `console/dist/`.\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for p in &found {
        println!("cargo:rerun-if-changed={}", p.display());
        let Ok(rel) = p.strip_prefix(&dist) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let _ = writeln!(code, "    ({rel:?}, include_bytes!({:?})),", p.display().to_string());
    }
    code.push_str("];\n");
    let _ = writeln!(
        code,
        "/// Whether `console/dist/` held a built console.\npub const BUILT: bool = {built};"
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("console_assets.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
