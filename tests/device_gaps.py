"""Tests that fail on the strict stand-in device today (``NEUROFLOW_DEVICE=strict``), each with the error seen.

Measured by ``NEUROFLOW_DEVICE=strict pytest -p no:cacheprovider --junitxml=...`` (see the README's "GPU (CuPy) and
devices"); ``tests/conftest.py`` marks these as expected failures (not strict: one that starts passing shows as
XPASS and should leave this list). Each is either NumPy called on device data inside neuroflow or a test that
reads device results with NumPy; both are issue #18's remaining work. Whole folders that are host-only by nature
are in ``HOST_ONLY_FOLDERS`` and skipped on a device."""

HOST_ONLY_FOLDERS = {
    'tests/compile/': 'the compiled step and its fusion run on NumPy/C (the step runs eagerly on a device)',
    'tests/onnx/': 'ONNX export/onnxruntime read host arrays',
    'tests/interop/': 'PyTorch/TensorFlow interop runs on host arrays',
    'tests/distribution/': 'MPI ranks exchange host buffers',
    'tests/wrappers/': 'scikit-learn works on host arrays',
}

#: pytest node id -> the first line of the error seen on the strict device.
ON_DEVICE_GAPS = {
    'tests/callbacks/test_evaluate_predict_hooks.py::test_hook_order_and_logs_equal_keras':
        'DeviceError: numpy.shape called on a strict device array',
    'tests/callbacks/test_evaluate_predict_hooks.py::test_predict_batch_logs_hold_each_output_of_a_multi_output_model':
        'DeviceError: numpy.shape called on a strict device array',
    'tests/callbacks/test_tensorboard.py::test_histograms_and_images':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/callbacks/test_tensorboard.py::test_embeddings_for_the_projector':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/callbacks/test_tensorboard.py::test_only_rank_zero_writes':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/cli/test_cli.py::test_demo_quick_trains_saves_reloads_and_plots':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/cli/test_cli.py::test_demo_run_returns_results_and_is_reproducible':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/cli/test_cli.py::test_confusion_and_format_matrix':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/examples/test_churn.py::test_two_epochs_from_another_directory_prints_the_course_output':
        'AssertionError: Traceback (most recent call last):',
    'tests/examples/test_churn.py::test_main_returns_the_confusion_matrix_of_the_2000_test_customers':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/examples/test_transformer_examples.py::test_transformer_text_quick':
        'AssertionError: Traceback (most recent call last):',
    'tests/examples/test_wgan_gp.py::test_quick_run':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (64',
    'tests/examples/test_wgan_gp.py::test_penalty_gradient_reaches_the_critic_and_matches_finite_differences':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/keras_programs/test_keras_conventions.py::test_custom_steps_get_x_alone_reset_trackers_and_report_the_last_result':
        "AssertionError: assert [<class 'neur...ict.ndarray'>] == [<class 'nump...mpy.ndarray'>]",
    'tests/keras_programs/test_programs.py::test_program_runs_on_neuroflow[image_classification_from_directory]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_activation_layers.py::test_activity_regularization_adds_loss_and_gradient':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/layers/test_attention.py::test_mha_matches_keras[kwargs0]':
        'DeviceError: strict.ndarray.__and__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_mha_matches_keras[kwargs1]':
        'DeviceError: strict.ndarray.__and__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_mha_matches_keras[kwargs2]':
        'DeviceError: strict.ndarray.__and__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_attention_matches_keras[Attention-kwargs0]':
        'DeviceError: strict.ndarray.__rand__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_attention_matches_keras[Attention-kwargs1]':
        'DeviceError: strict.ndarray.__rand__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_attention_matches_keras[Attention-kwargs2]':
        'DeviceError: strict.ndarray.__rand__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_attention_matches_keras[AdditiveAttention-kwargs3]':
        'DeviceError: strict.ndarray.__rand__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_attention.py::test_attention_matches_keras[AdditiveAttention-kwargs4]':
        'DeviceError: strict.ndarray.__rand__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation.py::test_check_layer[contrast]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation.py::test_check_layer[flip]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation.py::test_identity_only_with_training_false[contrast]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (4,',
    'tests/layers/test_augmentation.py::test_identity_only_with_training_false[flip]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation.py::test_seed_reproducible_and_draws_advance[contrast]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (16,',
    'tests/layers/test_augmentation.py::test_seed_reproducible_and_draws_advance[flip]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation.py::test_flips':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation.py::test_contrast':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (5,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[AugMix]':
        'DeviceError: numpy.zeros_like called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[AutoContrast]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[ContrastLimitedAdaptiveHistogramEqualization]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[CutMix]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[Equalization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[MixUp]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[Pipeline]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandAugment]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomColorDegeneration]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomColorJitter]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomElasticTransform]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomErasing]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomGaussianBlur]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomGrayscale]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomHue]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomInvert]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomPerspective]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomPosterization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomSaturation]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[RandomSharpness]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_check_layer[Solarization]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (2,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[AugMix]':
        'DeviceError: numpy.zeros_like called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[CutMix]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[MixUp]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandAugment]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomColorDegeneration]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomColorJitter]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomElasticTransform]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomErasing]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomGaussianBlur]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomGrayscale]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomHue]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomInvert]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomPerspective]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomPosterization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomSaturation]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[RandomSharpness]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_random_layers_act_unless_training_is_false[Solarization]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (6,',
    'tests/layers/test_augmentation_keras3.py::test_deterministic_layers_at_inference':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[AugMix]':
        'DeviceError: numpy.zeros_like called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[CutMix]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[MixUp]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandAugment]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomColorDegeneration]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomColorJitter]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomElasticTransform]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomErasing]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomGaussianBlur]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomGrayscale]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomHue]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomInvert]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomPerspective]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomPosterization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomSaturation]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[RandomSharpness]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_seed_reproducible_and_draws_advance[Solarization]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[AugMix]':
        'DeviceError: numpy.zeros_like called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[AutoContrast]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[ContrastLimitedAdaptiveHistogramEqualization]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[CutMix]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[Equalization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[MixUp]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[Pipeline]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandAugment]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomColorDegeneration]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomColorJitter]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomElasticTransform]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomErasing]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomGaussianBlur]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomGrayscale]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomHue]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomInvert]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomPerspective]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomPosterization]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomSaturation]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[RandomSharpness]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_unbatched_and_channels_first_follow_the_batched_layout[Solarization]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (1,',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomSharpness]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomColorDegeneration]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[AugMix]':
        'DeviceError: numpy.zeros_like called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomElasticTransform]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomErasing]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_outputs_stay_in_value_range[RandomGaussianBlur]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_value_range_scales_the_8_bit_operations':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_integer_images_come_out_as_floats':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_inside_fit_and_saved_mid_stream':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3.py::test_pipeline_config_keeps_the_layers_and_order':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[AutoContrast-0]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[AutoContrast-1]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Equalization-2]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Equalization-3]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Equalization-4]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Equalization-5]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[ContrastLimitedAdaptiveHistogramEqualization-6]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[ContrastLimitedAdaptiveHistogramEqualization-7]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[ContrastLimitedAdaptiveHistogramEqualization-8]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Solarization-9]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[Solarization-10]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomInvert-11]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomGrayscale-12]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomBrightness-13]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomBrightness-14]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomSaturation-15]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomSaturation-16]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomHue-17]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomHue-18]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomColorDegeneration-19]':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomSharpness-20]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomSharpness-21]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomPosterization-22]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomPosterization-23]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomGaussianBlur-24]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras[RandomColorJitter-25]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras_channels_first[RandomGrayscale-kwargs0]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras_channels_first[RandomSaturation-kwargs1]':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (3,',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras_channels_first[RandomSharpness-kwargs2]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_matches_keras_channels_first[ContrastLimitedAdaptiveHistogramEqualization-kwargs3]':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_pipeline_matches_keras[True]':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_pipeline_matches_keras[False]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_inference_behaviour_matches_keras':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_oracle.py::test_max_num_bounding_boxes_matches_keras':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_brightness_shift_inside_the_factor_range':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (64,',
    'tests/layers/test_augmentation_keras3_random.py::test_probability_of_applying[<lambda>-0.3]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_probability_of_applying[<lambda>-0.7]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_hue_rotates_by_half_the_factor_either_way':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (32,',
    'tests/layers/test_augmentation_keras3_random.py::test_saturation_scales_by_f_over_one_minus_f':
        'DeviceError: strict.ndarray.__mul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3_random.py::test_posterization_keeps_the_top_bits':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_solarization_inverts_above_the_threshold':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (4,',
    'tests/layers/test_augmentation_keras3_random.py::test_sharpness_half_is_identity_and_degeneration_one_is_gray':
        'DeviceError: numpy.pad called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_warps_without_strength_or_chance_are_identity':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_erasing_cuts_one_box_of_the_drawn_size':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_equalization_flattens_a_skewed_histogram':
        'DeviceError: numpy.clip called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_mixup_mixes_images_and_labels_by_the_same_weights':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (8,',
    'tests/layers/test_augmentation_keras3_random.py::test_cutmix_pastes_a_box_and_mixes_labels_by_area':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_dict_inputs':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_keras3_random.py::test_bounding_boxes':
        'DeviceError: strict.ndarray.__rmul__: got a host numpy.ndarray (shape (4,',
    'tests/layers/test_augmentation_keras3_random.py::test_policies_compose_their_operations':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_training_default.py::test_plain_call_augments_like_keras[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (16,',
    'tests/layers/test_augmentation_training_default.py::test_plain_call_augments_like_keras[RandomFlip]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_training_default.py::test_models_pass_none_down_like_keras[RandomBrightness]':
        'DeviceError: strict.ndarray.__add__: got a host numpy.ndarray (shape (16,',
    'tests/layers/test_augmentation_training_default.py::test_models_pass_none_down_like_keras[RandomFlip]':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_training_default.py::test_functional_model_and_pipeline_use_the_layer_default':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_augmentation_training_default.py::test_dropout_keeps_its_own_default_next_to_an_augmentation':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_category_and_pooling.py::test_category_encoding_count_weights_and_errors':
        'DeviceError: strict.add.at: got a host numpy.ndarray (shape (3,), dtype f',
    'tests/layers/test_conv_lstm.py::test_gradients_match_finite_differences_in_float64':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/layers/test_eager_masks_and_training_context.py::test_an_outer_training_value_reaches_inner_calls_that_pass_none':
        'DeviceError: numpy.where called on a strict device array',
    'tests/layers/test_embedding.py::test_default_initializer_is_uniform_005':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/layers/test_embedding.py::test_out_of_range_ids_raise_a_clear_error':
        'IndexError: index 12 is out of bounds for axis 0 with size 10',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[conv1d-causal-gelu]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[conv2d-depthwise-relu]':
        'DeviceError: numpy.einsum called on a strict device array',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[conv2d-softmax-cf]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[conv2d-tanh]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[dense-custom]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[dense-elu-3d]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[dense-relu]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[dense-sigmoid]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_forward_kernel.py::test_the_graph_and_the_arrays_compute_the_same[dense-softmax-nobias]':
        'DeviceError: strict.ndarray.__rmatmul__: got a host numpy.ndarray (shape',
    'tests/layers/test_hashing_layers.py::test_hashing_layer_check[<lambda>-data2]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/layers/test_lookup_layers.py::test_layer_check[<lambda>-data3]':
        'DeviceError: numpy.searchsorted called on a strict device array',
    'tests/layers/test_lookup_layers.py::test_layer_check[<lambda>-data4]':
        'DeviceError: numpy.searchsorted called on a strict device array',
    'tests/layers/test_normalization.py::test_batch_norm_in_fit_updates_moving_stats_and_predict_uses_them':
        'DeviceError: strict.ndarray.__rsub__: got a host numpy.ndarray (shape (32',
    'tests/layers/test_normalization_extra.py::test_unit_normalization_of_zeros_is_finite':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/layers/test_preprocessing.py::test_adapt_on_dataset_list_and_tensor_agree':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/layers/test_recurrent_layers.py::test_mask_gradient_skips_padded_steps':
        'DeviceError: numpy.all called on a strict device array',
    'tests/layers/test_recurrent_layers.py::test_constraints_hold_after_fit':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/layers/test_spectrogram.py::test_stft_spectrogram_kernels_learn':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/layers/test_torch_module_wrapper.py::test_forward_and_gradients_equal_torch':
        "AttributeError: strict device arrays have no attribute 'ctypes'",
    'tests/layers/test_torch_module_wrapper.py::test_fit_updates_the_shared_parameters':
        "AttributeError: strict device arrays have no attribute 'ctypes'",
    'tests/layers/test_torch_module_wrapper.py::test_predict_records_no_torch_graph_and_config_is_refused':
        "AttributeError: strict device arrays have no attribute 'ctypes'",
    'tests/layers/test_torch_module_wrapper.py::test_training_flag_switches_train_and_eval':
        "AttributeError: strict device arrays have no attribute 'ctypes'",
    'tests/layers/test_tracking.py::test_gradients_reach_layers_held_in_a_list':
        'DeviceError: numpy.any called on a strict device array',
    'tests/losses/test_losses.py::test_fused_logits_stay_finite_where_probabilities_saturate':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/losses/test_registry.py::test_class_id_out_of_range':
        'IndexOutOfRangeError: index (strict.array([0, 1, 2]), strict.array([0, 3,',
    'tests/losses/test_registry.py::test_binary_loss_rejects_multiclass_labels':
        "Failed: DID NOT RAISE <class 'DataError'>",
    'tests/metrics/test_keras_contract.py::test_accuracy_of_a_single_unit_output_reads_1d_labels[shapes0]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_keras_contract.py::test_accuracy_of_a_single_unit_output_reads_1d_labels[shapes1]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_keras_contract.py::test_accuracy_of_a_single_unit_output_reads_1d_labels[shapes2]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_keras_contract.py::test_accuracy_of_a_single_unit_output_reads_1d_labels[shapes3]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_metrics.py::test_auc_pr':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_metrics.py::test_confusion_metrics_reject_logits':
        "Failed: DID NOT RAISE <class 'DataError'>",
    'tests/metrics/test_metrics.py::test_r2_aggregations':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_metrics.py::test_mean_and_sum':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_metrics.py::test_metrics_record_no_graph':
        'AssertionError: assert False',
    'tests/metrics/test_metrics.py::test_keras_docstring_values':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/metrics/test_registry.py::test_other_identifiers':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_keras_parity.py::test_int8_dense_matches_keras':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_keras_parity.py::test_int8_einsum_dense_matches_keras':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_keras_parity.py::test_int8_embedding_matches_keras':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_quantized_model_predicts_close_trains_its_bias_and_keeps_int8':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_quantized_input_gradient_passes_through_the_dequantized_kernel':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_quantize_errors':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_layers_made_with_a_quantized_policy_pass_the_layer_check[dense]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_quantized_files_load_in_neuroflow_and_keras':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_keras_quantized_files_load_including_weight_only_configs':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_quantize.py::test_quantization_configs':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/mixed_precision/test_training.py::test_weights_float32_activations_float16_gradients_finite':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/models/test_dbn.py::test_to_classifier_copies_the_weights_exactly':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/models/test_functional_inputs.py::test_feature_space_guide_training_and_inference_models':
        'DeviceError: numpy.searchsorted called on a strict device array',
    'tests/models/test_rntn.py::test_gradients_match_finite_differences_in_float64':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/ops/test_complex_and_scale_ops.py::test_scale_and_translate_integer_images_and_keras_example':
        'DeviceError: numpy.round called on a strict device array',
    'tests/ops/test_complex_and_scale_ops.py::test_polar_and_views_match_keras':
        'AssertionError: assert (False)',
    'tests/ops/test_op_table.py::test_finite_differences[fused_elementwise[gelu-tanh]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_finite_differences[fused_elementwise[scalar-input]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_finite_differences[fused_elementwise[log-max-softplus]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_finite_differences[torch_module[tanh]]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/ops/test_op_table.py::test_torch_parity[fused_elementwise[gelu-tanh]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_torch_parity[fused_elementwise[scalar-input]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_torch_parity[fused_elementwise[log-max-softplus]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table.py::test_torch_parity[torch_module[tanh]]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/ops/test_op_table_second_order.py::test_second_order_finite_differences[fused_elementwise[gelu-tanh]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_second_order_finite_differences[fused_elementwise[scalar-input]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_second_order_finite_differences[fused_elementwise[log-max-softplus]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_second_order_torch_parity[fused_elementwise[gelu-tanh]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_second_order_torch_parity[fused_elementwise[scalar-input]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_second_order_torch_parity[fused_elementwise[log-max-softplus]]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/ops/test_op_table_second_order.py::test_known_gaps_are_exact':
        "AssertionError: rows in KNOWN_GAPS that now have a double backward: ['torch_module[tanh]']",
    'tests/ops/test_reference_double_backward.py::test_first_order_backward_never_runs_the_reference':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_clipping.py::test_global_clipnorm_of_non_finite_gradients_gives_nan_like_keras':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/optimizers/test_keras_api.py::test_gradient_accumulation_state_resumes_bit_for_bit':
        'DeviceError: numpy.any called on a strict device array',
    'tests/optimizers/test_muon.py::test_muon_steps_match_keras[defaults]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_muon.py::test_muon_steps_match_keras[plain_momentum]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_muon.py::test_muon_steps_match_keras[decays]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[sgd-0-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[sgd-0-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-1-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-1-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adamw-2-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adamw-2-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[rmsprop-3-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[rmsprop-3-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adagrad-4-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adagrad-4-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adadelta-5-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adadelta-5-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adamax-6-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adamax-6-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[nadam-7-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[nadam-7-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-8-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-8-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[sgd-9-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[sgd-9-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-10-per_variable]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_state.py::test_resume_is_bit_identical[adam-10-flat]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_step.py::test_gradient_forms_tensors_float64_and_errors':
        'DeviceError: numpy.allclose called on a strict device array',
    'tests/optimizers/test_step.py::test_weights_are_updated_in_place':
        'DeviceError: numpy.allclose called on a strict device array',
    'tests/optimizers/test_step.py::test_learning_rate_property_and_iterations':
        'DeviceError: numpy.allclose called on a strict device array',
    'tests/optimizers/test_step.py::test_flat_mode_rebinds_variables_to_views_of_one_buffer':
        'DeviceError: strict.copyto: got a host numpy.ndarray (shape (6,), dtype f',
    'tests/optimizers/test_step.py::test_flat_mode_keeps_dtypes_apart':
        'DeviceError: numpy.allclose called on a strict device array',
    'tests/optimizers/test_step.py::test_auto_flat_packs_small_model_weights_in_fit_only':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[adam]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[rmsprop]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[sgd]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[nadam]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[adamax]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[adagrad]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[adadelta]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_step.py::test_large_variables_updated_on_two_threads_match_one_thread[adamw]':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adadelta-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adadelta-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adagrad-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adagrad-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-amsgrad-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-amsgrad-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-clipnorm-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-clipnorm-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-clipvalue-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-clipvalue-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-ema-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-ema-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-loss-scale-clipvalue-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-loss-scale-clipvalue-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-schedule-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adam-schedule-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamax-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamax-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamw-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamw-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamw-exclude-bias-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[adamw-exclude-bias-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[nadam-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[nadam-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-centered-momentum-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-centered-momentum-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-global-clipnorm-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[rmsprop-global-clipnorm-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-ema-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-ema-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-loss-scale-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-loss-scale-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-momentum-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-momentum-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-nesterov-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-nesterov-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-step-callable-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-step-callable-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-weight-decay-numpy]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/optimizers/test_unchanged_updates.py::test_update_is_bitwise_what_it_was[sgd-weight-decay-native]':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/test_random_api.py::test_dropout_is_inverted_and_differentiable':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/training/test_fit.py::test_labels_that_do_not_fit_the_loss':
        'IndexError: index 5 is out of bounds for axis 1 with size 3',
    'tests/training/test_inference.py::test_predict_equals_the_ordinary_call[channels_first]':
        'DeviceError: numpy.concatenate called on a strict device array',
    'tests/training/test_inference.py::test_predict_equals_the_ordinary_call[conv1d_unfused_activations]':
        'DeviceError: numpy.concatenate called on a strict device array',
    'tests/training/test_inference.py::test_predict_equals_the_ordinary_call[convnet]':
        'DeviceError: numpy.concatenate called on a strict device array',
    'tests/training/test_inference.py::test_predict_equals_the_ordinary_call[depthwise_and_batchnorm]':
        'DeviceError: numpy.concatenate called on a strict device array',
    'tests/training/test_inference.py::test_predict_equals_the_ordinary_call[lstm]':
        'DeviceError: numpy.concatenate called on a strict device array',
    'tests/training/test_keras_api.py::test_initializers_by_name[glorot_uniform-<lambda>]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_keras_api.py::test_initializers_by_name[he_uniform-<lambda>]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_keras_api.py::test_initializers_by_name[lecun_uniform-<lambda>]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_keras_api.py::test_initializers_by_name[truncated_normal-<lambda>]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_keras_api.py::test_initializers_by_name[orthogonal-<lambda>]':
        'DeviceError: numpy.allclose called on a strict device array',
    'tests/training/test_keras_api.py::test_initializer_objects_identity_and_constant':
        'DeviceError: numpy.array_equal called on a strict device array',
    'tests/training/test_keras_api.py::test_kernel_constraint_is_applied_after_each_update':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_logits_contract.py::test_saturating_logits_give_the_exact_finite_loss_and_a_gradient_that_does_not_vanish[binary]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_logits_contract.py::test_saturating_logits_give_the_exact_finite_loss_and_a_gradient_that_does_not_vanish[categorical]':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/training/test_logits_contract.py::test_custom_losses_and_metrics_receive_probabilities':
        'DeviceError: Implicit conversion to a NumPy array is not allowed (strict',
    'tests/training/test_predict_fast_path.py::test_one_sample_predict_makes_few_python_calls':
        'AssertionError: one-sample predict made 263 Python calls (at most 80)',
    'tests/training/test_predict_fast_path.py::test_the_fast_path_serves_a_warm_call_and_skips_the_data_adapter':
        'Failed: the data adapter ran',
    'tests/utils/test_feature_space.py::test_adapt_and_encode_layout':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/utils/test_feature_space.py::test_adapt_from_batches_equals_adapt_from_arrays':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/utils/test_feature_space.py::test_dict_output_mode':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/utils/test_feature_space.py::test_models_on_inputs_and_encoded_features_save_and_load':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
    'tests/utils/test_feature_space.py::test_config_round_trip_keeps_what_was_learned':
        "TypeError: operand 'ndarray' does not support ufuncs (__array_ufunc__=None)",
}
