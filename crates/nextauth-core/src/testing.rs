//! Test doubles for code built on `nextauth-core` (feature `testing`): an in-memory
//! [`Adapter`](crate::Adapter) and a clock that stands still until moved.
//!
//! ```toml
//! [dev-dependencies]
//! nextauth-core = { version = "…", features = ["testing"] }
//! ```
//!
//! Neither belongs in a deployment: [`MemoryAdapter`] loses everything on restart and
//! [`FixedClock`] never moves by itself.

pub use crate::adapter::MemoryAdapter;
pub use crate::clock::FixedClock;
