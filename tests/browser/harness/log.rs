//! What a page did, from the DevTools events: its requests, console
//! errors, uncaught exceptions and CSP reports.

use std::sync::{Arc, Mutex};

/// One request a page made.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// The body, when it is small text (`Network.requestWillBeSent`'s
    /// `postData`).
    pub body: Option<String>,
}

#[derive(Debug, Default)]
pub struct Log {
    pub lines: Vec<String>,
    pub requests: Vec<Request>,
    /// Uncaught exceptions and CSP violations: each fails the journey.
    pub errors: Vec<String>,
}

/// Keep the page's requests, console errors, uncaught exceptions and
/// security reports (CSP) for assertions and failure messages.
pub async fn collect_log(
    mut events: tokio::sync::broadcast::Receiver<super::cdp::Event>,
    session: String,
    log: Arc<Mutex<Log>>,
) {
    loop {
        let e = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        if e.session.as_deref() != Some(session.as_str()) {
            continue;
        }
        let p = &e.params;
        let line = match e.method.as_str() {
            "Runtime.exceptionThrown" => Some(format!(
                "uncaught: {}",
                p["exceptionDetails"]["exception"]["description"]
                    .as_str()
                    .or_else(|| p["exceptionDetails"]["text"].as_str())
                    .unwrap_or_default()
            )),
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "warning")) =>
            {
                let args: Vec<String> = p["args"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| {
                                x["value"]
                                    .as_str()
                                    .map(str::to_owned)
                                    .or_else(|| x["description"].as_str().map(str::to_owned))
                                    .unwrap_or_else(|| x["value"].to_string())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(format!(
                    "console.{}: {}",
                    p["type"].as_str().unwrap_or(""),
                    args.join(" ")
                ))
            }
            "Network.requestWillBeSent" => {
                let r = Request {
                    method: p["request"]["method"].as_str().unwrap_or("").to_owned(),
                    url: p["request"]["url"].as_str().unwrap_or("").to_owned(),
                    body: p["request"]["postData"].as_str().map(str::to_owned),
                };
                let line = format!("request: {} {}", r.method, r.url);
                log.lock().unwrap().requests.push(r);
                Some(line)
            }
            "Log.entryAdded"
                if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) =>
            {
                Some(format!(
                    "{} {}: {} ({})",
                    p["entry"]["source"].as_str().unwrap_or(""),
                    p["entry"]["level"].as_str().unwrap_or(""),
                    p["entry"]["text"].as_str().unwrap_or(""),
                    p["entry"]["url"].as_str().unwrap_or("")
                ))
            }
            _ => None,
        };
        if let Some(line) = line {
            let mut log = log.lock().unwrap();
            if line.starts_with("uncaught:") || line.contains("Content Security Policy") {
                log.errors.push(line.clone());
            }
            log.lines.push(line);
        }
    }
}
