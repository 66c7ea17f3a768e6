//! plinth-emulator: not written yet.
