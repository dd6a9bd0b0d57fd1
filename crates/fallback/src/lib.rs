//! The fallback policy engine (pure) and the fallback methods: one-time codes,
//! TOTP, recovery codes and their delivery channels.
//!
//! Empty until the fallback issue lands: this crate holds only what works.
