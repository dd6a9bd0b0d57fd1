//! View models and message catalogues for the hosted pages; the templates
//! live in the top-level `templates/` folder.
//!
//! Empty until the hosted-pages issue lands: this crate holds only what works.
