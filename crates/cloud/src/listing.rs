//! One list call per cluster and pool, shared: by every read and natural-key lookup of a refresh
//! ([`Listings`]), and by every wait polling the same cluster or pool at about the same time
//! (the client's [`SharedLists`]).
//!
//! A list is sent at a time (`at`) and its answer, decoded once, is shared by reference count.
//! A caller asks for a list sent within a window: not before `earliest` (an answer sent before
//! the caller's operation returned could show the object as it was before it), and not after
//! `latest` (a caller does not wait longer than its own schedule allows). It joins a list sent,
//! in flight or scheduled within its window, or schedules one: so twenty waits in one cluster,
//! each on its own adaptive schedule and with its own timeout, poll the cluster about once per
//! interval between them, not twenty times.
//!
//! Nothing here keeps an answer alive: the client remembers its lists weakly, and an answer is
//! freed when the last caller using it (a refresh's [`Listings`], a wait's poll) drops it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::OnceCell;
use tokio::time::{Duration, Instant};

use crate::client::Client;
use crate::error::CloudError;
use crate::resource::{addon_object, plugin_object};
use plinth_core::{AddonApi, RemoteObject};

/// What one list call lists: the add-ons of a CCE or Autopilot cluster, or the plug-ins of a
/// ModelArts pool. The one grouping key of shared lists and coalesced waits (a client's lists
/// are its own: two clients never share one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListKey {
    /// `GET /api/v3/addons?cluster_id=` or `GET /autopilot/v3/addons?cluster_id=`.
    Addons {
        /// Which add-on API.
        api: AddonApi,
        /// The cluster.
        cluster: String,
    },
    /// `GET /v2/{project_id}/pools/{pool_name}/plugins`.
    Plugins {
        /// The pool.
        pool: String,
    },
}

/// A list's outcome, decoded once and mapped to plinth's objects (whose attributes are compact
/// and shared by reference count, so an object taken from it costs a few small strings), shared:
/// `Ok(None)` when the cluster or pool is gone (404), and everything in it with it.
pub(crate) type Listed = Arc<Result<Option<Vec<RemoteObject>>, CloudError>>;

/// When a caller accepts a list to have been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Not before this: the answer must show what happened until then.
    pub earliest: Instant,
    /// When the caller would send one itself (a new list is sent then, or at once if past).
    pub due: Instant,
    /// Not after this.
    pub latest: Instant,
}

impl Window {
    /// A list sent now or later, but not later than `slack` from now, and not before `earliest`.
    pub(crate) fn soon(earliest: Instant, slack: Duration) -> Self {
        let now = Instant::now();
        Self {
            earliest: earliest.min(now),
            due: now,
            latest: now + slack,
        }
    }
}

/// One list call, sent at `at` (or as soon after as a caller drives it).
struct Fetch {
    key: ListKey,
    at: Instant,
    answer: OnceCell<Listed>,
}

impl Fetch {
    async fn answer(&self, client: &Client) -> Listed {
        self.answer
            .get_or_init(|| async {
                // A sleep goes through the timer, which fires at its next tick (a millisecond or
                // more on a busy runtime) even for a time already past: a list due now is sent
                // now.
                if self.at > Instant::now() {
                    tokio::time::sleep_until(self.at).await;
                }
                Arc::new(list(client, &self.key).await)
            })
            .await
            .clone()
    }
}

/// The lists a client has sent or will send, remembered weakly, per [`ListKey`].
#[derive(Default)]
pub(crate) struct SharedLists {
    fetches: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    by_key: HashMap<ListKey, Vec<Weak<Fetch>>>,
    /// How many keys there were when the lists nobody holds were last forgotten.
    pruned_at: usize,
}

