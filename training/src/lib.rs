//! chipfloor's PPO training (see ARCHITECTURE.md).
