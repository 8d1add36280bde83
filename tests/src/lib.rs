//! End-to-end tests of the chipfloor binary live in `tests/`.
