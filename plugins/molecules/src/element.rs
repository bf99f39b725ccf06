//! The five elements of QM9 (H, C, N, O, F): symbols, atomic numbers, valences, covalent radii and the
//! 15-value atom-type features of Satorras et al.'s EGNN QM9 setting.

use core::fmt;

/// The largest atomic number of the five elements (fluorine), the `Z_max` of the atom-type features.
pub const Z_MAX: u8 = 9;

/// Length of [`Element::features`]: one-hot over [H, C, N, O, F] times `(Z / Z_max)^k` for k = 0, 1, 2.
pub const FEATURE_LEN: usize = 15;

/// An element of QM9.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Element {
    /// Hydrogen, Z = 1.
    H,
    /// Carbon, Z = 6.
    C,
    /// Nitrogen, Z = 7.
    N,
    /// Oxygen, Z = 8.
    O,
    /// Fluorine, Z = 9.
    F,
}

impl Element {
    /// All five, in the one-hot order of the atom-type features: [H, C, N, O, F].
    pub const ALL: [Element; 5] = [Element::H, Element::C, Element::N, Element::O, Element::F];

    /// The canonical atom order of a molecule ([`crate::Molecule::canonical_order`]): heavy atoms first, as QM9
    /// lists them, then hydrogens: C, N, O, F, H.
    pub const CANONICAL_ORDER: [Element; 5] =
        [Element::C, Element::N, Element::O, Element::F, Element::H];

    /// The element of a symbol (`"C"`, case as written in the periodic table) or of an atomic number (`"6"`).
    pub fn parse(text: &str) -> Option<Element> {
        match text {
            "H" | "1" => Some(Element::H),
            "C" | "6" => Some(Element::C),
            "N" | "7" => Some(Element::N),
            "O" | "8" => Some(Element::O),
            "F" | "9" => Some(Element::F),
            _ => None,
        }
    }

    /// The element of an atomic number.
    pub fn from_z(z: u8) -> Option<Element> {
        Element::ALL.into_iter().find(|e| e.z() == z)
    }

    /// The chemical symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Element::H => "H",
            Element::C => "C",
            Element::N => "N",
            Element::O => "O",
            Element::F => "F",
        }
    }

    /// The atomic number Z.
    pub fn z(self) -> u8 {
        match self {
            Element::H => 1,
            Element::C => 6,
            Element::N => 7,
            Element::O => 8,
            Element::F => 9,
        }
    }

    /// The neutral valence: H 1, C 4, N 3, O 2, F 1.
    pub fn valence(self) -> u8 {
        match self {
            Element::H | Element::F => 1,
            Element::C => 4,
            Element::N => 3,
            Element::O => 2,
        }
    }

    /// The valence with a formal charge `q`, or `None` where this crate does not allow that charge: N⁺ 4 (as in
    /// `[NH4+]`, `[NH3+]`), N⁻ 2, O⁻ 1 (`[O-]`), O⁺ 3, C⁻ 3, C⁺ 3; neutral atoms as [`Element::valence`].
    pub fn charged_valence(self, q: i8) -> Option<u8> {
        match (self, q) {
            (e, 0) => Some(e.valence()),
            (Element::N, 1) => Some(4),
            (Element::N, -1) => Some(2),
            (Element::O, -1) => Some(1),
            (Element::O, 1) => Some(3),
            (Element::C, 1) | (Element::C, -1) => Some(3),
            _ => None,
        }
    }

    /// The single-bond covalent radius in Å (Cordero et al. 2008; carbon sp³): H 0.31, C 0.76, N 0.71, O 0.66,
    /// F 0.57.
    pub fn covalent_radius(self) -> f64 {
        match self {
            Element::H => 0.31,
            Element::C => 0.76,
            Element::N => 0.71,
            Element::O => 0.66,
            Element::F => 0.57,
        }
    }

    /// The position in the one-hot order [H, C, N, O, F].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The atom-type features of the EGNN QM9 setting (Satorras et al. 2021; ESVGD.md §4): the one-hot vector
    /// `e` over [H, C, N, O, F] times `(Z / Z_max)^k` for k = 0, 1, 2 with `Z_max` = [`Z_MAX`] = 9, laid out
    /// `[e, e·(Z/Z_max), e·(Z/Z_max)²]` (15 values, three of them non-zero).
    ///
    /// ```
    /// use equistein_molecules::Element;
    /// let f = Element::C.features();
    /// assert_eq!(f[1], 1.0);
    /// assert!((f[5 + 1] - 6.0 / 9.0).abs() < 1e-12);
    /// assert!((f[10 + 1] - 36.0 / 81.0).abs() < 1e-12);
    /// assert_eq!(f.iter().filter(|v| **v != 0.0).count(), 3);
    /// ```
    pub fn features(self) -> [f64; FEATURE_LEN] {
        let mut out = [0.0; FEATURE_LEN];
        let s = f64::from(self.z()) / f64::from(Z_MAX);
        let i = self.index();
        out[i] = 1.0;
        out[5 + i] = s;
        out[10 + i] = s * s;
        out
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}
