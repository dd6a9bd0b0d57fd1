//! A minimal Chrome DevTools Protocol client: commands and events as plain
//! JSON over the browser's one WebSocket, with flat sessions
//! (`Target.attachToTarget {flatten: true}`, then `sessionId` on every
//! message).
//!
//! Untyped on purpose: the protocol grows with every Chromium release, and
//! a typed client generated from an older protocol fails to deserialise
//! events it does not know. Here an unknown event is just JSON nobody asked
//! for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// How long one command may take before the client gives up on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

type Reply = Result<Value, String>;
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;

/// One protocol event.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
    /// The flat session it belongs to; `None` for browser-level events.
    pub session: Option<String>,
}

/// A connection to one browser; cheap to clone.
#[derive(Debug, Clone)]
pub struct Cdp {
    out: mpsc::UnboundedSender<Message>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
    events: broadcast::Sender<Event>,
}

/// The reader and writer tasks of a connection; aborted when dropped.
#[derive(Debug)]
pub struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

impl Cdp {
    /// Connect to the browser endpoint `ws://127.0.0.1:PORT/devtools/browser/ID`.
    pub async fn connect(url: &str) -> Result<(Self, Tasks), String> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| format!("DevTools WebSocket {url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut outbox) = mpsc::unbounded_channel::<Message>();
        let pending: Pending = Arc::default();
        let (events, _) = broadcast::channel(1024);

        let writer = tokio::spawn(async move {
            while let Some(m) = outbox.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let reader = {
            let pending = pending.clone();
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(Ok(m)) = stream.next().await {
                    let Message::Text(text) = m else { continue };
                    let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    dispatch(v, &pending, &events);
                }
                // Closed: every caller still waiting learns it now.
                let waiting: Vec<_> = pending.lock().unwrap().drain().collect();
                for (_, tx) in waiting {
                    let _ = tx.send(Err("the DevTools connection closed".into()));
                }
            })
        };
        let cdp = Self {
            out,
            pending,
            next_id: Arc::new(AtomicU64::new(1)),
            events,
        };
        Ok((cdp, Tasks(vec![writer, reader])))
    }

    /// Send `method` with `params` (to `session`, or the browser) and wait
    /// for its result; a protocol error comes back as its message.
    pub async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Reply {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        if self.out.send(Message::text(msg.to_string())).is_err() {
            self.pending.lock().unwrap().remove(&id);
            return Err(format!("{method}: the DevTools connection is closed"));
        }
        match tokio::time::timeout(CALL_TIMEOUT, rx).await {
            Ok(Ok(reply)) => reply.map_err(|e| format!("{method}: {e}")),
            Ok(Err(_)) => Err(format!("{method}: the DevTools connection closed")),
            Err(_) => {
                self.pending.lock().unwrap().remove(&id);
                Err(format!("{method}: no answer within {CALL_TIMEOUT:?}"))
            }
        }
    }

    /// Every event from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}

fn dispatch(v: Value, pending: &Pending, events: &broadcast::Sender<Event>) {
    if let Some(id) = v.get("id").and_then(Value::as_u64) {
        let Some(tx) = pending.lock().unwrap().remove(&id) else {
            return;
        };
        let reply = match v.get("error") {
            Some(e) => Err(e
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| e.to_string(), str::to_owned)),
            None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
        };
        let _ = tx.send(reply);
    } else if let Some(method) = v.get("method").and_then(Value::as_str) {
        let _ = events.send(Event {
            method: method.to_owned(),
            params: v.get("params").cloned().unwrap_or(Value::Null),
            session: v
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
}
