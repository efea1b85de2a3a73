//! Shapes that know their area.

mod circle;

pub use circle::Circle;

/// Anything with an area.
pub trait Area {
    /// The unit the area is measured in.
    type Unit;

    /// How many sides the shape has; `0` for curves.
    const SIDES: u32;

    /// Returns the area.
    fn area(&self) -> f64;

    /// Returns the area rounded to `digits` decimal places.
    ///
    /// # Panics
    ///
    /// Panics if `digits` is greater than 15.
    fn rounded_area(&self, digits: u32) -> f64 {
        assert!(digits <= 15);
        let p = 10f64.powi(digits as i32);
        (self.area() * p).round() / p
    }
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rect {
    /// Width in metres.
    pub width: f64,
    /// Height in metres.
    pub height: f64,
    id: u64,
}

impl Rect {
    /// Makes a rectangle.
    pub fn new(width: f64, height: f64) -> Self {
        Rect { width, height, id: 0 }
    }

    /// Makes a square.
    pub fn square(side: f64) -> Self {
        Self::new(side, side)
    }

    fn secret(&self) -> u64 {
        self.id
    }
}

impl Area for Rect {
    type Unit = f64;
    const SIDES: u32 = 4;

    fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// Raw bits of a length, for FFI.
#[repr(C)]
pub union Bits {
    /// As a float.
    pub f: f64,
    /// As an integer.
    pub u: u64,
}

/// Reinterprets the bits of `x`.
///
/// # Safety
///
/// The caller must make sure the union was written as a float.
pub unsafe fn read_float(x: &Bits) -> f64 {
    x.f
}

/// A shape made of points.
pub type Polygon<T> = Vec<(T, T)>;

/// Counts shapes created so far.
pub static CREATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
