//! Every step of a fallback sign-in is an event in `auth_events`, so
//! operators see how often passkeys fail, what is offered and chosen, and
//! what works.

use latchkey_fallback::repo::{Event, EventKind, EventRepo as _, Outcome};

use super::*;

async fn flow_events(w: &World, flow: &Flow) -> Vec<Event> {
    // Events are written in batches, off the request.
    w.s.state.events.flush().await;
    let mut events =
        w.s.state
            .db
            .events_for_user(&w.alice.id, 100)
            .await
            .unwrap();
    events.retain(|e| e.flow_id.as_deref() == Some(flow.id.as_str()));
    events.sort_by_key(|e| e.at);
    events
}

fn one(events: &[Event], kind: EventKind) -> &Event {
    let found: Vec<_> = events.iter().filter(|e| e.kind == kind).collect();
    assert!(!found.is_empty(), "no {kind}: {events:#?}");
    found[0]
}

async fn a_fallback_sign_in_is_recorded(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    // A second between steps, so the events' times order them.
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    w.clock.advance(1);
    choose(&w, &mut b, &flow, &["email_code"]).await;
    w.clock.advance(1);
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = alice_code(&w, 0).await;
    w.clock.advance(1);
    let (status, _) = verify(&w, &mut b, &flow, "email_code", &other_than(&code)).await;
    assert_eq!(status, 400);
    w.clock.advance(1);
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");

    let events = flow_events(&w, &flow).await;
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    for kind in [
        EventKind::PasskeyFailed,
        EventKind::FallbackOffered,
        EventKind::FallbackChosen,
        EventKind::FallbackFailed,
        EventKind::FallbackSucceeded,
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    let at = |k| one(&events, k).at;
    assert!(
        at(EventKind::PasskeyFailed) <= at(EventKind::FallbackOffered),
        "{events:#?}"
    );
    assert!(
        at(EventKind::FallbackOffered) < at(EventKind::FallbackChosen),
        "{events:#?}"
    );
    assert!(
        at(EventKind::FallbackChosen) < at(EventKind::FallbackFailed),
        "{events:#?}"
    );
    assert!(
        at(EventKind::FallbackFailed) < at(EventKind::FallbackSucceeded),
        "{events:#?}"
    );
    for e in &events {
        assert_eq!(e.user_id.as_ref(), Some(&w.alice.id), "{e:?}");
        assert_eq!(e.client_id.as_deref(), Some(w.client.as_str()), "{e:?}");
    }

    let failed = one(&events, EventKind::PasskeyFailed);
    assert_eq!(failed.reason.as_deref(), Some("no_passkey_on_this_device"));
    assert_eq!(failed.outcome, Outcome::Failed);
    let offered = one(&events, EventKind::FallbackOffered);
    assert_eq!(offered.reason.as_deref(), Some("no_passkey_on_this_device"));
    let listed = offered.detail.as_deref().unwrap_or_default();
    assert!(
        listed.contains("passkey_hybrid") && listed.contains("email_code"),
        "{offered:?}"
    );
    let chosen = one(&events, EventKind::FallbackChosen);
    assert_eq!(chosen.method.as_deref(), Some("email_code"));
    let wrong = one(&events, EventKind::FallbackFailed);
    assert_eq!(wrong.method.as_deref(), Some("email_code"));
    assert_eq!(wrong.reason.as_deref(), Some("wrong_code"));
    let succeeded = one(&events, EventKind::FallbackSucceeded);
    assert_eq!(succeeded.method.as_deref(), Some("email_code"));
    assert_eq!(
        succeeded.reason.as_deref(),
        Some("no_passkey_on_this_device")
    );
    assert_eq!(succeeded.outcome, Outcome::Ok);
    // Nothing secret is recorded.
    let dump = format!("{events:?}");
    assert!(!dump.contains(&code), "{dump}");
}

async fn a_lockout_is_recorded(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    for _ in 0..5 {
        verify(&w, &mut b, &flow, "email_code", &other_than(&code)).await;
    }
    let events = flow_events(&w, &flow).await;
    let wrong = events
        .iter()
        .filter(|e| e.kind == EventKind::FallbackFailed)
        .count();
    assert_eq!(wrong, 5, "{events:#?}");
    let lock = one(&events, EventKind::Lockout);
    assert_eq!(lock.method.as_deref(), Some("email_code"));
}

/// An account disabled while its code was in flight: the right code ends
/// the flow with `access_denied`, and the events do not call it a success.
async fn a_disabled_account_is_not_a_success(stack: Stack, test: &str) {
    use latchkey_core::{UserRepo as _, UserStatus};
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    let db = &w.s.state.db;
    db.set_user_status(&w.alice.id, UserStatus::Disabled)
        .await
        .unwrap();
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    assert!(!crate::passkey::signed_in(&b));
    let redirect_to = done["redirect_to"].as_str().unwrap();
    assert_eq!(
        redirect_to,
        format!("/authorize/resume?flow={}", flow.id),
        "no invitation"
    );
    let back = location(&b.get(&w.s, redirect_to).await);
    assert_eq!(query(&back)["error"], "access_denied", "{back}");

    let events = flow_events(&w, &flow).await;
    assert!(
        events
            .iter()
            .all(|e| e.kind != EventKind::FallbackSucceeded),
        "{events:#?}"
    );
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::FallbackFailed)
        .collect();
    assert_eq!(failed.len(), 1, "{events:#?}");
    assert_eq!(failed[0].method.as_deref(), Some("email_code"));
    assert_eq!(failed[0].reason.as_deref(), Some("access_denied"));
}

crate::stack_tests!(
    a_fallback_sign_in_is_recorded,
    a_lockout_is_recorded,
    a_disabled_account_is_not_a_success,
);
