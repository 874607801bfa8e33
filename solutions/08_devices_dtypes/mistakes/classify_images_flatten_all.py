"""Mistake: classify_images() calls images.flatten(), which flattens the batch dimension too."""

CAUGHT_BY = "flattens the batch dimension too"


def classify_images(model, images):
    return model(images.flatten())
