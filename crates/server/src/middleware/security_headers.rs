//! Security headers on every response.

use actix_web::middleware::DefaultHeaders;

/// The content security policy: nothing inline, nothing from elsewhere, never
/// framed. Pages that must post to a relying party (form_post) set their own
/// `form-action` on that response; `DefaultHeaders` only fills what is unset.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Headers for every response. HSTS only when the issuer is https: sending it
/// over plain http is ignored by browsers and would mislead.
#[must_use]
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Permissions-Policy", "interest-cohort=()"));
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}
