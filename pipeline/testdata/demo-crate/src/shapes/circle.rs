use super::Area;

/// A circle.
#[derive(Debug, Clone, Copy)]
pub struct Circle(pub f64);

impl Area for Circle {
    type Unit = f64;
    const SIDES: u32 = 0;

    fn area(&self) -> f64 {
        std::f64::consts::PI * self.0 * self.0
    }
}

impl Circle {
    /// The circle's circumference.
    #[must_use]
    pub fn circumference(&self) -> f64 {
        2.0 * std::f64::consts::PI * self.0
    }
}
