//! OpenID Connect end to end: the `openidconnect` crate as the relying
//! party against a running server, on both stacks.

mod algs;
mod consent;
mod discovery;
mod features;
mod logout;
mod negative;
mod rp;
