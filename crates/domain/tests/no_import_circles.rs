//! The domain's files import each other without a circle: each area's types stand alone and
//! the aggregate (`partnership.rs` and its sub-modules) sits above them. A child module may
//! reach its parent through `super` and the parent its children; any other circle fails
//! here, naming the files in it. Test modules (`#[cfg(test)] mod …`) may import anything.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// Module path (`partnership::roadmap`) → its source without comments and test modules.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under src")
                    .with_extension("");
                let module = rel.to_string_lossy().replace(['/', '\\'], "::");
                if module != "lib" {
                    let text = fs::read_to_string(&path).expect("readable");
                    out.insert(module, without_tests_and_comments(&text));
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

fn without_tests_and_comments(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let next_is_mod = lines.get(i + 1).is_some_and(|l| {
            let l = l.trim_start();
            l.starts_with("mod ") || l.starts_with("pub(crate) mod ")
        });
        if lines[i].trim() == "#[cfg(test)]" && next_is_mod {
            // Skip to the brace that closes the module (or its `;`).
            i += 1;
            let mut depth = 0i32;
            while i < lines.len() {
                depth +=
                    lines[i].matches('{').count() as i32 - lines[i].matches('}').count() as i32;
                let done = depth <= 0;
                i += 1;
                if done {
                    break;
                }
            }
            continue;
        }
        let line = lines[i].split("//").next().unwrap_or("");
        kept.push(line);
        i += 1;
    }
    kept.join("\n")
}

/// Every path named after `crate::`, use trees expanded (`crate::{a::B, c::{d::E}}`).
fn crate_paths(src: &str) -> Vec<String> {
    fn ident(s: &[u8], i: &mut usize) -> Option<String> {
        let start = *i;
        while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_') {
            *i += 1;
        }
        (*i > start).then(|| String::from_utf8_lossy(&s[start..*i]).into_owned())
    }
    fn skip_ws(s: &[u8], i: &mut usize) {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    }
    fn tree(s: &[u8], i: &mut usize, prefix: &str, out: &mut Vec<String>) {
        skip_ws(s, i);
        if s.get(*i) == Some(&b'{') {
            *i += 1;
            loop {
                skip_ws(s, i);
                match s.get(*i) {
                    Some(b'}') | None => {
                        *i += 1;
                        return;
                    }
                    Some(b',') => *i += 1,
                    _ => {
                        let before = *i;
                        tree(s, i, prefix, out);
                        if *i == before {
                            *i += 1;
                        }
                    }
                }
            }
        }
        let Some(name) = ident(s, i) else { return };
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}::{name}")
        };
        if s.get(*i..*i + 2) == Some(b"::") {
            *i += 2;
            tree(s, i, &path, out);
        } else {
            out.push(path);
        }
    }
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    for (at, _) in src.match_indices("crate::") {
        let before = at.checked_sub(1).map(|b| bytes[b]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
            continue; // `$crate::` in a macro, or part of a longer name
        }
        let mut i = at + "crate::".len();
        tree(bytes, &mut i, "", &mut out);
    }
    out
}

#[test]
fn the_domain_files_import_each_other_without_a_circle() {
    let sources = sources();
    let modules: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
    let related =
        |a: &str, b: &str| b.starts_with(&format!("{a}::")) || a.starts_with(&format!("{b}::"));
    let mut uses: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, src) in &sources {
        let entry = uses.entry(module.as_str()).or_default();
        for path in crate_paths(src) {
            let segments: Vec<&str> = path.split("::").collect();
            let target = (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find_map(|p| modules.get(p.as_str()).copied());
            if let Some(target) = target
                && target != module
                && !related(module, target)
            {
                entry.insert(target);
            }
        }
    }
    assert!(
        uses["partnership::roadmap"].contains("campaign"),
        "the scan reads use trees: {:?}",
        uses["partnership::roadmap"]
    );
    // A circle: a module that reaches itself through what it uses.
    let mut circles = Vec::new();
    for &start in uses.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        while let Some((at, trail)) = stack.pop() {
            for &next in &uses[at] {
                if next == start {
                    circles.push(trail.join(" → ") + " → " + start);
                } else if seen.insert(next) {
                    let mut longer = trail.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}
