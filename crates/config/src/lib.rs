//! plinth-config: not written yet.