impl SharedLists {
    /// A list of `key` sent within `window`: one already sent, in flight or scheduled within it
    /// (the one closest to `window.due`), else a new one scheduled at `window.due`.
    fn fetch(&self, key: &ListKey, window: Window) -> Arc<Fetch> {
        let mut fetches = self.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget the lists nobody holds any more (their answers are already freed): this key's
        // each time, every key's when their number has doubled, so a call does not scan them
        // all.
        if fetches.by_key.len() > 2 * fetches.pruned_at + 64 {
            fetches.by_key.retain(|_, list| {
                list.retain(|fetch| fetch.strong_count() > 0);
                !list.is_empty()
            });
            fetches.pruned_at = fetches.by_key.len();
        }
        let known = fetches.by_key.entry(key.clone()).or_default();
        known.retain(|fetch| fetch.strong_count() > 0);
        let distance = |at: Instant| {
            at.checked_duration_since(window.due)
                .unwrap_or_else(|| window.due - at)
        };
        let joined = known
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|fetch| (window.earliest..=window.latest).contains(&fetch.at))
            .min_by_key(|fetch| distance(fetch.at));
        if let Some(fetch) = joined {
            return fetch;
        }
        let fetch = Arc::new(Fetch {
            key: key.clone(),
            at: window.due.max(Instant::now()),
            answer: OnceCell::new(),
        });
        known.push(Arc::downgrade(&fetch));
        fetch
    }
}

impl Client {
    /// The list of `key` sent within `window`, shared with every other caller whose window it
    /// fits, and when it was sent.
    pub(crate) async fn shared_list(&self, key: &ListKey, window: Window) -> (Listed, Instant) {
        let fetch = self.lists().fetch(key, window);
        (fetch.answer(self).await, fetch.at)
    }
}

/// The list answers of one refresh: one list call per cluster and pool, sent once the refresh
/// began and shared by every read and natural-key lookup in it, whatever their order. Dropping
/// it frees the answers.
///
/// ```no_run
/// # async fn example(client: &plinth_cloud::Client, object: &plinth_cloud::ObjectRef) -> Result<(), plinth_cloud::CloudError> {
/// use plinth_cloud::{Listings, ResourceType};
/// let listings = Listings::new(client);
/// // One `GET /api/v3/addons?cluster_id=` for every add-on of the cluster.
/// let found = ResourceType::CCE_ADDON.read_listed(&listings, object).await?;
/// # let _ = found; Ok(()) }
/// ```
pub struct Listings {
    client: Client,
    since: Instant,
    held: Mutex<HashMap<ListKey, Arc<Fetch>>>,
    /// The templates of the objects each list answered a read with.
    read: Mutex<HashMap<ListKey, HashSet<String>>>,
    /// Once [`Listings::forget_read`] was called: what is left of each list, the objects no
    /// read was answered with.
    rest: Mutex<HashMap<ListKey, Listed>>,
}

impl std::fmt::Debug for Listings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listings")
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

impl Listings {
    /// Lists for one refresh of `client`'s objects, starting now.
    pub fn new(client: &Client) -> Self {
        Self {
            client: client.clone(),
            since: Instant::now(),
            held: Mutex::new(HashMap::new()),
            read: Mutex::new(HashMap::new()),
            rest: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the objects the lists answered reads with, keeping the others for the lookups to
    /// come: a refresh that has read the state's objects holds them in its observations, and
    /// its lists need not hold them a second time while it plans. A later lookup under the
    /// natural key of an object forgotten is not answered from the list
    /// ([`Listings::forgot`]: it reads afresh).
    pub fn forget_read(&self) {
        let held: Vec<(ListKey, Arc<Fetch>)> = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rest = self.rest.lock().unwrap_or_else(PoisonError::into_inner);
        let mut pending = Vec::new();
        for (key, fetch) in held {
            let Some(listed) = fetch.answer.get() else {
                pending.push((key, fetch));
                continue;
            };
            let kept: Listed = match (&**listed, read.get(&key)) {
                (Ok(Some(objects)), Some(templates)) => Arc::new(Ok(Some(
                    objects
                        .iter()
                        .filter(|object| {
                            object
                                .natural_key
                                .get("template_name")
                                .is_none_or(|template| !templates.contains(template))
                        })
                        .cloned()
                        .collect(),
                ))),
                _ => Arc::clone(listed),
            };
            rest.insert(key, kept);
        }
        drop((read, rest));
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(pending);
    }

    /// Whether the list of `key` answered a read with an object of `template` that
    /// [`Listings::forget_read`] then forgot.
    pub(crate) fn forgot(&self, key: &ListKey, template: &str) -> bool {
        // The same order as `forget_read`: `read`, then `rest`.
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        let rest = self.rest.lock().unwrap_or_else(PoisonError::into_inner);
        rest.contains_key(key)
            && read
                .get(key)
                .is_some_and(|templates| templates.contains(template))
    }

    /// Notes that the list of `key` answered a read with `object`.
    pub(crate) fn answered(&self, key: &ListKey, object: &RemoteObject) {
        if let Some(template) = object.natural_key.get("template_name") {
            self.read
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key.clone())
                .or_default()
                .insert(template.clone());
        }
    }

    /// The client the lists are sent with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The list of `key`: the one this refresh already has, or one sent now (or joined, if
    /// another caller of the client is sending one now).
    pub(crate) async fn get(&self, key: &ListKey) -> Listed {
        if let Some(rest) = self
            .rest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Arc::clone(rest);
        }
        let fetch = {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(held.entry(key.clone()).or_insert_with(|| {
                self.client
                    .lists()
                    .fetch(key, Window::soon(self.since, Duration::ZERO))
            }))
        };
        fetch.answer(&self.client).await
    }
}

