//! `latchkey serve` and `latchkey migrate`.

use crate::cli::{Failure, Output};
use crate::config::Config;
use crate::state::AppState;

pub(super) async fn migrate(config: Config, out: Output) -> Result<(), Failure> {
    crate::telemetry::init(&config.log);
    let db = crate::state::connect_db(&config)
        .await
        .map_err(Failure::runtime)?;
    let applied = db.migrate().await.map_err(Failure::runtime)?;
    out.emit(&serde_json::json!({ "applied": applied }), || {
        if applied.is_empty() {
            "database is up to date".to_owned()
        } else {
            format!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            )
        }
    });
    Ok(())
}

/// What to do next on a development server, for its start-up message.
fn next_steps(issuer: &str) -> [String; 3] {
    [
        "cargo run -- --dev user create --username alice --email alice@example.com".into(),
        "cargo run -- --dev user invite alice   (open the link: create a passkey)".into(),
        format!("open {issuer}/demo   (sign in, see the ID token)"),
    ]
}

/// The start-up message: one JSON line on stdout with `--json` (what
/// listens where, on which backends, and the next steps in development
/// mode), else the next steps on stderr in development mode.
fn announce(out: Output, addr: std::net::SocketAddr, issuer: &str, backends: [&str; 2], dev: bool) {
    let steps = if dev {
        next_steps(issuer).to_vec()
    } else {
        Vec::new()
    };
    if out.json {
        out.json_line(&serde_json::json!({
            "listening": addr.to_string(),
            "issuer": issuer,
            "database": backends[0],
            "ephemeral": backends[1],
            "dev_mode": dev,
            "next_steps": steps,
        }));
    } else if dev {
        let [db, eph] = backends;
        let steps: String = steps.iter().map(|s| format!("  {s}\n")).collect();
        eprintln!(
            "\nLatchkey is running at {issuer} (development mode: {db} + {eph}).\nNext steps:\n{steps}"
        );
    }
}

pub(super) async fn serve(config: Config, out: Output) -> Result<(), Failure> {
    let telemetry = crate::telemetry::init_with_export(&config.log, &config.telemetry)
        .map_err(|e| Failure::usage(format!("cannot export traces: {e}")))?;
    // Resolve the key material before anything else, so a production node
    // without it refuses to start instead of failing at first use.
    config.encryption_key().map_err(Failure::usage)?;
    let listen = config.server.listen;
    let dev = config.dev_mode;
    let issuer = config.issuer_str().to_owned();
    // Connecting also migrates (and logs what it applied) and loads the
    // signing keys.
    let state = AppState::connect(config)
        .await
        .map_err(|e| Failure::runtime(format!("cannot start: {e}")))?;
    if state.config.demo_enabled() {
        // Registered before the first request, so the demo works at once;
        // a failure is logged and retried by the first visit to /demo.
        if let Err(e) = crate::routes::demo::ensure_client(&state).await {
            tracing::warn!(error = %e, "demo client not registered yet");
        }
    }
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| Failure::runtime(format!("cannot listen on {listen}: {e}")))?;
    let db_backend = state.db.backend().as_str();
    let eph_backend = state.ephemeral.backend_name();
    let events = state.events.clone();
    let bound = crate::serve::bind(state, listener).map_err(Failure::runtime)?;
    tracing::info!(addr = %bound.addr, %issuer, database = db_backend, ephemeral = eph_backend, dev, "latchkey is listening");
    announce(out, bound.addr, &issuer, [db_backend, eph_backend], dev);
    let stopped = bound.server.await;
    // The sign-in events of the last requests are still queued.
    if tokio::time::timeout(std::time::Duration::from_secs(5), events.flush())
        .await
        .is_err()
    {
        tracing::warn!("sign-in events still queued at exit were not recorded");
    }
    // Send the spans still queued, even when the server failed; the
    // exporter blocks, so off the async workers.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    stopped.map_err(|e| Failure::runtime(format!("server stopped: {e}")))?;
    tracing::info!("latchkey stopped");
    Ok(())
}
