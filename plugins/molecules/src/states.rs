//! The five meta-stable states of DW-4: its local minima, as data.
//!
//! The coordinates were obtained by minimisation: gradient descent on the DW-4 energy (step 0.01, each
//! particle's move capped at 0.1, down to a gradient of 1e-13) from five hand-picked mirror-symmetric shapes
//! (the test `states_are_the_minima_of_hand_picked_shapes` repeats it), then centred. The same five minima,
//! and no others, were the end points of 2,000 quenches from U[−5, 5)^8. Energies and sorted pair distances
//! agree with ESVGD.md §5 (Köhler, Klein & Noé 2020) to 1e-3.

/// A local minimum of the DW-4 energy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetastableState {
    /// The state's number in ESVGD.md §5 (1 = the lowest energy … 5 = the highest); its index in [`STATES`] is
    /// `number − 1`.
    pub number: u8,
    /// The DW-4 energy at the minimum (temperature 1, unordered pairs).
    pub energy: f64,
    /// The six pair distances, ascending: the fingerprint the classifier compares.
    pub sorted_distances: [f64; 6],
    /// A centred configuration `[x1, y1, …, x4, y4]` at the minimum.
    pub coordinates: [f64; 8],
    /// What it looks like.
    pub description: &'static str,
}

/// The five meta-stable states, lowest energy first (`STATES[i].number == i + 1`).
pub const STATES: [MetastableState; 5] = [
    MetastableState {
        number: 1,
        energy: -25.792_201_701_6,
        sorted_distances: [
            2.698_984_150_6,
            2.698_984_150_6,
            5.278_189_776_0,
            5.420_937_485_3,
            5.526_384_420_9,
            5.526_384_420_9,
        ],
        coordinates: [
            -2.639_094_887_980,
            1.072_527_094_496,
            2.639_094_887_980,
            1.072_527_094_496,
            0.0,
            1.637_941_648_163,
            0.0,
            -3.782_995_837_156,
        ],
        description:
            "a wide angle (two short bonds at 156°) with a fourth particle far from all three",
    },
    MetastableState {
        number: 2,
        energy: -25.312_445_392_9,
        sorted_distances: [
            2.476_953_968_5,
            2.663_737_534_7,
            2.663_737_534_7,
            2.849_094_804_0,
            5.352_662_178_3,
            5.352_662_178_3,
        ],
        coordinates: [
            -1.238_476_984_257,
            -1.891_433_615_211,
            1.238_476_984_257,
            -1.891_433_615_211,
            0.0,
            0.466_886_213_196,
            0.0,
            3.315_981_017_227,
        ],
        description: "an isosceles triangle with a fourth particle bonded to its apex, on its axis",
    },
    MetastableState {
        number: 3,
        energy: -24.352_428_341_2,
        sorted_distances: [
            2.412_330_856_7,
            2.412_330_856_7,
            5.161_617_508_0,
            5.161_617_508_0,
            5.697_511_339_2,
            5.697_511_339_2,
        ],
        coordinates: [
            -1.206_165_428_333,
            -2.580_808_753_983,
            1.206_165_428_333,
            -2.580_808_753_983,
            1.206_165_428_333,
            2.580_808_753_983,
            -1.206_165_428_333,
            2.580_808_753_983,
        ],
        description: "a rectangle 2.412 × 5.162: two parallel dimers",
    },
    MetastableState {
        number: 4,
        energy: -23.465_431_759_3,
        sorted_distances: [
            2.384_590_149_8,
            2.706_469_345_9,
            2.706_469_345_9,
            2.706_469_345_9,
            2.706_469_345_9,
            4.859_386_288_3,
        ],
        coordinates: [
            -1.192_295_074_884,
            0.0,
            1.192_295_074_884,
            0.0,
            0.0,
            2.429_693_144_134,
            0.0,
            -2.429_693_144_134,
        ],
        description: "a rhombus of side 2.706 (the state of Köhler's one-state data)",
    },
    MetastableState {
        number: 5,
        energy: -21.066_478_406_5,
        sorted_distances: [
            3.053_191_640_6,
            3.053_191_640_6,
            3.053_191_640_6,
            5.288_283_046_8,
            5.288_283_046_8,
            5.288_283_046_8,
        ],
        coordinates: [
            0.0,
            3.053_191_640_598,
            -2.644_141_523_380,
            -1.526_595_820_299,
            2.644_141_523_380,
            -1.526_595_820_299,
            0.0,
            0.0,
        ],
        description: "an equilateral triangle of side 5.288 with a particle at its centre",
    },
];
