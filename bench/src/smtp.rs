//! A capture sink for the server's email: a minimal SMTP server on
//! loopback that keeps, per recipient, the six-digit codes of the messages
//! it received (from the `Subject`, which carries the code), and accepts
//! everything. Enough for lettre's plain `smtp://` transport.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::bail;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Inbox {
    codes: Mutex<HashMap<String, VecDeque<String>>>,
    arrived: Notify,
}

/// The running sink.
#[derive(Debug)]
pub struct Sink {
    port: u16,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    pub async fn start() -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let inbox = Arc::new(Inbox::default());
        let shared = Arc::clone(&inbox);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, Arc::clone(&shared)));
            }
        });
        Ok(Sink { port, inbox, task })
    }

    /// `email.smtp_url` for the server.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The oldest code sent to `to` not taken yet, waiting up to 10 s.
    pub async fn take_code(&self, to: &str) -> anyhow::Result<String> {
        let to = to.to_ascii_lowercase();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self.inbox.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(code) = self
                .inbox
                .codes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(&to)
                .and_then(VecDeque::pop_front)
            {
                return Ok(code);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                bail!("no code mailed to {to} within 10 s");
            }
        }
    }
}

/// The first run of exactly six digits in `text`.
#[must_use]
pub fn six_digits(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(5))
        .find(|&i| {
            b[i..i + 6].iter().all(u8::is_ascii_digit)
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 6).is_none_or(|c| !c.is_ascii_digit())
        })
        .map(|i| text[i..i + 6].to_owned())
}

fn address(arg: &str) -> String {
    let a = arg.split_once(':').map_or(arg, |(_, a)| a).trim();
    let a = a.split_whitespace().next().unwrap_or(a);
    a.trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase()
}

async fn session(stream: TcpStream, inbox: Arc<Inbox>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 latchkey-bench sink\r\n").await?;
    let mut rcpts: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            "HELO" | "MAIL" | "RSET" | "NOOP" => {
                if verb == "RSET" {
                    rcpts.clear();
                }
                write.write_all(b"250 ok\r\n").await?;
            }
            "RCPT" => {
                rcpts.push(address(line.trim_end()));
                write.write_all(b"250 ok\r\n").await?;
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut subject = None;
                loop {
                    line.clear();
                    if read.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    if subject.is_none() && line.to_ascii_lowercase().starts_with("subject:") {
                        subject = six_digits(&line);
                    }
                }
                if let Some(code) = subject {
                    let mut codes = inbox.codes.lock().unwrap_or_else(PoisonError::into_inner);
                    for r in rcpts.drain(..) {
                        codes.entry(r).or_default().push_back(code.clone());
                    }
                }
                rcpts.clear();
                inbox.arrived.notify_waiters();
                write.write_all(b"250 queued\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"502 not implemented\r\n").await?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code() {
        assert_eq!(
            six_digits("Subject: Your sign-in code: 012345\r\n").as_deref(),
            Some("012345")
        );
        assert_eq!(six_digits("1234567 and 123"), None);
        assert_eq!(address("RCPT TO:<A@b.test>"), "a@b.test");
    }
}
