"""Mistake: classify_images() permutes to (N, H, W, C) before flattening, for channels_last.

channels_last changes only the memory layout; the logical order stays (C, H, W), and the
model's weights expect that order. The pixels reach the wrong weights.
"""

CAUGHT_BY = "a permute to (N, H, W, C)"
REJECTED_BY = "test_classify_images_fixes_the_shape_error"


def classify_images(model, images):
    return model(images.permute(0, 2, 3, 1).flatten(1))
