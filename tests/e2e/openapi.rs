//! `GET /api/openapi.json` and the routes agree: every documented path and
//! method is a real route, and every `/api/...` route in the server's source
//! is documented. A new route without an OpenAPI entry fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Stack, TestServer};

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `/a/{x}/b/{y:re}` → `/a/{}/b/{}`: parameter names do not matter.
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// The method of a route attribute (`#[post("/api/...")]`) on `line`, if any.
fn attribute_method(line: &str) -> Option<&'static str> {
    let line = line.trim_start();
    METHODS
        .into_iter()
        .find(|m| line.starts_with(&format!("#[{m}(\"")))
}

/// Every `"/api/..."` string literal outside comments in `source`.
fn api_literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("\"/api/") {
            let tail = &rest[at + 1..];
            let Some(end) = tail.find('"') else { break };
            found.push(tail[..end].to_owned());
            rest = &tail[end + 1..];
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The document's paths, normalised, with their methods.
fn documented(doc: &Value) -> Vec<(String, String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut ops = Vec::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item");
        for method in METHODS {
            if item.contains_key(method) {
                ops.push((path.clone(), normalise(path), method.to_owned()));
            }
        }
    }
    ops
}

/// Every `$ref` in the document points at something in it.
fn check_refs(doc: &Value, node: &Value, at: &str) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    let target = v.as_str().expect("$ref is a string");
                    let pointer = target.strip_prefix('#').expect("a local $ref");
                    assert!(
                        doc.pointer(pointer).is_some(),
                        "{at}: $ref {target} points at nothing"
                    );
                } else {
                    check_refs(doc, v, &format!("{at}/{k}"));
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(doc, v, &format!("{at}/{i}"));
            }
        }
        _ => {}
    }
}

#[actix_web::test]
async fn openapi_document_matches_the_routes() {
    let test = concat!(module_path!(), "::openapi_document_matches_the_routes");
    let Some(s) = TestServer::start(Stack::Embedded, test).await else {
        return;
    };

    // (1) Served, JSON, cacheable, parseable, OpenAPI 3.1.
    let res = s.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cache.starts_with("public") && cache.contains("max-age="),
        "{cache}"
    );
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    check_refs(&doc, &doc, "#");
    let ops = documented(&doc);
    assert!(!ops.is_empty());

    // (2) Every documented operation is a route: the app's default service
    // answers `404 {"error":"not_found"}` for an unknown path or a method
    // the path does not have; routes answer with their own codes
    // (`flow_not_found`, `invitation_invalid`, `login_required`, …).
    for (path, _, method) in &ops {
        assert!(path.starts_with("/api/"), "{path} is not under /api/");
        let mut url = String::new();
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                url.push('/');
            }
            if segment.starts_with('{') {
                url.push_str(&latchkey_core::id::random_hex(16));
            } else {
                url.push_str(segment);
            }
        }
        let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = s
            .http
            .request(verb, format!("{}{url}", s.base))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_ne!(
            status,
            405,
            "{} {path}: 405 (method not routed): {body}",
            method.to_uppercase()
        );
        assert!(
            !(status == 404 && body["error"] == "not_found"),
            "{} {path}: documented but not routed: {body}",
            method.to_uppercase()
        );
        assert!(
            status < 500,
            "{} {path}: {status} {body}",
            method.to_uppercase()
        );
        // The answer is one the document lists, error code included.
        let documented = &doc["paths"][path][method]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{} {path}: {status} is not documented: {body}",
            method.to_uppercase()
        );
        if let Some(code) = body["error"].as_str() {
            let text = documented["description"].as_str().unwrap_or("");
            assert!(
                text.contains(&format!("`{code}`")),
                "{} {path}: {status} `{code}` is not in its description: {text}",
                method.to_uppercase()
            );
        }
    }

    // (3) Every `/api/...` route in the source is documented.
    let documented_paths: BTreeSet<String> = ops.iter().map(|(_, n, _)| n.clone()).collect();
    let routes_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/server/src/routes");
    let mut files = Vec::new();
    rust_files(&routes_dir, &mut files);
    files.sort();
    let mut in_source = BTreeSet::new();
    let documented_ops: BTreeSet<(String, String)> =
        ops.iter().map(|(_, n, m)| (n.clone(), m.clone())).collect();
    let mut undocumented_methods = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for literal in api_literals(&source) {
            in_source.insert((normalise(&literal), file.display().to_string()));
        }
        for line in source.lines() {
            if let (Some(method), [literal]) = (attribute_method(line), &api_literals(line)[..]) {
                let op = (normalise(literal), method.to_owned());
                if !documented_ops.contains(&op) {
                    undocumented_methods.push(format!("{} {literal}", method.to_uppercase()));
                }
            }
        }
    }
    assert!(
        undocumented_methods.is_empty(),
        "route methods missing from crates/server/src/openapi.json: {undocumented_methods:?}"
    );
    assert!(
        in_source.len() >= 10,
        "found only {} /api/ routes in {}: is the scan broken?",
        in_source.len(),
        routes_dir.display()
    );
    let missing: Vec<_> = in_source
        .iter()
        .filter(|(path, _)| !documented_paths.contains(path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from crates/server/src/openapi.json: {missing:?}"
    );
}

#[test]
fn paths_are_normalised_and_literals_found() {
    assert_eq!(normalise("/api/a/{id}/b/{x:[0-9]+}"), "/api/a/{}/b/{}");
    assert_eq!(
        normalise("/api/enroll/{token}/options"),
        "/api/enroll/{}/options"
    );
    let src = "// \"/api/commented\"\n#[post(\"/api/x/{id}\")]\nlet a = (\"/api/y\", \"/z\");\n";
    assert_eq!(api_literals(src), ["/api/x/{id}", "/api/y"]);
    assert_eq!(attribute_method("    #[patch(\"/api/x\")]"), Some("patch"));
    assert_eq!(attribute_method("let p = \"/api/x\";"), None);
}
