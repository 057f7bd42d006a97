//! Runs KDF-bound work on a thread of its own and lets the foreign async runtime await it
//! (Kotlin coroutines, Swift concurrency, asyncio): the caller's thread is never blocked for the
//! ~0.5 s of PBKDF2, and other calls proceed meanwhile. A small hand-written one-shot future: no
//! async runtime is needed for one thread per KDF.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::OtpError;

struct Slot<T> {
    outcome: Option<Result<T, OtpError>>,
    waker: Option<Waker>,
}

/// The result of [`run`], ready when the thread has finished.
pub(crate) struct Background<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for Background<T> {
    type Output = Result<T, OtpError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `work` on a new thread; a panic there (a bug) becomes [`OtpError::Internal`].
pub(crate) fn run<T, F>(work: F) -> Background<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, OtpError> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        outcome: None,
        waker: None,
    }));
    let finish = {
        let slot = Arc::clone(&slot);
        move |outcome: Result<T, OtpError>| {
            let waker = {
                let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                slot.outcome = Some(outcome);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    };
    let spawned = std::thread::Builder::new()
        .name("otpvault-kdf".into())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| {
                    Err(OtpError::Internal {
                        reason: "the background operation failed".into(),
                    })
                });
            finish(outcome);
        });
    if spawned.is_err() {
        let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
        guard.outcome = Some(Err(OtpError::Internal {
            reason: "no thread could be started".into(),
        }));
    }
    Background { slot }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::task::Wake;

    struct Notify(mpsc::Sender<()>);

    impl Wake for Notify {
        fn wake(self: Arc<Self>) {
            let _ = self.0.send(());
        }
    }

    fn block_on<T>(mut future: Background<T>) -> Result<T, OtpError> {
        let (tx, rx) = mpsc::channel();
        let waker = Waker::from(Arc::new(Notify(tx)));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(out) = Pin::new(&mut future).poll(&mut cx) {
                return out;
            }
            rx.recv().map_err(|_| OtpError::Internal {
                reason: "waker dropped".into(),
            })?;
        }
    }

    #[test]
    fn work_runs_on_another_thread_and_wakes_the_caller() {
        let caller = std::thread::current().id();
        let (release, gate) = mpsc::channel::<()>();
        let future = run(move || {
            gate.recv().ok();
            Ok(std::thread::current().id())
        });
        // The caller is free while the work waits.
        release.send(()).ok();
        let worker = block_on(future).ok();
        assert!(worker.is_some());
        assert_ne!(worker, Some(caller));
    }

    #[test]
    fn a_panic_becomes_an_error() {
        let future = run(|| -> Result<(), OtpError> { panic!("bug") });
        assert!(matches!(block_on(future), Err(OtpError::Internal { .. })));
    }
}
