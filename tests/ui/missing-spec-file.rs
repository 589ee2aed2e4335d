fireworks_ai_macros::generate_api!("tests/ui/specs/does-not-exist.yaml");

fn main() {}
