"""Mistake: classify_images() flattens with images.view(N, -1).

view cannot merge the dimensions of channels_last or sliced (non-contiguous) images.
"""

CAUGHT_BY = "images.view(N, -1) fails"
REJECTED_BY = "test_classify_images_fixes_the_shape_error"


def classify_images(model, images):
    return model(images.view(images.shape[0], -1))