async fn list(client: &Client, key: &ListKey) -> Result<Option<Vec<RemoteObject>>, CloudError> {
    let answer = match key {
        ListKey::Addons { api, cluster } => client.list_addons(*api, cluster).await.map(|list| {
            list.items
                .iter()
                .map(|addon| addon_object(*api, addon, Some(cluster)))
                .collect()
        }),
        ListKey::Plugins { pool } => client.list_plugins(pool).await.map(|list| {
            list.items
                .iter()
                .map(|plugin| plugin_object(pool, plugin))
                .collect()
        }),
    };
    match answer {
        Ok(listing) => Ok(Some(listing)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ListKey {
        ListKey::Plugins {
            pool: "pool-a".to_owned(),
        }
    }

    fn window(earliest: Instant, due: Instant, latest: Instant) -> Window {
        Window {
            earliest,
            due,
            latest,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_list_sent_within_the_window_is_joined_and_one_outside_is_not() {
        let lists = SharedLists::default();
        let start = Instant::now();
        let ms = Duration::from_millis;
        let first = lists.fetch(&key(), window(start, start + ms(100), start + ms(150)));
        assert_eq!(first.at, start + ms(100));
        // Due a little later, accepting up to 50 ms early: the same list.
        let joined = lists.fetch(
            &key(),
            window(start + ms(60), start + ms(110), start + ms(160)),
        );
        assert!(Arc::ptr_eq(&first, &joined));
        // Only lists sent after 120 ms will do: a new one, at its own due time.
        let later = lists.fetch(
            &key(),
            window(start + ms(120), start + ms(130), start + ms(140)),
        );
        assert!(!Arc::ptr_eq(&first, &later));
        assert_eq!(later.at, start + ms(130));
        // Another key never shares.
        let other = ListKey::Plugins {
            pool: "pool-b".to_owned(),
        };
        let elsewhere = lists.fetch(&other, window(start, start + ms(100), start + ms(150)));
        assert!(!Arc::ptr_eq(&first, &elsewhere));
    }

    #[tokio::test(start_paused = true)]
    async fn a_list_nobody_holds_is_forgotten() {
        let lists = SharedLists::default();
        let start = Instant::now();
        let wide = window(start, start, start + Duration::from_secs(1));
        let first = lists.fetch(&key(), wide);
        let weak = Arc::downgrade(&first);
        drop(first);
        assert!(
            weak.upgrade().is_none(),
            "the client keeps no strong reference"
        );
        let again = lists.fetch(&key(), wide);
        assert_eq!(
            lists
                .fetches
                .lock()
                .unwrap()
                .by_key
                .get(&key())
                .map(Vec::len),
            Some(1)
        );
        drop(again);
    }
}
