//! One file per NextAuth action, each porting the v4 file of the same name
//! (`core/routes/*.ts`, plus the page actions of `core/index.ts`).

pub mod callback;
pub mod csrf;
pub mod error;
pub mod log;
pub mod providers;
pub mod session;
pub mod signin;
pub mod signout;
pub mod verify_request;
