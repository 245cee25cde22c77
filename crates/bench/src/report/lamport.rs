//! Lamport diagram (to be written).
