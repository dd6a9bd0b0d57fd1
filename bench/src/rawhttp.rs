//! A lean HTTP/1.1 keep-alive client for plain `GET`s, the way `wrk` loads
//! a server: one connection per worker, the request written as fixed
//! bytes, the answer read by `Content-Length`.
//!
//! The discovery scenario's target is requests per second with the load
//! generator on the same two cores, so the generator's own cost per request
//! is part of the result; a general-purpose client (reqwest: connection
//! pool, header maps, body streams) costs more per request than the
//! server's answer does. Every answer is still checked: status 200 and a
//! JSON object of the length announced.

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The longest head (status line and headers) accepted.
const MAX_HEAD: usize = 16 * 1024;

/// One keep-alive connection to `127.0.0.1:port`.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn connect(port: u16) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host: format!("localhost:{port}"),
            buf: Vec::with_capacity(8 * 1024),
        })
    }

    /// `GET path`; the body's length when the answer is 200 with a JSON
    /// object, an error otherwise (the connection is then not reusable).
    pub async fn get_json(&mut self, path: &str) -> anyhow::Result<usize> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\r\n",
            self.host
        );
        self.stream.write_all(request.as_bytes()).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_HEAD {
                bail!("{path}: response head longer than {MAX_HEAD} bytes");
            }
            self.read_more(path).await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).context("response head")?;
        let status = head.get(9..12).unwrap_or("").to_owned();
        let length = content_length(head).with_context(|| format!("{path}: no Content-Length"))?;
        while self.buf.len() < head_end + length {
            self.read_more(path).await?;
        }
        if status != "200" {
            bail!("{path}: status {status}");
        }
        let body = &self.buf[head_end..head_end + length];
        if body.first() != Some(&b'{') || body.last() != Some(&b'}') {
            bail!("{path}: the body is not a JSON object");
        }
        if self.buf.len() != head_end + length {
            bail!("{path}: unexpected bytes after the body");
        }
        Ok(length)
    }

    async fn read_more(&mut self, path: &str) -> anyhow::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("{path}: connection closed mid-response");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &str) -> Option<usize> {
    head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::content_length;

    #[test]
    fn content_length_is_read_case_insensitively() {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 42\r\n\r\n";
        assert_eq!(content_length(head), Some(42));
        assert_eq!(content_length("HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(
            content_length("HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n"),
            None
        );
    }
}
