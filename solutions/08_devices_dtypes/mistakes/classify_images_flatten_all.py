"""Mistake: classify_images() calls images.flatten(), which flattens the batch dimension too."""

CAUGHT_BY = "flattens the batch dimension too"
REJECTED_BY = "test_classify_images_fixes_the_shape_error"


def classify_images(model, images):
    return model(images.flatten())
