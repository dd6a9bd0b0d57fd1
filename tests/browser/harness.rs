//! One headless Chromium per test, driven over the DevTools protocol: pages,
//! clicks and typing as a user does them (real mouse and keyboard events),
//! a WebAuthn virtual authenticator, a screenshot and an axe-core run for
//! every page a journey passes through.
//!
//! Every wait is for a condition with a deadline; a wait that runs out
//! fails with what it waited for, the URL, the page's text and the
//! browser's console errors.

mod axe;
mod cdp;
mod log;
mod process;
mod selfcheck;
mod shots;
mod webauthn;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinHandle;

use cdp::{Cdp, Tasks};
use log::{Log, Request, collect_log};
use process::Process;
use shots::screenshot_dir;
pub use webauthn::platform_authenticator;

/// How long a condition may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
/// How often a condition is checked.
const POLL: Duration = Duration::from_millis(50);
/// The Chromium the tests use unless `LATCHKEY_TEST_CHROMIUM` names another.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// The browser binary, or `None` after a loud notice when there is none
/// (a failure instead under `CI=true` or `LATCHKEY_REQUIRE_BACKENDS=1`).
fn chromium(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("LATCHKEY_TEST_CHROMIUM")
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMIUM), PathBuf::from);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "chromium not found at {} (install it: apt-get install -y chromium)",
        path.display()
    );
    if latchkey_store::testing::backends_required() {
        panic!("{test}: the browser tests must run in CI, but {why}");
    }
    eprintln!("\n!!! SKIPPED: {why}\n!!! ({test}; CI=true turns this skip into a failure)\n");
    None
}

/// One browser with one page.
pub struct Browser {
    test: String,
    cdp: Cdp,
    session: String,
    /// What the page did: requests, console errors, uncaught exceptions and
    /// CSP reports.
    log: Arc<Mutex<Log>>,
    shots: PathBuf,
    shot_count: u32,
    /// Serious or critical axe findings so far, printed when found and
    /// asserted on in [`Browser::finish`].
    failing: Vec<String>,
    /// Every axe finding, for the report in the screenshot folder.
    report: Vec<String>,
    log_task: JoinHandle<()>,
    _tasks: Tasks,
    process: Process,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("test", &self.test)
            .finish_non_exhaustive()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.log_task.abort();
    }
}

impl Browser {
    /// Start Chromium for `test` (a `module::path::name`), or `None` after a
    /// loud notice when Chromium is missing outside CI.
    pub async fn launch(test: &str) -> Option<Self> {
        let binary = chromium(test)?;
        Some(Self::start(&binary, test).await)
    }

    async fn start(binary: &Path, test: &str) -> Self {
        let mut process = Process::spawn(binary).unwrap_or_else(|e| panic!("{test}: {e}"));
        let url = process
            .devtools_url()
            .await
            .unwrap_or_else(|e| panic!("{test}: {e}"));
        let (cdp, tasks) = Cdp::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{test}: {e}"));
        let targets = cdp
            .call(None, "Target.getTargets", json!({}))
            .await
            .unwrap();
        let page = targets["targetInfos"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .map(|t| t["targetId"].as_str().unwrap_or_default().to_owned());
        let target = match page {
            Some(id) => id,
            None => cdp
                .call(None, "Target.createTarget", json!({"url": "about:blank"}))
                .await
                .unwrap()["targetId"]
                .as_str()
                .unwrap()
                .to_owned(),
        };
        let attached = cdp
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
            )
            .await
            .unwrap();
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let log = Arc::new(Mutex::new(Log::default()));
        let log_task = tokio::spawn(collect_log(cdp.events(), session.clone(), log.clone()));
        let shots = screenshot_dir(test);
        let b = Self {
            test: test.to_owned(),
            cdp,
            session,
            log,
            shots,
            shot_count: 0,
            failing: Vec::new(),
            report: Vec::new(),
            log_task,
            _tasks: tasks,
            process,
        };
        for (method, params) in [
            ("Page.enable", json!({})),
            ("Runtime.enable", json!({})),
            ("Log.enable", json!({})),
            ("Network.enable", json!({})),
            // WebAuthn needs a focused document; a headless page is focused
            // only while nothing else is.
            (
                "Emulation.setFocusEmulationEnabled",
                json!({"enabled": true}),
            ),
            ("WebAuthn.enable", json!({"enableUI": false})),
        ] {
            b.call(method, params).await;
        }
        b
    }

