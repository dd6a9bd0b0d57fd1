//! axe-core in the page under test.
//!
//! The vendored `axe.min.js` (version in `vendor/README.md` and
//! docs/testing-browser.md) is evaluated through DevTools, which the page's
//! CSP does not govern, so the page runs with its real policy.

use std::fmt;

use serde_json::Value;

/// axe-core's minified build, vendored with its licence (MPL-2.0).
pub const AXE_JS: &str = include_str!("../vendor/axe.min.js");

/// Defines `window.axe` unless this document has it already.
pub fn inject_script() -> String {
    format!("if (typeof window.axe !== 'object') {{\n{AXE_JS}\n}}\ntypeof window.axe")
}

/// Runs every rule axe runs by default (WCAG 2.0–2.2 A/AA and best
/// practices) on the document; resolves to the violations as plain JSON.
pub const RUN: &str = r"
axe.run(document, { resultTypes: ['violations'] }).then(r => ({
  version: axe.version,
  passes: r.passes.length,
  incomplete: r.incomplete.map(v => v.id),
  violations: r.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(String).join(' '),
      html: n.html,
      summary: n.failureSummary || ''
    }))
  }))
}))";

/// One violated rule.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    pub help_url: String,
    /// `(CSS selector, outer HTML, why)` of each failing node.
    pub nodes: Vec<(String, String, String)>,
}

impl Violation {
    /// Whether this violation fails a test.
    pub fn fails(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }

    /// Read the violations out of [`RUN`]'s result.
    pub fn parse_all(result: &Value) -> Vec<Self> {
        let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
        result["violations"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| Self {
                        id: s(v, "id"),
                        impact: s(v, "impact"),
                        help: s(v, "help"),
                        help_url: s(v, "helpUrl"),
                        nodes: v["nodes"]
                            .as_array()
                            .map(|nodes| {
                                nodes
                                    .iter()
                                    .map(|n| (s(n, "target"), s(n, "html"), s(n, "summary")))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  [{}] {}: {} ({})",
            self.impact, self.id, self.help, self.help_url
        )?;
        for (target, html, summary) in &self.nodes {
            writeln!(f, "      at {target}: {html}")?;
            for line in summary.lines() {
                writeln!(f, "        {line}")?;
            }
        }
        Ok(())
    }
}
