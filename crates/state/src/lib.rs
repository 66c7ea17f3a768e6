//! plinth-state: not written yet.
