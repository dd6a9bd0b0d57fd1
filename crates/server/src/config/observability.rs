//! The `[metrics]` and `[telemetry]` tables: the Prometheus endpoint and
//! OpenTelemetry trace export (see `docs/observability.md`).

use figment::value::Value;
use serde::{Serialize, Serializer};
use url::Url;

use super::Secret;
use super::raw::{RawMetrics, RawTelemetry};
use super::resolve::Resolver;

/// The Prometheus endpoint `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsConfig {
    /// Whether `/metrics` answers (and requests are counted).
    pub enabled: bool,
    /// When set, scrapes must send `Authorization: Bearer <token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            bearer_token: None,
        }
    }
}

/// OpenTelemetry trace export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL (`http://collector:4318`); spans
    /// go to `<endpoint>/v1/traces`. Unset: no export.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_url"
    )]
    pub otlp_endpoint: Option<Url>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of traces started here that are exported, 0 to 1.
    pub sampling_ratio: SamplingRatio,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "latchkey".to_owned(),
            sampling_ratio: SamplingRatio(1.0),
        }
    }
}

impl TelemetryConfig {
    /// Where spans are sent: the endpoint with `/v1/traces` (OTLP/HTTP's
    /// traces path) appended, unless it already ends so.
    #[must_use]
    pub fn traces_url(&self) -> Option<Url> {
        let mut url = self.otlp_endpoint.clone()?;
        if !url.path().ends_with("/v1/traces") {
            let path = format!("{}/v1/traces", url.path().trim_end_matches('/'));
            url.set_path(&path);
        }
        Some(url)
    }
}

/// A ratio from 0 to 1 (checked when loaded), comparable so that
/// [`super::Config`] stays `Eq`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct SamplingRatio(f64);

impl SamplingRatio {
    /// The ratio.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for SamplingRatio {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for SamplingRatio {}

fn serialize_url<S: Serializer>(u: &Option<Url>, s: S) -> Result<S::Ok, S::Error> {
    match u {
        Some(u) => s.serialize_str(u.as_str()),
        None => s.serialize_none(),
    }
}

impl Resolver<'_> {
    pub(super) fn metrics(&mut self, raw: RawMetrics) -> MetricsConfig {
        let d = MetricsConfig::default();
        let bearer_token = self.secret(
            "metrics.bearer_token",
            "metrics.bearer_token_file",
            raw.bearer_token,
            raw.bearer_token_file,
        );
        if let Some(token) = &bearer_token {
            let t = token.expose();
            // It travels in a header; a short one could be guessed.
            if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic()) {
                self.invalid("metrics.bearer_token", "");
            }
        }
        MetricsConfig {
            enabled: self
                .bool("metrics.enabled", raw.enabled)
                .unwrap_or(d.enabled),
            bearer_token,
        }
    }

    pub(super) fn telemetry(&mut self, raw: RawTelemetry) -> TelemetryConfig {
        let d = TelemetryConfig::default();
        let otlp_endpoint = self
            .string("telemetry.otlp_endpoint", raw.otlp_endpoint)
            .and_then(|s| match otlp_endpoint(&s) {
                Ok(url) => Some(url),
                Err(why) => {
                    self.invalid("telemetry.otlp_endpoint", &format!(" (found {s:?}: {why})"));
                    None
                }
            });
        let service_name = self
            .string("telemetry.service_name", raw.service_name)
            .unwrap_or(d.service_name);
        if service_name.trim().is_empty() || service_name.len() > 128 {
            self.invalid(
                "telemetry.service_name",
                &format!(" (found {service_name:?})"),
            );
        }
        let sampling_ratio = self
            .ratio("telemetry.sampling_ratio", raw.sampling_ratio)
            .unwrap_or(d.sampling_ratio);
        TelemetryConfig {
            otlp_endpoint,
            service_name,
            sampling_ratio,
        }
    }

    fn ratio(&mut self, key: &str, value: Option<Value>) -> Option<SamplingRatio> {
        let value = value?;
        let n = match &value {
            Value::String(_, s) => s.trim().parse::<f64>().ok(),
            // `sampling_ratio = 1` is an integer in TOML.
            other => other.to_num_lossy().and_then(|n| {
                n.to_f64().or_else(|| {
                    n.to_u128_lossy().map(|u| match u {
                        0 => 0.0,
                        1 => 1.0,
                        _ => f64::INFINITY,
                    })
                })
            }),
        };
        match n {
            Some(n) if (0.0..=1.0).contains(&n) => Some(SamplingRatio(n)),
            _ => {
                self.invalid(key, &format!(" (found {})", value.to_actual()));
                None
            }
        }
    }
}

