//! The one error type handlers return, and the only `ResponseError`: it
//! renders in OAuth's error format (RFC 6749 §5.2: `error`,
//! `error_description`), or, for the login-flow and account APIs, a body
//! they built with more fields ([`Detailed`]); internal details are logged
//! with the request id and never sent. Every error response is `no-store`.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use latchkey_core::{EphemeralError, RepoError};
use serde::Serialize;

use crate::metrics::store_errors::{self, StoreError};

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; `error` is the protocol's error code.
    #[error("{error}: {description}")]
    BadRequest {
        error: &'static str,
        description: String,
    },
    /// A protocol error with its own status and, for 401s, the
    /// `WWW-Authenticate` challenge (RFC 6749 §5.2, RFC 6750 §3).
    #[error("{error}: {description}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
        www_authenticate: Option<String>,
    },
    /// No such route or resource.
    #[error("not found")]
    NotFound,
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A record with the same unique field exists.
    #[error("conflict: {0} already exists")]
    Conflict(&'static str),
    /// A backing service is down or timed out; the client may retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected backend failure.
    #[error("internal error: {0}")]
    Internal(String),
    /// An API error whose body carries more than `error` and
    /// `error_description` (`reason`, `next`, `attempts_left`, …).
    #[error("{0}")]
    Detailed(Box<Detailed>),
}

/// The status and JSON body of an API error with its own fields, and its
/// `Retry-After` when the client must wait.
#[derive(Debug)]
pub struct Detailed {
    pub status: StatusCode,
    /// A JSON object with at least `error`.
    pub body: serde_json::Value,
    pub retry_after_secs: Option<i64>,
}

impl std::fmt::Display for Detailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let error = self.body.get("error").and_then(serde_json::Value::as_str);
        write!(f, "{}: {}", self.status.as_u16(), error.unwrap_or("error"))
    }
}

impl Detailed {
    /// The error `body` (anything that serialises to a JSON object) with
    /// `status`.
    pub fn error(
        status: StatusCode,
        body: &impl Serialize,
        retry_after_secs: Option<i64>,
    ) -> ApiError {
        match serde_json::to_value(body) {
            Ok(body) => ApiError::Detailed(Box::new(Self {
                status,
                body,
                retry_after_secs,
            })),
            Err(e) => ApiError::Internal(format!("cannot encode an error body: {e}")),
        }
    }
}

impl ApiError {
    /// A 400 with `error` (RFC 6749 §5.2 codes).
    pub fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        Self::BadRequest {
            error,
            description: description.into(),
        }
    }

    /// `invalid_client` (401). When the client tried HTTP Basic, the
    /// response carries the Basic challenge (RFC 6749 §5.2).
    pub fn invalid_client(basic: bool) -> Self {
        Self::invalid_client_described(basic, "Client authentication failed.")
    }

    /// `invalid_client` (401) with a description of its own. Only for
    /// failures that say nothing about any client (no authentication, an
    /// unusable `Authorization` header); a failure for a named client keeps
    /// the generic description.
    pub fn invalid_client_described(basic: bool, description: impl Into<String>) -> Self {
        Self::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
            www_authenticate: basic.then(|| "Basic realm=\"latchkey\"".to_owned()),
        }
    }

    /// `invalid_request` with a description safe to show the client.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::BadRequest {
            error: "invalid_request",
            description: description.into(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::OAuth { status, .. } => *status,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Detailed(d) => d.status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = match self {
            Self::Detailed(d) => detailed_response(d),
            other => oauth_response(other),
        };
        no_store(&mut res);
        res
    }
}

/// A [`Detailed`] error: its own body, and `Retry-After` when it has one.
fn detailed_response(d: &Detailed) -> HttpResponse {
    let mut res = HttpResponse::build(d.status).json(&d.body);
    if let Some(secs) = d.retry_after_secs
        && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
    {
        res.headers_mut().insert(RETRY_AFTER, v);
    }
    res
}

/// Every other error: `error` and `error_description`, the details of
/// internal and unavailable errors logged instead of sent, and the
/// `WWW-Authenticate` challenge of a 401.
fn oauth_response(e: &ApiError) -> HttpResponse {
    let (error, description): (&str, String) = match e {
        ApiError::BadRequest { error, description }
        | ApiError::OAuth {
            error, description, ..
        } => (error, description.clone()),
        ApiError::NotFound => ("not_found", "There is nothing at this address.".into()),
        ApiError::MethodNotAllowed => (
            "method_not_allowed",
            "This address does not accept that method.".into(),
        ),
        ApiError::Conflict(what) => ("conflict", format!("{what} already exists.")),
        ApiError::Unavailable(detail) => {
            tracing::warn!(%detail, "service unavailable");
            (
                "temporarily_unavailable",
                "The service is temporarily unavailable; try again shortly.".into(),
            )
        }
        ApiError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            ("server_error", "Something went wrong on our side.".into())
        }
        ApiError::Detailed(d) => (d.body["error"].as_str().unwrap_or("error"), String::new()),
    };
    let mut res = HttpResponse::build(e.status_code()).json(Body {
        error,
        error_description: &description,
    });
    if let ApiError::OAuth {
        www_authenticate: Some(challenge),
        ..
    } = e
        && let Ok(v) = HeaderValue::from_str(challenge)
    {
        res.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    res
}

/// Never cached: `Cache-Control: no-store` and, for HTTP/1.0 caches,
/// `Pragma: no-cache`.
pub fn no_store(res: &mut HttpResponse) {
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        if let Some(error) = StoreError::of_repo(&e) {
            store_errors::note(error);
        }
        match e {
            RepoError::Conflict(what) => Self::Conflict(what),
            RepoError::NotFound => Self::NotFound,
            RepoError::Unavailable(d) => Self::Unavailable(d),
            RepoError::Backend(d) => Self::Internal(d),
        }
    }
}

impl From<EphemeralError> for ApiError {
    fn from(e: EphemeralError) -> Self {
        store_errors::note(StoreError::of_ephemeral(&e));
        match e {
            EphemeralError::Unavailable(d) => Self::Unavailable(d),
            EphemeralError::Full(n) => Self::Unavailable(format!("ephemeral store full ({n})")),
            EphemeralError::Invalid(d) => Self::Internal(d.into()),
        }
    }
}

/// Extractor errors (bad JSON, query, form or path) as `invalid_request`
/// instead of actix's plain-text 400s.
pub fn extractor_error(err: impl std::fmt::Display) -> actix_web::Error {
    ApiError::invalid_request(err.to_string()).into()
}
