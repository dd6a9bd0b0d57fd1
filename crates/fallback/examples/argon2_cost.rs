//! Prints what one argon2id hash and verification cost on this machine,
//! with the parameters Latchkey uses for passwords and recovery codes.
//!
//! `cargo run --release -p latchkey-fallback --example argon2_cost`

use std::time::Instant;

use latchkey_fallback::factors::{hash_password, verify_password};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const N: u32 = 20;
    let phc = hash_password("measure")?;
    let start = Instant::now();
    for _ in 0..N {
        assert!(verify_password("measure", &phc));
    }
    let verify = start.elapsed() / N;
    let start = Instant::now();
    for _ in 0..N {
        hash_password("measure")?;
    }
    let hash = start.elapsed() / N;
    println!("argon2id m=19456 t=2 p=1: hash {hash:?}, verify {verify:?} per call");
    Ok(())
}
