//! chipfloor's tch models (see ARCHITECTURE.md).
