//! jim-std (stub).
