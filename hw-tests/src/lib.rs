//! Tests through a real kernel live in `tests/`.
