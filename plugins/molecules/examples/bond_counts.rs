//! Bond estimation against the header SMILES of multi-record XYZ files, per estimator, as JSON on stdout:
//! `{"file": …, "molecules": N, "ours": k, "paper": k, "paper-released": k, "seconds": {…}}` per line.
//! Run: `cargo run --release -p equistein-molecules --example bond_counts -- FILE.xyz[.gz] … [--failures]`
//! (`--failures` lists, on stderr, the molecules our estimator gets wrong; `--dump PATH` writes one line per
//! molecule, `file, gdb, header smiles, then the SMILES written from each estimator's graph`, tab-separated, so that
//! another tool can check the graphs independently).

use equistein_molecules::{Estimator, MolGraph, XyzReader};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let failures = args.iter().any(|a| a == "--failures");
    let dump_path = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|k| args.get(k + 1))
        .cloned();
    let mut dump = match &dump_path {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let files: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with("--") && Some(*a) != dump_path.as_ref())
        .collect();
    for path in files {
        let mut molecules = 0usize;
        let mut counts = [0usize; 3];
        let mut seconds = [0f64; 3];
        for record in XyzReader::open(path)? {
            let record = record?;
            molecules += 1;
            let Some(smiles) = record.property("smiles") else {
                continue;
            };
            let reference = MolGraph::from_smiles(smiles)?;
            let mut written = Vec::new();
            for (k, est) in Estimator::ALL.into_iter().enumerate() {
                let t = Instant::now();
                let g = est.estimate(&record.molecule);
                seconds[k] += t.elapsed().as_secs_f64();
                written.push(if g.valid() {
                    g.to_smiles()
                } else {
                    "invalid".to_string()
                });
                let ok = g.valid() && g.same_molecule(&reference);
                counts[k] += usize::from(ok);
                if failures && !ok && est == Estimator::Ours {
                    eprintln!(
                        "{} gdb={} reference {} estimated {} (valid {})",
                        path,
                        record.property("gdb").unwrap_or("?"),
                        smiles,
                        g.to_smiles(),
                        g.valid()
                    );
                }
            }
            if let Some(w) = dump.as_mut() {
                let name = std::path::Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                writeln!(
                    w,
                    "{}\t{}\t{smiles}\t{}",
                    name.unwrap_or_default(),
                    record.property("gdb").unwrap_or("?"),
                    written.join("\t")
                )?;
            }
        }
        println!(
            "{{\"file\": {:?}, \"molecules\": {molecules}, \"ours\": {}, \"paper\": {}, \"paper-released\": {}, \"seconds\": {{\"ours\": {:.3}, \"paper\": {:.3}, \"paper-released\": {:.3}}}}}",
            std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            counts[0], counts[1], counts[2], seconds[0], seconds[1], seconds[2]
        );
    }
    Ok(())
}
