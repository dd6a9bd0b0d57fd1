//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, get, web};
use latchkey_core::Ephemeral as _;
use serde::Serialize;

use crate::AppState;

/// How long readiness may take before a dependency counts as down: a probe
/// must answer even when PostgreSQL or Redis hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// The process is alive and serving HTTP.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(Status { status: "ok" })
}

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    database: &'static str,
    ephemeral: &'static str,
}

/// The database and the ephemeral store both answer. 503 otherwise, naming
/// which one failed but not why (the reason is logged).
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = tokio::time::timeout(READY_TIMEOUT, state.db.ping());
    let eph = tokio::time::timeout(READY_TIMEOUT, state.ephemeral.ping());
    let (db, eph) = tokio::join!(db, eph);
    let database = match db {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            "unavailable"
        }
    };
    let ephemeral = match eph {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: ephemeral store check failed");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!("readiness: ephemeral store check timed out");
            "unavailable"
        }
    };
    let ready = database == "ok" && ephemeral == "ok";
    let body = Readiness {
        status: if ready { "ok" } else { "unavailable" },
        database,
        ephemeral,
    };
    let mut res = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.insert_header((CACHE_CONTROL, "no-store")).json(body)
}
