//! Redis restarts (a crash: without persistence every flow, ceremony and
//! session is gone) in the middle of a sign-in. The sign-in fails with a
//! clear JSON error and can be started again; the nodes reconnect by
//! themselves; durable state (refresh tokens) and signed tokens survive; no
//! request gets a 500 (`web::send` fails the test on any).

use std::time::Duration;

use crate::flow::{assert_passkey_claims, claims, world};
use crate::web::{assert_unavailable, readyz};

#[tokio::test]
async fn redis_restart_mid_sign_in() {
    let Some(mut w) = world("redis_restart_mid_sign_in").await else {
        return;
    };
    // Before: one finished sign-in with tokens, one in the middle of its
    // ceremony.
    let (mut earlier, code) = w.code([0, 1, 2, 0]).await;
    let tokens = w.redeem(1, &code, &earlier.verifier).await.ok_json();
    let (mut s, ceremony, public_key) = w.start(0, 1).await;
    let assertion = w.device.get(&public_key);

    w.c.redis.kill();
    let down = readyz(w.c.node(0), 503, Duration::from_secs(10)).await;
    assert_eq!(down["ephemeral"], "unavailable");
    assert_eq!(down["database"], "ok");
    // While it is down the finish is refused as unavailable: not a 500.
    assert_unavailable(&s.verify(&w.c, 2, &ceremony, &assertion).await);

    w.c.redis.start_again().await.expect("restart Redis");
    for n in 0..3 {
        readyz(w.c.node(n), 200, Duration::from_secs(30)).await;
    }

    // The sign-in in flight is gone with Redis: a clear, documented error…
    s.verify(&w.c, 2, &ceremony, &assertion)
        .await
        .expect_error(404, "flow_not_found");
    // …the hosted page of that flow explains instead of failing…
    let page = s
        .browser
        .get(w.c.node(1), &format!("/login?flow={}", s.flow))
        .await;
    assert!(page.status < 500, "{}", page.status);
    // …and the same browser starts again and signs in, spread over the
    // nodes, without any node having been restarted.
    let (mut again, ceremony, public_key) = w.start(2, 0).await;
    let assertion = w.device.get(&public_key);
    let done = again.verify(&w.c, 1, &ceremony, &assertion).await.ok_json();
    let code = again
        .resume(&w.c, 2, done["redirect_to"].as_str().unwrap())
        .await["code"]
        .clone();
    let fresh = w.redeem(0, &code, &again.verifier).await.ok_json();
    assert_passkey_claims(&w, &claims(fresh["id_token"].as_str().unwrap()));

    // Sessions lived in Redis: the earlier browser signs in again (a new
    // flow, not an error).
    let to = earlier
        .browser
        .get(
            w.c.node(2),
            &w.authorize_url(2, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        )
        .await
        .location();
    assert!(to.starts_with("/login?flow="), "{to}");
    // Durable and signed state survived: the earlier tokens still work.
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        w.userinfo(2, access).await.ok_json()["sub"],
        w.user_id.as_str()
    );
    let refresh = tokens["refresh_token"].as_str().unwrap();
    w.refresh(0, refresh).await.ok_json();
}
