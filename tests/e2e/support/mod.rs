//! Starting servers for tests, on either storage stack.

pub mod authenticator;
pub mod browser;
pub mod clock;
pub mod fixtures;
pub mod proxy;
pub mod rp;
pub mod sms_mock;
pub mod smtp;

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use base64::Engine as _;
use latchkey_server::config::Config;
use latchkey_server::{AppState, serve};
use latchkey_store::testing::{self, TestDb};
use latchkey_store::{Backend, EphemeralStore};

/// Which storage a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// SQLite file + in-memory ephemeral store: the embedded default.
    Embedded,
    /// PostgreSQL + Redis: the production stack.
    Shared,
}

/// A running server and what it needs to live.
#[derive(Debug)]
pub struct TestServer {
    /// `http://localhost:PORT`, also the issuer (unless the server shares
    /// another's stores, see [`Options::share_with`]).
    pub base: String,
    pub http: reqwest::Client,
    /// The server's state (same database, key ring, clock), for checks
    /// that need the inside view, like signing a token.
    pub state: AppState,
    handle: ServerHandle,
    /// What a second node needs to join this one.
    shared: Shared,
    /// `None` on a second node: the first one owns (and drops) the database.
    _db: Option<TestDb>,
    /// `data_dir` (the dev outbox lives under it), removed with the server.
    _data_dir: tempfile::TempDir,
}

/// The stores and issuer of a running server, for a second node that
/// shares them (see [`TestServer::sharing`]).
#[derive(Debug, Clone)]
pub struct Shared {
    issuer: String,
    db_url: String,
    ephemeral_url: String,
    prefix: String,
    /// The in-memory store itself: a memory store can only be shared
    /// within the process, by handing over the same instance.
    ephemeral: EphemeralStore,
}

/// Overrides for a test server's configuration.
#[derive(Debug, Default)]
pub struct Options {
    /// Replace the database URL's host:port (to route through a proxy).
    pub db_via: Option<std::net::SocketAddr>,
    /// Replace the Redis URL's host:port.
    pub redis_via: Option<std::net::SocketAddr>,
    /// Replace the server's clock (see [`clock::TestClock`]).
    pub clock: Option<std::sync::Arc<dyn latchkey_core::Clock>>,
    /// Start a second node on another port with the same issuer, database
    /// and ephemeral store (key prefix included) as a running server, as
    /// nodes behind one load balancer are. The first server must outlive it.
    pub share_with: Option<Shared>,
    /// More configuration variables, applied after the harness's own
    /// (`LATCHKEY_EMAIL__SMTP_URL`, …; see [`smtp::SmtpServer::env`] and
    /// [`sms_mock::SmsMock::env`]).
    pub env: Vec<(&'static str, String)>,
    /// Run with `dev_mode = false`, for routes that exist only in dev mode.
    /// The issuer stays `http://localhost:PORT`, which a production start
    /// would refuse; nothing else differs from a dev-mode test server.
    pub without_dev_mode: bool,
}

impl TestServer {
    /// Start on `stack`, or `None` after a loud notice when the stack's
    /// services are unreachable outside CI.
    pub async fn start(stack: Stack, test: &str) -> Option<Self> {
        Self::start_with(stack, test, Options::default()).await
    }

