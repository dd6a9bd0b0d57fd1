//! Recovery codes: ten single-use codes, shown once, stored only as
//! argon2id hashes. Generating a new set replaces the old one atomically
//! (the store's transaction), so a lost sheet can be voided by printing a
//! new one. How many are left is in `GET /api/account/factors`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_fallback::factors::RecoveryCodes;
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use serde::Serialize;

use super::{AccountLock, account_key, record, secret_ok, signed_in_for_change, within};
use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::state::AppState;

/// New sets per account: each costs ten argon2id hashes (~250 ms of a core
/// and 19 MiB each), so a session cannot keep the server busy with them.
const SETS_PER_ACCOUNT: Limit = Limit {
    name: "recovery-sets",
    max: 10,
    window_secs: 3600,
};

#[derive(Serialize)]
struct Generated {
    /// `XXXX-XXXX-XXXX-XXXX`, Crockford base32; shown once.
    codes: Vec<String>,
}

/// `POST /api/account/recovery-codes` → `{codes: [10 codes]}` (`no-store`),
/// replacing any earlier set.
#[post("/api/account/recovery-codes")]
pub async fn generate(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    within(limits::check(&state, SETS_PER_ACCOUNT, &account_key(&user.id)).await?)?;
    // Under the lock, so two pages generating at once cannot each show a
    // set of which only one was stored.
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = async {
        let had = state
            .db
            .count_unused_recovery_codes(&user.id)
            .await
            .map_err(ApiError::from)?;
        let (codes, hashes) = actix_web::rt::task::spawn_blocking(|| {
            let codes = RecoveryCodes::generate();
            let hashes = codes.hash_all();
            (codes, hashes)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        let hashes = hashes.map_err(|e| ApiError::Internal(e.to_string()))?;
        state
            .db
            .replace_recovery_codes(&user.id, hashes, state.clock.now())
            .await
            .map_err(ApiError::from)?;
        Ok::<_, ApiError>((codes, had))
    }
    .await;
    lock.release(&state).await;
    let (codes, had) = result?;
    record(
        &state,
        &req,
        &user.id,
        EventKind::FactorEnrolled,
        "recovery_code",
    )
    .await;
    tracing::info!(user = %user.id, replaced = had, "recovery codes generated");
    Ok(secret_ok(&Generated {
        codes: codes
            .codes()
            .iter()
            .map(|c| c.display().to_string())
            .collect(),
    }))
}
