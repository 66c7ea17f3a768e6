//! The thread the database connections live on.
//!
//! [`plinth_state::StateStorage`] is synchronous, and the cli calls it from inside its own tokio
//! runtime, where starting or blocking on another runtime panics. So the connections run on a
//! runtime of their own, on a dedicated thread, and a call waits for its answer on a plain
//! channel: that works from any thread, async or not.

use std::future::Future;
use std::sync::mpsc;
use std::thread;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A single-threaded tokio runtime on its own thread; dropping the last handle stops it.
pub(crate) struct Worker {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Worker {
    pub(crate) fn start() -> std::io::Result<Self> {
        let (ready, handle) = mpsc::sync_channel(1);
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("plinth-pg".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let _ = ready.send(Ok(runtime.handle().clone()));
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        let handle = handle
            .recv()
            .map_err(|_| std::io::Error::other("the database thread did not start"))??;
        Ok(Self {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `future` on the worker and waits for its output. `None` if the worker is gone (it
    /// panicked or stopped).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (send, receive) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = send.send(future.await);
        });
        receive.recv().ok()
    }

    /// Starts `future` on the worker without waiting for it.
    pub(crate) fn spawn(
        &self,
        future: impl Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        self.handle.spawn(future)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The runtime is dropped on its own thread, never inside the caller's runtime.
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_from_plain_and_async_threads() {
        let worker = Worker::start().unwrap();
        assert_eq!(worker.run(async { 1 + 1 }), Some(2));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // Waiting from inside another runtime neither panics nor deadlocks.
        let answer = runtime.block_on(async { worker.run(async { "from a runtime" }) });
        assert_eq!(answer, Some("from a runtime"));
    }
}