    pub async fn start_with(stack: Stack, test: &str, options: Options) -> Option<Self> {
        let backend = match stack {
            Stack::Embedded => Backend::Sqlite,
            Stack::Shared => Backend::Postgres,
        };
        let db = match &options.share_with {
            Some(_) => None,
            None => Some(testing::test_db(backend, test).await?),
        };
        let ephemeral = match stack {
            _ if options.share_with.is_some() => String::new(),
            Stack::Embedded => "memory://".to_owned(),
            Stack::Shared => {
                let url = testing::redis_url();
                if let Err(e) = redis_reachable(&url).await {
                    testing::unreachable("Redis", test, &e);
                    return None;
                }
                match options.redis_via {
                    Some(addr) => with_host(&url, addr),
                    None => url,
                }
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let (db_url, ephemeral, prefix, issuer) = match (&options.share_with, &db) {
            (Some(s), _) => (
                s.db_url.clone(),
                s.ephemeral_url.clone(),
                s.prefix.clone(),
                s.issuer.clone(),
            ),
            (None, Some(db)) => (
                match options.db_via {
                    Some(addr) => with_host(&db.url, addr),
                    None => db.url.clone(),
                },
                ephemeral,
                testing::unique_prefix(test),
                base.clone(),
            ),
            (None, None) => unreachable!("a first node has its own database"),
        };
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let data_dir = tempfile::tempdir().unwrap();
        let data_dir_str = data_dir.path().to_str().unwrap().to_owned();
        let mut env = vec![
            ("LATCHKEY_DATA_DIR", data_dir_str.as_str()),
            ("LATCHKEY_ISSUER", issuer.as_str()),
            ("LATCHKEY_DATABASE__URL", db_url.as_str()),
            ("LATCHKEY_DATABASE__CONNECT_TIMEOUT_SECS", "2"),
            ("LATCHKEY_EPHEMERAL__URL", ephemeral.as_str()),
            ("LATCHKEY_EPHEMERAL__KEY_PREFIX", prefix.as_str()),
            ("LATCHKEY_EPHEMERAL__TIMEOUT_MS", "500"),
            ("LATCHKEY_KEYS__ENCRYPTION_KEY", key.as_str()),
            ("LATCHKEY_SERVER__WORKERS", "1"),
            ("LATCHKEY_SERVER__SHUTDOWN_TIMEOUT_SECS", "1"),
        ];
        env.extend(options.env.iter().map(|(k, v)| (*k, v.as_str())));
        let mut config = Config::from_sources(None, &env, Some(true)).expect("test config");
        if options.without_dev_mode {
            config.dev_mode = false;
        }
        let mut state = AppState::connect(config).await.expect("connect");
        if let Some(clock) = options.clock {
            state.clock = clock;
        }
        if let Some(s) = &options.share_with
            && s.ephemeral_url.starts_with("memory:")
        {
            state.ephemeral = s.ephemeral.clone();
        }
        let shared = Shared {
            issuer,
            db_url,
            ephemeral_url: ephemeral,
            prefix,
            ephemeral: state.ephemeral.clone(),
        };
        let bound = serve::bind(state.clone(), listener).unwrap();
        let handle = bound.handle.clone();
        actix_web::rt::spawn(bound.server);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Some(Self {
            base,
            http,
            state,
            handle,
            shared,
            _db: db,
            _data_dir: data_dir,
        })
    }

    /// What [`Options::share_with`] needs to start a second node on this
    /// server's stores.
    pub fn sharing(&self) -> Shared {
        self.shared.clone()
    }

    /// `GET base+path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Stop without waiting; the runtime ends with the test.
        drop(self.handle.stop(false));
    }
}

fn with_host(url: &str, addr: std::net::SocketAddr) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    u.set_ip_host(addr.ip()).unwrap();
    u.set_port(Some(addr.port())).unwrap();
    u.to_string()
}

async fn redis_reachable(url: &str) -> Result<(), String> {
    let addr = reqwest::Url::parse(url)
        .map_err(|e| e.to_string())?
        .socket_addrs(|| Some(6379))
        .map_err(|e| e.to_string())?;
    tokio::net::TcpStream::connect(&addr[..])
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One `#[actix_web::test]` per stack from an `async fn(Stack, &str)` case.
#[macro_export]
macro_rules! stack_tests {
    ($($case:ident),+ $(,)?) => {
        mod embedded {
            $(
                #[actix_web::test]
                async fn $case() {
                    super::$case($crate::support::Stack::Embedded, concat!(module_path!(), "::", stringify!($case))).await;
                }
            )+
        }
        mod shared {
            $(
                #[actix_web::test]
                async fn $case() {
                    super::$case($crate::support::Stack::Shared, concat!(module_path!(), "::", stringify!($case))).await;
                }
            )+
        }
    };
}
