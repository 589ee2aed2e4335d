fireworks_ai_macros::generate_api!("tests/ui/specs/several-errors.yaml");

fn main() {}
