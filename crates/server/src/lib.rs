//! The Latchkey server: the actix-web application, its wiring and the
//! `latchkey` command line.
//!
//! Handlers parse, call the domain, persist and render; no business rule
//! lives here. [`app::app`] builds the one application used by the binary and
//! by every test.

pub mod app;
pub mod ceremonies;
pub mod cli;
pub mod config;
pub mod consent;
pub mod delivery;
pub mod error;
pub mod events;
pub mod fallback;
pub mod flows;
pub mod html;
pub mod keys;
pub mod limits;
pub mod locks;
pub mod metrics;
pub mod middleware;
pub mod net;
pub mod params;
pub mod registrations;
pub mod respond;
pub mod routes;
pub mod serve;
pub mod session;
pub mod state;
pub mod telemetry;
pub mod tokens;

pub use app::app;
pub use error::ApiError;
pub use state::AppState;
