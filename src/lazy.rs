//! A value of the built-in data, or the bytes it is decoded from on first
//! use: a command decodes only the datasets and recipes it touches.

use std::sync::OnceLock;

/// How a value is read back from the bytes the build wrote.
pub trait Decode: Sized {
    /// Panics on bytes the build did not write (they are part of the binary).
    fn decode(raw: &[u8]) -> Self;
}

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
    raw: &'static [u8],
}

impl<T: Decode> Lazy<T> {
    /// A value that is already decoded (read from a user's file).
    pub fn new(value: T) -> Lazy<T> {
        Lazy { cell: OnceLock::from(value), raw: &[] }
    }

    /// A value still encoded in the binary.
    pub fn encoded(raw: &'static [u8]) -> Lazy<T> {
        Lazy { cell: OnceLock::new(), raw }
    }

    /// Whether the value comes from the built-in bytes (decoded or not).
    pub fn is_builtin(&self) -> bool {
        !self.raw.is_empty()
    }

    pub fn get(&self) -> &T {
        self.cell.get_or_init(|| T::decode(self.raw))
    }

    pub fn into_inner(self) -> T {
        self.get();
        self.cell.into_inner().expect("decoded just above")
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.get();
        self.cell.get_mut().expect("decoded just above")
    }
}
