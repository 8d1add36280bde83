//! placer crate of chipfloor (see ARCHITECTURE.md).
