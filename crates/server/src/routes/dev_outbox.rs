//! `GET /dev/outbox`: in dev mode, the email written to the outbox instead
//! of sent, newest first, so a developer can read sign-in codes without a
//! mail server. Outside dev mode the route does not exist (404, exactly as
//! an unknown path).

use actix_web::{HttpResponse, get, web};
use latchkey_pages::{DevOutboxEntry, DevOutboxPage};

use crate::delivery::OutboxMessage;
use crate::{ApiError, AppState, html};

/// How many messages the page shows.
const SHOWN: usize = 100;

#[get("/dev/outbox")]
pub async fn outbox(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.config.dev_mode {
        return Err(ApiError::NotFound);
    }
    let mailer = &state.mailer;
    let (outbox_dir, entries) = match mailer.outbox() {
        Some(outbox) => {
            let messages = outbox
                .list(SHOWN)
                .await
                .map_err(|e| ApiError::Internal(format!("the outbox cannot be listed: {e}")))?;
            (
                Some(outbox.dir().display().to_string()),
                messages.into_iter().map(entry).collect(),
            )
        }
        None => (None, Vec::new()),
    };
    let page = DevOutboxPage {
        outbox_dir,
        transport: mailer.transport_name().to_owned(),
        entries,
    };
    Ok(html::page(page.render()))
}

fn entry(m: OutboxMessage) -> DevOutboxEntry {
    DevOutboxEntry {
        file_name: m.file_name,
        date: m.date,
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
    }
}
