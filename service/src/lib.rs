//! service crate of chipfloor (see ARCHITECTURE.md).
