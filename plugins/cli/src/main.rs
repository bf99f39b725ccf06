//! `equistein`: runs the experiments of equivariant SVGD (see `equistein list`).

fn main() {
    std::process::exit(equistein_cli::app::main_with(std::env::args_os()));
}
