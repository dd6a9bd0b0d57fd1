//! A real SMTP server for tests: it listens on `127.0.0.1:0`, speaks the
//! part of RFC 5321 a submission client uses (EHLO/HELO, AUTH PLAIN, MAIL
//! FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, VRFY, QUIT) and
//! keeps every message (envelope and raw data) in memory.
//!
//! Written here rather than taken from a crate: `mailin-embedded`, the
//! maintained embeddable server, runs blocking threads from a `serve()`
//! that never returns, so every test would leak a server thread; this one
//! is a tokio task that stops when the [`SmtpServer`] is dropped.
//!
//! ```ignore
//! let smtp = SmtpServer::start().await;
//! let s = TestServer::start_with(Stack::Embedded, test, Options {
//!     env: smtp.env("login@example.test"),
//!     ..Options::default()
//! }).await?;
//! // … something sends mail to user@example.test …
//! let mail = smtp.wait_for("user@example.test", Duration::from_secs(5)).await;
//! assert!(mail.text_body().contains("123456"));
//! ```

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Longest command line or data line accepted (RFC 5321 §4.5.3.1.6 allows
/// 1000 octets; a little slack for clients that fold badly).
const MAX_LINE: u64 = 4096;
/// Largest message accepted, advertised as `SIZE`.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The EHLO/HELO argument the client gave.
    pub helo: String,
    /// The user name of a successful AUTH, if any.
    pub authenticated_as: Option<String>,
    /// The envelope sender (`MAIL FROM:<…>`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO:<…>`), in order.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted after DATA, dot-unstuffed, CRLF line
    /// ends, without the final `.` line.
    pub data: String,
}

#[derive(Debug, Default)]
struct State {
    messages: Mutex<Vec<ReceivedMail>>,
    arrived: Notify,
    login: Option<(String, String)>,
    rejected: Mutex<HashSet<String>>,
}

