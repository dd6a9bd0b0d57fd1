//! Email and SMS delivery against servers that speak the real protocols:
//! the SMTP server and the SMS provider of `support`, the dev outbox and
//! `GET /dev/outbox`.

use std::time::Duration;

use latchkey_server::config::Config;
use latchkey_server::delivery::{DeliveryError, Email, Mailer, SmsSender};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::support::sms_mock::SmsMock;
use crate::support::smtp::SmtpServer;
use crate::support::{Options, Stack, TestServer};

const WAIT: Duration = Duration::from_secs(10);

fn email(to: &str, subject: &str, text: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: text.to_owned(),
        html: None,
    }
}

/// A dev-mode configuration with `env` on top, for the delivery objects
/// alone (no HTTP server needed).
fn config(env: &[(&'static str, String)]) -> Config {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Config::from_sources(None, &env, Some(true)).unwrap()
}

async fn server(test: &str, options: Options) -> TestServer {
    TestServer::start_with(Stack::Embedded, test, options)
        .await
        .expect("the embedded stack needs no services")
}

/// A port nothing listens on.
fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[actix_web::test]
async fn email_is_delivered_over_smtp() {
    let smtp = SmtpServer::start().await;
    let s = server(
        "delivery::email_is_delivered_over_smtp",
        Options {
            env: smtp.env("Latchkey Test <login@example.test>"),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(s.state.mailer.transport_name(), "smtp");
    let text = "Your code is 482913.\n.This line starts with a dot.\nIt expires in 10 minutes.";
    let mut message = email("user@example.test", "Your sign-in code", text);
    message.html = Some("<p>Your code is <b>482913</b>.</p>".to_owned());
    s.state.mailer.send(message).await.unwrap();

    let mail = smtp.wait_for("user@example.test", WAIT).await;
    assert_eq!(mail.mail_from, "login@example.test");
    assert_eq!(mail.rcpt_to, ["user@example.test"]);
    let from = mail.header("From").unwrap();
    assert!(
        from.contains("Latchkey Test") && from.contains("<login@example.test>"),
        "{from}"
    );
    assert_eq!(mail.header("To").as_deref(), Some("user@example.test"));
    assert_eq!(mail.header("Subject").as_deref(), Some("Your sign-in code"));
    assert_eq!(mail.text_body(), text);
    assert!(mail.has_part("text/html"), "{}", mail.data);
    // EHLO and Message-ID name the issuer's host, not this machine.
    assert_eq!(mail.helo, "localhost");
    assert!(mail.header("Message-ID").unwrap().ends_with("@localhost>"));
    assert!(mail.header("Date").is_some());
}

#[actix_web::test]
async fn smtp_login_refusals_and_outages() {
    let password = "p@ss w0rd:/#%";
    let smtp = SmtpServer::with_login("mailer@example.test", password).await;
    let mailer = Mailer::from_config(&config(&smtp.env("login@example.test"))).unwrap();
    mailer
        .send(email("a@example.test", "Hello", "Code 111111"))
        .await
        .unwrap();
    let mail = smtp.wait_for("a@example.test", WAIT).await;
    assert_eq!(
        mail.authenticated_as.as_deref(),
        Some("mailer@example.test")
    );

    // A wrong password: refused for good, and the error does not repeat it.
    let wrong = format!("smtp://mailer%40example.test:Wr0ng-Secret@{}", smtp.addr());
    let mut env = smtp.env("login@example.test");
    env[0].1 = wrong;
    let mailer = Mailer::from_config(&config(&env)).unwrap();
    let err = mailer
        .send(email("b@example.test", "Hello", "Code 222222"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeliveryError::Rejected { status: 535, .. }),
        "{err:?}"
    );
    assert!(
        !format!("{err} {err:?}").contains("Wr0ng-Secret"),
        "{err:?}"
    );

    // A recipient the server refuses.
    let open = SmtpServer::start().await;
    open.reject("gone@example.test");
    let mailer = Mailer::from_config(&config(&open.env("login@example.test"))).unwrap();
    let err = mailer
        .send(email("gone@example.test", "Hello", "Code 333333"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeliveryError::Rejected { status: 550, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());

    // A bad address never reaches the server.
    let err = mailer
        .send(email("not-an-address", "Hello", "Code 444444"))
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::InvalidRecipient(_)), "{err:?}");
    assert!(open.messages().is_empty());

    // No server at all: temporary.
    let mut env = open.env("login@example.test");
    env[0].1 = format!("smtp://{}", closed_port());
    let err = Mailer::from_config(&config(&env))
        .unwrap()
        .send(email("c@example.test", "Hello", "Code 555555"))
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());

    // A server that accepts the connection and never greets: the timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut env = open.env("login@example.test");
    env[0].1 = format!("smtp://{}", silent.local_addr().unwrap());
    env[2].1 = "1".to_owned();
    let held = tokio::spawn(async move {
        let conn = silent.accept().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(conn);
    });
    let err = Mailer::from_config(&config(&env))
        .unwrap()
        .send(email("d@example.test", "Hello", "Code 666666"))
        .await
        .unwrap_err();
    assert_eq!(err, DeliveryError::Timeout(1));
    held.abort();
}

/// Sends `command` (unless empty) and reads one reply, multi-line replies
/// (`250-…`) included; returns the final line.
async fn exchange(conn: &mut BufReader<TcpStream>, command: &str) -> String {
    if !command.is_empty() {
        conn.get_mut()
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
    }
    loop {
        let mut line = String::new();
        conn.read_line(&mut line).await.unwrap();
        if line.as_bytes().get(3) != Some(&b'-') {
            return line.trim_end().to_owned();
        }
    }
}

#[actix_web::test]
async fn the_test_smtp_server_speaks_the_protocol() {
    let smtp = SmtpServer::start().await;
    let mut c = BufReader::new(TcpStream::connect(smtp.addr()).await.unwrap());
    let code = |reply: String| reply[..3].to_owned();
    assert_eq!(code(exchange(&mut c, "").await), "220");
    assert_eq!(code(exchange(&mut c, "MAIL FROM:<a@x.test>").await), "503");
    assert_eq!(code(exchange(&mut c, "EHLO client.test").await), "250");
    assert_eq!(code(exchange(&mut c, "RCPT TO:<b@x.test>").await), "503");
    assert_eq!(
        code(exchange(&mut c, "MAIL FROM:<a@x.test> SIZE=100").await),
        "250"
    );
    assert_eq!(code(exchange(&mut c, "RCPT TO:<b@x.test>").await), "250");
    assert_eq!(code(exchange(&mut c, "RSET").await), "250");
    assert_eq!(code(exchange(&mut c, "DATA").await), "503");
    assert_eq!(code(exchange(&mut c, "mail from:<a@x.test>").await), "250");
    assert_eq!(code(exchange(&mut c, "RCPT TO:<b@x.test>").await), "250");
    assert_eq!(code(exchange(&mut c, "RCPT TO:<c@x.test>").await), "250");
    assert_eq!(code(exchange(&mut c, "DATA").await), "354");
    let data = "Subject: t\r\n\r\n..leading dot\r\nplain\r\n.\r\n";
    assert_eq!(code(exchange(&mut c, data.trim_end()).await), "250");
    assert_eq!(code(exchange(&mut c, "NOOP").await), "250");
    assert_eq!(code(exchange(&mut c, "VRFY b").await), "252");
    assert_eq!(code(exchange(&mut c, "AUTH PLAIN AGFAYg==").await), "502");
    assert_eq!(code(exchange(&mut c, "BOGUS").await), "500");
    assert_eq!(code(exchange(&mut c, "QUIT").await), "221");

    let mail = smtp.wait_for("c@x.test", WAIT).await;
    assert_eq!(mail.helo, "client.test");
    assert_eq!(mail.mail_from, "a@x.test");
    assert_eq!(mail.rcpt_to, ["b@x.test", "c@x.test"]);
    assert_eq!(mail.data, "Subject: t\r\n\r\n.leading dot\r\nplain\r\n");
    assert_eq!(mail.text_body(), ".leading dot\nplain");
}

#[actix_web::test]
async fn dev_outbox_writes_files_and_lists_them_newest_first() {
    let s = server("delivery::dev_outbox_writes_files", Options::default()).await;
    assert_eq!(s.state.mailer.transport_name(), "outbox");
    let dir = s.state.mailer.outbox().unwrap().dir().to_owned();

    let page = s.get("/dev/outbox").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("No messages."));

    let first = email(
        "dev@example.test",
        "First <b>& more</b>",
        "Code 123456 <script>x</script>",
    );
    s.state.mailer.send(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.state
        .mailer
        .send(email("dev@example.test", "Second message", "Code 654321"))
        .await
        .unwrap();

    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files.iter().all(|f| f.extension().unwrap() == "eml"),
        "{files:?}"
    );
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(raw.contains("To: dev@example.test\r\n"), "{raw}");
    assert!(
        raw.contains("From: Latchkey <latchkey@localhost>\r\n"),
        "{raw}"
    );

    let page = s.get("/dev/outbox").await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Code 123456") && html.contains("Code 654321"),
        "{html}"
    );
    assert!(html.contains("dev@example.test"), "{html}");
    // Escaped, never markup; and no inline script or style of its own.
    assert!(
        !html.contains("<script") && !html.contains("<b>&"),
        "{html}"
    );
    assert!(!html.contains("style="), "{html}");
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
    let (second, first) = (
        html.find("Second message").unwrap(),
        html.find("First ").unwrap(),
    );
    assert!(second < first, "newest first");
}

#[actix_web::test]
async fn outside_dev_mode_the_outbox_does_not_exist_and_delivery_is_off() {
    let s = server(
        "delivery::outside_dev_mode",
        Options {
            without_dev_mode: true,
            ..Options::default()
        },
    )
    .await;
    assert_eq!(s.get("/dev/outbox").await.status(), 404);
    assert!(!s.state.mailer.is_enabled() && !s.state.sms.is_enabled());
    let err = s
        .state
        .mailer
        .send(email("x@example.test", "Hello", "Code 1"))
        .await;
    assert_eq!(err, Err(DeliveryError::Disabled));
    let err = s.state.sms.send("+15551234567", "Code 1").await;
    assert_eq!(err, Err(DeliveryError::Disabled));
}

#[actix_web::test]
async fn sms_is_delivered_through_the_provider() {
    let sms = SmsMock::start("AC0123", "sms-Token-1").await;
    let s = server(
        "delivery::sms_is_delivered",
        Options {
            env: sms.env("+15550001111"),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(s.state.sms.provider_name(), "http");
    assert!(
        sms.url()
            .ends_with("/2010-04-01/Accounts/AC0123/Messages.json")
    );
    s.state
        .sms
        .send(" +1 (555) 123-4567", "Your Latchkey code is 123456")
        .await
        .unwrap();
    let sent = sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "+15551234567");
    assert_eq!(sent[0].from, "+15550001111");
    assert_eq!(sent[0].body, "Your Latchkey code is 123456");
    assert!(sent[0].sid.starts_with("SM"));
}

#[actix_web::test]
async fn sms_provider_failures_are_errors_not_panics() {
    let sms = SmsMock::start("AC0123", "sms-Token-1").await;
    let sender = SmsSender::from_config(&config(&sms.env("Latchkey"))).unwrap();

    sms.fail_next(1, 500);
    let err = sender.send("+15551234567", "Code 1").await.unwrap_err();
    assert!(matches!(err, DeliveryError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());
    sender.send("+15551234567", "Code 2").await.unwrap();

    sms.fail_next(1, 429);
    let err = sender.send("+15551234567", "Code 3").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");

    sms.fail_next(1, 400);
    let err = sender.send("+15551234567", "Code 4").await.unwrap_err();
    match &err {
        DeliveryError::Rejected { status, message } => {
            assert_eq!(*status, 400);
            assert_eq!(message, "Simulated provider failure");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sms.sent().len(), 1);

    // Refused before any request: not a phone number.
    let before = sms.requests();
    let err = sender.send("555-1234", "Code 5").await.unwrap_err();
    assert!(matches!(err, DeliveryError::InvalidRecipient(_)), "{err:?}");
    assert_eq!(sms.requests(), before);

    // No provider listening.
    let mut env = sms.env("Latchkey");
    env[0].1 = format!("http://{}/send", closed_port());
    let err = SmsSender::from_config(&config(&env))
        .unwrap()
        .send("+15551234567", "Code 6")
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Unavailable(_)), "{err:?}");
}

#[actix_web::test]
async fn sms_with_bad_credentials_is_rejected() {
    let sms = SmsMock::start("AC0123", "sms-Token-1").await;
    let env = sms.env_with_token("+15550001111", "Wr0ng-Token-2");
    let sender = SmsSender::from_config(&config(&env)).unwrap();
    let err = sender.send("+15551234567", "Code 1").await.unwrap_err();
    assert!(
        matches!(err, DeliveryError::Rejected { status: 401, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?} {sender:?}").contains("Wr0ng-Token-2"));
    assert_eq!(sms.requests(), 1);
    assert!(sms.sent().is_empty());
}
