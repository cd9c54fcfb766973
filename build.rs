//! Fingerprints the code that turns a file into facts (`src/parse/` and the locked dependency
//! versions, tree-sitter's grammar among them), so the on-disk facts cache (`src/cache.rs`) is
//! invalidated by any change to it, not only by a version bump; and all of `src/` with them,
//! for the stored runs `src/replay.rs` reuses.

use std::path::Path;

fn fnv1a(data: &[u8], mut hash: u64) -> u64 {
    for byte in data {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn hash_dir(root: &Path, dir: &Path, hash: &mut u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(root, &path, hash);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            *hash = fnv1a(rel.to_string_lossy().as_bytes(), *hash);
            *hash = fnv1a(&bytes, *hash);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    hash_dir(root, &root.join("src").join("parse"), &mut hash);
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        hash = fnv1a(&lock, hash);
    }
    println!("cargo:rustc-env=FIXMIG_FACTS_FINGERPRINT={hash:016x}");
    let mut code = hash;
    hash_dir(root, &root.join("src"), &mut code);
    println!("cargo:rustc-env=FIXMIG_CODE_FINGERPRINT={code:016x}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}
