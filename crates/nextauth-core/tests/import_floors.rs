//! The floors of `nextauth-core` (see the `# Layout` doc of `src/lib.rs`): imports go one way,
//! down. This test reads the crate's own source files, builds the graph of which file imports
//! which, and asserts
//! (a) no file imports, directly or through others, a file that imports it back;
//! (b) the same at top-level-module level (`crate::flows`, `crate::routes`, ...);
//! (c) every top-level module imports only modules on its own floor or lower ones ([`FLOORS`]).
//!
//! Granularity: a *module* is one source file (`src/a/b.rs` is `a::b`, `src/a/mod.rs` is `a`).
//! An edge is any path that names another module: `use crate::…`, `crate::…` in code, `super::…`,
//! `self::…`, and, in a `mod.rs`, its own child modules named as `child::…`. Declaring a child
//! with `mod child;` is containment, not an import. Comments (doc links included) and test code
//! (`tests.rs`, `*_tests.rs` and everything from `#[cfg(test)]` to the end of a file) are left
//! out: tests may reach anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules, lowest floor first. A module may import its own floor (when no cycle
/// results) and any floor below it, never one above.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "0 primitives",
        &[
            "secret",
            "clock",
            "crypto",
            "cookies",
            "callback_url",
            "proxy",
            "request",
            "response",
            "domain",
            "webhook",
            "telemetry",
        ],
    ),
    (
        "1 errors and storage",
        &[
            "adapter",
            "error",
            "callbacks",
            "outbox",
            "events",
            "revocation",
            "ratelimit",
            "testing",
            "i18n",
        ],
    ),
    ("2 provider data", &["providers"]),
    (
        "3 configuration and the IdP client",
        &["config", "forward_auth", "idp"],
    ),
    ("4 pages", &["pages"]),
    ("5 shared state", &["state"]),
    ("6 per-request context", &["init", "session"]),
    ("7 sign-in flows", &["flows"]),
    ("8 routes", &["routes"]),
    // `fuzzing` (the `fuzzing` feature's entry points over init and the check cookies, added
    // on another branch) reaches into the flows, so it stands beside the dispatch.
    ("9 dispatch and entry points", &["handler", "fuzzing"]),
    ("10 crate root", &["crate"]),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` → `["a", "b"]`; `src/a/mod.rs` → `["a"]`; `src/lib.rs` → `[]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = segs.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        segs.push(stem.to_string());
    }
    segs
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// The source without comments and without test code.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::new();
    let mut in_block = 0usize;
    for line in text.lines() {
        let mut l = line;
        if in_block > 0 {
            match l.find("*/") {
                Some(i) => {
                    in_block -= 1;
                    l = &l[i + 2..];
                }
                None => continue,
            }
        }
        if let Some(i) = l.find("/*") {
            if !l[i..].contains("*/") {
                in_block += 1;
            }
            l = &l[..i];
        }
        if let Some(i) = l.find("//") {
            l = &l[..i];
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths in `code` that start with `root::` (root is `crate`, `super` or `self`, or a child
/// module name), as segment lists after the root; `use` trees with braces are expanded.
fn paths_from(code: &str, root: &str) -> Vec<Vec<String>> {
    let pat = format!("{root}::");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut start = 0;
    while let Some(off) = code[start..].find(&pat) {
        let at = start + off;
        start = at + pat.len();
        // Whole word only (`supercrate::` or `x.crate::` are not ours), and not `a::root::`.
        if at > 0 {
            let prev = bytes[at - 1] as char;
            if is_ident(prev) || prev == ':' {
                continue;
            }
        }
        let mut prefixes = Vec::new();
        expand(&code[start..], &mut Vec::new(), &mut prefixes);
        out.extend(prefixes);
    }
    out
}

/// Expands one path (or `use` tree) starting at `s` into full segment lists.
fn expand(s: &str, prefix: &mut [String], out: &mut Vec<Vec<String>>) -> usize {
    let mut i = 0;
    let b: Vec<char> = s.chars().collect();
    let mut segs = prefix.to_vec();
    loop {
        while i < b.len() && b[i].is_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == '{' {
            i += 1;
            loop {
                while i < b.len() && (b[i].is_whitespace() || b[i] == ',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == '}' {
                    i += 1;
                    break;
                }
                let rest: String = b[i..].iter().collect();
                let mut p = segs.clone();
                let used = expand(&rest, &mut p, out);
                i += used.max(1);
            }
            return i;
        }
        let from = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        if i == from {
            break;
        }
        let seg: String = b[from..i].iter().collect();
        if seg != "self" {
            segs.push(seg);
        }
        if i + 1 < b.len() && b[i] == ':' && b[i + 1] == ':' {
            i += 2;
            continue;
        }
        break;
    }
    // Skip an `as alias`.
    let mut j = i;
    while j < b.len() && b[j].is_whitespace() {
        j += 1;
    }
    if b[j..].starts_with(&['a', 's']) && b.get(j + 2).is_some_and(|c| c.is_whitespace()) {
        j += 2;
        while j < b.len() && b[j].is_whitespace() {
            j += 1;
        }
        while j < b.len() && is_ident(b[j]) {
            j += 1;
        }
        i = j;
    }
    out.push(segs);
    i
}

struct Graph {
    modules: BTreeSet<String>,
    /// file module → modules it names (other than itself).
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn resolve(known: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (0..=path.len()).rev().find_map(|n| {
        let m = name(&path[..n]);
        known.contains(&m).then_some(m)
    })
}

fn graph() -> Graph {
    graph_of(&src_dir())
}

/// The `use` graph of the crate whose sources are under `src`.
fn graph_of(src: &Path) -> Graph {
    let src = src.to_path_buf();
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut mods: Vec<(Vec<String>, bool, String)> = Vec::new();
    for f in files {
        let file = f.file_name().expect("name").to_string_lossy().into_owned();
        if file == "tests.rs" || file.ends_with("_tests.rs") {
            continue;
        }
        let rel = f.strip_prefix(&src).expect("under src").to_path_buf();
        let is_dir_mod = file == "mod.rs" || file == "lib.rs";
        let text = std::fs::read_to_string(&f).expect("read source");
        mods.push((module_of(&rel), is_dir_mod, code_of(&text)));
    }
    let known: BTreeSet<String> = mods.iter().map(|(m, _, _)| name(m)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, is_dir_mod, code) in &mods {
        let me = name(m);
        // The module `self::`/child paths are relative to, and the one `super::` names.
        let here: Vec<String> = m.clone();
        let parent: Vec<String> = if *is_dir_mod || m.is_empty() {
            here[..here.len().saturating_sub(1)].to_vec()
        } else {
            here[..here.len() - 1].to_vec()
        };
        let mut targets = BTreeSet::new();
        for p in paths_from(code, "crate") {
            targets.extend(resolve(&known, &p));
        }
        for p in paths_from(code, "super") {
            let mut full = parent.clone();
            full.extend(p);
            targets.extend(resolve(&known, &full));
        }
        for p in paths_from(code, "self") {
            let mut full = here.clone();
            full.extend(p);
            targets.extend(resolve(&known, &full));
        }
        if *is_dir_mod {
            // Children named relatively from their `mod.rs` (or from lib.rs).
            for child in known.iter().filter_map(|k| {
                let k: Vec<&str> = if k == "crate" {
                    vec![]
                } else {
                    k.split("::").collect()
                };
                (k.len() == here.len() + 1 && k[..here.len()] == here[..]).then(|| k[here.len()])
            }) {
                for p in paths_from(code, child) {
                    let mut full = here.clone();
                    full.push(child.to_string());
                    full.extend(p);
                    targets.extend(resolve(&known, &full));
                }
            }
        }
        targets.remove(&me);
        edges.insert(me, targets);
    }
    Graph {
        modules: known,
        edges,
    }
}

/// A cycle through the graph, if any, as the modules on it (first repeated at the end).
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).expect("on stack");
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn top(m: &str) -> String {
    m.split("::").next().unwrap_or(m).to_string()
}

fn top_level_edges(g: &Graph) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &g.edges {
        let f = top(from);
        let entry = out.entry(f.clone()).or_default();
        for t in tos {
            let t = top(t);
            // The crate root only declares and re-exports; `crate` → x is not a back edge.
            if t != f && t != "crate" {
                entry.insert(t);
            }
        }
    }
    out
}

fn edge_list(edges: &BTreeMap<String, BTreeSet<String>>, cycle: &[String]) -> String {
    cycle
        .windows(2)
        .map(|w| format!("  {} -> {}\n", w[0], w[1]))
        .collect::<String>()
        + &format!(
            "({} modules, {} edges in all)",
            edges.len(),
            edges.values().map(BTreeSet::len).sum::<usize>()
        )
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let g = graph();
    assert!(g.modules.len() > 30, "the source files were found");
    if let Some(c) = find_cycle(&g.edges) {
        panic!("import cycle between files:\n{}", edge_list(&g.edges, &c));
    }
}

/// The other crates of the workspace (storage, server, axum, SMTP, test kit): no file imports,
/// directly or through others, a file that imports it back either. (Their floors are not drawn:
/// each is small enough that one direction is all a newcomer needs.)
#[test]
fn no_crate_of_the_workspace_has_an_import_cycle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = Vec::new();
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("read crates dir") {
        let dir = entry.expect("dir entry").path();
        let src = dir.join("src");
        if !src.is_dir() || dir.ends_with("nextauth-core") {
            continue;
        }
        let g = graph_of(&src);
        let crate_name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if let Some(c) = find_cycle(&g.edges) {
            cycles.push(format!("{crate_name}:\n{}", edge_list(&g.edges, &c)));
        }
        checked.push(crate_name);
    }
    assert!(
        checked.len() >= 5,
        "the other crates were found: {checked:?}"
    );
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn no_top_level_module_imports_one_that_imports_it_back() {
    let g = graph();
    let t = top_level_edges(&g);
    if let Some(c) = find_cycle(&t) {
        panic!(
            "import cycle between top-level modules:\n{}",
            edge_list(&t, &c)
        );
    }
}

#[test]
fn every_module_imports_only_its_floor_or_lower() {
    let g = graph();
    let floor_of: BTreeMap<&str, usize> = FLOORS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, ms))| ms.iter().map(move |m| (*m, i)))
        .collect();
    let mut wrong = Vec::new();
    for (from, tos) in &g.edges {
        let f = top(from);
        let Some(&ff) = floor_of.get(f.as_str()) else {
            wrong.push(format!("{from}: top-level module `{f}` is on no floor"));
            continue;
        };
        for to in tos {
            let t = top(to);
            let tf = floor_of.get(t.as_str()).copied().unwrap_or(usize::MAX);
            if tf > ff && f != "crate" {
                wrong.push(format!(
                    "{from} (floor {}) imports {to} (floor {})",
                    FLOORS[ff].0,
                    FLOORS.get(tf).map_or("none", |x| x.0)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports going up:\n{}", wrong.join("\n"));
}

#[test]
fn the_parser_sees_use_trees_super_and_children() {
    let code = "use crate::{a::{b, c as d}, e};\nfn f() { super::g::h(); child::x(); }\n";
    let mut got = paths_from(code, "crate");
    got.sort();
    assert_eq!(
        got,
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["a".to_string(), "c".to_string()],
            vec!["e".to_string()],
        ]
    );
    assert_eq!(paths_from(code, "super"), vec![vec!["g", "h"]]);
    assert_eq!(paths_from(code, "child"), vec![vec!["x"]]);
    assert!(
        paths_from("// crate::z\n", "crate").len() == 1,
        "raw text is not comment-free"
    );
    assert!(paths_from(&code_of("// crate::z\n"), "crate").is_empty());
}

/// The error type of each `Result<T, E>` in `code` (test code and comments left out by
/// [`code_of`]), whitespace removed.
fn result_error_types(code: &str) -> Vec<String> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    let mut rest = compact.as_str();
    while let Some(i) = rest.find("Result<") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "Result<".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `AdapterResult<`, `MyResult<`: another type
        }
        // Split the arguments at depth 0 up to the closing `>`.
        let (mut depth, mut args, mut cur) = (0usize, Vec::new(), String::new());
        for c in rest.chars() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' if depth == 0 => break,
                '>' | ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        args.push(cur);
        if let Some(e) = args.get(1) {
            out.push(e.clone());
        }
    }
    out
}

/// Issue 11: failures are typed. No library code of the workspace (the testkit aside) returns
/// `Result<_, String>`.
#[test]
fn no_library_code_returns_a_string_error() {
    assert_eq!(
        result_error_types(
            "fn f() -> Result<Vec<(u8, u8)>, String> {}\nfn g() -> io::Result<()> {}\nfn h() -> Result<A, BadRate>"
        ),
        ["String", "BadRate"]
    );
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&crates).expect("read crates dir") {
        let dir = entry.expect("dir entry").path();
        if !dir.join("src").is_dir() || dir.ends_with("testkit") {
            continue;
        }
        let mut rs = Vec::new();
        rs_files(&dir.join("src"), &mut rs);
        for f in rs {
            files += 1;
            let text = std::fs::read_to_string(&f).expect("read source");
            for e in result_error_types(&code_of(&text)) {
                if e == "String" || e == "std::string::String" {
                    found.push(f.display().to_string());
                }
            }
        }
    }
    assert!(files > 50, "the sources were found ({files} files)");
    assert!(
        found.is_empty(),
        "Result<_, String> in library code (give the failure a type):\n{}",
        found.join("\n")
    );
}
