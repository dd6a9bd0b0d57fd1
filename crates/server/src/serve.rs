//! Running the HTTP server: bind, serve, shut down gracefully.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};

use crate::app::app;
use crate::state::AppState;

/// A server bound to its listener and ready to be awaited.
pub struct Bound {
    /// The address actually bound (port 0 resolves here).
    pub addr: SocketAddr,
    /// Stop it from elsewhere (tests, signal handlers).
    pub handle: ServerHandle,
    /// Await this to run the server until it stops.
    pub server: Server,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Bind `listener` and build the server. actix-web stops gracefully on
/// SIGTERM/SIGINT: it stops accepting, lets in-flight requests finish for up
/// to `server.shutdown_timeout_secs`, then exits.
///
/// Also starts the signing-key refresher, which ends by itself once the
/// server (the last holder of the state) is gone.
pub fn bind(state: AppState, listener: TcpListener) -> std::io::Result<Bound> {
    let addr = listener.local_addr()?;
    state.keys.spawn_refresher(state.db.clone());
    let workers = state.config.server.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(2)
    });
    let shutdown = Duration::from_secs(state.config.server.shutdown_timeout_secs);
    let server = HttpServer::new(move || app(state.clone()))
        .workers(workers.max(1))
        .shutdown_timeout(shutdown.as_secs())
        .listen(listener)?
        .run();
    let handle = server.handle();
    Ok(Bound {
        addr,
        handle,
        server,
    })
}
