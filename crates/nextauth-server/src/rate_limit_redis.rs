//! The Redis store of the rate limits (`[rate_limit] store = "redis://…"`): the counters on a
//! Redis server shared by every instance. Counts exactly as the core's other stores do (fixed
//! windows aligned to the epoch, [`nextauth_core::ratelimit`]): one key per limit key and window
//! start, `INCR` and, on the window's first hit, `PEXPIRE` until the window ends, in one Lua
//! script (atomic on the server).
//!
//! One multiplexed connection (redis-rs' `ConnectionManager`), made on first use and remade
//! when it breaks. Every call is bounded ([`CALL_TIMEOUT`]); a Redis that is down or slow makes
//! the call fail, and the limiter then admits the request (fail open, logged and counted).

use std::time::Duration;

use async_trait::async_trait;
use nextauth_core::ratelimit::{RateLimitStore, StoreError, Window};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The most one Redis call may take before the limiter gives up on it (and admits the request).
pub const CALL_TIMEOUT: Duration = Duration::from_millis(1000);

/// Slack kept on a key past its window's end, so a clock a little ahead on another instance
/// still finds the count.
const EXPIRY_SLACK_MS: i64 = 5_000;

/// `KEYS[1]` the counter, `ARGV[1]` its time to live (ms): the count after this hit.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// `KEYS[1]` the counter: one hit back, never below 0, never creating the key.
const UNDO: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
";

/// The counters on a Redis server.
pub struct RedisStore {
    conn: ConnectionManager,
    hit: redis::Script,
    undo: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[:password@]host:port[/db]`). No connection is
    /// made here: the first hit connects (so the server starts while Redis is down, and limits
    /// fail open until it is back).
    ///
    /// # Errors
    /// The URL is not one redis-rs accepts.
    pub fn new(url: &str) -> redis::RedisResult<RedisStore> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(RedisStore {
            conn: ConnectionManager::new_lazy_with_config(client, config)?,
            hit: redis::Script::new(HIT),
            undo: redis::Script::new(UNDO),
        })
    }

    fn key(key: &str, window: Window) -> String {
        format!("nextauth:rl:{key}:{}", window.start_ms)
    }
}

fn failed(reason: impl std::fmt::Display) -> StoreError {
    StoreError {
        store: "redis",
        reason: reason.to_string(),
    }
}

#[async_trait]
impl RateLimitStore for RedisStore {
    async fn hit(&self, key: &str, window: Window, now_ms: i64) -> Result<u64, StoreError> {
        let ttl = (window.end_ms - now_ms).max(1) + EXPIRY_SLACK_MS;
        let mut conn = self.conn.clone();
        let mut call = self.hit.key(Self::key(key, window));
        call.arg(ttl);
        match tokio::time::timeout(CALL_TIMEOUT, call.invoke_async::<u64>(&mut conn)).await {
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(failed(e)),
            Err(_) => Err(failed(format!("no answer within {CALL_TIMEOUT:?}"))),
        }
    }

    async fn undo(&self, key: &str, window: Window) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let call = self.undo.key(Self::key(key, window));
        match tokio::time::timeout(CALL_TIMEOUT, call.invoke_async::<i64>(&mut conn)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(failed(e)),
            Err(_) => Err(failed(format!("no answer within {CALL_TIMEOUT:?}"))),
        }
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}
