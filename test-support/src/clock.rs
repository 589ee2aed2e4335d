//! A fake [`Clock`] for tests that check backoff: time moves only when something sleeps on it,
//! sleeps return at once, and every sleep is recorded, so delays can be asserted exactly.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, ClientBuilder, Clock, RetryPolicy};

/// A clock whose time moves only when something sleeps on it; records every sleep.
#[derive(Debug)]
pub struct FakeClock {
    base: Instant,
    offset: Mutex<Duration>,
    sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    /// A clock at an arbitrary start, shared so a client and the test can both hold it.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            base: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
            sleeps: Mutex::new(Vec::new()),
        })
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.base + *self.offset.lock().unwrap()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleeps.lock().unwrap().push(duration);
        *self.offset.lock().unwrap() += duration;
        Box::pin(std::future::ready(()))
    }
}

/// `s` seconds, for comparing with [`FakeClock::sleeps`].
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A client builder for the audio batch server at `url` on `clock`, with `key` and `account`,
/// retries without jitter (so backoff sleeps are exact) and a 5 s attempt timeout.
pub fn client_builder(
    url: &str,
    key: &str,
    account: &str,
    clock: &Arc<FakeClock>,
) -> ClientBuilder {
    Client::builder()
        .api_key(key)
        .account_id(account)
        .base_url(AUDIO_BATCH, url)
        .retry_policy(RetryPolicy::new().no_jitter())
        .timeout(Duration::from_secs(5))
        .clock(clock.clone())
}
