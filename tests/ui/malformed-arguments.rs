mod no_arguments {
    fireworks_ai_macros::generate_api!();
}

mod not_a_literal {
    fireworks_ai_macros::generate_api!(spec / audio_batch);
}

mod extra_argument {
    fireworks_ai_macros::generate_api!("spec/audio-batch.yaml", strict);
}

mod absolute_path {
    fireworks_ai_macros::generate_api!("/etc/audio-batch.yaml");
}

fn main() {}
