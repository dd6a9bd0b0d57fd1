//! The development outbox: every email as an RFC 5322 `.eml` file in one
//! directory, listed newest first by `GET /dev/outbox`.
//!
//! Dev mode only. The files hold sign-in codes in clear text, which is the
//! point (a developer signs in without a mail server) and why production
//! refuses an outbox.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// A directory of `.eml` files.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// One message of the outbox, decoded for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The file's name in the outbox directory.
    pub file_name: String,
    /// The `Date` header as written.
    pub date: String,
    /// `From`, `To` and `Subject`, with RFC 2047 encoded words decoded.
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The text/plain body, transfer encoding undone.
    pub text: String,
}

impl Outbox {
    /// The outbox in `dir`, created on first write.
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Where the files go.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores one formatted message and returns its path. The name starts
    /// with the time in milliseconds, so names sort oldest to newest; the
    /// file appears complete or not at all (written under a temporary name,
    /// then renamed), and only its owner may read it.
    ///
    /// # Errors
    /// When the directory or the file cannot be created.
    pub async fn write(&self, raw: Vec<u8>) -> std::io::Result<PathBuf> {
        let dir = self.dir.clone();
        blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let millis = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let name = format!("{millis:013}-{:08x}.eml", rand::random::<u32>());
            let tmp = dir.join(format!(".{name}.tmp"));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp)?;
            file.write_all(&raw)?;
            file.sync_all()?;
            let path = dir.join(name);
            std::fs::rename(&tmp, &path)?;
            Ok(path)
        })
        .await
    }

    /// The newest `limit` messages, newest first. A missing directory is an
    /// empty outbox; an unreadable file is skipped.
    ///
    /// # Errors
    /// When the directory exists but cannot be listed.
    pub async fn list(&self, limit: usize) -> std::io::Result<Vec<OutboxMessage>> {
        let dir = self.dir.clone();
        blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".eml") && !n.starts_with('.'))
                .collect();
            names.sort_unstable_by(|a, b| b.cmp(a));
            Ok(names
                .into_iter()
                .take(limit)
                .filter_map(|name| {
                    let raw = std::fs::read(dir.join(&name)).ok()?;
                    Some(parse(name, &String::from_utf8_lossy(&raw)))
                })
                .collect())
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(std::io::Error::other)?
}

/// Reads what `/dev/outbox` shows out of a message lettre formatted: the
/// headers, and the text/plain part of a single-part or
/// multipart/alternative body.
fn parse(file_name: String, raw: &str) -> OutboxMessage {
    let (headers, body) = split_head(raw);
    let header = |name: &str| header(&headers, name).map(decode_words).unwrap_or_default();
    OutboxMessage {
        file_name,
        date: header("Date"),
        from: header("From"),
        to: header("To"),
        subject: header("Subject"),
        text: text_part(&headers, body),
    }
}

/// Unfolded `(name, value)` headers and the body.
fn split_head(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The decoded text/plain part of a body with these headers.
fn text_part(headers: &[(String, String)], body: &str) -> String {
    let content_type = header(headers, "Content-Type").unwrap_or("text/plain");
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let Some(boundary) = param(content_type, "boundary") else {
            return String::new();
        };
        let delimiter = format!("--{boundary}");
        return body
            .split(delimiter.as_str())
            .skip(1)
            .map(|part| part.trim_start_matches(['\r', '\n']))
            .filter(|part| !part.starts_with("--"))
            .map(split_head)
            .find_map(|(h, b)| {
                let ct = header(&h, "Content-Type").unwrap_or("text/plain");
                let wanted = ct.to_ascii_lowercase().starts_with("text/plain")
                    || ct.to_ascii_lowercase().starts_with("multipart/");
                wanted.then(|| text_part(&h, b))
            })
            .unwrap_or_default();
    }
    let encoding = header(headers, "Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let body = body.trim_end_matches(['\r', '\n']);
    let text = match encoding.as_str() {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        }
        "quoted-printable" => String::from_utf8_lossy(&quoted_printable(body, false)).into_owned(),
        _ => body.to_owned(),
    };
    text.replace("\r\n", "\n")
}

/// A `name=value` or `name="value"` parameter of a header value.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Quoted-printable (RFC 2045 §6.7) decoding; in encoded words (RFC 2047
/// §4.2), `_` is a space.
fn quoted_printable(text: &str, word: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if word => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`), which
/// lettre uses for non-ASCII header text. Whitespace between two adjacent
/// encoded words is dropped, as §6.2 requires.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        let decoded = encoded_word(candidate);
        let Some((text, len)) = decoded else {
            out.push_str(before);
            out.push_str("=?");
            rest = &candidate[2..];
            last_was_word = false;
            continue;
        };
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        out.push_str(&text);
        rest = &candidate[len..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and its length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let payload = &inner[..end];
    if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("us-ascii") {
        return None;
    }
    let bytes = match encoding {
        "b" | "B" => base64::engine::general_purpose::STANDARD
            .decode(payload)
            .ok()?,
        "q" | "Q" => quoted_printable(payload, true),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_lettre_writes() {
        let message = lettre::Message::builder()
            .from("Latchkey <latchkey@localhost>".parse().unwrap())
            .to("user@example.com".parse().unwrap())
            .subject("Dein Anmeldecode für Latchkey – bitte nicht weitergeben")
            .multipart(lettre::message::MultiPart::alternative_plain_html(
                "Grüße! Code: 123456\nZeile zwei = gleich".to_owned(),
                "<p>Grüße</p>".to_owned(),
            ))
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let m = parse("x.eml".into(), &raw);
        assert_eq!(
            m.subject,
            "Dein Anmeldecode für Latchkey – bitte nicht weitergeben"
        );
        assert_eq!(m.to, "user@example.com");
        assert_eq!(m.text, "Grüße! Code: 123456\nZeile zwei = gleich");
    }

    #[test]
    fn decodes_plain_single_part() {
        let raw = "From: a@b.c\r\nSubject: =?utf-8?q?Hallo_W=C3=B6rld?=\r\n\
                   Content-Transfer-Encoding: 7bit\r\n\r\nCode: 42\r\n";
        let m = parse("y.eml".into(), raw);
        assert_eq!(m.subject, "Hallo Wörld");
        assert_eq!(m.text, "Code: 42");
    }

    #[tokio::test]
    async fn lists_newest_first_and_tolerates_missing_dir() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path().join("outbox"));
        assert!(outbox.list(10).await.unwrap().is_empty());
        for n in 1..=3 {
            let raw = format!("Subject: m{n}\r\n\r\nbody {n}\r\n");
            outbox.write(raw.into_bytes()).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        let listed = outbox.list(2).await.unwrap();
        let subjects: Vec<_> = listed.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(subjects, ["m3", "m2"]);
        assert_eq!(listed[0].text, "body 3");
    }
}
