"""Mistake: returning onnxruntime's NumPy arrays as they are.

The caller works with torch tensors on its device; NumPy arrays have no .device, and
mixing them into torch code fails or silently copies.
"""

CAUGHT_BY = "expected a list of torch tensors"
REJECTED_BY = "test_predict_feeds_the_graph_by_its_input_names"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError("wrong number of inputs")
    feed = {n: t.detach().cpu().numpy() for n, t in zip(names, inputs, strict=True)}
    return session.run(None, feed)
