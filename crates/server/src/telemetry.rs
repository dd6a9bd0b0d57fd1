//! Structured logging with `tracing` (text for people, JSON for
//! collectors) and, when `telemetry.otlp_endpoint` is set, OpenTelemetry
//! trace export over OTLP HTTP/protobuf.
//!
//! Export is off by default. When on, each request gets a server span
//! named after its route pattern (`POST /token`) with the method, route and
//! status, continuing the caller's trace when a W3C `traceparent` header
//! comes in; the SDK's batch processor sends spans from its own thread, so
//! a slow collector never holds up a request.

use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _, Registry};

use crate::config::{LogConfig, LogFormat, TelemetryConfig};

/// How long one export to the collector may take.
const EXPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Install the global subscriber, logging only. `RUST_LOG`, when set,
/// overrides `log.level` (handy for one-off debugging without touching the
/// config). Calling it twice is harmless (the second call is ignored),
/// which tests rely on.
pub fn init(log: &LogConfig) {
    install(log, None);
}

/// Install the global subscriber with trace export when `telemetry`
/// configures it. Keep the returned handle and call
/// [`Telemetry::shutdown`] when the server stops, so the spans still
/// queued are sent.
///
/// # Errors
/// When the exporter cannot be built (an endpoint the HTTP client
/// refuses); logging is not installed then either.
pub fn init_with_export(
    log: &LogConfig,
    telemetry: &TelemetryConfig,
) -> Result<Telemetry, opentelemetry_otlp::ExporterBuildError> {
    let exporter = Telemetry::from_config(telemetry)?;
    install(log, exporter.tracer());
    Ok(exporter)
}

fn install(log: &LogConfig, tracer: Option<opentelemetry_sdk::trace::Tracer>) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_new(&log.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file or collector
    // gets plain text (and the escape codes cost time on every line).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let fmt = match log.format {
        LogFormat::Json => fmt
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .boxed(),
        LogFormat::Text => fmt.with_target(false).boxed(),
    };
    let otel = tracer.map(|t| tracing_opentelemetry::layer().with_tracer(t));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
}

/// The trace exporter, or nothing when export is off.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// The exporter `config` asks for (none when `otlp_endpoint` is unset),
    /// not yet installed anywhere.
    ///
    /// # Errors
    /// When the exporter cannot be built.
    pub fn from_config(
        config: &TelemetryConfig,
    ) -> Result<Self, opentelemetry_otlp::ExporterBuildError> {
        let Some(url) = config.traces_url() else {
            return Ok(Self::default());
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url.as_str())
            .with_timeout(EXPORT_TIMEOUT)
            .build()?;
        let resource = Resource::builder()
            .with_service_name(config.service_name.clone())
            .build();
        // Parent-based: a caller that sampled its trace gets our spans in
        // it; the ratio decides for traces that start here.
        let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            config.sampling_ratio.get(),
        )));
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(sampler)
            .with_resource(resource)
            .build();
        Ok(Self {
            provider: Some(provider),
        })
    }

    /// Whether spans are exported.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.provider.is_some()
    }

    fn tracer(&self) -> Option<opentelemetry_sdk::trace::Tracer> {
        self.provider.as_ref().map(|p| p.tracer("latchkey"))
    }

    /// Export this thread's spans (logging nothing) until the guard is
    /// dropped, instead of installing a global subscriber: for tests and
    /// embedding, where the process's subscriber belongs to someone else.
    #[must_use]
    pub fn set_thread_default(&self) -> tracing::subscriber::DefaultGuard {
        let otel = self
            .tracer()
            .map(|t| tracing_opentelemetry::layer().with_tracer(t));
        tracing::subscriber::set_default(Registry::default().with(otel))
    }

    /// Send the spans still queued and stop the exporter. Blocks until the
    /// collector answered or the export timed out.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown()
        {
            tracing::warn!(error = %e, "trace export did not shut down cleanly");
        }
    }
}

/// The span of one request when traces are exported, else a disabled
/// span (which costs nothing). Its name is the route pattern, never the
/// raw path, so span names stay few.
#[must_use]
pub fn request_span(config: &TelemetryConfig, req: &ServiceRequest, route: &str) -> Span {
    if config.otlp_endpoint.is_none() {
        return Span::none();
    }
    let method = crate::metrics::labels::http_method(req.method().as_str());
    let span = tracing::info_span!(
        "http_request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let parent = TraceContextPropagator::new().extract(&Headers(req.headers()));
    // A malformed or absent traceparent leaves an empty context: the span
    // starts a new trace.
    let _ = span.set_parent(parent);
    span
}

/// Put the response status on a request span; 5xx marks it an error.
pub fn record_status(span: &Span, status: StatusCode) {
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .map(actix_web::http::header::HeaderName::as_str)
            .collect()
    }
}