/// An http(s) URL without credentials, query or fragment. Credentials
/// would end up in logs and `config check`; collectors that need a token
/// get it from `OTEL_EXPORTER_OTLP_HEADERS`.
fn otlp_endpoint(text: &str) -> Result<Url, &'static str> {
    let url = Url::parse(text.trim()).map_err(|_| "not a URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("use http:// or https://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no credentials in the URL; set OTEL_EXPORTER_OTLP_HEADERS instead");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("no query or fragment");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_test_sources(toml, env)
    }

    #[test]
    fn tables_load_validate_and_redact() {
        let c = load(
            "[metrics]\nbearer_token = \"0123456789abcdef-token\"\n\
             [telemetry]\notlp_endpoint = \"http://collector:4318\"\nsampling_ratio = 1\n",
            &[("LATCHKEY_TELEMETRY__SAMPLING_RATIO", "0.25")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(c.metrics.enabled);
        assert_eq!(
            c.metrics.bearer_token.as_ref().map(Secret::expose),
            Some("0123456789abcdef-token")
        );
        assert_eq!(c.telemetry.sampling_ratio.get(), 0.25);
        assert_eq!(c.telemetry.service_name, "latchkey");
        let shown = c.redacted_toml();
        assert!(!shown.contains("0123456789abcdef-token"), "{shown}");
        assert!(
            shown.contains("otlp_endpoint = \"http://collector:4318/\""),
            "{shown}"
        );

        let c = load(
            "[telemetry]\nsampling_ratio = 0\n",
            &[("LATCHKEY_METRICS__ENABLED", "off")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.metrics.enabled);
        assert_eq!(c.telemetry.sampling_ratio.get(), 0.0);
        assert!(c.telemetry.otlp_endpoint.is_none());

        let e = load(
            "[metrics]\nbearer_token = \"short-secret\"\nenabled = \"maybe\"\n\
             [telemetry]\nsampling_ratio = 1.5\notlp_endpoint = \"http://u:pw@c:4318\"\n\
             service_name = \"\"\n",
            &[],
        )
        .err()
        .unwrap_or_default();
        for key in [
            "metrics.bearer_token",
            "metrics.enabled",
            "telemetry.sampling_ratio",
            "telemetry.otlp_endpoint",
            "telemetry.service_name",
        ] {
            assert!(e.contains(key), "{key} in {e}");
        }
        assert!(!e.contains("short-secret"), "a secret is never shown: {e}");
        assert!(
            load("[metrics]\nbearer_tokn = 1\n", &[]).is_err(),
            "unknown keys"
        );
    }

    #[test]
    fn endpoints_and_trace_urls() {
        let t = |e: &str| TelemetryConfig {
            otlp_endpoint: Some(otlp_endpoint(e).unwrap_or_else(|w| panic!("{e}: {w}"))),
            ..TelemetryConfig::default()
        };
        let url = |e: &str| t(e).traces_url().map(|u| u.to_string());
        assert_eq!(
            url("http://collector:4318").as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(
            url("https://otel.example.com/otlp/").as_deref(),
            Some("https://otel.example.com/otlp/v1/traces")
        );
        assert_eq!(
            url("http://c:4318/v1/traces").as_deref(),
            Some("http://c:4318/v1/traces")
        );
        assert!(TelemetryConfig::default().traces_url().is_none());
        for bad in [
            "collector:4318",
            "grpc://c:4317",
            "http://user:pw@c:4318",
            "http://c:4318/?x=1",
            "",
        ] {
            assert!(otlp_endpoint(bad).is_err(), "{bad}");
        }
    }
}