/// A running test SMTP server; stops when dropped.
#[derive(Debug)]
pub struct SmtpServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// A server that accepts mail without authentication.
    pub async fn start() -> Self {
        Self::spawn(State::default()).await
    }

    /// A server that advertises `AUTH PLAIN` and requires this login
    /// before `MAIL FROM`.
    pub async fn with_login(user: &str, password: &str) -> Self {
        Self::spawn(State {
            login: Some((user.to_owned(), password.to_owned())),
            ..State::default()
        })
        .await
    }

    async fn spawn(state: State) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(state);
        let shared = Arc::clone(&state);
        // Connections live in the JoinSet, so aborting this task (on drop)
        // ends them too.
        let task = tokio::spawn(async move {
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                sessions.spawn(session(stream, Arc::clone(&shared)));
                while sessions.try_join_next().is_some() {}
            }
        });
        Self { addr, state, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`, plain SMTP, with the login when the server
    /// requires one (percent-encoded as URLs need).
    pub fn url(&self) -> String {
        match &self.state.login {
            None => format!("smtp://{}", self.addr),
            Some((user, password)) => {
                let mut url = reqwest::Url::parse(&format!("smtp://{}", self.addr)).unwrap();
                url.set_username(user).unwrap();
                url.set_password(Some(password)).unwrap();
                url.to_string()
            }
        }
    }

    /// The configuration variables that point a Latchkey server at this
    /// one, sending as `from` (for `Options::env`).
    pub fn env(&self, from: &str) -> Vec<(&'static str, String)> {
        vec![
            ("LATCHKEY_EMAIL__SMTP_URL", self.url()),
            ("LATCHKEY_EMAIL__FROM", from.to_owned()),
            ("LATCHKEY_EMAIL__TIMEOUT_SECS", "5".to_owned()),
        ]
    }

    /// Answer `RCPT TO:<address>` with `550` from now on.
    pub fn reject(&self, address: &str) {
        self.state
            .rejected
            .lock()
            .unwrap()
            .insert(address.to_ascii_lowercase());
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state.messages.lock().unwrap().clone()
    }

    /// The first message with `to` among its envelope recipients, waiting
    /// up to `timeout` for it to arrive. Panics, listing what did arrive,
    /// when none does.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.state.arrived.notified();
            tokio::pin!(arrived);
            // Register before looking, so a message stored in between
            // still wakes us.
            arrived.as_mut().enable();
            if let Some(mail) = self
                .messages()
                .into_iter()
                .find(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            {
                return mail;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let seen: Vec<_> = self.messages().into_iter().map(|m| m.rcpt_to).collect();
                panic!("no mail for {to} within {timeout:?}; received for: {seen:?}");
            }
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client connection.
async fn session(stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write
        .write_all(b"220 latchkey-test ESMTP ready\r\n")
        .await?;
    let mut helo: Option<String> = None;
    let mut user: Option<String> = None;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    loop {
        let Some(line) = read_line(&mut read).await? else {
            return Ok(());
        };
        let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let reply = match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if arg.trim().is_empty() => "501 5.5.4 a domain is required".to_owned(),
            "EHLO" => {
                helo = Some(arg.trim().to_owned());
                (from, rcpts) = (None, Vec::new());
                let auth = if state.login.is_some() {
                    "250-AUTH PLAIN\r\n"
                } else {
                    ""
                };
                format!(
                    "250-latchkey-test greets {}\r\n250-8BITMIME\r\n250-SIZE {MAX_MESSAGE}\r\n{auth}250 HELP",
                    arg.trim()
                )
            }
            "HELO" => {
                helo = Some(arg.trim().to_owned());
                (from, rcpts) = (None, Vec::new());
                "250 latchkey-test".to_owned()
            }
            "AUTH" => match &state.login {
                None => "502 5.5.1 AUTH not supported".to_owned(),
                Some(_) if helo.is_none() => "503 5.5.1 EHLO first".to_owned(),
                Some(_) if user.is_some() => "503 5.5.1 already authenticated".to_owned(),
                Some((want_user, want_password)) => {
                    let (mechanism, initial) = arg.split_once(' ').unwrap_or((arg, ""));
                    if !mechanism.eq_ignore_ascii_case("PLAIN") {
                        "504 5.5.4 only PLAIN is supported".to_owned()
                    } else {
                        let response = if initial.is_empty() {
                            write.write_all(b"334 \r\n").await?;
                            read_line(&mut read).await?.unwrap_or_default()
                        } else {
                            initial.to_owned()
                        };
                        match plain_credentials(&response) {
                            Some((u, p)) if &u == want_user && &p == want_password => {
                                user = Some(u);
                                "235 2.7.0 authentication successful".to_owned()
                            }
                            _ => "535 5.7.8 authentication credentials invalid".to_owned(),
                        }
                    }
                }
            },
            "MAIL" if helo.is_none() => "503 5.5.1 EHLO or HELO first".to_owned(),
            "MAIL" if state.login.is_some() && user.is_none() => {
                "530 5.7.0 authentication required".to_owned()
            }
            "MAIL" => match path_arg(arg, "FROM:") {
                Some(sender) => {
                    (from, rcpts) = (Some(sender), Vec::new());
                    "250 2.1.0 sender OK".to_owned()
                }
                None => "501 5.5.4 syntax: MAIL FROM:<address>".to_owned(),
            },
            "RCPT" if from.is_none() => "503 5.5.1 MAIL first".to_owned(),
            "RCPT" => match path_arg(arg, "TO:") {
                Some(r)
                    if state
                        .rejected
                        .lock()
                        .unwrap()
                        .contains(&r.to_ascii_lowercase()) =>
                {
                    "550 5.1.1 mailbox unavailable".to_owned()
                }
                Some(r) => {
                    rcpts.push(r);
                    "250 2.1.5 recipient OK".to_owned()
                }
                None => "501 5.5.4 syntax: RCPT TO:<address>".to_owned(),
            },
            "DATA" if rcpts.is_empty() => "503 5.5.1 RCPT first".to_owned(),
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                match read_data(&mut read).await? {
                    None => "552 5.3.4 message too big".to_owned(),
                    Some(data) => {
                        let mail = ReceivedMail {
                            helo: helo.clone().unwrap_or_default(),
                            authenticated_as: user.clone(),
                            mail_from: from.take().unwrap_or_default(),
                            rcpt_to: std::mem::take(&mut rcpts),
                            data,
                        };
                        let n = {
                            let mut messages = state.messages.lock().unwrap();
                            messages.push(mail);
                            messages.len()
                        };
                        state.arrived.notify_waiters();
                        format!("250 2.0.0 queued as {n}")
                    }
                }
            }
            "RSET" => {
                (from, rcpts) = (None, Vec::new());
                "250 2.0.0 reset".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "VRFY" => "252 2.5.0 cannot VRFY user".to_owned(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "500 5.5.2 command not recognised".to_owned(),
        };
        write.write_all(reply.as_bytes()).await?;
        write.write_all(b"\r\n").await?;
    }
}

/// One line without its line end; `None` at end of stream. Too long a line
/// is an error, which ends the session.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    read: &mut R,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = read.take(MAX_LINE).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") {
        return Err(std::io::Error::other("line too long or unterminated"));
    }
    let text = String::from_utf8_lossy(&buf);
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

/// The DATA section up to the lone `.`, dot-unstuffed (RFC 5321 §4.5.2:
/// a leading `.` was doubled by the client). `None` when over the size
/// limit (the rest is still read, so the session stays in step).
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(
    read: &mut R,
) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    let mut too_big = false;
    loop {
        let Some(line) = read_line(read).await? else {
            return Err(std::io::Error::other("connection closed during DATA"));
        };
        if line == "." {
            return Ok((!too_big).then_some(data));
        }
        let line = line.strip_prefix('.').unwrap_or(&line);
        too_big |= data.len() + line.len() > MAX_MESSAGE;
        if !too_big {
            data.push_str(line);
            data.push_str("\r\n");
        }
    }
}

/// `FROM:<a@b>` (with optional ESMTP parameters after it) → `a@b`.
fn path_arg(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

/// RFC 4616: base64 of `authzid NUL authcid NUL password`.
fn plain_credentials(b64: &str) -> Option<(String, String)> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let mut parts = raw.split(|b| *b == 0);
    let (_authz, user, password) = (parts.next()?, parts.next()?, parts.next()?);
    Some((
        String::from_utf8(user.to_vec()).ok()?,
        String::from_utf8(password.to_vec()).ok()?,
    ))
}

impl ReceivedMail {
    /// The first header called `name`, unfolded, as transmitted.
    pub fn header(&self, name: &str) -> Option<String> {
        headers(head(&self.data).0)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The text/plain body (of a single-part message, or the first
    /// text/plain part of a multipart one), transfer encoding undone, with
    /// `\n` line ends and no trailing line end.
    pub fn text_body(&self) -> String {
        text_part(&self.data).unwrap_or_else(|| panic!("no text/plain part in:\n{}", self.data))
    }

    /// Whether the message carries a part of this content type
    /// (`text/html`).
    pub fn has_part(&self, content_type: &str) -> bool {
        self.data.to_ascii_lowercase().contains(&format!(
            "content-type: {}",
            content_type.to_ascii_lowercase()
        ))
    }
}

fn head(raw: &str) -> (&str, &str) {
    raw.split_once("\r\n\r\n").unwrap_or((raw, ""))
}

fn headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(line);
            }
        } else if let Some((n, v)) = line.split_once(':') {
            out.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn text_part(raw: &str) -> Option<String> {
    let (head_text, body) = head(raw);
    let hs = headers(head_text);
    let get = |name: &str| {
        hs.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let content_type = get("Content-Type").unwrap_or_else(|| "text/plain".to_owned());
    if content_type.starts_with("multipart/") {
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))?
            .trim_matches('"')
            .to_owned();
        // The boundary was lower-cased with the header; find it in the body
        // case-insensitively by position.
        let lower = body.to_ascii_lowercase();
        let delimiter = format!("--{boundary}");
        let starts: Vec<usize> = lower.match_indices(&delimiter).map(|(i, _)| i).collect();
        return starts.windows(2).find_map(|w| {
            let part = body[w[0] + delimiter.len()..w[1]].trim_start_matches("\r\n");
            text_part(part)
        });
    }
    if !content_type.starts_with("text/plain") {
        return None;
    }
    let body = body.trim_end_matches("\r\n");
    let decoded = match get("Content-Transfer-Encoding").as_deref() {
        Some("base64") => {
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .ok()?,
            )
            .ok()?
        }
        Some("quoted-printable") => {
            let soft = body.replace("=\r\n", "");
            let bytes = soft.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let hex = (bytes[i] == b'=')
                    .then(|| bytes.get(i + 1..i + 3))
                    .flatten()
                    .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).ok()?
        }
        _ => body.to_owned(),
    };
    Some(
        decoded
            .replace("\r\n", "\n")
            .trim_end_matches('\n')
            .to_owned(),
    )
}
