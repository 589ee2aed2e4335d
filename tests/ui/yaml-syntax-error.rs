fireworks_ai_macros::generate_api!("tests/ui/specs/yaml-syntax-error.yaml");

fn main() {}
