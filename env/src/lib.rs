//! env crate of chipfloor (see ARCHITECTURE.md).
