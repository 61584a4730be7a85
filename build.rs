//! Gathers every text the screens pass to `i18n::t` / `i18n::tf`, so a test can check that
//! each has a Russian translation (see `src/i18n.rs`).

use std::{fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=src");
    let mut found = Vec::new();
    collect(Path::new("src"), &mut found);
    found.sort();
    found.dedup();
    let mut out = String::from("pub(crate) const UI_STRINGS: &[&str] = &[\n");
    for s in &found {
        out.push_str(&format!("    \"{s}\",\n"));
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("ui_strings.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("i18n/ru.rs")
            && let Ok(text) = fs::read_to_string(&path)
        {
            literals(&text, found);
        }
    }
}

/// The string literals right after `t(`, `tf(` or `tk(` (not part of a longer name), and
/// component labels (`label="…"`, which the components pass through `t`).
fn literals(text: &str, found: &mut Vec<String>) {
    let bytes = text.as_bytes();
    for call in ["t(", "tf(", "tk(", " label="] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(call) {
            let start = from + pos;
            from = start + call.len();
            let before = start.checked_sub(1).map(|i| bytes[i]);
            if !call.starts_with(' ')
                && before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                continue;
            }
            let mut open = from;
            while open < bytes.len() && bytes[open].is_ascii_whitespace() {
                open += 1;
            }
            if bytes.get(open) != Some(&b'"') {
                continue;
            }
            let mut end = open + 1;
            while end < bytes.len() && !(bytes[end] == b'"' && bytes[end - 1] != b'\\') {
                end += 1;
            }
            found.push(text[open + 1..end].to_owned());
            from = end;
        }
    }
}
