//! A screenshot and an axe-core run for every page a journey passes
//! through.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::json;

use super::axe::{self, Violation};
use super::{Browser, short};

impl Browser {
    /// Save a screenshot of the page as `NN-label.png` and run axe-core on
    /// it; serious and critical findings are printed now and fail the test
    /// in [`Browser::finish`].
    pub async fn snapshot(&mut self, label: &str) -> Vec<Violation> {
        // A complete document with its fonts laid out, and nothing moving.
        self.wait_for(
            &format!("the page to settle for the screenshot {label:?}"),
            "document.readyState === 'complete' && document.fonts.status === 'loaded'",
        )
        .await;
        self.shot_count += 1;
        let file = self
            .shots
            .join(format!("{:02}-{label}.png", self.shot_count));
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let shot = self
            .try_call(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {
                        "x": 0, "y": 0,
                        "width": size["width"].as_f64().unwrap_or(1280.0).max(1.0),
                        "height": size["height"].as_f64().unwrap_or(900.0).max(1.0),
                        "scale": 1,
                    },
                }),
            )
            .await;
        let shot = match shot {
            Ok(shot) => shot,
            Err(e) => {
                let state = self.state().await;
                panic!("{}: screenshot {label:?}: {e}\n{state}", self.test)
            }
        };
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(&file, png).unwrap();
        self.fits_the_viewport(label).await;
        self.axe(label).await
    }

    /// Every page works at the narrowest phone width (320 CSS px): nothing
    /// may make the page scroll sideways. Checked at whatever width the
    /// journey runs ([`Browser::set_viewport`] narrows it).
    async fn fits_the_viewport(&self, label: &str) {
        let widths = self
            .eval("[document.documentElement.scrollWidth, window.innerWidth]")
            .await;
        let (content, viewport) = (widths[0].as_f64(), widths[1].as_f64());
        if let (Some(content), Some(viewport)) = (content, viewport) {
            assert!(
                content <= viewport + 1.0,
                "{}: {label}: the page is {content} px wide in a {viewport} px viewport \
                 (it scrolls sideways)\n{}",
                self.test,
                self.state().await
            );
        }
    }

    /// Emulate a `width`×`height` CSS px screen (a phone when narrow).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width, "height": height,
                "deviceScaleFactor": 1, "mobile": width < 600,
            }),
        )
        .await;
    }

    async fn axe(&mut self, label: &str) -> Vec<Violation> {
        let loaded = self.eval(&axe::inject_script()).await;
        assert_eq!(loaded, "object", "{}: axe-core did not load", self.test);
        let result = self.eval(axe::RUN).await;
        let url = self.try_eval("location.href").await.unwrap_or_default();
        let found = Violation::parse_all(&result);
        let page = format!(
            "{:02}-{label} ({})",
            self.shot_count,
            short(url.as_str().unwrap_or_default())
        );
        self.report.push(format!(
            "{page}: axe-core {}: {} rules passed, {} violated, needs review: {}",
            result["version"].as_str().unwrap_or("?"),
            result["passes"],
            found.len(),
            result["incomplete"]
        ));
        for v in &found {
            let line = format!("{page}:\n{v}");
            self.report.push(line.clone());
            if v.fails() {
                eprintln!(
                    "{}: axe-core found a {} violation on {line}",
                    self.test, v.impact
                );
                self.failing.push(line);
            }
        }
        let report = self.report.join("\n") + "\n";
        let _ = std::fs::write(self.shots.join("axe.txt"), report);
        found
    }

    /// Take the serious and critical axe findings so far, so that
    /// [`Browser::finish`] does not fail on them (the harness's own check
    /// of a page that is broken on purpose).
    pub fn take_axe_failures(&mut self) -> Vec<String> {
        std::mem::take(&mut self.failing)
    }
}

/// `target/browser-screenshots/<test>/`, emptied: the target directory is
/// the one this test binary was built into (`target/debug/deps/..`).
pub(super) fn screenshot_dir(test: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent()?.parent())
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
            Path::to_path_buf,
        );
    let name = test.rsplit("::").next().unwrap_or(test);
    let dir = target.join("browser-screenshots").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
