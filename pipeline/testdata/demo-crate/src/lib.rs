//! Geometry helpers: shapes, areas and a tiny registry.
//!
//! This crate exists so that `doctown build` has something real to chew on.

pub mod shapes;
mod registry;

pub use registry::Registry;

/// The library's version, as written in Cargo.toml.
pub const VERSION: &str = "0.1.0";

/// Errors returned by fallible geometry operations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GeometryError {
    /// A length was negative.
    NegativeLength(f64),
    /// A shape with this name is already registered.
    Duplicate { name: String },
}

/// Parses a side length.
///
/// # Errors
///
/// Returns [`GeometryError::NegativeLength`] when the value is below zero.
///
/// # Examples
///
/// ```
/// let side = demo_crate::parse_length("2.5").unwrap();
/// assert_eq!(side, 2.5);
/// ```
pub fn parse_length(s: &str) -> Result<f64, GeometryError> {
    let v: f64 = s.trim().parse().unwrap_or(-1.0);
    if v < 0.0 {
        return Err(GeometryError::NegativeLength(v));
    }
    Ok(v)
}

/// Squares a number.
#[macro_export]
macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

pub fn undocumented_helper(count: usize) -> Vec<u8> {
    vec![0; count]
}
