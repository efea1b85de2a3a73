use std::collections::BTreeMap;

use crate::GeometryError;

/// Shapes stored by name.
#[derive(Debug, Default)]
pub struct Registry<T> {
    items: BTreeMap<String, T>,
}

impl<T> Registry<T> {
    /// An empty registry.
    pub fn new() -> Self {
        Registry { items: BTreeMap::new() }
    }

    /// Adds a shape.
    ///
    /// # Errors
    ///
    /// Fails with [`GeometryError::Duplicate`] when `name` is taken.
    pub fn insert(&mut self, name: &str, shape: T) -> Result<(), GeometryError> {
        if self.items.contains_key(name) {
            return Err(GeometryError::Duplicate { name: name.to_string() });
        }
        self.items.insert(name.to_string(), shape);
        Ok(())
    }

    /// Looks a shape up.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.items.get(name)
    }
}

/// Not reachable: the module is private and nothing re-exports it.
pub fn internal_only() {}
