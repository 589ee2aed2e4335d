fireworks_ai_macros::generate_api!("tests/ui/specs/unknown-type.yaml");

fn main() {}
