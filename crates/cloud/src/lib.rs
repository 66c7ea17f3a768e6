//! plinth-cloud: not written yet.