    /// Send a command to the page; a protocol error fails the test.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", self.test),
        }
    }

    /// Send a command to the page.
    pub async fn try_call(&self, method: &str, params: Value) -> Result<Value, String> {
        self.cdp.call(Some(&self.session), method, params).await
    }

    /// Evaluate `expression` in the page (awaiting a promise), its value as
    /// JSON; an exception is an error with its description.
    pub async fn try_eval(&self, expression: &str) -> Result<Value, String> {
        let r = self
            .try_call(
                "Runtime.evaluate",
                json!({
                    "expression": expression,
                    "returnByValue": true,
                    "awaitPromise": true,
                }),
            )
            .await?;
        if let Some(e) = r.get("exceptionDetails") {
            let text = e["exception"]["description"]
                .as_str()
                .or_else(|| e["text"].as_str())
                .unwrap_or("an exception");
            return Err(text.to_owned());
        }
        Ok(r["result"].get("value").cloned().unwrap_or(Value::Null))
    }

    /// [`Browser::try_eval`], failing the test with the page's state.
    pub async fn eval(&self, expression: &str) -> Value {
        match self.try_eval(expression).await {
            Ok(v) => v,
            Err(e) => {
                let state = self.state().await;
                panic!(
                    "{}: evaluating `{}` threw {e}\n{state}",
                    self.test,
                    short(expression)
                )
            }
        }
    }

    /// What the page shows now: URL, text and the browser's log, for
    /// failure messages.
    pub async fn state(&self) -> String {
        let url = self
            .try_eval("location.href")
            .await
            .map_or_else(|e| format!("(unreadable: {e})"), |v| v.to_string());
        let text = self
            .try_eval("document.body ? document.body.innerText : '(no body)'")
            .await
            .map_or_else(
                |e| format!("(unreadable: {e})"),
                |v| v.as_str().unwrap_or_default().to_owned(),
            );
        let log = self.log.lock().unwrap().lines.join("\n  ");
        format!(
            "  page URL: {url}\n  page text:\n    {}\n  browser log:\n  {}",
            text.replace('\n', "\n    "),
            if log.is_empty() { "(empty)" } else { &log }
        )
    }

    /// The browser's log so far (requests, console errors, exceptions,
    /// CSP reports), one line each.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().lines.clone()
    }

    /// The requests the page made so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().requests.clone()
    }

    /// Poll `expression` until it is truthy (not `null`, `false`, `0`,
    /// `""`); its value. Errors while the page navigates count as "not yet".
    pub async fn wait_for(&self, what: &str, expression: &str) -> Value {
        self.wait_for_within(what, expression, WAIT).await
    }

    /// [`Browser::wait_for`] with another deadline.
    pub async fn wait_for_within(&self, what: &str, expression: &str, limit: Duration) -> Value {
        let started = Instant::now();
        let mut last: String;
        loop {
            match self.try_eval(expression).await {
                Ok(v) if truthy(&v) => return v,
                Ok(v) => last = v.to_string(),
                Err(e) => last = e,
            }
            if started.elapsed() > limit {
                let state = self.state().await;
                panic!(
                    "{}: timed out after {limit:?} waiting for {what}\n  (`{}` was {last})\n{state}",
                    self.test,
                    short(expression)
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Wait until a loaded document's URL satisfies `want`; the URL.
    pub async fn wait_for_url(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(v) = self
                .try_eval("document.readyState === 'complete' ? location.href : null")
                .await
                && let Some(url) = v.as_str()
                && want(url)
            {
                return url.to_owned();
            }
            if started.elapsed() > WAIT {
                let state = self.state().await;
                panic!(
                    "{}: timed out after {WAIT:?} waiting for {what}\n{state}",
                    self.test
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Wait until the page's text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let expr = format!(
            "document.readyState === 'complete' && document.body.innerText.includes({})",
            json!(needle)
        );
        self.wait_for(&format!("the text {needle:?}"), &expr).await;
    }

    /// Load `url` and wait until the document is complete.
    pub async fn goto(&self, url: &str) {
        // A mark on the old document tells it apart from the new one.
        let _ = self.try_eval("window.__latchkeyLeaving = true").await;
        let r = self.call("Page.navigate", json!({ "url": url })).await;
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            panic!("{}: loading {url} failed: {e}", self.test);
        }
        self.wait_for(
            &format!("{url} to load"),
            "document.readyState === 'complete' && !window.__latchkeyLeaving",
        )
        .await;
    }

    /// Wait for a visible, enabled element matching `selector`.
    pub async fn wait_visible(&self, selector: &str) {
        let expr = format!(
            "(() => {{ const el = document.querySelector({sel}); if (!el) return false; \
             const r = el.getBoundingClientRect(); \
             return document.readyState === 'complete' && !el.disabled && r.width > 0 && r.height > 0 \
             && getComputedStyle(el).visibility !== 'hidden'; }})()",
            sel = json!(selector)
        );
        self.wait_for(&format!("a visible, enabled {selector}"), &expr)
            .await;
    }

    /// Click the element matching `selector` with the mouse (once it is
    /// visible and enabled), as a user would: at its centre.
    pub async fn click(&self, selector: &str) {
        self.wait_visible(selector).await;
        let expr = format!(
            "(() => {{ const el = document.querySelector({sel}); \
             el.scrollIntoView({{block: 'center', inline: 'center'}}); \
             const r = el.getBoundingClientRect(); \
             const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             const hit = document.elementFromPoint(x, y); \
             return {{x, y, covered: !(hit === el || el.contains(hit))}}; }})()",
            sel = json!(selector)
        );
        let at = self.eval(&expr).await;
        if at["covered"] == true {
            let state = self.state().await;
            panic!(
                "{}: {selector} is covered by another element\n{state}",
                self.test
            );
        }
        let (x, y) = (at["x"].clone(), at["y"].clone());
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1}),
            )
            .await;
        }
    }

    /// Click the field `selector` and type `text` into it.
    pub async fn type_into(&self, selector: &str, text: &str) {
        self.click(selector).await;
        let focused = format!(
            "document.activeElement === document.querySelector({})",
            json!(selector)
        );
        self.wait_for(&format!("{selector} to have the focus"), &focused)
            .await;
        self.call("Input.insertText", json!({ "text": text })).await;
    }

    /// Take the uncaught exceptions and CSP violations so far (see
    /// [`Browser::take_axe_failures`]).
    pub fn take_page_errors(&self) -> Vec<String> {
        std::mem::take(&mut self.log.lock().unwrap().errors)
    }

    /// The end of a journey: close the browser and fail on the serious or
    /// critical axe findings of any page it passed through, and on any
    /// uncaught exception or CSP violation.
    pub async fn finish(mut self) {
        let _ = self.cdp.call(None, "Browser.close", json!({})).await;
        self.process.shutdown().await;
        let errors = self.take_page_errors();
        assert!(
            errors.is_empty(),
            "{}: the pages reported errors:\n  {}",
            self.test,
            errors.join("\n  ")
        );
        assert!(
            self.failing.is_empty(),
            "{}: axe-core found serious or critical violations (screenshots and \
             the full report in {}):\n{}",
            self.test,
            self.shots.display(),
            self.failing.join("\n")
        );
    }

    /// Forget every cookie of the browser (the sessions end).
    pub async fn clear_cookies(&self) {
        self.call("Network.clearBrowserCookies", json!({})).await;
    }

    /// Where this test's screenshots go.
    pub fn screenshots(&self) -> &Path {
        &self.shots
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn short(expression: &str) -> String {
    let one_line: String = expression.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 160 {
        format!("{}…", one_line.chars().take(160).collect::<String>())
    } else {
        one_line
    }
}
